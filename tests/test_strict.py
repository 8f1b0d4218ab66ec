"""--strict / strict=True: an attribute the subscriber does not have is an error with its position,
not an empty string; system strings still resolve; strict off is unchanged."""

import os
import subprocess
import sys

import pytest

import ampy


def _error(source, **kw):
    with pytest.raises(ampy.AmpscriptRuntimeError) as e:
        ampy.render(source, name="s.amp", strict=True, **kw)
    return e.value


@pytest.mark.parametrize("source, line, column, name, lenient", [
    ("Hi %%FirstNam%%!", 1, 4, "FirstNam", "Hi !"),
    ("Hi\n%%[ SET @a = AttributeValue(\"x\") ]%%", 2, 14, "x", "Hi\n"),
    ("%%[ SET @n = Concat(\"a\",\n   Bogus) ]%%%%=v(@n)=%%", 2, 4, "Bogus", "a"),
    ("%%[ IF [Last Name] == \"\" THEN ]%%y%%[ ENDIF ]%%", 1, 8, "Last Name", "y"),
    ("%%=AttributeValue(Concat(\"Fi\", \"rst\"))=%%", 1, 4, "First", ""),
    ("%%=v(nickname)=%%!", 1, 6, "nickname", "!"),
])
def test_unknown_attributes_are_errors_at_their_position(source, line, column, name, lenient):
    err = _error(source, attributes={"FirstName": "Ann"})
    assert err.message == f"attribute '{name}' is not defined for this subscriber (strict mode)"
    assert (err.name, err.line, err.column) == ("s.amp", line, column)
    assert ampy.render(source, attributes={"FirstName": "Ann"}) == lenient  # strict off: empty text, no error


def test_the_error_shows_a_caret():
    assert str(_error("Dear %%FirstNam%%,")) == (
        "s.amp:1:6: attribute 'FirstNam' is not defined for this subscriber (strict mode)\n"
        "    Dear %%FirstNam%%,\n"
        "         ^")


def test_known_attributes_any_case_and_system_strings_resolve():
    source = ("%%firstname%%|%%=AttributeValue('FIRSTNAME')=%%|%%emailaddr%%|%%_subscriberkey%%|%%memberid%%|"
              "%%_messagecontext%%|%%=AttributeValue('jobid')=%%|%%=v(Empty)=%%")
    out = ampy.render(source, attributes={"FirstName": "Ann", "Empty": ""}, strict=True, context="email")
    assert out == "Ann|Ann|||100000001|SEND||"


def test_strict_off_is_unchanged_and_the_template_keeps_its_plain_code():
    tpl = ampy.compile("Hi %%FirstNam%%!", name="p.amp")
    assert tpl.render() == "Hi !"
    with pytest.raises(ampy.AmpscriptRuntimeError):
        tpl.render(strict=True)
    assert tpl.render() == "Hi !"
    assert not any("strict" in repr(v) for v in tpl._compiled._sites.values())


def test_strict_on_the_command_line(tmp_path):
    (tmp_path / "t.amp").write_text("Hello %%FirstName%% %%LastNam%%\n", encoding="utf-8")
    run = [sys.executable, "-m", "ampy", "run", "t.amp", "--attr", "FirstName=Ann", "--attr", "LastName=Lee"]
    p = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert (p.returncode, p.stdout, p.stderr) == (0, "Hello Ann \n", "")
    p = subprocess.run(run + ["--strict"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr == ("t.amp:1:21: attribute 'LastNam' is not defined for this subscriber (strict mode)\n"
                        "    Hello %%FirstName%% %%LastNam%%\n"
                        "                        ^\n")


def test_strict_render_over_data_extension_rows(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "People.csv").write_text("Id,Name,Email\n1,Ann,a@x.io\n", encoding="utf-8")
    (tmp_path / "t.amp").write_text("%%Name%% %%emailaddr%% %%Nme%%", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ampy", "render", "t.amp", "--de", "People", "--data", "d", "--strict"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr.splitlines()[0] == \
        "row 1 (1): t.amp:1:24: attribute 'Nme' is not defined for this subscriber (strict mode)"
    assert os.path.exists(tmp_path / "t.amp")
