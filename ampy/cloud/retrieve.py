"""Retrieve semantics over lists of objects: Simple/Complex filters, Properties, paging.

Filters follow the Partner API: ``SimpleFilterPart(Property, SimpleOperator, Value[], DateValue[])``
and ``ComplexFilterPart(LeftOperand, LogicalOperator, RightOperand, AdditionalOperands)``. String
comparisons ignore case (the service's SQL collation does); numbers compare as numbers and dates
as dates when both sides read as such.

Paging: at most ``PAGE_SIZE`` objects per answer; the rest is kept under the answer's RequestID
and handed out by a later request whose ``ContinueRequest`` is that RequestID. The snapshot is
taken at the first page, so rows are neither lost nor repeated while pages are fetched.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from ..api.model import ApiObject, as_items
from ..runtime.dates import parse_date
from ..runtime.values import parse_number
from .objects import ObjectError, text

PAGE_SIZE = 2500
_KEPT_RETRIEVES = 64  # unfinished paged retrieves remembered per account

Getter = Callable[[ApiObject, str], object]

OPERATORS = (
    "equals",
    "notEquals",
    "greaterThan",
    "lessThan",
    "greaterThanOrEqual",
    "lessThanOrEqual",
    "isNull",
    "isNotNull",
    "between",
    "IN",
    "like",
    "beginsWith",
    "endsWith",
    "contains",
    "notContains",
    "existsInString",
    "existsInStringAsAWord",
    "notExistsInString",
    "isAnniversary",
    "isNotAnniversary",
)
_OPERATOR_BY_LOWER = {op.lower(): op for op in OPERATORS}


def default_getter(obj: ApiObject, path: str) -> object:
    """A property by (dotted) name; objects carrying name/value ``Properties`` (DataExtensionObject,
    AsyncActivityStatus) answer from those."""
    current: object = obj
    for part in path.split("."):
        if not isinstance(current, ApiObject):
            return None
        value = current.get(part)
        if value is None:
            value = property_value(current, part)
        current = value
    return current


def property_value(obj: ApiObject, name: str) -> object:
    """The Value of the name/value pair ``name`` in ``obj.Properties`` (None when absent)."""
    props = obj.get("Properties")
    if isinstance(props, list):
        low = name.lower()
        for p in props:
            if isinstance(p, ApiObject) and text(p.get("Name")).lower() == low:
                return p.get("Value")
    return None


def filter_properties(filt: ApiObject | None) -> list[str]:
    """Every property name a filter refers to (for validation before running it)."""
    if not isinstance(filt, ApiObject):
        return []
    if _is_complex(filt):
        out = filter_properties(filt.get("LeftOperand")) + filter_properties(filt.get("RightOperand"))
        for extra in as_items(filt.get("AdditionalOperands")):
            out += filter_properties(extra)
        return out
    return [text(filt.get("Property"))]


def _is_complex(filt: ApiObject) -> bool:
    return filt.type == "ComplexFilterPart" or filt.get("LogicalOperator") is not None


def compile_filter(
    filt: ApiObject | None, getter: Getter = default_getter, *, strict_nulls: bool = False
) -> Callable[[ApiObject], bool]:
    """A predicate for ``filt`` (None: everything matches). Bad filters raise ObjectError.

    ``isNull``/``isNotNull`` count an empty value as null, except with ``strict_nulls`` (data
    extension rows, whose cells are NULL or a string, '' included, as the store's Lookups see them).
    """
    if filt is None or filt == "":
        return lambda obj: True
    if not isinstance(filt, ApiObject):
        raise ObjectError("The Filter must be a SimpleFilterPart or a ComplexFilterPart.")
    if _is_complex(filt):
        op = text(filt.get("LogicalOperator")).upper()
        if op not in ("AND", "OR"):
            raise ObjectError(f"Unsupported LogicalOperator '{text(filt.get('LogicalOperator'))}'.")
        parts = [filt.get("LeftOperand"), filt.get("RightOperand")] + as_items(filt.get("AdditionalOperands"))
        if filt.get("LeftOperand") is None or filt.get("RightOperand") is None:
            raise ObjectError("A ComplexFilterPart needs a LeftOperand and a RightOperand.")
        preds = [compile_filter(p, getter, strict_nulls=strict_nulls) for p in parts]
        if op == "AND":
            return lambda obj: all(p(obj) for p in preds)
        return lambda obj: any(p(obj) for p in preds)
    prop = text(filt.get("Property"))
    if not prop:
        raise ObjectError("A SimpleFilterPart needs a Property.")
    op_name = _OPERATOR_BY_LOWER.get(text(filt.get("SimpleOperator")).lower())
    if op_name is None:
        raise ObjectError(f"Unsupported SimpleOperator '{text(filt.get('SimpleOperator'))}'.")
    values = [text(v) for v in as_items(filt.get("Value"))]
    dates = [text(v) for v in as_items(filt.get("DateValue"))]
    test = _simple_test(op_name, values or dates, bool(dates and not values), strict_nulls)
    return lambda obj: test(getter(obj, prop))


def _simple_test(op: str, values: list[str], as_dates: bool, strict_nulls: bool = False) -> Callable[[object], bool]:
    need = {"between": 2}.get(
        op, 0 if op in ("isNull", "isNotNull", "isAnniversary", "isNotAnniversary") else 1
    )
    if len(values) < need:
        raise ObjectError(f"The {op} operator needs {need} value(s).")
    first = values[0] if values else ""
    if op == "isNull":
        return (lambda v: v is None) if strict_nulls else (lambda v: v is None or text(v) == "")
    if op == "isNotNull":
        return (lambda v: v is not None) if strict_nulls else (lambda v: not (v is None or text(v) == ""))
    if op == "equals":
        return lambda v: v is not None and _compare(text(v), first, as_dates) == 0
    if op == "notEquals":
        return lambda v: v is None or _compare(text(v), first, as_dates) != 0
    if op in ("greaterThan", "lessThan", "greaterThanOrEqual", "lessThanOrEqual"):
        want = {
            "greaterThan": (1,),
            "lessThan": (-1,),
            "greaterThanOrEqual": (0, 1),
            "lessThanOrEqual": (-1, 0),
        }[op]
        return lambda v: v is not None and text(v) != "" and _compare(text(v), first, as_dates) in want
    if op == "between":
        low, high = values[0], values[1]
        return lambda v: (
            v is not None
            and text(v) != ""
            and _compare(text(v), low, as_dates) >= 0
            and _compare(text(v), high, as_dates) <= 0
        )
    if op == "IN":
        return lambda v: v is not None and any(_compare(text(v), x, as_dates) == 0 for x in values)
    if op == "like":
        pattern = _like_regex(first)
        return lambda v: v is not None and pattern.fullmatch(text(v)) is not None
    fold = first.casefold()
    if op == "beginsWith":
        return lambda v: v is not None and text(v).casefold().startswith(fold)
    if op == "endsWith":
        return lambda v: v is not None and text(v).casefold().endswith(fold)
    if op in ("contains", "existsInString"):
        return lambda v: v is not None and fold in text(v).casefold()
    if op in ("notContains", "notExistsInString"):
        return lambda v: v is None or fold not in text(v).casefold()
    if op == "existsInStringAsAWord":
        word = re.compile(r"(?<!\w)" + re.escape(fold) + r"(?!\w)")
        return lambda v: v is not None and word.search(text(v).casefold()) is not None
    # isAnniversary / isNotAnniversary: same month and day as the value (today when none is given)
    from ..runtime.dates import system_now

    target = _as_date(first) if first else system_now()
    if target is None:
        raise ObjectError(f"'{first}' is not a date.")

    def anniversary(v: object) -> bool:
        d = _as_date(text(v)) if v is not None else None
        return d is not None and (d.month, d.day) == (target.month, target.day)

    if op == "isAnniversary":
        return anniversary
    return lambda v: not anniversary(v)


def _like_regex(pattern: str) -> re.Pattern:
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _as_date(value: str) -> datetime | None:
    return parse_date(value)


def _compare(left: str, right: str, as_dates: bool) -> int:
    if not as_dates:
        a, b = parse_number(left), parse_number(right)
        if a is not None and b is not None:
            return (a > b) - (a < b)
    if as_dates or (looks_like_date(left) and looks_like_date(right)):
        da, db = _as_date(left), _as_date(right)
        if da is not None and db is not None:
            da, db = da.replace(tzinfo=None), db.replace(tzinfo=None)
            return (da > db) - (da < db)
    a_s, b_s = left.casefold(), right.casefold()
    return (a_s > b_s) - (a_s < b_s)


def looks_like_date(value: str) -> bool:
    return bool(re.match(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", value))


# ---- projection ------------------------------------------------------------------------------


def distinct_properties(names: list[object]) -> list[str]:
    """The requested property names, blanks dropped and repeats removed: names match without
    regard to case (as the service matches them), and the first spelling is the one kept.
    A request repeating one name 400 times must not produce 400 copies of every value."""
    seen: set[str] = set()
    out = []
    for name in names:
        name = text(name)
        low = name.lower()
        if name and low not in seen:
            seen.add(low)
            out.append(name)
    return out


def project_pairs(obj: ApiObject, names: list[str]) -> ApiObject:
    """``obj`` (with name/value ``Properties``) keeping only ``names``, in that order; a name the
    object lacks comes back with no Value. One pass over the pairs, whatever the number of names."""
    values: dict[str, object] = {}
    for pair in as_items(obj.get("Properties")):
        if isinstance(pair, ApiObject):
            values.setdefault(text(pair.get("Name")).lower(), pair.get("Value"))
    pairs = [ApiObject("APIProperty", {"Name": name, "Value": values.get(name.lower())}) for name in names]
    return ApiObject(obj.type, {**{k: v for k, v in obj.properties.items() if k != "Properties"},
                                "Properties": pairs})


def project(obj: ApiObject, properties: list[str]) -> ApiObject:
    """Only the requested properties (dotted names keep the nested path), in request order;
    a requested property the object lacks comes back empty so scripts can still read it."""
    if not properties:
        return obj
    out = ApiObject(obj.type)
    for name in properties:
        head, _, rest = name.partition(".")
        value = obj.get(head)
        if rest:
            if not isinstance(value, ApiObject):
                continue
            nested = out.get(head)
            if not isinstance(nested, ApiObject):
                nested = ApiObject(value.type)
                out.set(head, nested)
            for k, v in project(value, [rest]).properties.items():
                nested.set(k, v)
        else:
            out.set(_canonical_name(obj, head), "" if value is None else value)
    return out


def _canonical_name(obj: ApiObject, name: str) -> str:
    low = name.lower()
    for k in obj.properties:
        if k.lower() == low:
            return k
    return name


def rows_as_pairs(rows, names: list[str], type_name: str = "DataExtensionObject") -> list[ApiObject]:
    """Data extension rows (dicts by column) as objects with name/value ``Properties`` holding
    ``names``, in that order (a NULL cell keeps its None Value)."""
    return [
        ApiObject(type_name, {"Properties": [ApiObject("APIProperty", {"Name": n, "Value": row.get(n)})
                                             for n in names]})
        for row in rows
    ]


# ---- paging ----------------------------------------------------------------------------------


class Pager:
    """Hands out results PAGE_SIZE at a time; remembers the rest under the RequestID."""

    def __init__(self, page_size: int = PAGE_SIZE):
        self.page_size = page_size
        self._pending: OrderedDict[str, list[ApiObject]] = OrderedDict()
        self._lock = threading.Lock()

    def first(self, results: list[ApiObject], batch_size: int | None = None) -> tuple[str, list, bool]:
        """(RequestID, this page, more data available)."""
        request_id = str(uuid.uuid4())
        size = min(batch_size or self.page_size, self.page_size)
        page, rest = results[:size], results[size:]
        if rest:
            with self._lock:
                self._pending[request_id] = (rest, size)
                while len(self._pending) > _KEPT_RETRIEVES:
                    self._pending.popitem(last=False)
        return request_id, page, bool(rest)

    def next(self, request_id: str) -> tuple[str, list, bool]:
        with self._lock:
            entry = self._pending.pop(request_id, None)
            if entry is None:
                raise ObjectError(f"ContinueRequest '{request_id}' does not name a retrieve with more data.")
            rest, size = entry
            page, remaining = rest[:size], rest[size:]
            if remaining:
                self._pending[request_id] = (remaining, size)
        return request_id, page, bool(remaining)
