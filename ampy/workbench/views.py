"""Read-only views of the local cloud (data extensions, async tasks, sends, the outbox) and the two
state-changing actions the UI offers (delete a row, clear the outbox). Each view returns the HTML
of the page's ``main`` element; the router adds the page around it."""

from __future__ import annotations

import email
import email.parser
import email.policy
import os
from dataclasses import dataclass

from ..backends.base import BackendError
from ..cloud.objects import text
from ..cloud.store import quote_identifier
from .common import resolve_inside
from .markup import esc, hidden, link, pager, table, url
from .preview import row_page

SEND_COLUMNS = ("ID", "EmailName", "Subject", "Status", "SendDate", "NumberTargeted", "NumberSent",
                "NumberDelivered", "NumberErrored", "NumberExcluded", "Duplicates", "MissingAddresses",
                "InvalidAddresses", "ExistingUnsubscribes")
TASK_COLUMNS = ("TaskID", "ObjectType", "CustomerKey", "Action", "Status", "ErrorMsg", "QueuedTime",
                "StartTime", "EndTime", "CompletedDate")
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID")


class NotFound(Exception):
    """The thing a view was asked for does not exist (answer 404 with this message)."""


@dataclass
class OutboxPart:
    body: bytes
    content_type: str


class CloudViews:
    def __init__(self, workspace: str, backend, csrf):
        self.workspace = workspace
        self.backend = backend
        self.csrf = csrf

    @property
    def outbox_dir(self) -> str:
        return os.path.join(self.workspace, "outbox")

    # ---- data extensions -------------------------------------------------------------------------
    def data_extensions(self) -> str:
        rows = []
        for info in self.backend.store.all_infos():
            rows.append([link(url("/_ampy/data", de=info.name), info.name), esc(info.customer_key),
                         esc(self.backend.store.row_count(info.name)),
                         "yes" if info.meta.get("IsSendable") in (True, "true", "True") else "",
                         esc(os.path.relpath(info.source, self.workspace) if info.source else "(created by the API)")])
        return "<h1>Data extensions</h1>" + table(["Name", "CustomerKey", "Rows", "Sendable", "Source"], rows,
                                                  empty="The workspace has no data extensions.")

    def data_extension(self, name: str, search: str = "", page: int = 1, note: str = "") -> str:
        try:
            info = self.backend.store.info(name)
        except BackendError:
            raise NotFound(f"There is no data extension '{name}'.") from None
        fields = info.meta.get("Fields") or {}
        keys = {k.lower() for k in info.primary_keys}
        schema_rows = []
        for column in info.columns:
            f = fields.get(column.lower()) or {}
            schema_rows.append([esc(column), esc(f.get("FieldType") or "Text"), esc(f.get("MaxLength") or ""),
                                "yes" if f.get("IsRequired") else "", "yes" if column.lower() in keys else "",
                                esc(f.get("DefaultValue") if f.get("DefaultValue") is not None else "")])
        found = row_page(self.backend, info.name, search=search, page=page)
        token = self.csrf.token()
        rows = []
        for rowid, values in found.rows:
            actions = (link(url("/", de=info.name, row=rowid), "preview as") +
                       f'<form method="post" action="/_ampy/data/delete" class="ampy-inline">'
                       f'{hidden("csrf", token)}{hidden("de", info.name)}{hidden("row", rowid)}'
                       f'<button type="submit">delete</button></form>')
            rows.append([esc(v) for v in values] + [actions])
        search_form = (f'<form method="get" action="/_ampy/data" class="ampy-search">{hidden("de", info.name)}'
                       f'<input type="search" name="q" value="{esc(search)}" placeholder="search rows">'
                       '<button type="submit">Search</button></form>')
        notice = f'<p class="ampy-notice">{esc(note)}</p>' if note else ""
        return (f"<h1>{esc(info.name)}</h1>{notice}<h2>Schema</h2>"
                + table(["Field", "Type", "Length", "Required", "Primary key", "Default"], schema_rows,
                        empty="No fields.")
                + f"<h2>Rows</h2>{search_form}"
                + table([*found.columns, ""], rows, css="ampy-table ampy-rows",
                        empty="No rows match." if search else "No rows.")
                + pager("/_ampy/data", found.page, found.pages, found.total, de=info.name, q=search))

    def delete_row(self, name: str, rowid: str) -> int:
        """Delete one row by its store row id; returns how many rows went (0 or 1)."""
        store = self.backend.store
        try:
            info = store.info(name)
        except BackendError:
            raise NotFound(f"There is no data extension '{name}'.") from None
        if not rowid.isdigit():
            raise NotFound(f"There is no row '{rowid}'.")
        with store.transaction() as db:
            return db.execute(f"DELETE FROM {quote_identifier(info.table)} WHERE _rowid=?", (int(rowid),)).rowcount

    # ---- tasks and sends -------------------------------------------------------------------------
    def tasks(self) -> str:
        rows = []
        tasks = self.backend.cloud.tasks
        details = tasks.details()
        for status in reversed(tasks.status_objects()):
            props = {text(p.get("Name")): text(p.get("Value")) for p in status.get_list("Properties")}
            detail = details.get(int(props.get("TaskID") or 0), "")
            rows.append([esc(props.get(c, "")) for c in TASK_COLUMNS] + [esc(detail)])
        return ("<h1>Async tasks</h1><p>Each row is an AsyncActivityStatus, as a Retrieve of that object returns"
                " it, and what the task produced (ampy's note, not part of the API object).</p>"
                + table([*TASK_COLUMNS, "Produced"], rows, empty="No tasks have run yet."))

    def sends(self) -> str:
        sends = sorted(self.backend.cloud.objects.all("Send"), key=lambda s: int(text(s.get("ID")) or 0),
                       reverse=True)
        rows = [[esc(text(s.get(c))) for c in SEND_COLUMNS] for s in sends]
        return "<h1>Sends</h1>" + table(list(SEND_COLUMNS), rows, empty="Nothing has been sent yet.")

    # ---- outbox ----------------------------------------------------------------------------------
    def outbox_files(self) -> list[str]:
        try:
            entries = [e for e in os.scandir(self.outbox_dir) if e.is_file() and e.name.endswith(".eml")]
        except OSError:
            return []
        entries.sort(key=lambda e: (e.stat().st_mtime_ns, e.name), reverse=True)
        return [e.name for e in entries]

    def outbox(self, note: str = "") -> str:
        parser = email.parser.BytesHeaderParser(policy=email.policy.default)
        rows = []
        for name in self.outbox_files():
            try:
                with open(os.path.join(self.outbox_dir, name), "rb") as f:
                    headers = parser.parse(f)
            except OSError:
                continue
            rows.append([link(url("/_ampy/outbox", file=name), name)] +
                        [esc(headers.get(h, "")) for h in ("Date", "From", "To", "Subject")])
        clear = ""
        if rows:
            clear = (f'<form method="post" action="/_ampy/outbox/clear" class="ampy-inline">'
                     f'{hidden("csrf", self.csrf.token())}<button type="submit">Clear the outbox</button></form>')
        notice = f'<p class="ampy-notice">{esc(note)}</p>' if note else ""
        return (f"<h1>Outbox</h1>{notice}<p>Sends write each message here as an <code>.eml</code> file when no"
                " <code>[smtp]</code> server is configured.</p>" + clear
                + table(["File", "Date", "From", "To", "Subject"], rows, empty="The outbox is empty."))

    def _message(self, name: str):
        path = resolve_inside(self.outbox_dir, name) if name.endswith(".eml") else None
        if path is None:
            raise NotFound(f"There is no message '{name}' in the outbox.")
        with open(path, "rb") as f:
            return email.message_from_binary_file(f, policy=email.policy.default), path

    def outbox_message(self, name: str) -> str:
        """One delivered message as its recipient would see it: the headers, then every part."""
        message, path = self._message(name)
        headers = [[esc(h), esc(message.get(h))] for h in SHOWN_HEADERS if message.get(h) is not None]
        parts = []
        for number, part in enumerate(message.walk()):
            if part.is_multipart():
                continue
            kind = part.get_content_type()
            title = f"<h3>Part {number}: {esc(kind)}</h3>"
            filename = part.get_filename()
            if filename or part.get_content_disposition() == "attachment":
                size = len(part.get_payload(decode=True) or b"")
                parts.append(f"{title}<p>Attachment {esc(filename or '(no name)')}, {size} bytes</p>")
            elif kind == "text/html":
                src = url("/_ampy/outbox/part", file=name, n=number)
                parts.append(f'{title}<iframe sandbox="" src="{src}" class="ampy-frame ampy-desktop"'
                             f' title="HTML part {number}"></iframe>')
            elif part.get_content_maintype() == "text":
                parts.append(f'{title}<pre class="ampy-text">{esc(part.get_content())}</pre>')
            else:
                size = len(part.get_payload(decode=True) or b"")
                parts.append(f"{title}<p>{size} bytes</p>")
        raw = path.read_bytes().decode("utf-8", "replace")
        return (f"<h1>{esc(name)}</h1>" + table(["Header", "Value"], headers, css="ampy-table ampy-headers")
                + "".join(parts)
                + f'<details><summary>Raw message</summary><pre class="ampy-source">{esc(raw)}</pre></details>')

    def outbox_part(self, name: str, number: str) -> OutboxPart:
        message, _ = self._message(name)
        for index, part in enumerate(message.walk()):
            if str(index) == number and not part.is_multipart() and part.get_content_maintype() == "text":
                return OutboxPart(part.get_content().encode("utf-8"),
                                  f"{part.get_content_type()}; charset=utf-8")
        raise NotFound(f"The message '{name}' has no text part {number}.")

    def clear_outbox(self) -> int:
        removed = 0
        for name in self.outbox_files():
            try:
                os.remove(os.path.join(self.outbox_dir, name))
                removed += 1
            except OSError:
                pass
        return removed
