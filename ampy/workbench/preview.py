"""What the email preview works on: the workspace's previewable items (emails, send definitions,
content templates), the subscribers to preview them for, one render of every part in the
``email`` context, and test sends through the local cloud's own send path."""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..cloud.objects import as_list, text
from ..cloud.store import quote_identifier
from ..errors import AmpscriptError, AmpscriptRuntimeError
from ..runtime.system_attributes import subscriber_attributes
from .textversion import html_to_text

CONTENT_EXTENSIONS = (".html", ".htm", ".amp", ".ampscript", ".txt")
PART_ORDER = ("subject", "preheader", "html", "text")
_EMAIL_PROPERTY = {"subject": "Subject", "preheader": "PreHeader", "html": "HTMLBody", "text": "TextBody"}


class PreviewError(Exception):
    """Something the preview was asked for does not exist (unknown item or data extension)."""


class BadInput(PreviewError):
    """Input the preview cannot use (a typed attribute line, a recipient address)."""


@dataclass
class Part:
    source: str
    name: str                 # the template name errors carry (file path, or "<email>:Subject")
    file: str | None = None   # workspace-relative file the source was read from


@dataclass
class Item:
    id: str                   # "email:<key>", "send:<key>", "content:<file>"
    kind: str
    title: str
    parts: dict[str, Part]
    email_id: str = ""
    from_name: str = "ampy"
    from_address: str = "noreply@example.com"
    audience: str | None = None   # the sendable data extension a send definition sends to
    definition: ApiObject | None = None


@dataclass
class Rendered:
    """One preview: every part's output or the AmpscriptError it raised."""

    outputs: dict[str, str] = field(default_factory=dict)
    errors: dict[str, AmpscriptError] = field(default_factory=dict)
    text_generated: bool = False  # the text version was made from the HTML (no text part)


# ---- items ---------------------------------------------------------------------------------------


def _definition_files(workspace: str) -> dict[tuple[str, str], dict[str, str]]:
    """``{"$file": ...}`` properties of the definitions files: (type, key) -> property -> path, so
    the preview reads those files as they are now (the store keeps the text of the last import)."""
    refs: dict[tuple[str, str], dict[str, str]] = {}
    folder = os.path.join(workspace, "definitions")
    try:
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".json"))
    except OSError:
        return refs
    for name in names:
        try:
            with open(os.path.join(folder, name), encoding="utf-8-sig") as f:
                items = json.load(f)
        except (OSError, ValueError):
            continue  # the store import reports a broken file; the preview shows what was imported
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict) or item.get("Type") != "Email":
                continue
            files = {prop: value["$file"] for prop, value in item.items()
                     if isinstance(value, dict) and isinstance(value.get("$file"), str)}
            for key in ("CustomerKey", "ID", "Name"):
                if item.get(key) is not None:
                    refs[("Email", str(item[key]).lower())] = files
    return refs


def _read_workspace_file(workspace: str, relative: str, folder: str = "") -> str | None:
    """A text file of the workspace (of its ``folder`` when given), or None when it is missing,
    unreadable, or really lies elsewhere (``..``, a symlink pointing out)."""
    from .common import resolve_inside

    path = resolve_inside(workspace, relative)
    if path is not None and folder and not path.is_relative_to(os.path.realpath(os.path.join(workspace, folder))):
        path = None
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


class Catalogue:
    """The previewable items of one workspace, read fresh on every call (files change)."""

    def __init__(self, workspace: str, backend):
        self.workspace = workspace
        self.backend = backend
        self.content_dir = os.path.join(workspace, "content")

    def content_files(self) -> list[str]:
        try:
            entries = sorted(os.scandir(self.content_dir), key=lambda e: e.name.lower())
        except OSError:
            return []
        inside = os.path.realpath(self.content_dir) + os.sep
        return [e.name for e in entries if e.is_file() and e.name.lower().endswith(CONTENT_EXTENSIONS)
                and os.path.realpath(e.path).startswith(inside)]

    def emails(self) -> list[ApiObject]:
        return self.backend.cloud.objects.all("Email")

    def send_definitions(self) -> list[ApiObject]:
        return self.backend.cloud.objects.all("EmailSendDefinition")

    def listing(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(group title, [(item id, label)]) for the item picker."""
        emails = [(f"email:{_email_key(e)}", text(e.get("Name")) or _email_key(e)) for e in self.emails()]
        sends = [(f"send:{text(d.get('CustomerKey'))}", text(d.get("Name")) or text(d.get("CustomerKey")))
                 for d in self.send_definitions() if text(d.get("CustomerKey"))]
        content = [(f"content:{n}", n) for n in self.content_files()]
        return [(title, items) for title, items in (("Emails", emails), ("Send definitions", sends),
                                                    ("Content", content)) if items]

    def default_id(self) -> str | None:
        for _, items in self.listing():
            if items:
                return items[0][0]
        return None

    def item(self, item_id: str) -> Item:
        kind, _, key = (item_id or "").partition(":")
        if kind == "content":
            return self._content_item(key)
        if kind == "email":
            email = self._find_email(ApiObject("Email", {"CustomerKey": key}))
            if email is None and key.isdigit():
                email = self._find_email(ApiObject("Email", {"ID": key}))
            if email is None:
                raise PreviewError(f"There is no email '{key}'.")
            return self._email_item(item_id, email)
        if kind == "send":
            found = self.backend.cloud.objects.find(ApiObject("EmailSendDefinition", {"CustomerKey": key}))
            if found is None:
                raise PreviewError(f"There is no send definition '{key}'.")
            return self._send_item(item_id, found[1])
        raise PreviewError(f"Nothing to preview is called '{item_id}'.")

    def _find_email(self, ref: ApiObject) -> ApiObject | None:
        found = self.backend.cloud.objects.find(ref)
        return found[1] if found is not None else None

    def _content_item(self, name: str) -> Item:
        relative = f"content/{name}"
        source = _read_workspace_file(self.workspace, relative, "content")
        if source is None or "/" in name or not name.lower().endswith(CONTENT_EXTENSIONS):
            raise PreviewError(f"There is no content file '{name}'.")
        return Item(f"content:{name}", "Content", name, {"html": Part(source, relative, relative)})

    def _email_item(self, item_id: str, email: ApiObject) -> Item:
        name = text(email.get("Name")) or _email_key(email)
        files = {}
        refs = _definition_files(self.workspace)
        for key in (text(email.get("CustomerKey")), text(email.get("ID")), text(email.get("Name"))):
            if key and ("Email", key.lower()) in refs:
                files = refs[("Email", key.lower())]
                break
        parts = {}
        for part, prop in _EMAIL_PROPERTY.items():
            relative = files.get(prop)
            source = _read_workspace_file(self.workspace, relative) if relative else None
            if source is not None:
                parts[part] = Part(source, relative, relative)
            elif text(email.get(prop)):
                parts[part] = Part(text(email.get(prop)), f"{name}:{prop}")
        return Item(item_id, "Email", name, parts, email_id=text(email.get("ID")))

    def _send_item(self, item_id: str, definition: ApiObject) -> Item:
        ref = definition.get("Email")
        email = None
        if isinstance(ref, ApiObject):
            props = {k: ref.get(k) for k in ("ID", "ObjectID", "CustomerKey") if ref.get(k) is not None}
            email = self._find_email(ApiObject("Email", props)) if props else None
        if email is None:
            raise PreviewError(f"The send definition '{text(definition.get('CustomerKey'))}' has no email.")
        item = self._email_item(item_id, email)
        item.kind, item.title, item.definition = "Send definition", \
            text(definition.get("Name")) or text(definition.get("CustomerKey")), definition
        subject = text(definition.get("EmailSubject"))
        if subject:
            item.parts["subject"] = Part(subject, f"{item.title}:EmailSubject")
        profile = definition.get("SenderProfile")
        profile = profile if isinstance(profile, ApiObject) else ApiObject("SenderProfile")
        item.from_name = text(profile.get("FromName")) or text(definition.get("FromName")) or item.from_name
        item.from_address = text(profile.get("FromAddress")) or text(definition.get("FromAddress")) \
            or item.from_address
        for entry in as_list(definition.get("SendDefinitionList")):
            if isinstance(entry, ApiObject) and text(entry.get("CustomObjectID")) \
                    and (text(entry.get("SendDefinitionListType")) or "SourceList").lower() == "sourcelist":
                info = self.backend.store.find(text(entry.get("CustomObjectID")))
                if info is not None:
                    item.audience = info.name
                    break
        return item


def _email_key(email: ApiObject) -> str:
    return text(email.get("CustomerKey")) or text(email.get("ID"))


# ---- subscribers ---------------------------------------------------------------------------------


@dataclass
class RowPage:
    columns: list[str]
    rows: list[tuple[int, list[str]]]   # (rowid, values)
    total: int
    page: int
    pages: int


def data_extension_names(backend) -> list[str]:
    return backend.store.names()


def default_data_extension(backend, item: Item | None) -> str | None:
    """The DE subscribers are picked from by default: the send definition's audience, else the
    first sendable DE, else the first DE."""
    if item is not None and item.audience:
        return item.audience
    infos = backend.store.all_infos()
    for info in infos:
        if info.meta.get("IsSendable") in (True, "true", "True"):
            return info.name
    return infos[0].name if infos else None


def row_page(backend, de: str, *, search: str = "", page: int = 1, per_page: int = 20) -> RowPage:
    """One page of a DE's rows in insertion order; ``search`` keeps rows where any column contains
    it (ignoring case)."""
    store = backend.store
    info = store.info(de)
    table = quote_identifier(info.table)
    where, params = "", []
    if search and info.columns:
        where = " WHERE " + " OR ".join(f"instr(ampy_fold({quote_identifier(c)}), ?) > 0" for c in info.columns)
        params = [search.lower()] * len(info.columns)
    names = ", ".join(quote_identifier(c) for c in info.columns)
    with store.reading() as db:
        total = db.execute(f"SELECT COUNT(*) FROM {table}{where}", params).fetchone()[0]
        pages = max((total + per_page - 1) // per_page, 1)
        page = min(max(page, 1), pages)
        rows = db.execute(f"SELECT _rowid{', ' + names if names else ''} FROM {table}{where} ORDER BY _rowid"
                          f" LIMIT ? OFFSET ?", [*params, per_page, (page - 1) * per_page]).fetchall()
    return RowPage(list(info.columns), [(r[0], ["" if v is None else str(v) for v in r[1:]]) for r in rows],
                   total, page, pages)


def row_by_id(backend, de: str, rowid: int) -> dict[str, object] | None:
    store = backend.store
    info = store.info(de)
    names = ", ".join(quote_identifier(c) for c in info.columns) or "_rowid"
    with store.reading() as db:
        row = db.execute(f"SELECT {names} FROM {quote_identifier(info.table)} WHERE _rowid=?", (rowid,)).fetchone()
    return dict(zip(info.columns, row)) if row is not None else None


def parse_attributes(typed: str) -> dict[str, str]:
    """Attributes typed one per line as ``Name=Value`` (blank lines ignored)."""
    attrs: dict[str, str] = {}
    for number, line in enumerate(typed.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"Attribute line {number} must look like Name=Value: {line.strip()!r}")
        attrs[name.strip()] = value
    return attrs


def subscriber_from_row(row: dict[str, object]) -> dict[str, object]:
    return subscriber_attributes(row)


# ---- rendering -----------------------------------------------------------------------------------


def render_item(item: Item, attributes: dict[str, object], backend, settings=None) -> Rendered:
    """Every part of ``item`` rendered for one subscriber in the ``email`` context. A failing part
    records its error; the others still render. The text version is generated from the HTML when
    the item has no text part."""
    from ..template import compile_template

    attrs = dict(attributes)
    attrs.setdefault("_emailid", item.email_id)
    attrs.setdefault("emailname_", item.title)
    result = Rendered()
    for part in PART_ORDER:
        source = item.parts.get(part)
        if source is None:
            continue
        try:
            tpl = compile_template(source.source, name=source.name,
                                   limits=settings.limits if settings is not None else None)
            result.outputs[part] = tpl.render(attributes=attrs, backend=backend, context="email",
                                              settings=settings, content_type="html" if part == "html" else "text")
        except AmpscriptError as e:
            result.errors[part] = e
        except BackendError as e:
            # A backend failure outside a script call (the store cannot be read): shown like a script error.
            result.errors[part] = AmpscriptRuntimeError(str(e), name=source.name)
        if part == "preheader" and part in result.outputs:
            attrs["_PreHeader"] = result.outputs[part]  # AttributeValue("_PreHeader") in the body
    if "text" not in item.parts and "html" in result.outputs:
        result.outputs["text"] = html_to_text(result.outputs["html"])
        result.text_generated = True
    return result


class RenderedPages:
    """Rendered HTML bodies kept briefly under random tokens: the preview page renders once and its
    sandboxed iframe fetches that very output from ``/_ampy/render/<token>``."""

    def __init__(self, size: int = 64):
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def put(self, html: str) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._pages[token] = html
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)
        return token

    def get(self, token: str) -> str | None:
        with self._lock:
            return self._pages.get(token)


# ---- test sends ----------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    task_id: int
    status: str
    detail: str
    where: str         # "outbox/12-000001.eml" or "SMTP host:port"
    outbox_file: str | None = None


def send_test(backend, item: Item, attributes: dict[str, object], to_address: str) -> SendOutcome:
    """Send ``item`` rendered for these attributes to ``to_address`` as a test send of the local
    cloud (a task, a Send with its counts, then SMTP or the outbox, exactly as a real send)."""
    from ..cloud.sends import Audience, Recipient, send_email
    from ..cloud.tasks import run_task

    if "@" not in to_address:
        raise BadInput(f"'{to_address}' is not an email address.")
    cloud = backend.cloud
    email = ApiObject("Email", {"ID": item.email_id, "Name": item.title})
    for part, prop in (("html", "HTMLBody"), ("text", "TextBody")):
        if part in item.parts:
            email.set(prop, item.parts[part].source)
    subject = item.parts["subject"].source if "subject" in item.parts else item.title
    attrs = {"_emailid": item.email_id, "emailname_": item.title, **attributes}
    key = text(attrs.get("_subscriberkey") or attrs.get("SubscriberKey")) or to_address
    task_id = cloud.tasks.add("EmailSendDefinition" if item.definition is not None else "Email",
                              item.id.partition(":")[2], "test", ioid="", parent_ioid="")
    run_task(cloud.tasks, task_id, lambda: send_email(
        cloud, task_id, email, Audience([Recipient(key, to_address, attrs)]), subject=subject,
        from_name=item.from_name, from_address=item.from_address, definition=item.definition, is_test=True))
    task = cloud.tasks.get(task_id) or {}
    smtp = cloud.settings.smtp if cloud.settings is not None else None
    outbox_file = None
    if smtp:
        where = f"SMTP {smtp.get('host', '127.0.0.1')}:{smtp.get('port', 25)}"
    else:
        prefix = f"{task_id}-"
        try:
            written = sorted(n for n in os.listdir(cloud.outbox_dir) if n.startswith(prefix))
        except OSError:
            written = []
        outbox_file = written[0] if written else None
        where = f"outbox/{outbox_file}" if outbox_file else "nowhere (nothing was delivered)"
    return SendOutcome(task_id, task.get("status") or "", task.get("error_msg") or task.get("detail") or "",
                       where, outbox_file)
