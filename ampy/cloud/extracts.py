"""DataExtractActivity and ExtractDefinition start: extracts written as files to ``safehouse/``.

Both read the same parameters, by the platform's names, from ``Parameters`` (ExtractParameter
Name/Value) or ``PartnerProperties`` (names ignore case). ``ExtractType`` says which extract runs:
``DataExtension`` (the default when ``DECustomerKey`` is given) or ``Tracking``.

Data extension extract:
- ``DECustomerKey`` the data extension (CustomerKey or Name); ``OutputFileName`` (default
  ``<DE name>.csv``, a file name, not a path);
- ``HasColumnHeaders`` (default true), ``ColumnDelimiter`` (default ``,``; ``tab``, ``pipe``,
  ``comma``, ``semicolon`` or the character), ``TextQualified`` (true: every value in double
  quotes; false: only values holding the delimiter, a quote or a line break are quoted, so the
  file always reads back), ``Encoding`` (default ``utf-8``; ``utf-16`` writes a byte order mark;
  any codec name Python knows, e.g. ``ascii``, ``iso-8859-1``, ``windows-1252``: a value the
  encoding cannot hold fails the extract);
- ``StartDate`` / ``EndDate`` keep the rows whose ``DateField`` (default: the data extension's only
  Date field) falls in the range, both ends included (an EndDate without a time takes in that
  whole day); a row without a readable date is left out;
- ``Zip`` true writes ``<OutputFileName without extension>.zip`` holding the file; an
  OutputFileName ending in ``.zip`` zips too. ``_AsyncID`` is accepted (every local extract runs
  as a task anyway).

Tracking extract: one zip (``OutputFileName``, default ``tracking.zip``) holding ``SendJobs.csv``,
``Sent.csv``, ``Opens.csv``, ``Clicks.csv``, ``Bounces.csv``, ``Unsubs.csv`` with the platform's
columns, from the local store's Sends and tracking events, their EventDate (a job's SentDate) within
``StartDate``/``EndDate`` when given. ``ExtractSendJobs``, ``ExtractSent``, ``ExtractOpens``,
``ExtractClicks``, ``ExtractBounces``, ``ExtractUnsubs`` choose files; when none is given every
file is written. Files with no events still have their header line.

Rows end with CRLF, as the platform writes them. The file is written to a temporary name and
renamed into place when complete: a failing extract leaves nothing behind.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from datetime import time, timedelta

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..runtime.dates import parse_date
from .fields import field_type
from .filetransfers import discard, folder_path, plain_name, temp_path
from .objects import as_list, text, truthy
from .tasks import TaskFailed

_DELIMITERS = {"tab": "\t", "pipe": "|", "comma": ",", "semicolon": ";"}
_TRUE_DEFAULT = ("true", "1", "yes")

TRACKING_FILES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # flag → (file name, event type, columns)
    "extractsendjobs": (
        "SendJobs.csv",
        "",
        (
            "ClientID", "SendID", "FromName", "FromEmail", "SchedTime", "SentTime", "Subject",
            "EmailName", "TriggeredSendExternalKey", "SendDefinitionExternalKey", "JobStatus",
            "PreviewURL", "IsMultipart", "Additional",
        ),
    ),
    "extractsent": ("Sent.csv", "SentEvent", ()),
    "extractopens": ("Opens.csv", "OpenEvent", ()),
    "extractclicks": (
        "Clicks.csv",
        "ClickEvent",
        (
            "ClientID", "SendID", "SubscriberKey", "EmailAddress", "SubscriberID", "ListID", "EventDate",
            "EventType", "SendURLID", "URLID", "URL", "Alias", "BatchID", "TriggeredSendExternalKey",
        ),
    ),
    "extractbounces": (
        "Bounces.csv",
        "BounceEvent",
        (
            "ClientID", "SendID", "SubscriberKey", "EmailAddress", "SubscriberID", "ListID", "EventDate",
            "EventType", "BounceCategory", "SMTPCode", "BounceReason", "BatchID", "TriggeredSendExternalKey",
        ),
    ),
    "extractunsubs": ("Unsubs.csv", "UnsubEvent", ()),
}
_EVENT_COLUMNS = (
    "ClientID", "SendID", "SubscriberKey", "EmailAddress", "SubscriberID", "ListID", "EventDate",
    "EventType", "BatchID", "TriggeredSendExternalKey",
)


def parameters(definition: ApiObject) -> dict[str, str]:
    """Extract parameters by lower-cased name; ``Parameters`` win over ``PartnerProperties``."""
    out: dict[str, str] = {}
    for prop in ("PartnerProperties", "Parameters"):
        for p in as_list(definition.get(prop)):
            if isinstance(p, ApiObject) and text(p.get("Name")).strip():
                out[text(p.get("Name")).strip().lower()] = text(p.get("Value"))
    return out


def run_extract(cloud, definition: ApiObject, task_id: int) -> None:
    params = parameters(definition)
    kind = (text(definition.get("ExtractType")) or params.get("extracttype") or "").strip().lower()
    if not kind:
        kind = "dataextension" if params.get("decustomerkey") else "tracking"
    kind = kind.replace(" ", "")
    if kind in ("dataextension", "dataextensionextract"):
        detail = _data_extension_extract(cloud, params)
    elif kind in ("tracking", "trackingextract"):
        detail = _tracking_extract(cloud, params)
    else:
        raise TaskFailed(
            f"'{text(definition.get('ExtractType'))}' is not an ExtractType (DataExtension, Tracking)."
        )
    cloud.tasks.set_detail(task_id, detail)


# ---- data extension extract ---------------------------------------------------------------------


def _data_extension_extract(cloud, params: dict[str, str]) -> str:
    key = params.get("decustomerkey", "").strip()
    if not key:
        raise TaskFailed("A data extension extract needs the DECustomerKey parameter.")
    info = cloud.store.find(key)
    if info is None:
        raise TaskFailed(f"The data extension '{key}' (DECustomerKey) does not exist.")
    name = plain_name(params.get("outputfilename") or f"{info.name}.csv", "OutputFileName")
    delimiter = _delimiter(params.get("columndelimiter"))
    headers = params.get("hascolumnheaders", "true").strip().lower() in _TRUE_DEFAULT
    encoding = _encoding(params.get("encoding"))
    rows = cloud.store.lookup(info.name, ())
    if params.get("startdate", "").strip() or params.get("enddate", "").strip():
        rows = _in_range(info, rows, params)
    body = _delimited(
        [info.columns] if headers else [],
        ([row.get(c) for c in info.columns] for row in rows),
        delimiter,
        truthy(params.get("textqualified")),
    )
    data = _encode(body, encoding)
    folder = folder_path(cloud, "Safehouse")
    final = _write_output(folder, name, data, truthy(params.get("zip")))
    return f"{len(rows)} row(s) of {info.name} written to safehouse/{final}"


def _in_range(info, rows: list[dict], params: dict[str, str]) -> list[dict]:
    field = params.get("datefield", "").strip()
    if field:
        try:
            column = info.column(field)
        except BackendError:
            raise TaskFailed(f"The DateField '{field}' is not a field of '{info.name}'.") from None
    else:
        dated = [c for c in info.columns if field_type(info, c) == "Date"]
        if len(dated) != 1:
            raise TaskFailed(
                f"'{info.name}' has {len(dated)} Date fields; name one with the DateField parameter."
            )
        column = dated[0]
    start, end = _bound(params, "startdate"), _bound(params, "enddate")
    kept = []
    for row in rows:
        value = parse_date(text(row.get(column))) if row.get(column) else None
        if value is None or (start and value < start) or (end and value > end):
            continue
        kept.append(row)
    return kept


def _bound(params: dict[str, str], name: str):
    raw = params.get(name, "").strip()
    if not raw:
        return None
    value = parse_date(raw)
    if value is None:
        label = "StartDate" if name == "startdate" else "EndDate"
        raise TaskFailed(f"The {label} '{raw}' is not a date.")
    if name == "enddate" and ":" not in raw and value.time() == time(0):
        return value + timedelta(days=1, microseconds=-1)  # a day without a time: all of that day
    return value


def _delimiter(raw: str | None) -> str:
    raw = raw or ","
    value = _DELIMITERS.get(raw.strip().lower(), raw)
    if len(value) != 1 or value in ('"', "\r", "\n"):
        raise TaskFailed(f"The ColumnDelimiter '{raw}' must be one character (or tab, pipe, comma, semicolon).")
    return value


def _encoding(raw: str | None) -> str:
    name = (raw or "utf-8").strip()
    try:
        codecs.lookup(name)
    except LookupError:
        raise TaskFailed(f"'{name}' is not an encoding (utf-8, utf-16, ascii, iso-8859-1 ...).") from None
    return name


def _delimited(header: list, rows, delimiter: str, qualified: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quotechar='"',
        quoting=csv.QUOTE_ALL if qualified else csv.QUOTE_MINIMAL,
        lineterminator="\r\n",
    )
    writer.writerows(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


def _encode(body: str, encoding: str) -> bytes:
    try:
        return body.encode(encoding)
    except UnicodeEncodeError as e:
        bad = e.object[e.start : e.end]
        raise TaskFailed(f"A value holds {bad!r}, which {encoding} cannot encode; nothing was written.") from None


def _write_output(folder: str, name: str, data: bytes, zip_: bool) -> str:
    """Write ``data`` as ``name`` (or zipped), atomically; the final file name."""
    stem, ext = os.path.splitext(name)
    if ext.lower() == ".zip":
        final, member, zip_ = name, f"{stem}.csv", True
    else:
        final, member = (f"{stem}.zip" if zip_ else name), name
    temp = temp_path(folder, final)
    staged = [(temp, os.path.join(folder, final))]
    try:
        if zip_:
            with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(member, data)
        else:
            with open(temp, "wb") as f:
                f.write(data)
        os.replace(temp, os.path.join(folder, final))
    except OSError as e:
        discard(staged)
        raise TaskFailed(f"Writing safehouse/{final} failed: {e.strerror or e}") from None
    return final


# ---- tracking extract ----------------------------------------------------------------------------


def _tracking_extract(cloud, params: dict[str, str]) -> str:
    name = plain_name(params.get("outputfilename") or "tracking.zip", "OutputFileName")
    start, end = _bound(params, "startdate"), _bound(params, "enddate")
    chosen = [flag for flag in TRACKING_FILES if flag in params]
    flags = [f for f in chosen if truthy(params[f])] if chosen else list(TRACKING_FILES)
    if not flags:
        raise TaskFailed("The tracking extract has every Extract... parameter false; nothing to extract.")
    delimiter = _delimiter(params.get("columndelimiter"))
    encoding = _encoding(params.get("encoding"))
    client_id = str(cloud.settings.member_id)
    subscribers = {text(s.get("SubscriberKey")).lower(): s for s in cloud.objects.all("Subscriber")}
    files: list[tuple[str, bytes]] = []
    counts = []
    for flag in flags:
        file_name, event_type, columns = TRACKING_FILES[flag]
        if flag == "extractsendjobs":
            columns, rows = columns, _send_jobs(cloud, client_id, start, end)
        else:
            columns = columns or _EVENT_COLUMNS
            rows = _events(cloud, event_type, columns, client_id, subscribers, start, end)
        body = _delimited([list(columns)], rows, delimiter, truthy(params.get("textqualified")))
        files.append((file_name, _encode(body, encoding)))
        counts.append(f"{file_name} {len(rows)}")
    if not name.lower().endswith(".zip"):
        name = os.path.splitext(name)[0] + ".zip"
    folder = folder_path(cloud, "Safehouse")
    temp = temp_path(folder, name)
    try:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            for file_name, data in files:
                archive.writestr(file_name, data)
        os.replace(temp, os.path.join(folder, name))
    except OSError as e:
        discard([(temp, "")])
        raise TaskFailed(f"Writing safehouse/{name} failed: {e.strerror or e}") from None
    return f"tracking extract written to safehouse/{name} ({', '.join(counts)})"


def _within(stamp: str, start, end) -> bool:
    if start is None and end is None:
        return True
    value = parse_date(stamp) if stamp else None
    return value is not None and (start is None or value >= start) and (end is None or value <= end)


def _events(cloud, event_type, columns, client_id, subscribers, start, end) -> list[list[str]]:
    rows = []
    for event in cloud.objects.all(event_type):
        if not _within(text(event.get("EventDate")), start, end):
            continue
        key = text(event.get("SubscriberKey"))
        sub = subscribers.get(key.lower())
        values = {
            "ClientID": client_id,
            "SendID": text(event.get("SendID")),
            "SubscriberKey": key,
            "EmailAddress": text(sub.get("EmailAddress")) if sub else "",
            "SubscriberID": text(sub.get("ID")) if sub else "",
            "ListID": "",
            "EventDate": text(event.get("EventDate")),
            "EventType": text(event.get("EventType")),
            "BatchID": text(event.get("BatchID")),
            "TriggeredSendExternalKey": "",
            "SendURLID": "",
            "URLID": text(event.get("URLID")),
            "URL": text(event.get("URL")),
            "Alias": "",
            "BounceCategory": text(event.get("BounceCategory")),
            "SMTPCode": text(event.get("SMTPCode")),
            "BounceReason": text(event.get("SMTPReason")),
        }
        rows.append([values[c] for c in columns])
    return rows


def _send_jobs(cloud, client_id, start, end) -> list[list[str]]:
    rows = []
    for send in cloud.objects.all("Send"):
        sent = text(send.get("SentDate")) or text(send.get("SendDate"))
        if not _within(sent, start, end):
            continue
        definition = send.get("EmailSendDefinition")
        rows.append(
            [
                client_id,
                text(send.get("ID")),
                text(send.get("FromName")),
                text(send.get("FromAddress")),
                text(send.get("SendDate")),
                text(send.get("SentDate")),
                text(send.get("Subject")),
                text(send.get("EmailName")),
                "",
                text(definition.get("CustomerKey")) if isinstance(definition, ApiObject) else "",
                text(send.get("Status")),
                text(send.get("PreviewURL")),
                text(send.get("IsMultipart")),
                text(send.get("Additional")),
            ]
        )
    return rows
