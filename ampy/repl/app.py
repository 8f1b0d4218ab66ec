"""The interactive REPL on prompt_toolkit: highlighting, completion, history, toolbar, keys.

Enter runs the input when the parser says it is finished and opens a new line when it is not
(an open IF, FOR, string, comment or call); Alt-Enter always opens a new line. Ctrl-C cancels
the current input, Ctrl-D on an empty prompt leaves.
"""

from __future__ import annotations

import os
import re
import sys

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import Lexer, PygmentsLexer, SimpleLexer

from .. import __version__
from .completion import AmpscriptCompleter
from .lexer import AmpscriptCodeLexer, AmpscriptLexer
from .session import CODE, INCOMPLETE, META, SSJS, ReplSession, input_mode, input_status, write_outcome

PROMPT = "ampy> "
BANNER = f"ampy {__version__}: AMPscript REPL. Type :help for commands, Ctrl-D to leave."

_CLOSES_BODY = re.compile(r"\s*(endif|next|else|elseif)\b", re.IGNORECASE)
_OPENS_BODY = re.compile(r"\b(?:then|else|do)\s*$", re.IGNORECASE)


def history_path() -> str:
    """Where the input history lives: the user's data directory."""
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is optional
        base = os.path.join(os.path.expanduser("~"), ".local", "share", "ampy")
    else:
        base = platformdirs.user_data_dir("ampy", appauthor=False)
    return os.path.join(base, "history")


def default_history() -> History:
    path = history_path()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return FileHistory(path)
    except OSError:   # a read-only home must not stop the REPL
        return InMemoryHistory()


class ReplLexer(Lexer):
    """Highlights code as code (JavaScript in SSJS mode), templates as HTML with AMPscript and
    JavaScript, and meta commands plainly."""

    def __init__(self, session=None):
        from pygments.lexers.javascript import JavascriptLexer

        self.session = session
        self._code = PygmentsLexer(AmpscriptCodeLexer)
        self._js = PygmentsLexer(JavascriptLexer)
        self._template = PygmentsLexer(AmpscriptLexer)
        self._plain = SimpleLexer()

    def lex_document(self, document: Document):
        mode = input_mode(document.text, getattr(self.session, "ssjs", False))
        if mode == META:
            return self._plain.lex_document(document)
        lexer = {CODE: self._code, SSJS: self._js}.get(mode, self._template)
        return lexer.lex_document(document)


def _key_bindings(session=None) -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _enter(event):
        buf = event.current_buffer
        state = buf.complete_state
        if state is not None and state.current_completion is not None:
            buf.apply_completion(state.current_completion)   # Enter picks the highlighted completion
            return
        if input_status(buf.text, getattr(session, "ssjs", False)) == INCOMPLETE:
            _newline(buf)
        else:
            buf.validate_and_handle()

    @kb.add("escape", "enter")
    def _alt_enter(event):
        _newline(event.current_buffer)

    return kb


def _newline(buf) -> None:
    """A new line keeping the indentation, one step deeper after THEN, ELSE or DO; a line that
    closes a body (ENDIF, NEXT, ELSE, ELSEIF) first moves back one step."""
    line = buf.document.current_line_before_cursor
    if _CLOSES_BODY.match(line) and line.startswith("  "):
        buf.cursor_position -= len(line)
        buf.delete(2)
        buf.cursor_position += len(line) - 2
        line = line[2:]
    indent = line[: len(line) - len(line.lstrip())]
    if _OPENS_BODY.search(line):
        indent += "  "
    buf.insert_text("\n" + indent)


class ReplApp:
    """The prompt loop around a ReplSession."""

    def __init__(self, session: ReplSession, *, input=None, output=None, history: History | None = None,
                 out=None, err=None):
        self.session = session
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.prompt_session = PromptSession(
            PROMPT,
            multiline=True,
            prompt_continuation=lambda width, line_number, soft_wrap: "...".rjust(width - 1) + " ",
            lexer=ReplLexer(session),
            completer=AmpscriptCompleter(session),
            complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(),
            history=history if history is not None else default_history(),
            bottom_toolbar=self.toolbar,
            key_bindings=_key_bindings(session),
            input=input,
            output=output,
        )

    def toolbar(self) -> str:
        s = self.session
        mode = "   SSJS" if s.ssjs else ""
        return f" backend: {s.backend_name}   workspace: {s.workspace or '-'}   context: {s.kind}{mode}   (:help)"

    def handle(self, text: str) -> bool:
        """Run one input and print what it produced; False when the session should end."""
        try:
            outcome = self.session.execute(text)
        except KeyboardInterrupt:
            self.err.write("Interrupted\n")
            return True
        write_outcome(outcome, self.out, self.err)
        return not outcome.quit

    def run(self) -> int:
        self.out.write(BANNER + "\n")
        while True:
            try:
                text = self.prompt_session.prompt()
            except KeyboardInterrupt:
                continue   # Ctrl-C drops the input being edited
            except EOFError:
                return 0
            if not self.handle(text):
                return 0

    async def run_async(self) -> int:
        """The same loop inside a running event loop."""
        self.out.write(BANNER + "\n")
        while True:
            try:
                text = await self.prompt_session.prompt_async()
            except KeyboardInterrupt:
                continue
            except EOFError:
                return 0
            if not self.handle(text):
                return 0
