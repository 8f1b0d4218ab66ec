"""The VS Code TextMate grammar, checked with VS Code's own engine (vscode-textmate +
vscode-oniguruma under node): the samples tokenize with the scopes an editor colours by."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ampy import registry

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "editors" / "vscode"
TOOL = EXTENSION / "test"


@pytest.fixture(scope="module")
def tokenize():
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed to check the grammar (Node 20 is on the CI image)"
    if not (TOOL / "node_modules" / "vscode-textmate").is_dir():  # CI installs it first (.ci/run)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=TOOL, check=True,
                       capture_output=True, timeout=300)

    def run(*files):
        p = subprocess.run([node, str(TOOL / "tokenize.js"), *map(str, files)], capture_output=True, text=True,
                           timeout=120, check=True)
        return json.loads(p.stdout)
    return run


def _tokens(lines):
    """(text, innermost scope) of every token, line by line."""
    return [(t["text"], t["scopes"][-1]) for line in lines for t in line]


DOC = """%%[ /* note */ SET @a = Lookup("DE", "Col", "Id", 1)
IF @a == "x""y" THEN Output(Concat(@a, FirstName)) ELSEIF not true THEN MyFn(2.5) ENDIF ]%%
<p>Hi %%FirstName%% %%=v(@a)=%%</p>
<script runat="server" language="ampscript">set @b = [Last Name]</script>
<script>var x = "%%[ not ampscript ]%%";</script>
"""


def test_scopes_of_a_small_document(tokenize, tmp_path):
    f = tmp_path / "doc.amp"
    f.write_text(DOC, encoding="utf-8")
    lines = tokenize(f)[str(f)]
    tokens = [(text, scope) for text, scope in _tokens(lines) if text.strip()]
    assert tokens[:22] == [
        ("%%[", "punctuation.section.embedded.begin.ampscript"),
        ("/*", "punctuation.definition.comment.begin.ampscript"),
        (" note ", "comment.block.ampscript"),
        ("*/", "punctuation.definition.comment.end.ampscript"),
        ("SET", "storage.type.ampscript"),
        ("@a", "variable.other.readwrite.ampscript"),
        ("=", "keyword.operator.assignment.ampscript"),
        ("Lookup", "support.function.builtin.ampscript"),
        ("(", "punctuation.definition.arguments.begin.ampscript"),
        ('"', "punctuation.definition.string.begin.ampscript"),
        ("DE", "string.quoted.double.ampscript"),
        ('"', "punctuation.definition.string.end.ampscript"),
        (",", "punctuation.separator.arguments.ampscript"),
        ('"', "punctuation.definition.string.begin.ampscript"),
        ("Col", "string.quoted.double.ampscript"),
        ('"', "punctuation.definition.string.end.ampscript"),
        (",", "punctuation.separator.arguments.ampscript"),
        ('"', "punctuation.definition.string.begin.ampscript"),
        ("Id", "string.quoted.double.ampscript"),
        ('"', "punctuation.definition.string.end.ampscript"),
        (",", "punctuation.separator.arguments.ampscript"),
        ("1", "constant.numeric.ampscript"),
    ]
    line2 = [(t["text"], t["scopes"][-1]) for t in lines[1] if t["text"].strip()]
    assert line2 == [
        ("IF", "keyword.control.ampscript"), ("@a", "variable.other.readwrite.ampscript"),
        ("==", "keyword.operator.comparison.ampscript"),
        ('"', "punctuation.definition.string.begin.ampscript"), ("x", "string.quoted.double.ampscript"),
        ('""', "constant.character.escape.ampscript"), ("y", "string.quoted.double.ampscript"),
        ('"', "punctuation.definition.string.end.ampscript"),
        ("THEN", "keyword.control.ampscript"), ("Output", "support.function.builtin.ampscript"),
        ("(", "punctuation.definition.arguments.begin.ampscript"), ("Concat", "support.function.builtin.ampscript"),
        ("(", "punctuation.definition.arguments.begin.ampscript"), ("@a", "variable.other.readwrite.ampscript"),
        (",", "punctuation.separator.arguments.ampscript"), ("FirstName", "variable.other.attribute.ampscript"),
        (")", "punctuation.definition.arguments.end.ampscript"),
        (")", "punctuation.definition.arguments.end.ampscript"),
        ("ELSEIF", "keyword.control.ampscript"), ("not", "keyword.operator.logical.ampscript"),
        ("true", "constant.language.boolean.ampscript"), ("THEN", "keyword.control.ampscript"),
        ("MyFn", "entity.name.function.ampscript"), ("(", "punctuation.definition.arguments.begin.ampscript"),
        ("2.5", "constant.numeric.ampscript"), (")", "punctuation.definition.arguments.end.ampscript"),
        ("ENDIF", "keyword.control.ampscript"), ("]%%", "punctuation.section.embedded.end.ampscript")]
    line3 = [(t["text"], t["scopes"][-1]) for t in lines[2]]
    assert line3 == [
        ("<p>Hi ", "text.html.ampscript"), ("%%", "punctuation.definition.variable.begin.ampscript"),
        ("FirstName", "variable.other.attribute.ampscript"), ("%%", "punctuation.definition.variable.end.ampscript"),
        (" ", "text.html.ampscript"), ("%%=", "punctuation.section.embedded.begin.ampscript"),
        ("v", "support.function.builtin.ampscript"), ("(", "punctuation.definition.arguments.begin.ampscript"),
        ("@a", "variable.other.readwrite.ampscript"), (")", "punctuation.definition.arguments.end.ampscript"),
        ("=%%", "punctuation.section.embedded.end.ampscript"), ("</p>", "text.html.ampscript")]
    script = lines[3]
    assert [t["scopes"][1:] for t in script if t["text"] == "set"] == [
        ["meta.embedded.block.ampscript", "source.ampscript", "storage.type.ampscript"]]
    assert ("Last Name", "variable.other.attribute.ampscript") in [(t["text"], t["scopes"][-1]) for t in script]
    # a script that does not run AMPscript on the server is not AMPscript, apart from its %%[ ]%%,
    # which the platform does process anywhere in the content
    plain = [(t["text"], t["scopes"][-1]) for t in lines[4]]
    assert plain[0] == ('<script>var x = "', "text.html.ampscript")
    assert ("not", "keyword.operator.logical.ampscript") in plain


def test_the_samples_tokenize_with_the_expected_scopes(tokenize):
    samples = sorted((ROOT / "samples").glob("*.amp"))
    samples += sorted((ROOT / "samples" / "workspace" / "content").glob("*.html"))
    result = tokenize(*samples)
    assert set(result) == {str(s) for s in samples}
    for path, lines in result.items():
        source_lines = Path(path).read_text(encoding="utf-8").split("\n")
        assert ["".join(t["text"] for t in line) for line in lines] == [s.rstrip("\r") for s in source_lines]
    welcome = _tokens(result[str(ROOT / "samples" / "welcome.amp")])
    for token in [("VAR", "storage.type.ampscript"), ("IF", "keyword.control.ampscript"),
                  ("FOR", "keyword.control.ampscript"), ("NEXT", "keyword.control.ampscript"),
                  ("LookupOrderedRows", "support.function.builtin.ampscript"),
                  ("ContentBlockByKey", "support.function.builtin.ampscript"),
                  ("@orders", "variable.other.readwrite.ampscript"), ("Members", "string.quoted.double.ampscript"),
                  ("Personalised member email: attributes + data extension lookups", None)]:
        if token[1] is None:
            assert any(token[0] in text and scope == "comment.block.ampscript" for text, scope in welcome)
        else:
            assert token in welcome, token
    # every identifier followed by "(" in a code block is a function: builtins are known by name
    for path, lines in result.items():
        for text, scope in _tokens(lines):
            if scope == "entity.name.function.ampscript":
                assert registry.lookup(text) is None, (path, text)


def test_the_grammar_knows_every_builtin():
    grammar = json.loads((EXTENSION / "syntaxes" / "ampscript.tmLanguage.json").read_text(encoding="utf-8"))
    pattern = grammar["repository"]["builtin-call"]["match"]
    names = re.search(r"\\b\((.*)\)\\b", pattern).group(1).split("|")
    assert sorted(names, key=str.lower) == [b.name for b in registry.all_builtins()]


def test_the_extension_manifest_points_at_its_files():
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    contributes = manifest["contributes"]
    for grammar in contributes["grammars"]:
        assert (EXTENSION / grammar["path"]).is_file()
    assert (EXTENSION / contributes["languages"][0]["configuration"]).is_file()
    assert (EXTENSION / manifest["main"]).is_file()
    assert "vscode-languageclient" in manifest["dependencies"]
    injection = json.loads((EXTENSION / "syntaxes" / "ampscript-html.injection.json").read_text(encoding="utf-8"))
    assert injection["injectionSelector"].startswith("L:text.html")
    assert injection["scopeName"] == "ampscript.injection.html"
    assert os.path.basename(grammar["path"]) == "ampscript-html.injection.json" and grammar["injectTo"]
    config = json.loads((EXTENSION / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"]["blockComment"] == ["/*", "*/"]
    assert {"open": "%%[", "close": " ]%%"} in config["autoClosingPairs"]
    assert ["<!--", "-->"] in config["brackets"]
