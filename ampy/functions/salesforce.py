"""Sales & Service Cloud builtins (5) against a local stand-in for the connected org.

The org is a folder of CSV files, one per Salesforce object: ``salesforce/Contact.csv`` holds the
Contact records, its header row is the object's fields (an ``Id`` column is required). The backend
names the folder in its ``salesforce_dir`` attribute; a workspace backend without one uses the
workspace's ``salesforce/`` folder. What the real connector answers with a SOAP fault (unknown
object, field or record) aborts here too.

New records get 18-character IDs that start with the object's key prefix (``003`` for Contact,
``a00``-``a0z`` style for custom objects). ``CreatedDate``/``LastModifiedDate`` columns, when the
object has them, are stamped in UTC as the API writes them.

``RetrieveSalesforceJobSources`` reads ``salesforce/_JobSources.csv`` (columns ``JobID``,
``SourceID``, ``SourceType``, ``IsInclusionSource``).

A real org: when ampy.toml has a ``[salesforce]`` table (``ampy.salesforce.config``),
``CreateSalesforceObject``, ``RetrieveSalesforceObjects`` and ``UpdateSingleSalesforceObject`` go
to it through the REST API (``ampy.salesforce.client``) instead: field names are checked against
the object's describe, values are sent typed (numbers, booleans, '' as null), criteria become a
SOQL ``WHERE`` with literals typed by field. With the ``soap`` backend and no ``[salesforce]``
table these functions refuse rather than touch the workspace's CSV files.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import threading
from datetime import timedelta

from ..errors import FunctionError
from ..registry import builtin
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import DB_NULL, compare, equals, to_int, to_text

CAT = "Sales & Service Cloud"
BACKEND_NOTES = {  # docs/functions.md
    "local": "the CSV stand-in in salesforce/, or the org [salesforce] configures through the REST API.",
    "soap": "the org [salesforce] configures through the REST API; refused without it (never the CSV files).",
    "pure": frozenset({"LongSFID"}),
}
JOB_SOURCES_FILE = "_JobSources.csv"

# Standard objects' key prefixes (the first three characters of every record ID).
KEY_PREFIXES = {
    "account": "001", "note": "002", "contact": "003", "user": "005", "opportunity": "006",
    "activity": "007", "lead": "00Q", "task": "00T", "event": "00U", "campaignmember": "00v",
    "attachment": "00P", "profile": "00e", "asset": "02i", "product2": "01t", "pricebook2": "01s",
    "case": "500", "solution": "501", "campaign": "701", "contract": "800", "order": "801",
    "individual": "0PK",
}
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
_write_lock = threading.Lock()


def long_sfid(id15: str) -> str:
    """The 18-character form of a 15-character ID: for each 5-character chunk, a bit per upper-case
    letter (first character = lowest bit) picks one of A-Z, 0-5. Other lengths are returned as is."""
    if len(id15) != 15:
        return id15
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _CHECKSUM_CHARS[bits]
    return id15 + suffix


def key_prefix(obj: str) -> str:
    """The key prefix of an object: the standard one, or a stable ``a0?`` one for custom objects."""
    known = KEY_PREFIXES.get(obj.lower())
    if known:
        return known
    return "a0" + _BASE62[hashlib.sha1(obj.lower().encode("utf-8")).digest()[0] % 62]


class SalesforceObjects:
    """The CSV files of one local org."""

    def __init__(self, folder: str):
        self.folder = folder

    def path(self, obj: str) -> str | None:
        want = f"{obj.strip().lower()}.csv"
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return None
        for name in names:
            if name.lower() == want:
                return os.path.join(self.folder, name)
        return None

    def read(self, obj: str) -> tuple[str, list[str], list[dict[str, str]]]:
        """(file path, header, rows) of an object; an unknown object aborts."""
        path = self.path(obj) if obj.strip() else None
        if path is None or os.path.basename(path) == JOB_SOURCES_FILE:
            raise FunctionError(f"unknown Salesforce object '{obj}' (no {obj}.csv in the org folder)")
        return (path, *self.read_file(path))

    @staticmethod
    def read_file(path: str) -> tuple[list[str], list[dict[str, str]]]:
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if not header:
                    raise FunctionError(f"{os.path.basename(path)}: empty CSV (a header row is required)")
                rows = [dict(zip(header, r + [""] * (len(header) - len(r)))) for r in reader if r]
        except OSError as e:
            raise FunctionError(f"cannot read {os.path.basename(path)}: {e.strerror}") from None
        except csv.Error as e:
            raise FunctionError(f"{os.path.basename(path)}: malformed CSV: {e}") from None
        return header, rows

    @staticmethod
    def write(path: str, header: list[str], rows: list[dict[str, str]]) -> None:
        # Write a sibling file and swap it in, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(header)
                w.writerows([[r.get(c, "") for c in header] for r in rows])
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


_clients: dict = {}
_clients_lock = threading.Lock()


def _remote(ctx):
    """The REST client of the org ``[salesforce]`` configures, or None for the CSV stand-in."""
    from ..salesforce.config import SalesforceConfigError, config_from_settings

    raw = getattr(ctx.settings, "raw", None) or {}
    workspace = getattr(ctx.backend, "workspace", None)
    if "salesforce" not in raw and isinstance(workspace, str) and getattr(ctx.backend, "settings", None) is None:
        # a backend without settings of its own (soap): the workspace's ampy.toml still names the org
        from ..settings import load_settings

        try:
            raw = load_settings(os.path.join(workspace, "ampy.toml")).raw
        except ValueError as e:
            raise FunctionError(str(e)) from None
    try:
        config = config_from_settings(raw)
    except SalesforceConfigError as e:
        raise FunctionError(str(e)) from None
    if config is None:
        if getattr(ctx.backend, "name", "") == "soap":
            raise FunctionError("no Salesforce org is connected: with the soap backend, configure [salesforce] "
                                "in ampy.toml (the CSV stand-in serves the local backend only)")
        return None
    with _clients_lock:
        client = _clients.get(config)
        if client is None:
            from ..salesforce.client import SalesforceClient

            client = _clients[config] = SalesforceClient(config)
    return client


def _call(fn, *args):
    from ..salesforce.client import SalesforceError

    try:
        return fn(*args)
    except SalesforceError as e:
        raise FunctionError(f"Salesforce: {e}") from None


def _api_field(client, obj: str, name: str) -> dict:
    from ..salesforce.client import NAME

    if not NAME.fullmatch(obj):
        raise FunctionError(f"'{obj}' is not a Salesforce object name")
    field = _call(client.fields, obj).get(name.strip().lower())
    if field is None:
        raise FunctionError(f"{obj} has no field '{name.strip()}'")
    return field


def _json_value(value: str, field_type: str):
    """A script value as the JSON the REST API wants for a field of this type."""
    kind = field_type.lower()
    if value == "":
        return None
    if kind == "boolean":
        return value.strip().lower() in ("true", "1")
    if kind in ("int", "long"):
        try:
            return int(value.strip())
        except ValueError:
            raise FunctionError(f"'{value}' is not a whole number") from None
    if kind in ("double", "currency", "percent"):
        try:
            return float(value.strip())
        except ValueError:
            raise FunctionError(f"'{value}' is not a number") from None
    return value


def _remote_values(client, obj: str, fields) -> dict:
    if len(fields) % 2:
        raise FunctionError("field/value arguments must come in pairs")
    values = {}
    for i in range(0, len(fields), 2):
        field = _api_field(client, obj, to_text(fields[i]))
        if field["name"].lower() == "id":
            raise FunctionError("the Id field cannot be set")
        values[field["name"]] = _json_value(to_text(fields[i + 1]), field["type"])
    return values


def _cell(value) -> object:
    if value is None:
        return DB_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _org(ctx) -> SalesforceObjects:
    folder = getattr(ctx.backend, "salesforce_dir", None)
    workspace = getattr(ctx.backend, "workspace", None)
    if not folder and isinstance(workspace, str):
        folder = os.path.join(workspace, "salesforce")   # a workspace keeps its org beside its DEs
    if not folder or not os.path.isdir(folder):
        raise FunctionError("no Salesforce org is connected (a workspace needs a salesforce/ folder with "
                            "one CSV file per object)")
    return SalesforceObjects(folder)


def _column(header: list[str], obj: str, name: str) -> str:
    low = name.strip().lower()
    for c in header:
        if c.lower() == low:
            return c
    raise FunctionError(f"{obj} has no field '{name.strip()}'")


def _id_column(header: list[str], obj: str) -> str:
    try:
        return _column(header, obj, "Id")
    except FunctionError:
        raise FunctionError(f"{obj}.csv has no Id column") from None


def _utc_stamp(ctx) -> str:
    # System time is UTC-6 all year; the API writes UTC.
    return (ctx.now + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _stamp(ctx, header: list[str], row: dict[str, str], names: tuple[str, ...]) -> None:
    lowered = {c.lower(): c for c in header}
    for n in names:
        if n.lower() in lowered:
            row[lowered[n.lower()]] = _utc_stamp(ctx)


def _new_id(obj: str, taken: set[str]) -> str:
    prefix = key_prefix(obj)
    n = len(taken) + 1
    while True:
        digits = ""
        k = n
        while k:
            k, r = divmod(k, 62)
            digits = _BASE62[r] + digits
        candidate = long_sfid(prefix + "000" + digits.rjust(9, "0"))
        if candidate[:15] not in taken:
            return candidate
        n += 1


def _field_pairs(header, obj, args) -> list[tuple[str, str]]:
    if len(args) % 2:
        raise FunctionError("field/value arguments must come in pairs")
    return [(_column(header, obj, to_text(args[i])), to_text(args[i + 1])) for i in range(0, len(args), 2)]


@builtin("CreateSalesforceObject", min_args=4, max_args=None, category=CAT, needs_context=True,
         signature="CreateSalesforceObject(object, fieldCount, field1, value1, [fieldN, valueN]...)")
def create_salesforce_object(ctx, obj, field_count, *fields):
    """Creates a record in the connected org and returns its 18-character ID."""
    name = to_text(obj).strip()
    count = to_int(field_count, "field count")
    if count != len(fields) / 2:
        raise FunctionError(f"the field count is {count} but {len(fields) / 2:g} field/value pairs follow")
    client = _remote(ctx)
    if client is not None:
        return _call(client.create, name, _remote_values(client, name, fields))
    org = _org(ctx)
    with _write_lock:
        path, header, rows = org.read(name)
        id_col = _id_column(header, name)
        values = _field_pairs(header, name, fields)
        if any(col == id_col for col, _ in values):
            raise FunctionError("the Id field cannot be set on create")
        new_id = _new_id(name, {r.get(id_col, "")[:15] for r in rows if r.get(id_col)})
        row = {c: "" for c in header}
        _stamp(ctx, header, row, ("CreatedDate", "LastModifiedDate"))
        row.update(values)
        row[id_col] = new_id
        rows.append(row)
        org.write(path, header, rows)
    return new_id


def _same_id(a: str, b: str) -> bool:
    return long_sfid(a.strip()) == long_sfid(b.strip())


def _is_id_field(column: str) -> bool:
    return column.lower() == "id" or column.lower().endswith("id")


def _matches(cell: str, op: str, value: object, column: str) -> bool:
    if op in ("=", "!=") and _is_id_field(column) and len(to_text(value).strip()) in (15, 18) \
            and len(cell) in (15, 18):
        hit = _same_id(cell, to_text(value))   # IDs are case-sensitive; 15 and 18 forms are the same
        return hit if op == "=" else not hit
    left = DB_NULL if cell == "" else cell
    if op == "=":
        return equals(left, value)
    if op == "!=":
        return not equals(left, value)
    c = compare(left, value)
    return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]


@builtin("RetrieveSalesforceObjects", min_args=5, max_args=None, category=CAT, needs_context=True,
         signature="RetrieveSalesforceObjects(object, fields, field1, op1, value1, [fieldN, opN, valueN]...)")
def retrieve_salesforce_objects(ctx, obj, fields, *criteria):
    """Records matching all field/operator/value criteria (=, !=, <, <=, >, >=), with the listed fields."""
    name = to_text(obj).strip()
    if len(criteria) % 3:
        raise FunctionError("criteria must come in field, operator, value triples")
    client = _remote(ctx)
    if client is not None:
        return _remote_retrieve(client, name, fields, criteria)
    _, header, rows = _org(ctx).read(name)
    wanted = [_column(header, name, f) for f in to_text(fields).split(",") if f.strip()]
    if not wanted:
        raise FunctionError("no fields to retrieve")
    tests = []
    for i in range(0, len(criteria), 3):
        op = to_text(criteria[i + 1]).strip()
        if op not in _OPERATORS:
            raise FunctionError(f"unknown operator '{op}' (use {', '.join(_OPERATORS)})")
        tests.append((_column(header, name, to_text(criteria[i])), op, criteria[i + 2]))
    return Rowset(Row(wanted, [r.get(c, "") or DB_NULL for c in wanted]) for r in rows
                  if all(_matches(r.get(col, ""), op, value, col) for col, op, value in tests))


def _remote_retrieve(client, name: str, fields, criteria) -> Rowset:
    from ..salesforce.client import soql_literal

    wanted = [_api_field(client, name, f)["name"] for f in to_text(fields).split(",") if f.strip()]
    if not wanted:
        raise FunctionError("no fields to retrieve")
    where = []
    for i in range(0, len(criteria), 3):
        op = to_text(criteria[i + 1]).strip()
        if op not in _OPERATORS:
            raise FunctionError(f"unknown operator '{op}' (use {', '.join(_OPERATORS)})")
        field = _api_field(client, name, to_text(criteria[i]))
        value = to_text(criteria[i + 2])
        try:
            literal = "null" if value == "" else soql_literal(value, field["type"])
        except ValueError as e:
            raise FunctionError(f"{name}.{field['name']}: {e}") from None
        where.append(f"{field['name']} {op} {literal}")
    soql = f"SELECT {', '.join(wanted)} FROM {name}" + (f" WHERE {' AND '.join(where)}" if where else "")
    records = _call(client.query, soql)
    rows = []
    for record in records:
        lowered = {str(k).lower(): v for k, v in record.items() if k != "attributes"}
        rows.append(Row(wanted, [_cell(lowered.get(c.lower())) for c in wanted]))
    return Rowset(rows)


@builtin("UpdateSingleSalesforceObject", min_args=4, max_args=None, category=CAT, needs_context=True,
         signature="UpdateSingleSalesforceObject(object, recordId, field1, value1, [fieldN, valueN]...)")
def update_single_salesforce_object(ctx, obj, record_id, *fields):
    """Updates one record by ID and returns 1; an unknown record, object or field aborts."""
    name = to_text(obj).strip()
    rid = to_text(record_id).strip()
    client = _remote(ctx)
    if client is not None:
        values = _remote_values(client, name, fields)
        if not rid or not rid.isalnum():
            raise FunctionError(f"no {name} record with Id '{rid}'")
        _call(client.update, name, rid, values)
        return 1
    org = _org(ctx)
    with _write_lock:
        path, header, rows = org.read(name)
        id_col = _id_column(header, name)
        values = _field_pairs(header, name, fields)
        if any(col == id_col for col, _ in values):
            raise FunctionError("the Id field cannot be updated")
        for r in rows:
            if rid and _same_id(r.get(id_col, ""), rid):
                r.update(values)
                _stamp(ctx, header, r, ("LastModifiedDate",))
                break
        else:
            raise FunctionError(f"no {name} record with Id '{rid}'")
        org.write(path, header, rows)
    return 1


@builtin("RetrieveSalesforceJobSources", min_args=1, max_args=1, category=CAT, needs_context=True,
         local="reads salesforce/_JobSources.csv of the workspace.",
         soap="reads salesforce/_JobSources.csv of the workspace (the tenant's send sources are not in the API).",
         signature="RetrieveSalesforceJobSources(jobId)")
def retrieve_salesforce_job_sources(ctx, job_id):
    """Audience sources of a Salesforce-triggered send (SourceID, SourceType, IsInclusionSource)."""
    org = _org(ctx)
    path = org.path(JOB_SOURCES_FILE[:-4])
    columns = ["SourceID", "SourceType", "IsInclusionSource"]
    if path is None:
        return Rowset()
    header, rows = org.read_file(path)
    job_col = _column(header, JOB_SOURCES_FILE, "JobID")
    cols = [_column(header, JOB_SOURCES_FILE, c) for c in columns]
    job = to_text(job_id).strip().lower()
    return Rowset(Row(columns, [r.get(c, "") for c in cols]) for r in rows
                  if r.get(job_col, "").strip().lower() == job)


@builtin("LongSFID", min_args=1, max_args=1, category=CAT, signature="LongSFID(id15)")
def long_sfid_builtin(id15):
    """The 18-character form of a 15-character Salesforce ID; any other length comes back unchanged."""
    return long_sfid(to_text(id15))
