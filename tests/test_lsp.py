"""``ampy lsp`` end to end: a subprocess spoken to over stdio with Content-Length framed JSON-RPC."""

import shutil
from pathlib import Path

import pytest
from lsp_client import LspClient

from ampy import registry
from ampy.lsp.server import lint

STARTER = Path(__file__).resolve().parent.parent / "ampy" / "cloud" / "starter"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    for part in ("ampy.toml", "dataextensions", "content"):
        src = STARTER / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    return root


@pytest.fixture(scope="module")
def client(workspace):
    c = LspClient(cwd=str(workspace))
    result = c.initialize(workspace.as_uri())
    assert result["serverInfo"]["name"] == "ampy"
    caps = result["capabilities"]
    assert caps["completionProvider"]["triggerCharacters"] == ["@", "%", "(", '"', ",", " "]
    assert caps["signatureHelpProvider"]["triggerCharacters"] == ["(", ","]
    assert caps["hoverProvider"] and caps["definitionProvider"] and caps["documentSymbolProvider"]
    yield c
    assert c.close() == 0


def _open(client, workspace, name, text):
    uri = (workspace / "content" / name).as_uri()
    client.open(uri, text)
    return uri


def _diagnostics(client, uri):
    return client.wait_notification("textDocument/publishDiagnostics", where=lambda p: p["uri"] == uri)


def test_diagnostics_at_the_right_range_in_utf16(client, workspace):
    text = "<p>é😀 %%=Lokup(\"a\")=%%</p>\n"
    uri = _open(client, workspace, "bad.html", text)
    found = _diagnostics(client, uri)["diagnostics"]
    errors = [d for d in found if d["severity"] == 1]
    assert errors, found
    # Lokup is the 10th character (Python column 10); for the client it starts at UTF-16 unit 10
    # (0-based), as the emoji before it takes two units
    assert errors[0]["range"]["start"] == {"line": 0, "character": 10}
    assert "Lokup" in errors[0]["message"] and errors[0]["source"] == "ampy"
    # Every finding of the linter is published, converted to 0-based UTF-16 positions
    expected = lint(text, str(workspace / "content" / "bad.html"), str(workspace))
    assert [(d["code"], d["message"]) for d in found] == [(d.code, d.message) for d in expected]


def test_diagnostics_follow_changes_and_clear(client, workspace):
    uri = _open(client, workspace, "change.html", "%%[ SET @a = 1 ]%%")
    assert [d for d in _diagnostics(client, uri)["diagnostics"] if d["severity"] == 1] == []
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 14}, "end": {"line": 0, "character": 18}},
                            "text": ""}]})
    params = _diagnostics(client, uri)
    assert params["version"] == 2
    errors = [d for d in params["diagnostics"] if d["severity"] == 1]
    assert len(errors) >= 1 and errors[0]["range"]["start"]["line"] == 0


def test_completion_after_look_offers_the_lookup_functions(client, workspace):
    uri = _open(client, workspace, "c1.html", "%%[\nSET @rows = Look\n]%%")
    result = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                        "position": {"line": 1, "character": 16}})
    labels = [i["label"] for i in result["items"]]
    assert labels == ["Lookup", "LookupOrderedRows", "LookupOrderedRowsCS", "LookupRows", "LookupRowsCS"]
    first = result["items"][0]
    assert first["kind"] == 3 and first["insertTextFormat"] == 2
    assert first["textEdit"] == {"range": {"start": {"line": 1, "character": 12}, "end": {"line": 1, "character": 16}},
                                 "newText": "Lookup(${1:de}, ${2:returnColumn}, ${3:column1}, ${4:value1})"}
    assert first["detail"] == registry.lookup("Lookup").signature


def test_completion_of_keywords_variables_attributes_and_workspace_names(client, workspace):
    text = ('%%[ SET @firstName = "a" SET @fee = 2\nIF @f THEN\n'
            'SET @n = Lookup("Sub")\nSET @m = Lookup("Subscribers", "Fir")\nEN\n]%%\nHi %%Fi')
    uri = _open(client, workspace, "c2.html", text)

    def labels(line, character):
        r = client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                       "position": {"line": line, "character": character}})
        return [(i["label"], i["kind"]) for i in r["items"]]

    assert labels(1, 5) == [("@fee", 6), ("@firstName", 6)]
    assert labels(2, 19) == [("Subscribers", 7)]
    assert labels(3, 35) == [("FirstName", 5)]
    assert labels(6, 7) == [("FirstName", 5)]
    assert ("ENDIF", 14) in labels(4, 2)


def test_hover_shows_the_function_documentation(client, workspace):
    uri = _open(client, workspace, "h.html", "%%= ProperCase(\"ann lee\") =%% ProperCase")
    r = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 7}})
    assert r["contents"] == {"kind": "markdown",
                             "value": "```\n" + registry.describe(registry.lookup("ProperCase")).rstrip("\n") + "\n```"}
    assert r["range"] == {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 14}}
    # the same word in template text is only text
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": {"line": 0, "character": 34}}) is None


def test_signature_help_while_typing_arguments(client, workspace):
    uri = _open(client, workspace, "s.html", '%%[ SET @v = Lookup("Subscribers", "FirstName", ')
    r = client.request("textDocument/signatureHelp", {"textDocument": {"uri": uri},
                                                      "position": {"line": 0, "character": 48}})
    sig = r["signatures"][0]
    assert sig["label"] == "Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)"
    assert [p["label"] for p in sig["parameters"]] == ["de", "returnColumn", "column1", "value1", "columnN", "valueN"]
    assert r["activeParameter"] == 2


def test_go_to_definition_of_a_content_block_and_of_a_variable(client, workspace):
    text = '%%[\nVAR @x\nSET @greeting = "Hi"\nSET @greeting = "Hello"\n]%%\n%%=v(@greeting)=%%\n' \
           '%%=ContentBlockByKey("email_footer")=%% %%=ContentBlockByName("Content Builder\\Welcome_Email")=%%'
    uri = _open(client, workspace, "d.html", text)

    def where(line, character):
        return client.request("textDocument/definition", {"textDocument": {"uri": uri},
                                                          "position": {"line": line, "character": character}})

    zero = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    assert where(6, 25) == {"uri": (workspace / "content" / "email_footer.html").as_uri(), "range": zero}
    assert where(6, 60) == {"uri": (workspace / "content" / "welcome_email.html").as_uri(), "range": zero}
    at_set = {"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": 4}}
    assert where(5, 8) == {"uri": uri, "range": at_set}
    assert where(1, 5) == {"uri": uri, "range": {"start": {"line": 1, "character": 4},
                                                 "end": {"line": 1, "character": 4}}}
    assert where(0, 1) is None


def test_document_symbols_are_blocks_with_their_variables(client, workspace):
    uri = _open(client, workspace, "sym.html", '<p>\n%%[ SET @a = 1\nSET @b = 2 SET @a = 3 ]%%\n%%=v(@a)=%%</p>')
    r = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert [(s["name"], s["kind"], s["range"]) for s in r] == [
        ("%%[ ]%% line 2", 3, {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 25}}),
        ("%%= =%% line 4", 3, {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 11}})]
    assert [(c["name"], c["kind"], c["detail"], c["range"]["start"]) for c in r[0]["children"]] == [
        ("@a", 13, "SET", {"line": 1, "character": 4}), ("@b", 13, "SET", {"line": 2, "character": 0})]
    assert r[1]["children"] == []


def test_the_workspace_can_be_named_for_documents_outside_it(workspace, tmp_path):
    outside = tmp_path / "drafts" / "x.amp"
    text = '%%[ SET @v = Lookup("Ord'
    for args, options in ((("--workspace", str(workspace)), None), ((), {"workspace": str(workspace)})):
        c = LspClient(*args, cwd=str(tmp_path))
        try:
            c.initialize(tmp_path.as_uri(), options)
            c.open(outside.as_uri(), text)
            r = c.request("textDocument/completion", {"textDocument": {"uri": outside.as_uri()},
                                                      "position": {"line": 0, "character": len(text)}})
            assert [i["label"] for i in r["items"]] == ["Orders"]
        finally:
            assert c.close() == 0
    c = LspClient(cwd=str(tmp_path))   # no workspace: no data extension names, functions still
    try:
        c.initialize(tmp_path.as_uri())
        c.open(outside.as_uri(), text)
        r = c.request("textDocument/completion", {"textDocument": {"uri": outside.as_uri()},
                                                  "position": {"line": 0, "character": len(text)}})
        assert r["items"] == []
    finally:
        assert c.close() == 0


def test_linter_findings_become_lsp_diagnostics(monkeypatch, workspace):
    """The linter's contract: 1-based lines and columns in characters, end exclusive; the protocol's:
    0-based, in UTF-16 units. A stand-in ampy.lint checks the conversion and what is passed in."""
    import sys
    import types as pytypes
    from dataclasses import dataclass

    from pygls.workspace import TextDocument

    from ampy.lsp.server import AmpscriptServer, diagnostics_for

    @dataclass(frozen=True)
    class Diagnostic:
        code: str
        severity: str
        message: str
        line: int
        column: int
        end_line: int
        end_column: int

    calls = []

    def lint_source(source, name="<string>", *, workspace=None, context=None, de=None):
        calls.append((source, name, workspace))
        return [Diagnostic("W101", "warning", "Output of a variable prints nothing: use v()", 2, 3, 2, 13),
                Diagnostic("E002", "error", "block opened here is never closed", 1, 4, 1, 7)]

    fake = pytypes.ModuleType("ampy.lint")
    fake.lint_source = lint_source
    monkeypatch.setitem(sys.modules, "ampy.lint", fake)
    path = workspace / "content" / "w.html"
    text = "😀😀 %%[\n  Output(@v)\n"
    doc = TextDocument(path.as_uri(), text, 3)
    found = diagnostics_for(AmpscriptServer(), doc)
    assert calls == [(text, str(path), str(workspace))]
    assert [(d.code, d.severity, d.message, d.source) for d in found] == [
        ("W101", 2, "Output of a variable prints nothing: use v()", "ampy"),
        ("E002", 1, "block opened here is never closed", "ampy")]
    assert [((d.range.start.line, d.range.start.character), (d.range.end.line, d.range.end.character))
            for d in found] == [((1, 2), (1, 12)), ((0, 5), (0, 8))]
