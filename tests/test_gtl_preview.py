"""GTL in the preview server, ``ampy render`` and the README: an email with GTL in its subject,
HTML and text parts previewed over HTTP for a subscriber row, an audience render escaping only
the HTML body, and the README's GTL example rendered exactly."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import requests
from server_support import served_workspace

from ampy.backends import open_backend
from ampy.cloud.workspace import create_workspace
from ampy.template import Template

DEFINITIONS = [{
    "Type": "Email", "ID": 12, "CustomerKey": "Guide", "Name": "Guide",
    "Subject": "{{FirstName}} & {{#if Tier == \"Platinum\"}}<VIP>{{.else}}friends{{/if}}",
    "HTMLBody": "%%[ SET @tags = '[\"new\",\"<b>\"]' ]%%<p>Hi {{FirstName}} from {{City}}</p>"
                "{{#each @tags}}<i>{{this}}</i>{{/each}}",
    "TextBody": "%%[ SET @note = 'A & B <c>' ]%%Hi {{FirstName}}: {{@note}}",
}]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("gtl") / "ws"
    create_workspace(str(root))
    (root / "definitions" / "guide.json").write_text(json.dumps(DEFINITIONS), encoding="utf-8")
    with served_workspace(root, threads=2) as running:
        yield running


def _by_id(page: str, element_id: str) -> str:
    return re.search(rf'<(\w+) id="{element_id}"[^>]*>(.*?)</\1>', page, re.S).group(2)


def test_the_preview_renders_gtl_in_every_part(server):
    r = requests.get(server.url + "/", params={"item": "email:Guide", "de": "Subscribers", "row": "2"}, timeout=30)
    assert r.status_code == 200
    page = r.text
    # the subject is text: GTL does not escape it (the page escapes it once for HTML)
    assert html.unescape(_by_id(page, "ampy-subject")) == "Grace & <VIP>"
    src = re.search(r'<iframe id="ampy-html" sandbox="" src="([^"]+)"', page).group(1)
    frame = requests.get(server.url + html.unescape(src), timeout=30)
    assert frame.text == "<p>Hi Grace from Arlington</p><i>new</i><i>&lt;b&gt;</i>"
    assert html.unescape(_by_id(page, "ampy-text")) == "Hi Grace: A & B <c>"


def _readme_example() -> str:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Guide Template Language"):]
    return re.search(r"```html\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_renders_as_shown(tmp_path):
    create_workspace(str(tmp_path / "ws"))
    backend = open_backend("local", workspace=str(tmp_path / "ws"))
    try:
        out = Template(_readme_example()).render(attributes={"FirstName": "Ada", "Tier": "Gold"}, backend=backend)
    finally:
        backend.close()
    assert out == ("\n<p>Hello Ada,</p>\n<p>Free shipping!</p>\n"
                   "<ul><li>0: A-1 x 2 = 19</li><li>1: B-7 x 1 = 9.5</li></ul>\nAda;Edsger;\n")


def test_ampy_render_escapes_gtl_only_in_the_html_body(tmp_path):
    import subprocess
    import sys

    (tmp_path / "body.html").write_text("<p>{{Name}}</p>", encoding="utf-8")
    (tmp_path / "text.txt").write_text("Hi {{Name}}", encoding="utf-8")
    (tmp_path / "audience.csv").write_text('SubscriberKey,Name\nS1,"A & B <c>"\n', encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "ampy", "render", str(tmp_path / "body.html"),
                           "--csv", str(tmp_path / "audience.csv"), "--format", "jsonl", "--jobs", "1",
                           "--subject", "{{Name}}!", "--text", str(tmp_path / "text.txt")],
                          capture_output=True, text=True, cwd=root, timeout=120)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert (row["subject"], row["html"], row["text"]) == ("A & B <c>!", "<p>A &amp; B &lt;c&gt;</p>", "Hi A & B <c>")
