"""``ampy run --content-type``: GTL output escaped for HTML, or as is for a text part."""

import subprocess
import sys

SOURCE = '%%[ SET @who = "Tom & Jerry <3" ]%%{{@who}}'


def _run(tmp_path, name, *extra):
    path = tmp_path / name
    path.write_text(SOURCE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ampy", "run", str(path), *extra],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_html_file_escapes_by_default(tmp_path):
    assert _run(tmp_path, "page.amp") == "Tom &amp; Jerry &lt;3"


def test_txt_file_renders_as_text(tmp_path):
    assert _run(tmp_path, "email.txt") == "Tom & Jerry <3"


def test_option_overrides_the_extension(tmp_path):
    assert _run(tmp_path, "page.amp", "--content-type", "text") == "Tom & Jerry <3"
    assert _run(tmp_path, "email.txt", "--content-type", "html") == "Tom &amp; Jerry &lt;3"


def test_bad_choice_is_a_usage_error(tmp_path):
    path = tmp_path / "page.amp"
    path.write_text(SOURCE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ampy", "run", str(path), "--content-type", "xml"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice: 'xml'" in done.stderr
