"""The CLI as a user runs it: a real subprocess, exit codes, stdout/stderr split."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ampy(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "ampy", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=120)


def test_version():
    p = ampy("--version")
    assert p.returncode == 0
    assert p.stdout.strip() == "ampy 0.1.0"


def test_run_file_with_attributes(tmp_path):
    f = tmp_path / "t.amp"
    f.write_text("Hi %%FirstName%% %%=Uppercase(AttributeValue('City'))=%%\n", encoding="utf-8")
    attrs = tmp_path / "a.json"
    attrs.write_text(json.dumps({"City": "Oslo", "FirstName": "ignored"}), encoding="utf-8")
    p = ampy("run", str(f), "--attributes", str(attrs), "--attr", "FirstName=Ann")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Hi Ann OSLO\n", "")


def test_run_stdin_and_data_and_content(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "People.csv").write_text("Id,Name\n7,Zed\n", encoding="utf-8")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "greet.amp").write_text("Hello", encoding="utf-8")
    p = ampy("run", "-", "--data", str(tmp_path / "d"), "--content", str(tmp_path / "c"),
             stdin="%%=ContentBlockByKey('greet')=%% %%=Lookup('people', 'Name', 'Id', 7)=%%")
    assert (p.returncode, p.stdout, p.stderr) == (0, "Hello Zed", "")


def test_run_script_error_goes_to_stderr_with_exit_1(tmp_path):
    f = tmp_path / "bad.amp"
    f.write_text("ok\n%%=Add('x', 1)=%%", encoding="utf-8")
    p = ampy("run", str(f))
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.startswith(f"{f}:2:4: Add: The first number 'x' is not a number\n")
    assert p.stderr.splitlines()[-1].endswith("^")


def test_run_syntax_error_exit_1():
    p = ampy("run", "-", stdin="%%[ IF 1 == 1 THEN ]%%")
    assert p.returncode == 1
    assert p.stderr.startswith("<stdin>:1:5: IF without ENDIF")


def test_usage_errors_exit_2(tmp_path):
    p = ampy("run", str(tmp_path / "missing.amp"))
    assert p.returncode == 2
    assert "cannot read" in p.stderr and p.stdout == ""
    p = ampy("run", "-", "--attr", "novalue", stdin="x")
    assert p.returncode == 2
    assert "--attr must look like NAME=VALUE" in p.stderr
    p = ampy("frobnicate")
    assert p.returncode == 2
    p = ampy()
    assert p.returncode == 2


def test_context_option():
    p = ampy("run", "-", "--context", "email", stdin="%%[ Output(Concat('a')) ]%%")
    assert p.returncode == 1
    assert "Output is not allowed in email content" in p.stderr


def test_check_reports_every_file(tmp_path):
    good = tmp_path / "good.amp"
    good.write_text("%%=Concat('a','b')=%%", encoding="utf-8")
    bad1 = tmp_path / "bad1.amp"
    bad1.write_text("x\n  %%=Concatt('a')=%%", encoding="utf-8")
    bad2 = tmp_path / "bad2.amp"
    bad2.write_text("%%=Length('a', 'b')=%%", encoding="utf-8")
    p = ampy("check", str(good))
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    p = ampy("check", str(good), str(bad1), str(bad2))
    assert p.returncode == 1
    assert p.stdout == ""
    assert f"{bad1}:2:6: Unknown function 'Concatt'" in p.stderr
    assert f"{bad2}:1:4: Length takes exactly 1 argument, got 2" in p.stderr


def test_quick_start_sample_renders():
    p = ampy("run", "samples/welcome.amp", "--data", "samples/data", "--content", "samples/content",
             "--attr", "_subscriberkey=S002")
    assert p.returncode == 0, p.stderr
    assert p.stdout == (
        "\n<h1>Hello Bo!</h1>\n<p>Your tier: <b>Silver</b> (Free standard shipping)</p>\n<ul>\n"
        "  <li>Rain Jacket: $89.00</li>\n</ul>\n"
        '<p style="font-size:11px;color:#777">You are receiving this because bo.chen@example.com joined '
        "Northwind Outfitters.</p>\n\n")


def test_render_once_per_data_extension_row(tmp_path):
    out = tmp_path / "out"
    p = ampy("render", "samples/welcome.amp", "--data", "samples/data", "--content", "samples/content",
             "--de", "Members", "--key", "SubscriberKey", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert p.stderr == "rendered 3 of 3 row(s)\n"
    assert sorted(os.listdir(out)) == ["S001.html", "S002.html", "S003.html"]
    assert "<h1>Hello Cara!</h1>" in (out / "S003.html").read_text(encoding="utf-8")
    assert "<p>No orders yet.</p>" in (out / "S003.html").read_text(encoding="utf-8")
    p = ampy("render", "-", "--data", "samples/data", "--de", "Members", "--where", "Tier=gold",
             stdin="%%=v(FirstName)=%% <%%=v(emailaddr)=%%>")
    assert (p.returncode, p.stdout) == (0, "Ann <ann.lee@example.com>\n")
    p = ampy("render", "-", "--data", "samples/data", "--de", "Members", stdin="%%=Add(FirstName, 1)=%%")
    assert p.returncode == 1
    assert p.stderr.count("is not a number") == 3
    assert p.stderr.endswith("rendered 0 of 3 row(s), 3 failed\n")


@pytest.mark.parametrize("module", ["zeep", "prompt_toolkit", "lxml", "requests"])
def test_startup_stays_light(module):
    code = ("import sys, ampy.cli; ampy.cli.build_parser(); import ampy; ampy.render('%%=Concat(1)=%%'); "
            f"print({module!r} in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.stdout.strip() == "False", p.stderr


def test_redirect_answers_302_and_discards_the_output():
    p = ampy("run", "-", stdin="Hello %%[ Redirect('https://example.com/thanks') ]%% never")
    assert (p.returncode, p.stdout) == (0, "")
    assert p.stderr == "ampy: Redirect to https://example.com/thanks (HTTP 302; the page output is discarded)\n"
