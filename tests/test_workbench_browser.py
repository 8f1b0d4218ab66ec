"""The workbench in a real browser: Debian's headless Chromium driven by Selenium through its
chromedriver, against `ampy serve`'s app on a free 127.0.0.1 port.

A failing test leaves a screenshot of the browser in its pytest temp folder. With
AMPY_WRITE_SCREENSHOTS=1 the preview test also writes docs/preview.png (the README's picture).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchFrameException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from server_support import served_workspace

from ampy.cloud.workspace import create_workspace

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
WAIT = 30  # seconds a condition may take before the test gives up (a hang guard, not a speed check)

PROMO = ('%%[ set @name = ProperCase(AttributeValue("FirstName")) ]%%<!DOCTYPE html><html><head>'
         "<style>body { font-family: Georgia, serif; margin: 2rem } .tier { color: #0b3d5c }</style></head><body>\n"
         "<h1>Hello %%=v(@name)=%%</h1>\n"
         '<p>Your tier is <b class="tier">%%Tier%%</b> and you live in %%City%%.</p>\n'
         '<p><a href="https://example.com/offer?k=%%=v(_subscriberkey)=%%">See the offer</a></p>\n'
         "</body></html>\n")

DEFINITIONS = [{"Type": "Email", "ID": 7, "CustomerKey": "Promo", "Name": "Spring promo",
                "Subject": "%%=v(AttributeValue(\"FirstName\"))=%%, your spring offer",
                "PreHeader": "Only for %%Tier%% members", "HTMLBody": {"$file": "content/promo.html"}}]


def _browser_paths() -> tuple[str, str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver")
                                              else None)
    if not binary or not driver:
        pytest.fail("the browser tests need Chromium and its driver: install Debian's packages with "
                    "`apt-get install chromium chromium-driver` (.ci/run does this)", pytrace=False)
    return binary, driver


@pytest.fixture(scope="module")
def driver():
    binary, driver_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    # An explicit driver path: Selenium Manager never runs, nothing is downloaded.
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    # Frames and pages load on their own time: a lookup waits a moment for its element to appear.
    browser.implicitly_wait(5)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def browser(driver, request, tmp_path):
    """The shared browser; a screenshot is saved under the test's temp folder when it fails."""
    failed_before = request.session.testsfailed
    yield driver
    if request.session.testsfailed > failed_before:
        shot = tmp_path / f"{request.node.name}.png"
        driver.switch_to.default_content()
        driver.save_screenshot(str(shot))
        print(f"screenshot of the failure: {shot}")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser") / "ws"
    create_workspace(str(root))
    (root / "content" / "promo.html").write_text(PROMO, encoding="utf-8")
    (root / "content" / "live.html").write_text("<h1>Version one</h1>", encoding="utf-8")
    (root / "definitions" / "promo.json").write_text(json.dumps(DEFINITIONS), encoding="utf-8")
    (root / "cloudpages" / "hello.amp").write_text(
        "<html><body><h1>%%=Uppercase('first')=%%</h1></body></html>", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(workspace):
    with served_workspace(workspace, threads=6, live_reload=True) as running:
        yield running


def _wait(browser, condition, message):
    # The live update replaces the page's main element, so elements found a moment ago may be gone.
    waiting = WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException, NoSuchFrameException))
    return waiting.until(lambda d: condition(d), message)


def _cells(browser, row_selector):
    """The text of each cell of each row (read in one go, so a page being replaced is retried)."""
    rows = [[c.text for c in r.find_elements(By.TAG_NAME, "td")]
            for r in browser.find_elements(By.CSS_SELECTOR, row_selector)]
    return rows or False


def test_submit_the_sample_cloudpage_form_then_find_the_row(browser, server):
    browser.get(server.url + "/subscribe")
    browser.find_element(By.NAME, "email").send_keys("newcomer@example.com")
    browser.find_element(By.NAME, "first_name").send_keys("Newcomer")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    # The page upserts the row and redirects (302) to the thank-you page through CloudPagesURL.
    heading = _wait(browser, lambda d: (text := d.find_element(By.TAG_NAME, "h1").text).startswith("Thank you")
                    and text, "no thank-you page")
    assert heading == "Thank you, Newcomer!"
    assert "qs=" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "body p").text == "newcomer@example.com is subscribed."

    browser.get(server.url + "/_ampy/data?de=Subscribers")
    search = browser.find_element(By.CSS_SELECTOR, "form.ampy-search input[name=q]")
    search.send_keys("newcomer")
    search.submit()
    # The search loads a new page: read only its rows (the old page's may still be there a moment).
    rows = _wait(browser, lambda d: "q=newcomer" in d.current_url and _cells(d, "table.ampy-rows tbody tr"), "no rows")
    assert len(rows) == 1
    assert rows[0][:3] == ["newcomer@example.com", "newcomer@example.com", "Newcomer"]


def test_preview_an_email_for_a_picked_subscriber(browser, server):
    browser.get(server.url + "/")
    browser.find_element(By.LINK_TEXT, "Spring promo").click()
    _wait(browser, lambda d: "Spring promo" in d.find_element(By.TAG_NAME, "h1").text, "the email did not open")
    search = browser.find_element(By.CSS_SELECTOR, "form.ampy-search input[name=q]")
    search.send_keys("grace")
    search.submit()
    pick = _wait(browser, lambda d: "q=grace" in d.current_url
                 and [a.text for a in d.find_elements(By.CSS_SELECTOR, ".ampy-subscribers a")], "no subscribers")
    assert pick == ["S002 · grace@example.com · Grace"]
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".ampy-subscribers a").click() or True, "no pick")
    _wait(browser, lambda d: "S002" in d.find_element(By.CSS_SELECTOR, ".ampy-who").text, "not picked")
    assert browser.find_element(By.ID, "ampy-subject").text == "Grace, your spring offer"
    assert browser.find_element(By.ID, "ampy-preheader").text == "Only for Platinum members"
    assert browser.find_element(By.ID, "ampy-text").text == (
        "Hello Grace\n\nYour tier is Platinum and you live in Arlington.\n\n"
        "See the offer (https://example.com/offer?k=S002)")
    frame = browser.find_element(By.ID, "ampy-html")
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    try:
        assert browser.find_element(By.TAG_NAME, "h1").text == "Hello Grace"
        assert browser.find_element(By.TAG_NAME, "body").text == (
            "Hello Grace\nYour tier is Platinum and you live in Arlington.\nSee the offer")
    finally:
        browser.switch_to.default_content()
    # The mobile width narrows the frame to 375 CSS pixels.
    browser.find_element(By.CSS_SELECTOR, "button[data-width=mobile]").click()
    _wait(browser, lambda d: frame.size["width"] == 375, "the frame did not narrow to 375 pixels")
    browser.find_element(By.CSS_SELECTOR, "button[data-width=desktop]").click()
    if os.environ.get("AMPY_WRITE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        browser.save_screenshot(str(DOCS / "preview.png"))


def test_a_saved_template_updates_the_open_preview_without_a_reload(browser, server, workspace):
    browser.get(server.url + "/?item=content:live.html")
    frame = browser.find_element(By.ID, "ampy-html")
    browser.switch_to.frame(frame)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Version one"
    browser.switch_to.default_content()
    # A mark on this page's window: a reload would lose it.
    browser.execute_script("window.ampyTestMark = 'still here';")
    (workspace / "content" / "live.html").write_text("<h1>Version two</h1>", encoding="utf-8")

    def updated(d):
        d.switch_to.default_content()
        frames = d.find_elements(By.ID, "ampy-html")
        if not frames:
            return False
        d.switch_to.frame(frames[0])
        try:
            headings = d.find_elements(By.TAG_NAME, "h1")
            return bool(headings) and headings[0].text == "Version two"
        finally:
            d.switch_to.default_content()

    _wait(browser, updated, "the preview did not update after the file was saved")
    assert browser.execute_script("return window.ampyTestMark") == "still here"
    assert browser.find_element(By.ID, "ampy-main").get_attribute("data-refreshed")


def test_a_saved_cloudpage_reloads_in_the_browser(browser, server, workspace):
    browser.get(server.url + "/hello")
    assert browser.find_element(By.TAG_NAME, "h1").text == "FIRST"
    page = workspace / "cloudpages" / "hello.amp"
    saves = []

    def reloaded(d):
        # The page learns of changes once its event stream is connected; a save made before that
        # is not announced to it, so save again now and then until the page shows the new text.
        if not saves or time.monotonic() - saves[-1] > 2:
            page.write_text("<html><body><h1>%%=Uppercase('second')=%%</h1></body></html>", encoding="utf-8")
            saves.append(time.monotonic())
        return d.find_element(By.TAG_NAME, "h1").text == "SECOND"

    _wait(browser, reloaded, "the CloudPage did not reload after its file was saved")
