"""The pygls language server: protocol wiring around ampy.lsp.analysis and the linter."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from .. import __version__
from .analysis import Analyzer
from .workspace import WorkspaceIndex, find_workspace

DEBOUNCE_SECONDS = 0.25   # diagnostics wait for a pause in typing
_SNIPPET, _PLAIN = types.InsertTextFormat.Snippet, types.InsertTextFormat.PlainText
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}


class AmpscriptServer(LanguageServer):
    def __init__(self):
        super().__init__("ampy", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.workspace_option: str | None = None   # initializationOptions.workspace
        self._indexes: dict[str, WorkspaceIndex] = {}
        self._pending: dict[str, asyncio.Handle] = {}

    def workspace_root(self, uri: str) -> str | None:
        if self.workspace_option:
            return self.workspace_option
        path = to_fs_path(uri)
        return find_workspace(path) if path else None

    def analyzer(self, uri: str) -> Analyzer:
        root = self.workspace_root(uri)
        if root is None:
            return Analyzer(None)
        index = self._indexes.get(root)
        if index is None:
            index = self._indexes[root] = WorkspaceIndex(root)
        return Analyzer(index)


def lint(source: str, name: str, workspace: str | None) -> list:
    """The linter's findings (ampy.lint), or only the syntax error where the linter is absent."""
    try:
        from ..lint import lint_source
    except ImportError:
        return _syntax_only(source, name)
    return lint_source(source, name, workspace=workspace)


@dataclass(frozen=True)
class _Finding:
    """A finding shaped like ampy.lint's Diagnostic (1-based, end exclusive)."""

    code: str
    severity: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int


def _syntax_only(source: str, name: str) -> list:
    from ..errors import AmpscriptSyntaxError
    from ..template import Template

    try:
        Template(source, name)
    except AmpscriptSyntaxError as e:
        return [_Finding("E001", "error", e.message, e.line, e.column, e.line, e.column + 1)]
    return []


def _client_position(doc, line: int, column: int) -> types.Position:
    """A 1-based (line, column) in characters as the client's 0-based position."""
    lines = doc.lines
    line0 = max(0, min(line - 1, len(lines) - 1)) if lines else 0
    char = max(0, column - 1)
    if lines:
        char = min(char, len(lines[line0].rstrip("\r\n")))
    return doc.position_codec.position_to_client_units(lines, types.Position(line0, char)) if lines else \
        types.Position(line0, char)


def diagnostics_for(server: AmpscriptServer, doc: TextDocument) -> list[types.Diagnostic]:
    uri = doc.uri
    name = to_fs_path(uri) or uri
    found = []
    for d in lint(doc.source, name, server.workspace_root(uri)):
        start = _client_position(doc, d.line, d.column)
        end = _client_position(doc, d.end_line, d.end_column)
        if (end.line, end.character) <= (start.line, start.character):
            end = types.Position(start.line, start.character + 1)
        found.append(types.Diagnostic(range=types.Range(start, end), message=d.message,
                                      severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
                                      code=d.code, source="ampy"))
    return found


def publish(server: AmpscriptServer, uri: str) -> None:
    """Lint the document in a worker thread (requests keep being answered meanwhile) and publish
    the findings, unless the document changed in the meantime (a newer lint is then on its way)."""
    server._pending.pop(uri, None)
    try:
        doc = server.workspace.get_text_document(uri)
    except Exception:  # noqa: BLE001 - closed meanwhile
        return
    version, loop = doc.version, asyncio.get_running_loop()
    # the worker reads a copy: the loop goes on applying edits to the live document
    snapshot = TextDocument(uri, doc.source, version, position_codec=doc.position_codec)

    def work() -> None:
        try:
            found = diagnostics_for(server, snapshot)
        except Exception as e:  # noqa: BLE001 - a linter failure must not end the session
            loop.call_soon_threadsafe(server.window_log_message,
                                      types.LogMessageParams(types.MessageType.Error, f"ampy lint failed: {e}"))
            return
        loop.call_soon_threadsafe(_send, server, uri, version, found)

    server.thread_pool.submit(work)


def _send(server: AmpscriptServer, uri: str, version, found: list) -> None:
    try:
        current = server.workspace.get_text_document(uri).version
    except Exception:  # noqa: BLE001
        return
    if current == version and uri not in server._pending:
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=found))


def build_server() -> AmpscriptServer:
    server = AmpscriptServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AmpscriptServer, params: types.InitializeParams):
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("workspace"), str):
            ls.workspace_option = options["workspace"]

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AmpscriptServer, params: types.DidOpenTextDocumentParams):
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AmpscriptServer, params: types.DidChangeTextDocumentParams):
        uri = params.text_document.uri
        pending = ls._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls._pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, publish, ls, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AmpscriptServer, params: types.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        pending = ls._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=["@", "%", "(", '"', ",", " "]))
    def completion(ls: AmpscriptServer, params: types.CompletionParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        offset = doc.offset_at_position(params.position)
        items = []
        for i, item in enumerate(ls.analyzer(params.text_document.uri).complete(doc.source, offset)):
            start = doc.client_position_at_offset(item.replace_from if item.replace_from is not None else offset)
            edit = types.TextEdit(range=types.Range(start, params.position), new_text=item.insert or item.label)
            items.append(types.CompletionItem(
                label=item.label, kind=types.CompletionItemKind(item.kind), detail=item.detail or None,
                text_edit=edit, sort_text=f"{i:05d}",
                insert_text_format=_SNIPPET if item.snippet else _PLAIN))
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AmpscriptServer, params: types.HoverParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        found = ls.analyzer(params.text_document.uri).hover(doc.source, doc.offset_at_position(params.position))
        if found is None:
            return None
        text, start, end = found
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=types.Range(doc.client_position_at_offset(start), doc.client_position_at_offset(end)))

    @server.feature(types.TEXT_DOCUMENT_SIGNATURE_HELP,
                    types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]))
    def signature_help(ls: AmpscriptServer, params: types.SignatureHelpParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)
        sig = ls.analyzer(params.text_document.uri).signature(doc.source, doc.offset_at_position(params.position))
        if sig is None:
            return None
        info = types.SignatureInformation(label=sig.label, documentation=sig.doc or None,
                                          parameters=[types.ParameterInformation(label=p) for p in sig.parameters])
        return types.SignatureHelp(signatures=[info], active_signature=0, active_parameter=sig.active)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: AmpscriptServer, params: types.DefinitionParams):
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        found = ls.analyzer(uri).definition(doc.source, doc.offset_at_position(params.position))
        if found is None:
            return None
        path, offset = found
        if path is not None:
            from pygls.uris import from_fs_path

            return types.Location(uri=from_fs_path(path), range=types.Range(types.Position(0, 0), types.Position(0, 0)))
        pos = doc.client_position_at_offset(offset)
        return types.Location(uri=uri, range=types.Range(pos, pos))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls: AmpscriptServer, params: types.DocumentSymbolParams):
        doc = ls.workspace.get_text_document(params.text_document.uri)

        def convert(s):
            rng = types.Range(doc.client_position_at_offset(s.start), doc.client_position_at_offset(s.end))
            return types.DocumentSymbol(name=s.name, kind=types.SymbolKind(s.kind), range=rng, selection_range=rng,
                                        detail=s.detail or None, children=[convert(c) for c in s.children])

        return [convert(s) for s in ls.analyzer(params.text_document.uri).symbols(doc.source)]

    return server
