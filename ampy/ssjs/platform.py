"""The ``Platform`` namespace's Python side: variables, recipient attributes, the web request and
response, and ``Platform.Function.*`` bound to the same registry builtins as AMPscript (only the
argument and result shapes are converted here; ``js/platform.js`` builds the JavaScript objects).
"""

from __future__ import annotations

import json
from datetime import datetime

from ..errors import FunctionError
from ..registry import lookup as find_builtin
from ..runtime.dates import SYSTEM_TZ
from ..runtime.rowsets import Rowset
from ..runtime.values import DB_NULL, to_text
from .bridge import register_host

CORE_VERSIONS = frozenset({"1", "1.1"} | {f"1.1.{n}" for n in range(1, 7)})


def _var_key(name) -> str:
    key = to_text(name).strip().lower()
    if not key:
        raise FunctionError("the variable name is empty")
    return key if key.startswith("@") else "@" + key


def to_ampscript(value):
    """A JavaScript argument as an AMPscript value: a Date is system time (naive, UTC-6);
    objects and arrays are stored as their JSON text."""
    if isinstance(value, datetime):
        return value.astimezone(SYSTEM_TZ).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return value


def from_ampscript(value):
    if value is DB_NULL:
        return None
    return value


@register_host("Platform")
class PlatformHost:
    """``Platform.Load``."""

    def __init__(self, render):
        self.render = render

    def Load(self, library=None, version=None):  # noqa: N802 - the platform's spelling
        lib = to_text(library).strip().lower()
        if lib != "core":
            raise FunctionError(f"Platform.Load: unknown library {to_text(library)!r} (ampy knows \"core\")")
        if version is not None and to_text(version).strip() not in CORE_VERSIONS:
            raise FunctionError(f"Platform.Load: Core has no version {to_text(version)!r} "
                                f"(1, 1.1, 1.1.1 ... 1.1.6)")
        return True


@register_host("Variable")
class VariableHost:
    """``Platform.Variable`` / Core ``Variable``: the AMPscript variable store."""

    def __init__(self, render):
        self.vars = render.variables

    def GetValue(self, name):  # noqa: N802
        value = self.vars.get(_var_key(name))   # never set: null; set to "": ""
        return from_ampscript(value)

    def SetValue(self, name, value=None):  # noqa: N802
        self.vars[_var_key(name)] = to_ampscript(value)


@register_host("Recipient")
class RecipientHost:
    """``Platform.Recipient.GetAttributeValue`` / Core ``Attribute.GetValue``."""

    def __init__(self, render):
        self.context = render.context

    def GetAttributeValue(self, name):  # noqa: N802
        key = to_text(name).strip()
        value = self.context.attribute(key.lower(), key)
        return "" if value is None or value is DB_NULL else from_ampscript(value)


@register_host("Write")
class WriteHost:
    """``Write`` / ``Platform.Response.Write``: append to the shared output, checked against the
    output_size limit as AMPscript's loops do."""

    def __init__(self, render):
        self.context = render.context
        self.count = 0

    def text(self, value):
        """One value in AMPscript's text form (numbers with a fraction: .NET's format)."""
        ctx = self.context
        ctx.out.append(to_text(value))
        self.count += 1
        if self.count & 255 == 0:
            ctx.check_output()

    def flush(self, text: str):
        """What the script wrote since the last host call (prelude.js gathers it)."""
        ctx = self.context
        ctx.out.append(text)
        ctx.check_output()


@register_host("Request")
class RequestHost:
    """``Platform.Request`` / Core ``Request``: the CloudPage request; null outside one."""

    def __init__(self, render):
        self.request = render.request
        self.post_data_read = False

    def GetQueryStringParameter(self, name):  # noqa: N802
        return None if self.request is None else self.request.query_value(to_text(name))

    def GetFormField(self, name):  # noqa: N802
        if self.request is None:
            return None
        return self.request.form.get(to_text(name).strip().lower())

    def GetCookieValue(self, name):  # noqa: N802
        if self.request is None:
            return None
        return self.request.cookies.get(to_text(name).strip().lower())

    def GetRequestHeader(self, name):  # noqa: N802
        if self.request is None:
            return None
        return self.request.headers.get(to_text(name).strip().lower())

    def GetPostData(self, encoding=None):  # noqa: N802
        """The raw body, once; later calls and GET requests give ""."""
        request = self.request
        if request is None:
            return None
        if self.post_data_read or str(request.method).upper() != "POST":
            return ""
        self.post_data_read = True
        body = request.body
        if body is None:
            return ""
        try:
            return body.decode(to_text(encoding) or "utf-8", "replace") if isinstance(body, bytes) else str(body)
        except LookupError:
            raise FunctionError(f"GetPostData: unknown encoding {to_text(encoding)!r}") from None

    def GetUserLanguages(self):  # noqa: N802
        raise FunctionError("GetUserLanguages is not supported by the platform")

    def property(self, name):
        """The read-only properties (Method, QueryString, RequestURL, ...)."""
        from urllib.parse import urlsplit

        request = self.request
        if request is None:
            return None
        headers = request.headers
        if name == "Method":
            return str(request.method).upper()
        if name == "QueryString":
            query = urlsplit(request.url).query
            return "?" + query if query else ""
        if name == "RequestURL":
            return request.url
        if name == "ClientIP":
            return headers.get("x-forwarded-for", "127.0.0.1").split(",")[0].strip()
        if name == "HasSSL":
            return request.url.lower().startswith("https:")
        if name == "UserAgent":
            return headers.get("user-agent", "")
        if name == "ReferrerURL":
            return headers.get("referer", "")
        if name == "Browser":
            return {"UserAgent": headers.get("user-agent", "")}
        raise FunctionError(f"Platform.Request has no property {name}")


@register_host("Response")
class ResponseHost:
    """``Platform.Response``: recorded on the request's response; no-ops outside a web context."""

    def __init__(self, render):
        self.render = render

    def Redirect(self, url, permanent=None):  # noqa: N802
        """Answer with 302 (301 when permanent), drop the output; the script stops with an
        exception a surrounding try may catch (its catch may redirect again and win)."""
        render = self.render
        target = to_text(url)
        response = render.response
        if response is None:
            return None
        response.status = 301 if permanent else 302
        render.redirect = render.request.redirect = target
        raise FunctionError(f"Redirect to {target}")

    def SetResponseHeader(self, name, value):  # noqa: N802
        response = self.render.response
        if response is not None:
            response.headers[to_text(name)] = to_text(value)

    def RemoveResponseHeader(self, name):  # noqa: N802
        response = self.render.response
        if response is not None:
            want = to_text(name).lower()
            for key in [k for k in response.headers if k.lower() == want]:
                del response.headers[key]

    def SetCookie(self, name, value, expires=None, https_only=None):  # noqa: N802
        response = self.render.response
        if response is not None:
            response.cookies.append({"name": to_text(name), "value": to_text(value),
                                     "expires": to_ampscript(expires), "secure": bool(https_only)})

    def RemoveCookie(self, name):  # noqa: N802
        self.SetCookie(name, "", datetime(1970, 1, 1))

    def set(self, name, value):
        response = self.render.response
        if response is not None:
            setattr(response, {"ContentType": "content_type", "CharacterSet": "charset"}[name], to_text(value))

    def get(self, name):
        response = self.render.response
        if response is None:
            return None
        return getattr(response, {"ContentType": "content_type", "CharacterSet": "charset"}[name])


class _Out:
    """An @variable argument of an AMPscript builtin, seen from JavaScript as an array slot."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = None

    def set(self, ctx, value) -> None:
        self.value = value

    def get(self, ctx):
        return self.value


class _Given:
    """An argument of a lazy builtin, already evaluated."""

    __slots__ = ("value", "node")
    is_call = False

    def __init__(self, value):
        self.value, self.node = value, None

    def evaluate(self, ctx):
        return self.value


@register_host("Function")
class FunctionHost:
    """``Platform.Function.*``: the AMPscript builtins with JavaScript argument shapes."""

    def __init__(self, render):
        self.render = render
        self.ctx = render.context

    def call(self, name: str, *args, outs: tuple[int, ...] = ()):
        """The builtin ``name`` with these AMPscript arguments; positions in ``outs`` are
        @variable slots. Returns the result, or [result, out values...] when ``outs``."""
        b = find_builtin(name)
        if b is None:
            raise FunctionError(f"Platform.Function.{name} is not a function")
        n = len(args)
        if n < b.min_args or (b.max_args is not None and n > b.max_args):
            raise FunctionError(f"{b.name} takes {b.arity_text()} arguments, not {n}")
        ctx = self.ctx
        if ctx.kind not in b.contexts:
            why = f" ({b.context_error})" if b.context_error else ""
            raise FunctionError(f"{b.name} is not allowed in {ctx.kind} content{why}")
        values = [to_ampscript(a) for a in args]
        slots = {}
        for i in b.out_params:
            if i < n or i in outs:
                slots[i] = _Out()
                if i < n:
                    values[i] = slots[i]
                else:
                    values.extend([None] * (i - len(values)) + [slots[i]])
        if b.lazy:
            result = b.func(ctx, tuple(_Given(v) for v in values))
        elif b.needs_context:
            result = b.func(ctx, *values)
        else:
            result = b.func(*values)
        result = from_ampscript(result)
        if outs:
            return [result, *[from_ampscript(slots[i].value) if i in slots else None for i in outs]]
        return result

    # ---- the documented functions whose JavaScript shapes differ from AMPscript's
    def Lookup(self, de, column, where_cols, where_vals):  # noqa: N802
        """First match's value, null when nothing matches."""
        pairs = _where(where_cols, where_vals)
        value = self.call("Lookup", de, column, *pairs)
        if value == "" and not self.call("LookupRows", de, *pairs).rows:
            return None     # "" from AMPscript's Lookup: an empty value, or no row at all
        return value

    def LookupRows(self, de, where_cols, where_vals):  # noqa: N802
        return _rows_or_null(self.call("LookupRows", de, *_where(where_cols, where_vals)))

    def LookupOrderedRows(self, de, count, order, where_cols, where_vals):  # noqa: N802
        return _rows_or_null(self.call("LookupOrderedRows", de, count, order, *_where(where_cols, where_vals)))

    def InsertData(self, de, cols, vals):  # noqa: N802
        return self.call("InsertData", de, *_where(cols, vals, "column"))

    def InsertDE(self, de, cols, vals):  # noqa: N802
        self.call("InsertDE", de, *_where(cols, vals, "column"))

    def UpdateData(self, de, where_cols, where_vals, cols, vals):  # noqa: N802
        return self._search_write("UpdateData", de, where_cols, where_vals, cols, vals)

    def UpdateDE(self, de, where_cols, where_vals, cols, vals):  # noqa: N802
        self._search_write("UpdateDE", de, where_cols, where_vals, cols, vals)

    def UpsertData(self, de, where_cols, where_vals, cols, vals):  # noqa: N802
        return self._search_write("UpsertData", de, where_cols, where_vals, cols, vals)

    def UpsertDE(self, de, where_cols, where_vals, cols, vals):  # noqa: N802
        self._search_write("UpsertDE", de, where_cols, where_vals, cols, vals)

    def DeleteData(self, de, where_cols, where_vals):  # noqa: N802
        return self.call("DeleteData", de, *_where(where_cols, where_vals))

    def DeleteDE(self, de, where_cols, where_vals):  # noqa: N802
        self.call("DeleteDE", de, *_where(where_cols, where_vals))

    def _search_write(self, name, de, where_cols, where_vals, cols, vals):
        for what, value in (("where columns", where_cols), ("where values", where_vals), ("columns", cols),
                            ("values", vals)):
            if not isinstance(value, list):
                raise FunctionError(f"{name}: the {what} must be an array")
        search = _where(where_cols, where_vals)
        return self.call(name, de, len(search) // 2, *search, *_where(cols, vals, "column"))

    def HTTPGet(self, url, continue_on_error=None, empty_handling=None, names=None, values=None, status=None):  # noqa: N802
        """The body; [body, status] for the status-array form (platform.js fills the array)."""
        if names:
            raise FunctionError("HTTPGet: request headers are not supported; use Script.Util.HttpRequest")
        args = [url] + ([continue_on_error] if continue_on_error is not None or empty_handling is not None else [])
        if empty_handling is not None:
            args.append(empty_handling)
        return self.call("HTTPGet", *args, outs=(3,))

    def HTTPPost(self, url, content_type, body, names=None, values=None, response=None):  # noqa: N802
        """The status code; [status, body] for platform.js to fill the response array."""
        headers = _where(names or [], values or [], "header")
        args = [url, content_type, body, None, *headers] if headers else [url, content_type, body]
        return self.call("HTTPPost", *args, outs=(3,))

    def InvokeCreate(self, obj, status=None, options=None):  # noqa: N802
        return self.call("InvokeCreate", obj, None, None, *([options] if options is not None else []), outs=(1, 2))

    def InvokeUpdate(self, obj, status=None, options=None):  # noqa: N802
        return self.call("InvokeUpdate", obj, None, None, *([options] if options is not None else []), outs=(1, 2))

    def InvokeDelete(self, obj, status=None, options=None):  # noqa: N802
        return self.call("InvokeDelete", obj, None, None, *([options] if options is not None else []), outs=(1, 2))

    def InvokePerform(self, obj, action, status=None, options=None):  # noqa: N802
        return self.call("InvokePerform", obj, action, None, outs=(2,))

    def InvokeRetrieve(self, request, status=None):  # noqa: N802
        result = self.call("InvokeRetrieve", request, None, None, outs=(1, 2))
        result[0] = _rows_or_null(result[0])
        return result

    def InvokeExecute(self, request, status=None):  # noqa: N802
        return self.call("InvokeExecute", request, None, None, outs=(1, 2))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.call(name, *args)


def _where(cols, vals, what: str = "where column") -> list:
    """Column and value arrays (or one column and one value) as AMPscript's name, value pairs."""
    if not isinstance(cols, list):
        cols, vals = [cols], [vals]
    elif not isinstance(vals, list):
        raise FunctionError(f"the {what} names are an array but their values are not")
    if len(cols) != len(vals):
        raise FunctionError(f"{len(cols)} {what} names but {len(vals)} values")
    out: list = []
    for c, v in zip(cols, vals):
        out += [c, v]
    return out


def _rows_or_null(rows):
    if isinstance(rows, Rowset) and not rows.rows:
        return None
    return rows
