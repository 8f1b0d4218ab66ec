"""SMS conversations persist in the workspace store and route the next inbound message."""

import os
import sqlite3
import subprocess
import sys

import ampy
from ampy.backends.local import LocalBackend
from ampy.runtime.sms import SmsMessage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """%%[
IF Verb() == "JOIN" THEN
  CreateSmsConversation(MOBILE_SHORT_CODE, MOBILE_NUMBER, "COLOR", "MOBILECONNECT")
  SET @reply = "Favourite colour?"
ELSEIF Verb() == "COLOR" THEN
  SetSmsConversationNextKeyword(MOBILE_SHORT_CODE, MOBILE_NUMBER, "SIZE")
  SET @reply = Concat("Colour ", Nouns(), ". Size?")
ELSEIF Verb() == "SIZE" THEN
  EndSmsConversation(MOBILE_SHORT_CODE, MOBILE_NUMBER)
  SET @reply = Concat("Size ", Noun(0), ". Done. (", Msg(0), ")")
ELSE
  SET @reply = Concat("Unknown ", Verb())
ENDIF
]%%%%=v(@reply)=%%"""

# MOBILE_NUMBER / MOBILE_SHORT_CODE as plain variables keep the script independent of attribute names.
PRELUDE = '%%[ SET @n = "{n}" SET @c = "{c}" ]%%'


def _script(number, code):
    return PRELUDE.format(n=number, c=code) + SCRIPT.replace("MOBILE_SHORT_CODE", "@c").replace(
        "MOBILE_NUMBER", "@n")


def _reply(backend, text, number="15551230000", code="55555"):
    sms = SmsMessage(text=text, mobile_number=number, short_code=code)
    return ampy.render(_script(number, code), context="sms", sms=sms, backend=backend)


def test_conversation_routes_successive_messages_across_renders(tmp_path):
    backend = LocalBackend.for_workspace(str(tmp_path))
    try:
        assert _reply(backend, "join now") == "Favourite colour?"
        assert _reply(backend, "deep blue") == "Colour deep blue. Size?"
        assert _reply(backend, "XL please") == "Size XL. Done. (XL please)"
        # ended: the next message is read by its own first word again
        assert _reply(backend, "hello there") == "Unknown hello"
        # another number has no conversation
        assert _reply(backend, "blue", number="15559990000") == "Unknown blue"
    finally:
        backend.close()
    db = sqlite3.connect(tmp_path / ".ampy" / "store.sqlite")
    assert db.execute("SELECT from_code, to_number, next_keyword, app, active FROM ampy_sms_conversation"
                      ).fetchall() == [("55555", "15551230000", "SIZE", "MOBILECONNECT", 0)]


def test_conversation_survives_a_reopened_workspace(tmp_path):
    first = LocalBackend.for_workspace(str(tmp_path))
    assert _reply(first, "JOIN") == "Favourite colour?"
    first.close()
    second = LocalBackend.for_workspace(str(tmp_path))
    try:
        assert _reply(second, "red") == "Colour red. Size?"
        # the same code with a different number, and the same number with a different code, are separate
        assert _reply(second, "red", code="66666") == "Unknown red"
    finally:
        second.close()


def test_msg_verb_nouns_inside_a_conversation(tmp_path):
    backend = LocalBackend.for_workspace(str(tmp_path))
    try:
        _reply(backend, "JOIN")
        sms = SmsMessage(text="  light green ", mobile_number="15551230000", short_code="55555")
        out = ampy.render("[%%=Msg(0)=%%][%%=Verb()=%%][%%=Nouns()=%%][%%=Noun(1)=%%]", context="sms",
                          sms=sms, backend=backend)
        assert out == "[  light green ][COLOR][light green][green]"
    finally:
        backend.close()


def test_set_and_end_without_a_conversation_are_false(tmp_path):
    backend = LocalBackend.for_workspace(str(tmp_path))
    try:
        sms = SmsMessage(text="x", mobile_number="1", short_code="2")
        out = ampy.render("%%=SetSmsConversationNextKeyword('2', '1', 'K')=%% %%=EndSmsConversation('2', '1')=%%",
                          context="sms", sms=sms, backend=backend)
        assert out == "False False"
    finally:
        backend.close()


def test_cli_runs_route_through_the_workspace_store(tmp_path):
    script = tmp_path / "reply.amp"
    script.write_text(_script("15551230000", "55555"), encoding="utf-8")
    ws = tmp_path / "ws"
    ws.mkdir()

    def run(text):
        p = subprocess.run([sys.executable, "-m", "ampy", "run", str(script), "--workspace", str(ws),
                            "--context", "sms", "--mobile-number", "15551230000", "--short-code", "55555",
                            "--sms-text", text], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert p.stderr == ""
        return p.stdout

    assert run("JOIN") == "Favourite colour?"
    assert run("teal") == "Colour teal. Size?"
