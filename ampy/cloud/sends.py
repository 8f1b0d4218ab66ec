"""Email sends: recipients of a send definition, one render per subscriber, delivery, tracking rows.

Recipients come from the definition's ``SendDefinitionList`` entries: a ``List`` (its Active
subscribers) or a sendable data extension (``CustomObjectID`` = the DE's ObjectID, CustomerKey or
name), minus the entries typed ``ExclusionList``, minus subscribers whose status is not Active,
optionally de-duplicated by email address. ``start`` uses the entries not marked ``IsTestObject``,
``test`` those marked (or ``TestEmailAddr``).

Each recipient's Subject, HTMLBody and TextBody are rendered with that subscriber's attributes in
the ``email`` context; a render that raises an AMPscript error skips the subscriber and is
counted (NumberErrored), it does not stop the job, and what it wrote to data extensions is rolled
back (RaiseError with preserveDataExt keeps it; its error code and number are reported).
AttachFile's files go into the message (multipart/mixed); TreatAsContentArea's first content per
key holds for the whole job; the impression regions of each delivered message are recorded
(``ampy.cloud.impressions``). Messages go to SMTP when ``[smtp]`` is set in
ampy.toml, else into ``<workspace>/outbox/<JobID>-<n>.eml``. The job records a Send (ID = JobID =
the task ID) and one SentEvent per delivered message.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from ..api.model import ApiObject
from ..runtime.dates import system_now
from .clicks import LinkTracker
from .mime import MessageWriter
from .objects import as_list, now_text, text, truthy
from .tasks import TaskCanceled, TaskFailed

_CHECK_EVERY = 50  # recipients between looks at the cancel / pause flags
# Calls that write to the store, directly or through content that runs: an email without any of
# them renders without a write transaction (there is nothing to roll back).
_MAY_WRITE = re.compile(r"\b(?:(?:Insert|Update|Upsert|Delete)(?:DE|Data)|ClaimRow|ContentBlockBy|ContentArea"
                        r"|TreatAsContent|Invoke(?:Create|Update|Delete|Perform|Execute|Configure|Extract)"
                        r"|(?:Create|Update)\w*SalesforceObject|Create\w*Conversation)", re.IGNORECASE)
_FILES_PER_WRITE = 64  # outbox files per task of the writer threads
_WRITES_IN_FLIGHT = 8  # such tasks queued at most
_PROGRESS_FROM = 1000  # sends at least this large report their progress in the task's detail


@dataclass
class SendJob:
    """What a render sees as ``ctx.send``: the job it belongs to."""

    job_id: int
    started_at: datetime
    email_id: str
    email_name: str
    is_test: bool = False
    list_id: str = ""
    # TreatAsContentArea: the first content registered under a key wins for the whole job.
    content_areas: dict = field(default_factory=dict)
    # Reset for each recipient by the send loop: AttachFile's files and the impression regions
    # the render opened (None where no loop resets them, so AttachFile refuses there).
    attachments: list | None = None
    impressions: list | None = None
    # Whether the email can write to the store (see _MAY_WRITE): only then does a render hold a
    # write transaction, so renders in parallel worker processes do not queue on the write lock.
    may_write: bool = True


@dataclass
class Recipient:
    subscriber_key: str
    email: str
    attributes: dict = field(default_factory=dict)


@dataclass
class Audience:
    recipients: list
    excluded: int = 0
    duplicates: int = 0
    missing: int = 0
    invalid: int = 0
    unsubscribed: int = 0


# ---- recipients --------------------------------------------------------------------------------


def _subscribers_by_key(cloud) -> dict[str, ApiObject]:
    return {text(s.get("SubscriberKey")).lower(): s for s in cloud.objects.all("Subscriber")}


def _list_members(cloud, list_ref: ApiObject, subscribers: dict) -> list[Recipient]:
    found = cloud.find_list(list_ref)
    if found is None:
        raise TaskFailed(f"The list {_describe(list_ref)} does not exist.")
    list_id = text(found.get("ID"))
    out = []
    for sub in subscribers.values():
        for membership in as_list(sub.get("Lists")):
            if (
                isinstance(membership, ApiObject)
                and text(membership.get("ID")) == list_id
                and (text(membership.get("Status")) or "Active") == "Active"
            ):
                attrs = {
                    text(a.get("Name")): text(a.get("Value"))
                    for a in as_list(sub.get("Attributes"))
                    if isinstance(a, ApiObject)
                }
                attrs.update(
                    {
                        "EmailAddress": text(sub.get("EmailAddress")),
                        "SubscriberKey": text(sub.get("SubscriberKey")),
                    }
                )
                out.append(Recipient(text(sub.get("SubscriberKey")), text(sub.get("EmailAddress")), attrs))
    return out


def _de_members(cloud, ref: str) -> list[Recipient]:
    info = cloud.store.find(ref)
    if info is None:
        raise TaskFailed(f"The sendable data extension '{ref}' does not exist.")
    columns = {c.lower(): c for c in info.columns}
    sendable = str(info.meta.get("SendableField") or "")
    relates_to = str(info.meta.get("SendableSubscriberField") or "Subscriber Key").lower()
    email_col = next((columns[c] for c in ("emailaddress", "email address", "email") if c in columns), None)
    key_col = columns.get(sendable.lower()) if relates_to != "email address" else None
    key_col = key_col or next((columns[c] for c in ("subscriberkey", "subscriber key") if c in columns), None)
    if relates_to == "email address" and sendable.lower() in columns:
        email_col = columns[sendable.lower()]
    if email_col is None and key_col is None:
        raise TaskFailed(
            f"The data extension '{info.name}' is not sendable (no email or subscriber key field)."
        )
    out = []
    for row in cloud.store.lookup(info.name, ()):
        attrs = {k: ("" if v is None else v) for k, v in row.items()}
        email = text(attrs.get(email_col, "")) if email_col else ""
        key = text(attrs.get(key_col, "")) if key_col else email
        out.append(Recipient(key or email, email, attrs))
    return out


def _entry_members(cloud, entry: ApiObject, subscribers: dict) -> list[Recipient]:
    list_ref = entry.get("List")
    if isinstance(list_ref, ApiObject):
        return _list_members(cloud, list_ref, subscribers)
    ref = text(entry.get("CustomObjectID"))
    if ref:
        return _de_members(cloud, ref)
    raise TaskFailed("A SendDefinitionList entry names neither a List nor a data extension (CustomObjectID).")


def _describe(ref: ApiObject) -> str:
    for prop in ("ID", "CustomerKey", "ListName", "ObjectID"):
        if text(ref.get(prop)):
            return f"{prop} '{text(ref.get(prop))}'"
    return "(no ID)"


def send_lists(definition: ApiObject, *, test: bool = False) -> tuple[list[ApiObject], list[ApiObject]]:
    """(source lists, exclusion lists) of a send definition's SendDefinitionList; test lists are the
    sources of a test send only, and only they are."""
    sources, exclusions = [], []
    for entry in as_list(definition.get("SendDefinitionList")):
        if not isinstance(entry, ApiObject):
            continue
        kind = (text(entry.get("SendDefinitionListType")) or "SourceList").lower()
        if kind in ("exclusionlist", "domainexclusion", "optoutlist"):
            exclusions.append(entry)
        elif truthy(entry.get("IsTestObject")) == test:
            sources.append(entry)
    return sources, exclusions


def audience(cloud, definition: ApiObject, *, test: bool = False) -> Audience:
    subscribers = _subscribers_by_key(cloud)
    sources, exclusions = send_lists(definition, test=test)
    if test and not sources:
        address = text(definition.get("TestEmailAddr"))
        if not address:
            raise TaskFailed("The send definition has no test list and no TestEmailAddr.")
        return Audience([Recipient(address, address, {"EmailAddress": address, "SubscriberKey": address})])
    if not sources:
        raise TaskFailed("The send definition has no SendDefinitionList to send to.")
    excluded_keys, excluded_emails = set(), set()
    for entry in exclusions:
        for r in _entry_members(cloud, entry, subscribers):
            excluded_keys.add(r.subscriber_key.lower())
            excluded_emails.add(r.email.lower())
    result = Audience([])
    seen_keys, seen_emails = set(), set()
    dedupe = truthy(definition.get("DeduplicateByEmail"))
    for entry in sources:
        for r in _entry_members(cloud, entry, subscribers):
            if r.subscriber_key.lower() in excluded_keys or (r.email and r.email.lower() in excluded_emails):
                result.excluded += 1
                continue
            known = subscribers.get(r.subscriber_key.lower())
            if known is not None and (text(known.get("Status")) or "Active") != "Active":
                result.unsubscribed += 1
                continue
            if not r.email:
                result.missing += 1
                continue
            if "@" not in r.email:
                result.invalid += 1
                continue
            if r.subscriber_key.lower() in seen_keys or (dedupe and r.email.lower() in seen_emails):
                result.duplicates += 1
                continue
            seen_keys.add(r.subscriber_key.lower())
            seen_emails.add(r.email.lower())
            result.recipients.append(r)
    return result


def recipient_count(cloud, definition: ApiObject) -> int:
    """GetMaxCount: how many subscribers a start would send to."""
    return len(audience(cloud, definition).recipients)


# ---- delivery ----------------------------------------------------------------------------------


class BuiltMessage(bytes):
    """A message's bytes, with the envelope SMTP needs."""

    def __new__(cls, data: bytes, sender: str, to: str):
        built = super().__new__(cls, data)
        built.sender, built.to = sender, to
        return built


class Delivery:
    """SMTP when configured (one connection for the whole job), else .eml files in the outbox."""

    def __init__(self, cloud, job_id: int):
        self.cloud = cloud
        self.job_id = job_id
        self.smtp = None
        self.count = 0
        config = cloud.settings.smtp if cloud.settings is not None else None
        if config:
            try:
                self.smtp = smtplib.SMTP(
                    config.get("host", "127.0.0.1"),
                    int(config.get("port", 25)),
                    timeout=float(config.get("timeout", 30)),
                )
                if config.get("starttls"):
                    self.smtp.starttls()
                password = config.get("password") or os.environ.get(config.get("password_env", ""), "")
                if config.get("username"):
                    self.smtp.login(config["username"], password)
            except (OSError, smtplib.SMTPException) as e:
                raise TaskFailed(f"Cannot reach the SMTP server: {e}") from None
        elif cloud.outbox_dir:
            os.makedirs(cloud.outbox_dir, exist_ok=True)
        self.outbox_dir = cloud.outbox_dir if self.smtp is None else None
        # Outbox files are written by two threads behind the job (creating a file costs more than
        # building its message on some filesystems); a bounded number in flight, errors kept.
        self._writes: deque = deque()
        self._batch: list[tuple[str, bytes]] = []
        self._writer = None
        self._write_error: OSError | None = None

    def deliver(self, message: BuiltMessage) -> bool:
        """One message's bytes (with line ends for SMTP when SMTP is configured)."""
        self.count += 1
        if self.smtp is not None:
            try:
                self.smtp.sendmail(message.sender, [message.to], message)
            except smtplib.SMTPRecipientsRefused:
                return False
            except (OSError, smtplib.SMTPException) as e:
                raise TaskFailed(f"SMTP delivery failed: {e}") from None
            return True
        if self.outbox_dir:
            self._write(os.path.join(self.outbox_dir, f"{self.job_id}-{self.count:06d}.eml"), message)
        else:  # an account without a workspace keeps its messages in memory
            import email
            import email.policy

            self.cloud.outbox.append(email.message_from_bytes(message, policy=email.policy.default))
        return True

    def _write(self, path: str, data: bytes) -> None:
        self._batch.append((path, data))
        if len(self._batch) >= _FILES_PER_WRITE:
            self._flush()

    def _flush(self) -> None:
        """The files gathered so far, written by one task of the writer threads (a task per file
        cost the job more than the write itself)."""
        if not self._batch:
            return
        if self._writer is None:
            from concurrent.futures import ThreadPoolExecutor

            self._writer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ampy-outbox")
        self._writes.append(self._writer.submit(_write_files, self._batch))
        self._batch = []
        while len(self._writes) > _WRITES_IN_FLIGHT or (self._writes and self._writes[0].done()):
            self._settle(self._writes.popleft())

    def _settle(self, future) -> None:
        try:
            future.result()
        except OSError as e:
            self._write_error = self._write_error or e

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
        self._flush()
        if self._writer is not None:
            while self._writes:
                self._settle(self._writes.popleft())
            self._writer.shutdown()
            self._writer = None
            if self._write_error is not None:
                e = self._write_error
                raise TaskFailed(f"Cannot write to the outbox: {e.filename}: {e.strerror}")


def _write_files(files: list[tuple[str, bytes]]) -> None:
    """Every file written, the first error raised after the others were tried."""
    error = None
    for path, data in files:
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as e:
            error = error or e
    if error is not None:
        raise error


# ---- the send job ------------------------------------------------------------------------------


def _find_email(cloud, ref: object) -> ApiObject:
    if not isinstance(ref, ApiObject):
        raise TaskFailed("The send definition has no Email.")
    found = cloud.objects.find(
        ApiObject(
            "Email", {k: ref.get(k) for k in ("ID", "ObjectID", "CustomerKey") if ref.get(k) is not None}
        )
    )
    if found is None:
        raise TaskFailed(f"The email {_describe(ref)} does not exist.")
    return found[1]


def run_send_definition(cloud, definition: ApiObject, task_id: int, overrides: dict) -> None:
    test = bool(overrides.get("test"))
    email = _find_email(cloud, definition.get("Email"))
    aud = audience(cloud, definition, test=test)
    profile = definition.get("SenderProfile")
    profile = profile if isinstance(profile, ApiObject) else ApiObject("SenderProfile")
    from_name = (
        overrides.get("FromName")
        or text(profile.get("FromName"))
        or text(definition.get("FromName"))
        or "ampy"
    )
    from_address = (
        overrides.get("FromAddress")
        or text(profile.get("FromAddress"))
        or text(definition.get("FromAddress"))
        or "noreply@example.com"
    )
    subject = text(definition.get("EmailSubject")) or text(email.get("Subject"))
    send_email(
        cloud,
        task_id,
        email,
        aud,
        subject=subject,
        from_name=from_name,
        from_address=from_address,
        definition=definition,
        is_test=test,
    )


def send_email(
    cloud,
    task_id: int,
    email: ApiObject,
    aud: Audience,
    *,
    subject: str,
    from_name: str,
    from_address: str,
    definition: ApiObject | None = None,
    is_test: bool = False,
) -> None:
    from ..errors import AmpscriptError
    from ..template import compile_template

    name = text(email.get("Name")) or "email"
    try:
        parts = {
            part: compile_template(source, name=f"{name}:{part}",
                                   limits=cloud.settings.limits if cloud.settings is not None else None)
            for part, source in (
                ("Subject", subject),
                ("HTMLBody", text(email.get("HTMLBody"))),
                ("TextBody", text(email.get("TextBody"))),
            )
            if source
        }
    except AmpscriptError as e:
        raise TaskFailed(f"The email does not compile: {e}") from None
    job = SendJob(task_id, system_now(), text(email.get("ID")), name, is_test,
                  may_write=may_write((subject, text(email.get("HTMLBody")), text(email.get("TextBody")))))
    send = ApiObject(
        "Send",
        {
            "Email": ApiObject("Email", {"ID": text(email.get("ID"))}),
            "EmailName": name,
            "Subject": subject,
            "FromAddress": from_address,
            "FromName": from_name,
            "SendDate": now_text(),
            "Status": "Sending",
            "NumberTargeted": str(len(aud.recipients)),
            "NumberExcluded": str(aud.excluded),
            "Duplicates": str(aud.duplicates),
            "MissingAddresses": str(aud.missing),
            "InvalidAddresses": str(aud.invalid),
            "ExistingUnsubscribes": str(aud.unsubscribed),
        },
    )
    if definition is not None:
        send.set(
            "EmailSendDefinition",
            ApiObject(
                "EmailSendDefinition",
                {
                    "CustomerKey": text(definition.get("CustomerKey")),
                    "ObjectID": text(definition.get("ObjectID")),
                },
            ),
        )
    stored = cloud.objects.insert(send, api_id=task_id)
    rowid = cloud.objects.find(ApiObject("Send", {"ObjectID": text(stored.get("ObjectID"))}))[0]
    delivery = Delivery(cloud, task_id)
    links = LinkTracker(cloud, task_id)  # HTML links go out click-tracked through ampy serve
    progress, impressions = SendProgress(cloud, task_id, rowid, stored), []
    total = len(aud.recipients)
    workers = _workers(cloud, total)
    renders = _renders(cloud, parts, aud, job, name, task_id, subject=subject, email=email, workers=workers)
    writer = MessageWriter(from_name, from_address, linesep="\r\n" if delivery.smtp is not None else "\n")
    outgoing = _outgoing(aud.recipients, renders, links, writer)
    try:
        for i, (r, rendered, error, built) in enumerate(outgoing):
            if i % _CHECK_EVERY == 0:
                _check_flags(cloud, task_id, rowid)
                if i and total >= _PROGRESS_FROM:  # AsyncActivityStatus shows how far a long send is
                    cloud.tasks.set_detail(task_id, f"{i} of {total} rendered, {progress.sent} sent, "
                                                    f"{progress.errored} errored")
            if error is not None:
                progress.failed(r.subscriber_key, error)
            elif delivery.deliver(built):
                progress.delivered(r.subscriber_key)
                if rendered.get("ImpressionRegions"):
                    impressions.append((r.subscriber_key, rendered["ImpressionRegions"]))
            else:
                progress.errored += 1
    except TaskCanceled:
        progress.finish("Canceled")
        raise
    finally:
        outgoing.close()
        renders.close()
        if workers is not None:
            workers.close()
        delivery.close()
        from . import impressions as impression_table

        impression_table.record(cloud.store, task_id, impressions)
    progress.complete()


def _send_attributes(r: Recipient, task_id: int, job: SendJob, name: str) -> dict:
    attrs = dict(r.attributes)
    attrs.setdefault("emailaddr", r.email)
    attrs.setdefault("_subscriberkey", r.subscriber_key)
    attrs.setdefault("subscriberkey", r.subscriber_key)
    attrs.update({"jobid": str(task_id), "_emailid": job.email_id, "emailname_": name})
    return attrs


def _workers(cloud, recipients: int):
    """The worker processes of a large send (see ampy.audience.sending), or None: render here."""
    from ..audience.sending import SendWorkers, parallel_jobs

    jobs = parallel_jobs(cloud, recipients)
    return SendWorkers(jobs) if jobs > 1 else None


def _renders(cloud, parts: dict, aud: Audience, job: SendJob, name: str, task_id: int, *, subject: str,
             email: ApiObject, workers=None):
    """(rendered parts, None) or (None, (message, skip_subscriber)) per recipient, in order: in this
    process, or by ``workers`` for a large audience."""
    from ..audience.sending import spec_for

    attributes = (_send_attributes(r, task_id, job, name) for r in aud.recipients)
    if workers is not None:
        sources = {"Subject": subject, "HTMLBody": text(email.get("HTMLBody")), "TextBody": text(email.get("TextBody"))}
        spec = spec_for(cloud, {part: sources[part] for part in parts}, name, job)
        yield from workers.render(spec, attributes)
        return
    for attrs in attributes:
        yield render_recipient(cloud.store, cloud.backend, parts, attrs, job)


def _outgoing(recipients: list, renders, links, writer):
    """(recipient, rendered, error, message bytes) in recipient order: links click-tracked here
    (their URLIDs follow the order of first appearance), then the message written from the send's
    skeleton (``ampy.cloud.mime``: cheap next to a render, so it stays here)."""
    for r, (rendered, error) in zip(recipients, renders):
        if error is not None:
            yield r, None, error, None
            continue
        rendered = links.rewrite(rendered, r.subscriber_key)
        yield r, rendered, None, BuiltMessage(writer.build(rendered, r.email), writer.from_address, r.email)


class _Discard(Exception):
    """Rolls back what a failed render wrote to the store."""


def may_write(sources) -> bool:
    """Whether any of these template sources can write to the store (see _MAY_WRITE)."""
    return any(_MAY_WRITE.search(source) for source in sources if source)


def render_recipient(store, backend, parts: dict, attrs: dict, job: SendJob, context: str = "email", **extra):
    """One recipient's message: (rendered, None) or (None, (message, skip_subscriber)), here or in a
    worker process; ``context`` is ``email``, or ``sms``/``push`` for MobileConnect and MobilePush
    sends (``extra``: their render options, such as the SMS message). The render's data extension
    writes are one transaction: a failed render's are rolled back, unless it was RaiseError with
    preserveDataExt."""
    from ..errors import AmpscriptError

    job.attachments, job.impressions = [], []
    failure = None
    try:
        with store.transaction() if job.may_write else contextlib.nullcontext():
            try:
                # GTL escapes HTML only in the HTML body: subjects, text parts and messages are text
                rendered = {part: tpl.render(attributes=attrs, backend=backend, context=context, send=job,
                                             content_type="html" if part == "HTMLBody" else "text", **extra)
                            for part, tpl in parts.items()}
            except AmpscriptError as e:
                failure = (_error_text(e), getattr(e, "skip_subscriber", True) is not False)
                if getattr(e, "preserve_data", False):
                    return None, failure
                raise _Discard() from None
    except _Discard:
        return None, failure
    if job.attachments:
        rendered["Attachments"] = job.attachments
    if job.impressions:
        rendered["ImpressionRegions"] = job.impressions
    return rendered, None


def _error_text(e) -> str:
    """The error's message with RaiseError's API error code and number, when given."""
    extra = [f"{label} {value}" for label, value in (("error code", getattr(e, "error_code", "")),
                                                     ("error number", getattr(e, "error_number", "")))
             if value]
    return f"{e.message} ({', '.join(extra)})" if extra else e.message


def _check_flags(cloud, task_id: int, rowid: int) -> None:
    """Stop on cancel; wait while the Send is paused (Send pause/resume)."""
    while True:
        if cloud.tasks.cancelled(task_id):
            raise TaskCanceled()
        found = cloud.objects.find(ApiObject("Send", {"ID": str(task_id)}))
        if found is None or text(found[1].get("Status")) != "Paused":
            return
        time.sleep(0.05)


class SendProgress:
    """What a running send (email, SMS or push) has done so far: its counts, the SentEvents it has
    not stored yet and the first recipient error; written to its Send row when it ends."""

    def __init__(self, cloud, task_id: int, rowid: int, send: ApiObject):
        self.cloud, self.task_id, self.rowid, self.send = cloud, task_id, rowid, send
        self.sent, self.errored, self.events, self.first_error = 0, 0, [], ""

    def failed(self, subscriber_key: str, error: tuple[str, bool]) -> None:
        """A recipient whose render failed: ``error`` is (message, skip_subscriber)."""
        message, skip_subscriber = error
        self.errored += 1
        if not skip_subscriber:
            # RaiseError without skipSubscriber stops the whole job; what was sent stays sent.
            self.finish("Error")
            raise TaskFailed(f"RaiseError stopped the send at {subscriber_key}: {message}") from None
        self.first_error = self.first_error or f"{subscriber_key}: {message}"

    def delivered(self, subscriber_key: str) -> None:
        self.sent += 1
        self.events.append(
            ApiObject(
                "SentEvent",
                {
                    "SendID": str(self.task_id),
                    "SubscriberKey": subscriber_key,
                    "EventDate": now_text(),
                    "EventType": "Sent",
                },
            )
        )

    def finish(self, status: str) -> None:
        """The events and counts stored, the Send row given ``status`` (unless it was canceled)."""
        with self.cloud.store.transaction():
            self.cloud.objects.insert_many(self.events)
            current = self.cloud.objects.find(ApiObject("Send", {"ObjectID": text(self.send.get("ObjectID"))}))
            send = current[1] if current else self.send
            if text(send.get("Status")) != "Canceled":
                send.set("Status", status)
            for prop, value in (("NumberSent", self.sent), ("NumberDelivered", self.sent),
                                ("NumberErrored", self.errored)):
                send.set(prop, str(value))
            send.set("SentDate", now_text())
            self.cloud.objects.replace(self.rowid, send)

    def complete(self) -> None:
        """Finished as Complete; the task's detail says what was sent and the first error."""
        self.finish("Complete")
        detail = f"{self.sent} sent, {self.errored} errored"
        if self.first_error:
            detail += f" (first error: {self.first_error})"
        self.cloud.tasks.set_detail(self.task_id, detail)


# ---- TriggeredSend -----------------------------------------------------------------------------


def queue_triggered_send(cloud, obj: ApiObject) -> int:
    """Create of a TriggeredSend: queue one message per Subscriber of the object, rendered from the
    TriggeredSendDefinition's email with the subscriber's Attributes."""
    from .objects import ObjectError
    from .tasks import run_task

    ref = obj.get("TriggeredSendDefinition")
    if not isinstance(ref, ApiObject):
        raise ObjectError("A TriggeredSend needs its TriggeredSendDefinition (CustomerKey).", 2)
    found = cloud.objects.find(ApiObject("TriggeredSendDefinition", dict(ref.properties)))
    if found is None:
        raise ObjectError(f"The TriggeredSendDefinition {_describe(ref)} does not exist.", 2)
    tsd = found[1]
    if (text(tsd.get("TriggeredSendStatus")) or "Active") != "Active":
        raise ObjectError("The TriggeredSendDefinition is not Active.", 2)
    recipients = []
    for sub in as_list(obj.get("Subscribers")):
        if not isinstance(sub, ApiObject) or "@" not in text(sub.get("EmailAddress")):
            raise ObjectError("Every Subscriber of a TriggeredSend needs a valid EmailAddress.", 2)
        email = text(sub.get("EmailAddress"))
        attrs = {
            text(a.get("Name")): text(a.get("Value"))
            for a in as_list(sub.get("Attributes"))
            if isinstance(a, ApiObject)
        }
        key = text(sub.get("SubscriberKey")) or email
        attrs.update({"EmailAddress": email, "SubscriberKey": key})
        recipients.append(Recipient(key, email, attrs))
    if not recipients:
        raise ObjectError("A TriggeredSend needs at least one Subscriber.", 2)
    ioid = text(tsd.get("InteractionObjectID"))
    task_id = cloud.tasks.add(
        "TriggeredSend", text(tsd.get("CustomerKey")), "send", ioid=ioid, parent_ioid=ioid
    )

    def job(worker) -> None:
        def work() -> None:
            email = _find_email(worker, tsd.get("Email"))
            profile = (
                tsd.get("SenderProfile")
                if isinstance(tsd.get("SenderProfile"), ApiObject)
                else ApiObject("x")
            )
            send_email(
                worker,
                task_id,
                email,
                Audience(recipients),
                subject=text(tsd.get("EmailSubject")) or text(email.get("Subject")),
                from_name=text(profile.get("FromName")) or text(tsd.get("FromName")) or "ampy",
                from_address=text(profile.get("FromAddress"))
                or text(tsd.get("FromAddress"))
                or "noreply@example.com",
            )

        run_task(worker.tasks, task_id, work)

    cloud.runner.submit(job)
    return task_id
