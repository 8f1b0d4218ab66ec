"""The exceptions a script can cause. Every script problem surfaces as an AmpscriptError."""

from __future__ import annotations

_SHOWN = 160  # characters of the source line shown under an error


class AmpscriptError(Exception):
    """Base of every error an AMPscript source can cause.

    ``str()`` reads ``name:line:col: message`` followed by the source line and a caret.
    """

    def __init__(self, message: str, *, name: str = "<string>", line: int = 0, column: int = 0,
                 source_line: str | None = None):
        self.message = message
        self.name = name
        self.line = line
        self.column = column
        self.source_line = source_line
        super().__init__(message)

    def __str__(self) -> str:
        head = f"{self.name}:{self.line}:{self.column}: {self.message}"
        if self.source_line is None or self.line <= 0:
            return head
        shown, before = self.source_line, max(self.column - 1, 0)
        if len(shown) > _SHOWN:  # a huge line (minified HTML, a long literal): the part around the caret
            start = max(0, min(before - _SHOWN // 2, len(shown) - _SHOWN))
            shown = ("..." if start else "") + shown[start:start + _SHOWN] + (
                "..." if start + _SHOWN < len(shown) else "")
            before = before - start + (3 if start else 0)
        # Tabs are kept so the caret lines up under the same character in a terminal.
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[:before])
        return f"{head}\n    {shown}\n    {pad}^"

    def locate(self, name: str, source: str | None, line: int, column: int) -> "AmpscriptError":
        """Fill in the position (only once: the innermost position wins)."""
        if self.line <= 0:
            self.name = name
            self.line = line
            self.column = column
            if source is not None:
                lines = source.splitlines()
                self.source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        return self


class AmpscriptSyntaxError(AmpscriptError):
    """The source does not parse (reported before anything runs)."""

    def __init__(self, message: str, *, incomplete: bool = False, **kw):
        super().__init__(message, **kw)
        # True when the input ended early (an unclosed block, string, IF, FOR or call):
        # the REPL keeps editing instead of reporting.
        self.incomplete = incomplete


class AmpscriptRuntimeError(AmpscriptError):
    """A runtime error: bad argument, RaiseError, missing row or column, unknown DE ..."""


class AmpscriptInternalError(AmpscriptRuntimeError):
    """A bug in ampy, not in the script: a builtin failed in a way it did not mean to. Still an
    AmpscriptRuntimeError, so callers that catch script errors keep working; the message says it
    is ours and asks for a report. ``.cause`` keeps the original exception for that report."""

    def __init__(self, message: str, *, cause: BaseException | None = None, **kw):
        super().__init__(message, **kw)
        self.cause = cause


class FunctionError(Exception):
    """Raised inside builtins without a position; the caller's call site turns it into an
    AmpscriptRuntimeError pointing at the call."""


class Redirected(Exception):
    """Not an error: ``Redirect(url)`` answers the page with HTTP 302, throws away the output so
    far and stops the script. ``Template.render`` returns ``""``; the URL is also recorded on the
    request (``RequestContext.redirect``) when there is one."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url
