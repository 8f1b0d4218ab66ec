"""Personalization strings with spaces: %%First Name%% in text, subjects and content blocks."""

from __future__ import annotations

import email
import email.policy
import os

from cloud_support import obj, wait_for_tasks

import ampy
from ampy.backends.local import LocalBackend

ATTRS = {"First Name": "Ann", "Member-Tier": "Gold", "FirstName": "Bo"}


def r(src, **kw):
    return ampy.render(src, attributes=ATTRS, **kw)


def test_names_with_spaces_in_any_case_are_attributes():
    assert r("Hi %%First Name%%|%%FIRST name%%|%%first NAME%%|%%FirstName%%") == "Hi Ann|Ann|Ann|Bo"
    assert r("%%Member-Tier%% %%Last Name%%.") == "Gold ."  # an unknown attribute prints nothing


def test_text_that_cannot_be_a_name_stays_text():
    for src in ("100%% off %%", "%% First Name%%", "%%First Name %%", "%%a <b>%%", '%%say "x"%%',
                "%%First\nName%%", "%%First  Name%%", "%%1st Name%%", "50%%", "%%%%",
                "%%" + "a" * 101 + "%%"):
        assert r(src) == src, src
    assert r("%%" + "a" * 100 + "%%") == ""


def test_names_with_spaces_next_to_code():
    src = "%%[ SET @t = 'x' ]%%%%First Name%%%%=v(@t)=%%%%[First Name]%%"
    assert r(src) == "AnnxAnn"


def test_content_block_uses_names_with_spaces(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "greeting.html").write_text("Dear %%First Name%%", encoding="utf-8")
    backend = LocalBackend(content_dir=str(content))
    assert r("%%=ContentBlockByKey('greeting')=%%!", backend=backend) == "Dear Ann!"


def test_subject_and_body_of_a_send(backend, root):
    backend.store.create("People", ["SubscriberKey", "EmailAddress", "First Name"], ["SubscriberKey"],
                         rows=[["K1", "ann@example.com", "Ann"]],
                         meta={"IsSendable": True, "SendableField": "SubscriberKey"})
    backend.api_create([obj("Email", ID="70", Name="Spaces", Subject="Hello %%First Name%%",
                            HTMLBody="<p>%%FIRST NAME%%, 100%% off</p>")])
    backend.api_create([obj("EmailSendDefinition", Name="Spaces", CustomerKey="spaces",
                            Email=obj("Email", ID="70"),
                            SendDefinitionList=[obj("SendDefinitionList", CustomObjectID="People")])])
    job = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="spaces")]).results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    assert task["Status"] == "Complete"
    (name,) = os.listdir(f"{root}/outbox")
    with open(f"{root}/outbox/{name}", "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    assert msg["Subject"] == "Hello Ann"
    assert msg.get_body(("html",)).get_content() == "<p>Ann, 100%% off</p>\n"
