"""The REPL's evaluation session, independent of any terminal library.

One RenderContext lives for the whole session, so variables persist from one input to the next.
An input is one of three kinds:

- code (the default): AMPscript as if written inside ``%%[ ]%%``;
- template: starts with ``%%`` or ``<``, or holds ``%%`` anywhere; rendered as it stands;
- meta command: starts with ``:`` (``:help``, ``:vars``, ``:load FILE`` ...);
- server-side JavaScript: after ``:ssjs on``, code is JavaScript run as one ``<script
  runat="server">`` block with Core loaded (a template input still starts with ``<`` or ``%%``).

Whether an input is finished is decided by the real parser: an input that ends too early (an
open IF, FOR, string, comment or call) is *incomplete* and the editor keeps the input open.
"""

from __future__ import annotations

import argparse
import os
import shlex
from dataclasses import dataclass

from .. import registry
from ..errors import AmpscriptError, AmpscriptSyntaxError, Redirected
from ..runtime.context import RenderContext
from ..syntax import ast
from ..syntax.parser import parse
from ..template import RENDER_CONTEXTS, Template, compile_template
from .display import format_value

REPL_NAME = "<repl>"

CODE, TEMPLATE, META, SSJS = "code", "template", "meta", "ssjs"
COMPLETE, INCOMPLETE, INVALID = "complete", "incomplete", "invalid"

# The spaces keep a lone name (`FirstName`) an expression: `%%[FirstName]%%` would print the attribute.
_OPEN, _CLOSE = "%%[ ", " ]%%"
_SSJS_OPEN, _SSJS_CLOSE = '<script runat="server">void Platform.Load("core", "1.1.5");', "\n</script>"
# Where an echoed expression's value is kept while it runs: no script can name this variable
# (a space is not allowed in @names), so it can never clash with the user's own.
VALUE_KEY = "@ repl value"


def input_mode(text: str, ssjs: bool = False) -> str:
    """Which kind of input ``text`` is: CODE, TEMPLATE or META; SSJS instead of CODE in SSJS mode."""
    stripped = text.lstrip()
    if stripped.startswith(":"):
        return META
    if ssjs:
        return TEMPLATE if stripped.startswith(("%%", "<")) else SSJS
    if stripped.startswith(("%%", "<")) or "%%" in text:
        return TEMPLATE
    gtl = text.find("{{")  # a GTL tag outside any string literal: template text
    if gtl >= 0 and '"' not in text[:gtl] and "'" not in text[:gtl]:
        return TEMPLATE
    return CODE


def wrap(text: str, mode: str) -> str:
    """The template source that runs ``text``: code goes inside one block."""
    if mode == SSJS:
        return _SSJS_OPEN + text + _SSJS_CLOSE
    return _OPEN + text + _CLOSE if mode == CODE else text


def _ends_at_added_closer(err: AmpscriptSyntaxError, source: str, mode: str) -> bool:
    """True when a code input failed exactly at the ``]%%`` the REPL appended: the user has not
    finished (``Concat("a",`` or ``SET @x =``), which the parser reports as an unexpected ']%%'."""
    if mode != CODE:
        return False
    last_line = source.rsplit("\n", 1)[-1]
    return err.line == source.count("\n") + 1 and err.column == len(last_line) - len("]%%") + 1


def input_status(text: str, ssjs: bool = False) -> str:
    """COMPLETE (run it), INCOMPLETE (keep editing) or INVALID (run it to report the error)."""
    mode = input_mode(text, ssjs)
    if mode == META or not text.strip():
        return COMPLETE
    if mode == SSJS or "runat" in text.lower():
        status = _script_status(wrap(text, mode))
        if status is not None:
            return status
    source = wrap(text, mode)
    try:
        parse(source, REPL_NAME)
    except AmpscriptSyntaxError as e:
        if e.incomplete or _ends_at_added_closer(e, source, mode):
            return INCOMPLETE
        return INVALID
    return COMPLETE


def _script_status(source: str) -> str | None:
    """INCOMPLETE while a server-side JavaScript block or statement is still open, INVALID for
    other script errors, None when the scripts are fine (the AMPscript parser decides)."""
    from ..ssjs.blocks import SplitError, split
    from ..ssjs.page import script_problems

    try:
        split(source)
    except SplitError:
        return INCOMPLETE
    problems = script_problems(source)
    if any(message.endswith("Unexpected end of input") for message, _line, _col in problems):
        return INCOMPLETE
    return INVALID if problems else None


def split_entries(text: str, ssjs=lambda: False):
    """Cut a whole script (piped input) into entries the way the interactive editor would:
    line by line, an entry ending as soon as it is no longer incomplete. ``ssjs()`` says whether
    the session is in SSJS mode at that point."""
    pending: list[str] = []
    for line in text.splitlines():
        pending.append(line)
        entry = "\n".join(pending)
        if not entry.strip():
            pending.clear()
            continue
        if input_status(entry, ssjs()) != INCOMPLETE:
            yield entry
            pending.clear()
    if pending and "\n".join(pending).strip():
        yield "\n".join(pending)   # unfinished at the end of input: running it reports why


@dataclass
class Outcome:
    """What one input produced. ``output`` is what the template wrote; ``echo`` the value of a
    lone expression; ``message`` a meta command's answer; ``error`` a report for stderr."""

    output: str = ""
    echo: str | None = None
    message: str | None = None
    error: str | None = None
    quit: bool = False
    trace: str | None = None   # with :trace on, the executed statements (for stderr)


def _echo_template(parsed: Template, stmt: ast.ExprStmt) -> Template:
    """A one-expression input compiled as ``SET <hidden variable> = expr`` so that the REPL gets the
    value while a call still has its effects (``Output(...)`` writes as usual)."""
    tree = ast.Template((ast.SetVar(stmt.line, stmt.column, VALUE_KEY, stmt.expr),), parsed.name, parsed.source)
    return Template.from_tree(tree)


class _MetaArgumentError(Exception):
    pass


class _MetaParser(argparse.ArgumentParser):
    """argparse for meta-command options, reporting errors instead of exiting."""

    def error(self, message):  # argparse's hook; the default exits
        raise _MetaArgumentError(message)


class ReplSession:
    """Variables, attributes, backend and render context shared by every input of one session."""

    def __init__(self, backend=None, *, kind: str = "page", attributes=None, request=None, sms=None,
                 backend_name: str | None = None, workspace: str | None = None, settings=None,
                 owns_backend: bool = False, open_backend=None):
        if backend is None:
            from ..backends import default_backend

            backend = default_backend()
        if kind not in RENDER_CONTEXTS:
            raise ValueError(f"render context must be one of {', '.join(RENDER_CONTEXTS)}")
        self.backend = backend
        self.backend_name = backend_name or getattr(backend, "name", "local")
        self.workspace = workspace
        self.owns_backend = owns_backend
        self._open_backend = open_backend
        self._explicit_settings = settings
        self.request = request
        self.sms = sms
        self._start_attributes = dict(attributes or {})
        self.attribute_names: dict[str, str] = {}   # lower-cased name -> spelling as given
        self.variable_names: dict[str, str] = {}    # lower-cased @name -> spelling first written
        self.tracing = False                         # :trace on
        self.ssjs = False                            # :ssjs on: code is server-side JavaScript
        self.ctx = self._new_context(kind)
        for name, value in self._start_attributes.items():
            self.set_attribute(name, value)

    # ---- state ---------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.ctx.kind

    def _settings(self):
        return self._explicit_settings or getattr(self.backend, "settings", None)

    def _new_context(self, kind: str) -> RenderContext:
        return RenderContext(backend=self.backend, kind=kind, name=REPL_NAME, request=self.request,
                             sms=self.sms, settings=self._settings())

    def set_attribute(self, name: str, value: object) -> None:
        key = name.strip().lower()
        self.attribute_names[key] = name.strip()
        self.ctx.attrs[key] = value

    def variables(self) -> dict[str, object]:
        """The session's variables by spelling (as first written), in name order."""
        found = {}
        for key, value in self.ctx.vars.items():
            if key != VALUE_KEY:
                found[self.variable_names.get(key, key)] = value
        return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))

    def attributes(self) -> dict[str, object]:
        return {self.attribute_names.get(k, k): v for k, v in sorted(self.ctx.attrs.items())}

    def _remember_names(self, tree: ast.Template) -> None:
        for key, name in ast.variable_spellings(tree.body).items():
            self.variable_names.setdefault(key, name)

    # ---- running input -------------------------------------------------------------------
    def execute(self, text: str) -> Outcome:
        """Run one input (code, template or meta command). Errors are reported, never raised."""
        if not text.strip():
            return Outcome()
        mode = input_mode(text, self.ssjs)
        try:
            if mode == META:
                return self._meta(text.strip())
            return self._run(text, mode)
        except AmpscriptError as e:
            return Outcome(error=self._describe(e, text, mode))
        except Exception as e:  # noqa: BLE001 - a bug must not end the session
            return Outcome(error=f"Internal error (please report it): {e}")

    def _run(self, text: str, mode: str) -> Outcome:
        source = wrap(text, mode)
        try:
            tpl = compile_template(source, name=REPL_NAME, limits=self.ctx.limits)
        except AmpscriptSyntaxError as e:
            if _ends_at_added_closer(e, source, mode):
                hint = e.message.split(";", 1)[1] if ";" in e.message else ""
                e.message = "Unexpected end of input" + (";" + hint if hint else "")
                e.args = (e.message,)
            raise
        self._remember_names(tpl.tree)
        body = tpl.tree.body
        echo = mode == CODE and len(body) == 1 and isinstance(body[0], ast.ExprStmt)
        runner = _echo_template(tpl, body[0]) if echo else tpl
        self.ctx.start_next_render()  # each input is one render
        if mode == SSJS:
            from ..ssjs.engine import ECHO

            self.ctx.cache[ECHO] = None   # ask for the value of the last statement
        traced = self._start_trace()
        try:
            runner.run(self.ctx)
            output = "".join(self.ctx.out)
            if mode == SSJS:
                shown = self.ctx.cache.get(ECHO)
                return Outcome(output=output, echo=shown, trace=self._end_trace(traced))
        except Redirected as r:
            return Outcome(message=f"Redirect to {r.url} (HTTP 302; the output is discarded)")
        except AmpscriptError as e:
            if traced is None:
                raise
            return Outcome(error=self._describe(e, text, mode), trace=self._end_trace(traced))
        finally:
            self.ctx.out = []
            value = self.ctx.vars.pop(VALUE_KEY, None)
        trace = self._end_trace(traced)
        if not echo or (value is None and isinstance(body[0].expr, ast.Call)):
            return Outcome(output=output, trace=trace)   # a call run for its effect, like Output(...)
        return Outcome(output=output, echo=format_value(value), trace=trace)

    def _start_trace(self, ctx: RenderContext | None = None):
        """With :trace on, route this input's statements to a fresh tracer."""
        if not self.tracing:
            return None
        from ..runtime.trace import Tracer, TracingBackend

        ctx = ctx or self.ctx
        records: list[dict] = []
        tracer = Tracer(records.append)
        ctx.tracer = tracer
        ctx.backend = TracingBackend(self.backend, tracer)
        return tracer, records

    def _end_trace(self, traced, ctx: RenderContext | None = None) -> str | None:
        if traced is None:
            return None
        from ..runtime.trace import format_record

        ctx = ctx or self.ctx
        tracer, records = traced
        tracer.flush()
        ctx.tracer = None
        ctx.backend = self.backend
        return "\n".join(format_record(r) for r in records if r["event"] == "statement") or None

    def _describe(self, err: AmpscriptError, text: str, mode: str) -> str:
        """The error with its position in the user's own input (not in the wrapped source)."""
        if err.name == REPL_NAME and err.line > 0:
            lines = text.split("\n")
            line = min(err.line, len(lines))
            column = err.column
            if mode == CODE and line == 1:
                column -= len(_OPEN)
            elif mode == SSJS and line == 1:
                column -= len(_SSJS_OPEN)
            source_line = lines[line - 1]
            err.line, err.column = line, max(1, min(column, len(source_line) + 1))
            err.source_line = source_line
        return str(err)

    def run_file(self, path: str, *, fresh: bool) -> Outcome:
        """Run a template file in the session scope, or (``fresh``) in a scope of its own."""
        with open(path, encoding="utf-8-sig") as f:
            source = f.read()
        tpl = compile_template(source, name=path, limits=self.ctx.limits)
        if fresh:
            ctx = self._new_context(self.kind)
            ctx.attrs.update(self.ctx.attrs)
        else:
            self._remember_names(tpl.tree)
            self.ctx.start_next_render()  # each input is one render
            ctx = self.ctx
        traced = self._start_trace(ctx)
        try:
            tpl.run(ctx)
            return Outcome(output="".join(ctx.out), trace=self._end_trace(traced, ctx))
        except Redirected as r:
            return Outcome(message=f"Redirect to {r.url} (HTTP 302; the output is discarded)")
        except AmpscriptError as e:
            if traced is None:
                raise
            return Outcome(error=str(e), trace=self._end_trace(traced, ctx))
        finally:
            ctx.out = []
            if traced is not None:
                ctx.tracer, ctx.backend = None, self.backend

    # ---- meta commands -------------------------------------------------------------------
    def _meta(self, line: str) -> Outcome:
        name, _, rest = line[1:].partition(" ")
        handler = META_COMMANDS.get(name.lower())
        if handler is None:
            return Outcome(error=f"Unknown command ':{name}' (try :help)")
        return handler[0](self, rest.strip())

    def _cmd_help(self, rest: str) -> Outcome:
        lines = ["Type AMPscript code as if inside %%[ ]%% (an expression on its own shows its value),",
                 "or template text with %%[ ]%% / %%= =%% blocks. Open IF/FOR blocks, strings and calls",
                 "continue on the next line. Ctrl-C cancels the input, Ctrl-D exits.", "",
                 "Commands:"]
        width = max(len(usage) for _, usage, _ in META_COMMANDS.values())
        seen = set()
        for handler, usage, doc in META_COMMANDS.values():
            if handler in seen:
                continue
            seen.add(handler)
            lines.append(f"  {usage.ljust(width)}  {doc}")
        return Outcome(message="\n".join(lines))

    def _cmd_vars(self, rest: str) -> Outcome:
        found = self.variables()
        if not found:
            return Outcome(message="(no variables)")
        return Outcome(message="\n".join(_assignment(name, v) for name, v in found.items()))

    def _cmd_attr(self, rest: str) -> Outcome:
        if not rest:
            found = self.attributes()
            if not found:
                return Outcome(message="(no attributes)")
            return Outcome(message="\n".join(_assignment(name, v) for name, v in found.items()))
        if "=" not in rest:
            return Outcome(error="usage: :attr NAME=VALUE")
        name, value = rest.split("=", 1)
        if not name.strip():
            return Outcome(error="usage: :attr NAME=VALUE")
        self.set_attribute(name, value)
        return Outcome()

    def _cmd_attrs(self, rest: str) -> Outcome:
        from ..attributes import AttributesFileError, load_attributes

        if not rest:
            return Outcome(error="usage: :attrs FILE.json")
        try:
            loaded = load_attributes(rest)
        except AttributesFileError as e:
            return Outcome(error=str(e))
        for name, value in loaded.items():
            self.set_attribute(name, value)
        return Outcome(message=f"{len(loaded)} attribute{'s' if len(loaded) != 1 else ''} loaded")

    def _file_command(self, rest: str, usage: str, *, fresh: bool) -> Outcome:
        if not rest:
            return Outcome(error=f"usage: {usage}")
        path = os.path.expanduser(rest)
        try:
            return self.run_file(path, fresh=fresh)
        except OSError as e:
            return Outcome(error=f"cannot read {rest}: {e.strerror}")
        except UnicodeDecodeError:
            return Outcome(error=f"{rest} is not UTF-8 text")

    def _cmd_load(self, rest: str) -> Outcome:
        return self._file_command(rest, ":load FILE", fresh=False)

    def _cmd_render(self, rest: str) -> Outcome:
        return self._file_command(rest, ":render FILE", fresh=True)

    def _cmd_functions(self, rest: str) -> Outcome:
        prefix = rest.lower()
        found = [b for b in registry.all_builtins() if b.name.lower().startswith(prefix)]
        if not found:
            return Outcome(message=f"(no function starts with {rest!r})")
        width = min(max(len(b.signature) for b in found), 60)
        lines = []
        for b in found:
            first = b.doc.splitlines()[0] if b.doc else ""
            lines.append(f"{b.signature.ljust(width)}  {first}".rstrip())
        return Outcome(message="\n".join(lines))

    def _cmd_doc(self, rest: str) -> Outcome:
        if not rest:
            return Outcome(error="usage: :doc NAME")
        b = registry.lookup(rest.strip().rstrip("()"))
        if b is None:
            return Outcome(error=f"Unknown function '{rest}'")
        lines = [b.signature, "", b.doc or "(no description)", "",
                 f"category:  {b.category}",
                 f"arguments: {b.arity_text()}"]
        if b.contexts != registry.ALL_CONTEXTS:
            allowed = ", ".join(k for k in RENDER_CONTEXTS if k in b.contexts)
            lines.append(f"contexts:  {allowed}" + (f" ({b.context_error})" if b.context_error else ""))
        return Outcome(message="\n".join(lines))

    def _cmd_reset(self, rest: str) -> Outcome:
        self.ctx = self._new_context(self.kind)
        self.attribute_names.clear()
        self.variable_names.clear()
        for name, value in self._start_attributes.items():
            self.set_attribute(name, value)
        return Outcome(message="Variables cleared; attributes back to the start-up ones.")

    def _cmd_context(self, rest: str) -> Outcome:
        if not rest:
            return Outcome(message=f"context: {self.kind}")
        kind = rest.lower()
        if kind not in RENDER_CONTEXTS:
            return Outcome(error=f"usage: :context {'|'.join(RENDER_CONTEXTS)}")
        self.ctx.kind = kind
        return Outcome(message=f"context: {kind}")

    def _cmd_backend(self, rest: str) -> Outcome:
        if not rest:
            return Outcome(message=self.describe_backend())
        parser = _MetaParser(prog=":backend", add_help=False)
        parser.add_argument("kind", choices=("local", "soap"))
        parser.add_argument("--workspace")
        parser.add_argument("--data")
        parser.add_argument("--content")
        parser.add_argument("--profile")
        try:
            args = parser.parse_args(shlex.split(rest))
        except (_MetaArgumentError, ValueError) as e:
            return Outcome(error=f"{e}\nusage: :backend local [--workspace DIR | --data DIR --content DIR]"
                                 " | soap [--profile NAME]")
        opener = self._open_backend
        if opener is None:
            from ..backends import open_backend as opener
        try:
            backend = opener(args.kind, workspace=args.workspace, data_dir=args.data,
                             content_dir=args.content, profile=args.profile)
        except ImportError as e:
            return Outcome(error=f"the {args.kind} backend is not available: {e}")
        except Exception as e:  # noqa: BLE001 - any failure keeps the current backend
            return Outcome(error=f"cannot open the {args.kind} backend: {e}")
        self.switch_backend(backend, args.kind, workspace=args.workspace or _folders(args.data, args.content))
        return Outcome(message=self.describe_backend())

    def switch_backend(self, backend, name: str, *, workspace: str | None) -> None:
        old, owned = self.backend, self.owns_backend
        self.backend, self.backend_name, self.workspace, self.owns_backend = backend, name, workspace, True
        self.ctx.backend = backend
        if self._settings() is not None:
            self.ctx.settings = self._settings()
        if owned and old is not backend:
            old.close()

    def describe_backend(self) -> str:
        return f"backend: {self.backend_name}" + (f" ({self.workspace})" if self.workspace else "")

    def _cmd_ssjs(self, rest: str) -> Outcome:
        choice = rest.lower()
        if choice not in ("", "on", "off"):
            return Outcome(error="usage: :ssjs [on|off]")
        self.ssjs = (not self.ssjs) if choice == "" else choice == "on"
        if not self.ssjs:
            return Outcome(message="SSJS mode off: code is AMPscript.")
        return Outcome(message="SSJS mode on: code is server-side JavaScript with Core loaded. Each input is "
                               "one render: JavaScript variables end with it, Platform.Variable values stay.")

    def _cmd_trace(self, rest: str) -> Outcome:
        if rest.lower() not in ("on", "off", ""):
            return Outcome(error="usage: :trace on|off")
        if rest:
            self.tracing = rest.lower() == "on"
        return Outcome(message=f"trace: {'on' if self.tracing else 'off'}")

    def _cmd_quit(self, rest: str) -> Outcome:
        return Outcome(quit=True)

    def close(self) -> None:
        if self.owns_backend:
            self.backend.close()


def _folders(data: str | None, content: str | None) -> str | None:
    parts = [p for p in (data, content) if p]
    return ", ".join(parts) or None


def _assignment(name: str, value: object) -> str:
    shown = format_value(value)
    if "\n" in shown:
        return f"{name} =\n" + "\n".join("  " + line for line in shown.split("\n"))
    return f"{name} = {shown}"


# name -> (handler, usage, one-line description); aliases share the handler and are listed once.
META_COMMANDS = {
    "help": (ReplSession._cmd_help, ":help", "this help"),
    "vars": (ReplSession._cmd_vars, ":vars", "the variables set so far"),
    "attr": (ReplSession._cmd_attr, ":attr [NAME=VALUE]", "set a subscriber attribute (alone: list them)"),
    "attrs": (ReplSession._cmd_attrs, ":attrs FILE.json", "load subscriber attributes from a JSON object"),
    "load": (ReplSession._cmd_load, ":load FILE", "run a file in this session's scope (its variables stay)"),
    "render": (ReplSession._cmd_render, ":render FILE", "render a file in a scope of its own and print it"),
    "functions": (ReplSession._cmd_functions, ":functions [PREFIX]", "list the functions"),
    "doc": (ReplSession._cmd_doc, ":doc NAME", "a function's signature and description"),
    "reset": (ReplSession._cmd_reset, ":reset", "forget variables; attributes back to the start-up ones"),
    "backend": (ReplSession._cmd_backend, ":backend local|soap [...]",
                "switch backend (local [--workspace DIR | --data DIR --content DIR], soap [--profile NAME])"),
    "context": (ReplSession._cmd_context, ":context page|email|sms", "the render context"),
    "ssjs": (ReplSession._cmd_ssjs, ":ssjs [on|off]", "code is server-side JavaScript (alone: switch)"),
    "trace": (ReplSession._cmd_trace, ":trace on|off",
              "show each statement run, the variables it changed and its builtin calls (stderr)"),
    "quit": (ReplSession._cmd_quit, ":quit", "leave (also Ctrl-D)"),
    "exit": (ReplSession._cmd_quit, ":exit", "leave"),
    "q": (ReplSession._cmd_quit, ":q", "leave"),
}


def write_outcome(outcome: Outcome, out, err) -> None:
    """Print one input's results: the output (ended by a newline), then the echo or the command's
    answer; the trace (first) and errors go to ``err``."""
    if outcome.trace is not None:
        err.write(outcome.trace + "\n")
        err.flush()
    if outcome.output:
        out.write(outcome.output)
        if not outcome.output.endswith("\n"):
            out.write("\n")
    for text in (outcome.echo, outcome.message):
        if text is not None:
            out.write(text + "\n")
    out.flush()
    if outcome.error is not None:
        err.write(outcome.error + "\n")
        err.flush()


def run_script(session: ReplSession, text: str, out, err) -> int:
    """Run a whole piped script entry by entry, as if typed; exit status 1 when any entry failed."""
    failed = False
    for entry in split_entries(text, lambda: session.ssjs):
        outcome = session.execute(entry)
        write_outcome(outcome, out, err)
        failed = failed or outcome.error is not None
        if outcome.quit:
            break
    return 1 if failed else 0
