"""SMS and push sends: SMSSendActivity and MessageSendActivity ``start``.

Recipients come from the activity's ``SendDefinitionList`` like an email send's (a ``List`` or a
sendable data extension named by ``CustomObjectID``, minus ``ExclusionList`` entries, minus
subscribers whose status is not Active; entries marked ``IsTestObject`` are left out). An SMS
goes to the recipient's mobile number (the column ``MobileNumberField`` names, else
``MobileNumber``, ``Mobile`` or ``Phone``), a push message to its device (``DeviceIDField``, else
``DeviceID`` or ``DeviceToken``); a recipient without one is counted missing, a number or device
seen before is counted a duplicate.

The ``Message`` (and a push's ``Title``) is AMPscript rendered per recipient with the recipient's
attributes: an SMS in the ``sms`` context (MobileConnect: ``MSG(0)`` is empty, the short code and
mobile number are the outbound ones), a push message in the ``email`` context, since a push is a
send from a sendable audience and the send functions (``jobid``, attributes) apply to it. A render
that raises an AMPscript error skips the recipient (NumberErrored); ``RaiseError`` without skip
stops the job, and what was delivered stays delivered, as with email sends.

Each message is a UTF-8 file ``outbox/sms/<JobID>-<n>.txt`` or ``outbox/push/<JobID>-<n>.txt``:
RFC 822-style headers (``To``, ``From`` = the short code or ``App-ID`` = the application,
``Title`` for push, ``Subscriber-Key``, ``Job-ID``), a blank line, then the body. Without a
workspace the text is appended to the account's in-memory outbox. The job records a Send (ID =
JobID = the task ID, ``EmailName`` = the activity's name, PartnerProperty ``Channel`` = ``SMS`` or
``Push``) and one SentEvent per delivered message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..api.model import ApiObject
from ..backends.base import BackendError
from ..runtime.dates import system_now
from .objects import now_text, text
from .sends import (
    SendJob,
    SendProgress,
    _check_flags,
    _entry_members,
    _subscribers_by_key,
    may_write,
    render_recipient,
    send_lists,
)
from .tasks import TaskCanceled, TaskFailed

_SMS_FIELDS = ("mobilenumber", "mobile", "phone")
_PUSH_FIELDS = ("deviceid", "devicetoken")


@dataclass(frozen=True)
class Channel:
    """What differs between SMS and push: where the address is, how it renders, where it goes."""

    name: str  # Send's Channel property
    folder: str  # outbox/<folder>
    address_property: str
    default_fields: tuple[str, ...]
    context: str


SMS = Channel("SMS", "sms", "MobileNumberField", _SMS_FIELDS, "sms")
PUSH = Channel("Push", "push", "DeviceIDField", _PUSH_FIELDS, "email")


def channel_of(definition: ApiObject) -> Channel:
    return SMS if definition.type == "SMSSendActivity" else PUSH


@dataclass
class Target:
    subscriber_key: str
    address: str
    attributes: dict


@dataclass
class Targets:
    targets: list
    excluded: int = 0
    duplicates: int = 0
    missing: int = 0
    unsubscribed: int = 0


def _address_column(attributes: dict, wanted: str, defaults: tuple[str, ...]) -> str | None:
    lowered = {k.lower(): k for k in attributes}
    if wanted:
        return lowered.get(wanted.lower())
    return next((lowered[c] for c in defaults if c in lowered), None)


def targets(cloud, definition: ApiObject) -> Targets:
    """Who a start sends to (address per recipient), with the counts of who was left out."""
    channel = channel_of(definition)
    subscribers = _subscribers_by_key(cloud)
    sources, exclusions = send_lists(definition)  # test lists are for email test sends only
    if not sources:
        raise TaskFailed(f"The {definition.type} has no SendDefinitionList to send to.")
    excluded = {r.subscriber_key.lower() for e in exclusions for r in _entry_members(cloud, e, subscribers)}
    wanted = text(definition.get(channel.address_property)).strip()
    out = Targets([])
    seen_keys, seen_addresses = set(), set()
    for entry in sources:
        for r in _entry_members(cloud, entry, subscribers):
            if r.subscriber_key.lower() in excluded:
                out.excluded += 1
                continue
            known = subscribers.get(r.subscriber_key.lower())
            if known is not None and (text(known.get("Status")) or "Active") != "Active":
                out.unsubscribed += 1
                continue
            column = _address_column(r.attributes, wanted, channel.default_fields)
            if column is None and wanted and entry.get("List") is None:
                raise TaskFailed(f"The recipients have no field '{wanted}' ({channel.address_property}).")
            address = text(r.attributes.get(column)).strip() if column else ""
            if not address:
                out.missing += 1
                continue
            if r.subscriber_key.lower() in seen_keys or address.lower() in seen_addresses:
                out.duplicates += 1
                continue
            seen_keys.add(r.subscriber_key.lower())
            seen_addresses.add(address.lower())
            out.targets.append(Target(r.subscriber_key, address, r.attributes))
    return out


def _header(value: str) -> str:
    """A header value on one line (a rendered value could hold a line break)."""
    return " ".join(value.split())


def message_text(headers: list[tuple[str, str]], body: str) -> str:
    return "".join(f"{name}: {_header(value)}\n" for name, value in headers) + "\n" + body


class MessageOutbox:
    """``outbox/<channel>/<JobID>-<n>.txt`` in a workspace, else the account's in-memory outbox."""

    def __init__(self, cloud, channel: Channel, job_id: int):
        self.cloud = cloud
        self.job_id = job_id
        self.count = 0
        self.folder = os.path.join(cloud.outbox_dir, channel.folder) if cloud.outbox_dir else None
        if self.folder:
            os.makedirs(self.folder, exist_ok=True)

    def deliver(self, message: str) -> None:
        self.count += 1
        if self.folder is None:
            self.cloud.outbox.append(message)
            return
        path = os.path.join(self.folder, f"{self.job_id}-{self.count:06d}.txt")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(message)


def _compile(cloud, definition: ApiObject, channel: Channel) -> dict:
    from ..errors import AmpscriptError
    from ..template import compile_template

    name = text(definition.get("Name")) or definition.type
    parts = {"Message": text(definition.get("Message"))}
    if channel is PUSH:
        parts["Title"] = text(definition.get("Title"))
    if not parts["Message"].strip():
        raise TaskFailed(f"The {definition.type} has no Message.")
    limits = cloud.settings.limits if cloud.settings is not None else None
    try:
        return {
            part: compile_template(source, name=f"{name}:{part}", limits=limits)
            for part, source in parts.items()
            if source
        }
    except AmpscriptError as e:
        raise TaskFailed(f"The message does not compile: {e}") from None


def run_message_send(cloud, definition: ApiObject, task_id: int) -> None:
    """The start work of an SMSSendActivity or MessageSendActivity (see the module notes)."""

    channel = channel_of(definition)
    sender = text(definition.get("ShortCode" if channel is SMS else "ApplicationID")).strip()
    if not sender:
        needed = "ShortCode" if channel is SMS else "ApplicationID"
        raise TaskFailed(f"The {definition.type} has no {needed}.")
    parts = _compile(cloud, definition, channel)
    try:
        found = targets(cloud, definition)
    except BackendError as e:  # the store refused (a broken CSV, a locked file): say why
        raise TaskFailed(str(e)) from None
    name = text(definition.get("Name")) or text(definition.get("CustomerKey"))
    job = SendJob(task_id, system_now(), "", name,
                  may_write=may_write((text(definition.get("Message")), text(definition.get("Title")))))
    send = ApiObject(
        "Send",
        {
            "PartnerProperties": [ApiObject("APIProperty", {"Name": "Channel", "Value": channel.name})],
            "EmailName": name,
            "FromName": sender,
            "SendDate": now_text(),
            "Status": "Sending",
            "NumberTargeted": str(len(found.targets)),
            "NumberExcluded": str(found.excluded),
            "Duplicates": str(found.duplicates),
            "MissingAddresses": str(found.missing),
            "ExistingUnsubscribes": str(found.unsubscribed),
        },
    )
    stored = cloud.objects.insert(send, api_id=task_id)
    rowid = cloud.objects.find(ApiObject("Send", {"ObjectID": text(stored.get("ObjectID"))}))[0]
    outbox = MessageOutbox(cloud, channel, task_id)
    progress = SendProgress(cloud, task_id, rowid, stored)
    renders = _renders(cloud, definition, channel, parts, found.targets, job, name, sender)
    try:
        for i, (t, (rendered, error)) in enumerate(zip(found.targets, renders)):
            if i % 50 == 0:
                _check_flags(cloud, task_id, rowid)
            if error is not None:
                progress.failed(t.subscriber_key, error)
                continue
            if channel is SMS:
                headers = [("To", t.address), ("From", sender)]
            else:
                headers = [("To", t.address), ("App-ID", sender), ("Title", rendered.get("Title", ""))]
            headers += [("Subscriber-Key", t.subscriber_key), ("Job-ID", str(task_id))]
            outbox.deliver(message_text(headers, rendered["Message"]))
            progress.delivered(t.subscriber_key)
    except TaskCanceled:
        progress.finish("Canceled")
        raise
    finally:
        renders.close()
    progress.complete()


def _renders(cloud, definition: ApiObject, channel: Channel, parts: dict, found: list, job: SendJob, name: str,
             sender: str):
    """(rendered parts, None) or (None, (message, skip_subscriber)) per target, in order: in this
    process, or in worker processes for a large audience (see ampy.audience.sending)."""
    from ..audience.sending import parallel_jobs, render_in_workers, spec_for
    from ..errors import AmpscriptError
    from ..runtime.sms import SmsMessage

    def items():
        for t in found:
            attrs = dict(t.attributes)
            attrs.setdefault("_subscriberkey", t.subscriber_key)
            attrs.setdefault("subscriberkey", t.subscriber_key)
            attrs.update({"jobid": str(job.job_id), "emailname_": name})
            sms = SmsMessage(mobile_number=t.address, short_code=sender) if channel is SMS else None
            yield attrs, {"sms": sms}

    jobs = parallel_jobs(cloud, len(found))
    if jobs > 1:
        sources = {"Message": text(definition.get("Message")), "Title": text(definition.get("Title"))}
        spec = spec_for(cloud, {part: sources[part] for part in parts}, name or definition.type, job,
                        context=channel.context)
        yield from render_in_workers(spec, items(), jobs)
        return
    for attrs, extra in items():
        try:  # a skipped recipient's data extension writes are rolled back, as in email sends
            yield render_recipient(cloud.store, cloud.backend, parts, attrs, job, channel.context, **extra)
        except AmpscriptError as e:
            yield None, (e.message, getattr(e, "skip_subscriber", True) is not False)


__all__ = ["PUSH", "SMS", "message_text", "run_message_send", "targets"]
