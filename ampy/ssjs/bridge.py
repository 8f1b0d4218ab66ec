"""The bridge between Server-Side JavaScript and Python: host namespaces and value conversion.

Contract (the Platform namespace and the Core library build on it):

* ``@register_host("Name")`` on a class puts it in ``HOSTS``. A host is constructed once per render,
  lazily on the first call to its namespace, as ``cls(render)`` with ``render`` the render's
  ``SsjsRender``. JavaScript calls a host method through one global function
  ``__call(ns, method, argsArray)``: the bridge converts the arguments to Python, calls
  ``getattr(host, method)(*args)`` and converts the result back.
* JavaScript -> Python: objects -> ``dict`` (insertion order), arrays -> ``list``, integral numbers
  -> ``int``, other numbers -> ``float``, strings, booleans, ``null``/``undefined`` -> ``None``,
  ``Date`` -> timezone-aware ``datetime`` (UTC), a handle (below) -> the Python object it stands for.
* Python -> JavaScript: ``dict``/``list``/``tuple``/``str``/``int``/``float``/``bool``/``None``,
  ``datetime`` -> ``Date`` (a naive one is AMPscript system time, UTC-6), ``Decimal`` -> number,
  AMPscript rowsets -> arrays of objects (rows -> objects), anything else (API objects from
  CreateObject, ...) -> an opaque handle kept in a per-render table; passed into another call it
  arrives as the same Python object.
* Errors: an ``AmpscriptError``, ``FunctionError`` or ``ValueError`` raised by a host method becomes
  a catchable JavaScript ``Error`` with string properties ``message`` and ``description``. Any other
  exception is a bug in ampy: the script is stopped and the render fails with
  ``AmpscriptInternalError`` even if the script catches it.
* JS files: every ``ampy/ssjs/js/*.js`` runs in each context, ``prelude.js`` first, then the others
  alphabetically. ``prelude.js`` defines ``__onCoreLoad(fn)``: ``Platform.Load("core", v)`` calls
  every installer registered so once with the global object (Core globals are defined there).
  The files after ``platform.js`` run on first use of a global they define (see engine._Library).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

from ..errors import AmpscriptError, AmpscriptInternalError, FunctionError, Redirected
from ..limits import LimitExceeded
from ..runtime.dates import SYSTEM_TZ
from ..runtime.rowsets import Row, Rowset

HOSTS: dict[str, type] = {}

# Every limit's message says how to raise it (ampy.limits.how_to_raise): such an error is not the
# script's to catch.
_LIMIT_MARK = "; raise it in ampy.toml [limits] "

# What a host method returns to JavaScript when it failed with a script error: the prelude's
# __call then throws an Error built from render.fault (a try/catch around every call would cost more).
FAULT = "\x00ampy:fault"


def register_host(name: str):
    """Class decorator: ``name`` is the namespace JavaScript passes to ``__call``."""

    def register(cls: type) -> type:
        if name in HOSTS and HOSTS[name] is not cls:
            raise RuntimeError(f"SSJS host {name} registered twice")
        HOSTS[name] = cls
        return cls

    return register


class SsjsRender:
    """What host methods see of the render that runs the script: the same objects AMPscript
    builtins reach through the render context."""

    def __init__(self, context, js=None):
        self.context = context          # ampy.runtime.context.RenderContext
        self.js = js                    # the quickjs Context (None before the engine starts)
        self.hosts: dict[str, object] = {}
        self.handles: list = []         # keeps handed-out Python objects alive for the render
        self.fault: tuple[str, str, int | None] | None = None
        self.bug: BaseException | None = None
        self.stop: BaseException | None = None   # a limit or a redirect: ends the script for good
        self.redirect: str | None = None          # Platform.Response.Redirect caught by the script
        self.page = None                          # the ampy.ssjs.page.Page being run
        self.errors: list[AmpscriptError] = []   # script errors thrown into JS, by index
        self._date = None
        self._date_probe = None

    @property
    def backend(self):
        return self.context.backend

    @property
    def http(self):
        """The render's HTTP transport (allowlist, deadline, budget), as AMPscript HTTPGet uses it."""
        from ..http.transport import transport_for

        return transport_for(self.context)

    @property
    def limits(self):
        return self.context.limits

    @property
    def variables(self) -> dict:
        """The AMPscript variable store: lower-cased ``@name`` -> value."""
        return self.context.vars

    @property
    def attributes(self) -> dict:
        """Subscriber attributes by lower-cased name."""
        return self.context.attrs

    @property
    def request(self):
        """The web request (ampy.runtime.request.RequestContext) or None outside a CloudPage."""
        return self.context.request

    @property
    def response(self):
        """The response side of the web request (ampy.ssjs.page.Response) or None."""
        request = self.context.request
        if request is None:
            return None
        response = getattr(request, "ssjs_response", None)
        if response is None:
            from .page import Response

            response = request.ssjs_response = Response()
        return response

    def close(self) -> None:
        """Drop every reference into the engine (the render is over)."""
        self.js = self._date = self._date_probe = None
        self.hosts.clear()
        self.handles.clear()

    def write(self, text: str) -> None:
        self.context.out.append(text)

    # ---- calls from JavaScript
    def call(self, ns: str, method: str, *args):
        """``__call(ns, method, args)``: run a host method, converting both ways."""
        if self.stop is not None or self.bug is not None:
            raise self.stop or self.bug
        try:
            host = self.hosts.get(ns)
            if host is None:
                cls = HOSTS.get(ns)
                if cls is None:
                    raise FunctionError(f"{ns} is not available")
                host = self.hosts[ns] = cls(self)
            func = getattr(host, method, None)
            if func is None or method.startswith("_"):
                raise FunctionError(f"{ns}.{method} is not a function")
            return self.to_js(func(*[self.to_python(a) for a in args]))
        except (LimitExceeded, Redirected) as exc:
            self.stop = exc
            raise
        except AmpscriptInternalError as exc:
            return self._bug(exc)
        except AmpscriptError as exc:
            if _LIMIT_MARK in exc.message:   # a limit AMPscript between blocks went over
                self.stop = exc
                raise
            return self.throw(exc)
        except (FunctionError, ValueError, TypeError) as exc:
            if isinstance(exc, TypeError):
                message = _arity_message(self.hosts.get(ns), method, len(args), exc)
                return self._bug(exc) if message is None else self.throw(FunctionError(message))
            return self.throw(exc)
        except Exception as exc:
            return self._bug(exc)

    def throw(self, exc: Exception):
        """Hand ``exc`` to JavaScript as a catchable Error (return this from a callback)."""
        index = None
        if isinstance(exc, AmpscriptError):
            self.errors.append(exc)
            index = len(self.errors) - 1
            message = exc.message
        else:
            message = str(exc)
        self.fault = (message, message, index)
        return FAULT

    def _bug(self, exc: Exception):
        self.bug = exc
        raise exc

    def take_fault(self):
        """The prelude's side of ``FAULT``: [message, description, error index or null]."""
        fault, self.fault = self.fault, None
        return list(fault) if fault is not None else None

    # ---- conversion
    def to_python(self, value):
        if value is None or value.__class__ in (str, bool, int):
            return value
        if value.__class__ is float:
            return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
        import quickjs

        if isinstance(value, quickjs.Value):
            if value.is_array:
                return [self.to_python(value.get(i)) for i in range(len(value))]
            if value.is_function:
                raise FunctionError("a function cannot be passed here")
            keys = value.keys()
            if not keys:  # a Date has no own keys; plain empty objects are rare
                ms = self._date_ms(value)
                if ms is not None:
                    return None if math.isnan(ms) else datetime.fromtimestamp(ms / 1000, UTC)
            return {k: self.to_python(value.get(k)) for k in keys}
        if isinstance(value, quickjs.UndefinedType):
            return None
        return value  # a handle: the Python object itself

    def to_js(self, value):
        cls = value.__class__
        if value is None or cls in (str, bool, int, float):
            return value
        if cls is dict:
            return {str(k): self.to_js(v) for k, v in value.items()}
        if cls is list or cls is tuple:
            return [self.to_js(v) for v in value]
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=SYSTEM_TZ)
            return self._new_date(value.timestamp() * 1000)
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, Rowset):
            return [self.to_js(row.as_dict()) for row in value.rows]
        if isinstance(value, Row):
            return self.to_js(value.as_dict())
        if isinstance(value, (str, int, float)):  # subclasses (a bool is an int too)
            return value
        self.handles.append(value)
        return self.js.new_host_object(value)

    def _new_date(self, ms: float):
        date = self._date
        if date is None:
            date = self._date = self.js.eval("Date")
        return date.call_constructor(float(ms))

    def _date_ms(self, value):
        """A Date's time in milliseconds (NaN for an invalid one), None for another object."""
        probe = self._date_probe
        if probe is None:
            probe = self._date_probe = self.js.get("__dateMs")
        ms = probe(value)
        return None if ms is None or ms.__class__ not in (int, float) else float(ms)


def _arity_message(host, method: str, n: int, exc: TypeError) -> str | None:
    """"Lookup takes exactly 4 arguments, not 1" when ``exc`` is the host method refusing this
    call's argument count (a script error); None for any other TypeError (a bug)."""
    import inspect

    func = getattr(host, method, None)
    if func is None or exc.__traceback__ is None or exc.__traceback__.tb_next is not None:
        return None   # raised inside the method, not by the call itself
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    low = sum(1 for p in positional if p.default is p.empty)
    high = None if any(p.kind is p.VAR_POSITIONAL for p in params) else len(positional)
    if low <= n and (high is None or n <= high):
        return None
    wanted = (f"at least {low}" if high is None else f"exactly {low}" if low == high else f"{low} to {high}")
    return f"{method} takes {wanted} argument{'' if wanted == 'exactly 1' else 's'}, not {n}"


def install(js, render: SsjsRender) -> None:
    """Give a fresh context the bridge's global functions."""
    js.set("__host", js.new_function(render.call, "__host"))
    js.set("__takeFault", js.new_function(render.take_fault, "__takeFault"))
