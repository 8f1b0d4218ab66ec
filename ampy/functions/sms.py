"""SMS/MobileConnect builtins (8): the inbound message and conversations.

``Msg``, ``Verb``, ``Noun``, ``Nouns`` and ``MMS_Content_URL`` exist only inside a MobileConnect
message: a page or email using them is refused before anything runs. The three conversation
functions run anywhere but only act in an ``sms`` render; elsewhere they return false.

Conversations persist in the local cloud's store (``ampy.cloud.sms_conversations``). An inbound
message from a mobile number to a code with an active conversation is routed to the
conversation's next keyword: ``Verb()`` is that keyword, ``Nouns()``/``Noun(n)`` read the whole
text the subscriber sent, and ``Msg(0)`` stays the text as sent.
"""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import builtin
from ..runtime.sms import SmsConversation, SmsMessage
from ..runtime.values import to_int, to_text

CAT = "SMS/MobileConnect"
BACKEND_NOTES = {  # docs/functions.md; Msg, Verb ... read the message given to the render
    "local": "conversations persist in the workspace store and route the next inbound message.",
    "soap": "conversations last for the render only (the tenant's conversation state is not in the API).",
    "pure": frozenset({"Msg", "Verb", "Noun", "Nouns", "MMS_Content_URL"}),
}
SMS_ONLY = frozenset({"sms"})
SMS_ONLY_ERROR = "only inside a MobileConnect message"


def _message(ctx) -> SmsMessage:
    if ctx.sms is None:
        ctx.sms = SmsMessage()   # an sms render without a message: an empty one
    message = ctx.sms
    if not message.routed:
        # Consulted once per message: an open conversation decides the keyword of this reply.
        message.routed = True
        code, number = message.short_code.strip(), message.mobile_number.strip()
        if code and number:
            conv = _stored(ctx, message, code, number)
            if conv is not None and conv.active:
                message.routed_keyword = conv.next_keyword
    return message


def _store(ctx):
    """The store conversations persist in: the local cloud's; None for a backend without one."""
    return getattr(ctx.backend, "store", None)


def _stored(ctx, message: SmsMessage, code: str, number: str) -> SmsConversation | None:
    """The conversation of a pair, from this message's state or else from the store."""
    conv = message.conversations.get((code, number))
    if conv is None:
        store = _store(ctx)
        if store is not None:
            from ..cloud.sms_conversations import load

            conv = load(store, code, number)
            if conv is not None:
                message.conversations[(code, number)] = conv
    return conv


def _save(ctx, conv: SmsConversation) -> None:
    store = _store(ctx)
    if store is not None:
        from ..cloud.sms_conversations import save

        save(store, conv)


def _active(ctx, from_code, to_number) -> SmsConversation | None:
    conv = _stored(ctx, _message(ctx), _code(from_code, "from code"), _code(to_number, "mobile number"))
    return conv if conv is not None and conv.active else None


def _position(value) -> int:
    n = to_int(value, "position")
    if n < 0:
        raise FunctionError(f"the position must be 0 or more, got {n}")
    return n


@builtin("Msg", min_args=1, max_args=1, category=CAT, needs_context=True, contexts=SMS_ONLY,
         context_error=SMS_ONLY_ERROR, signature="Msg(0)")
def msg(ctx, index):
    """The whole inbound message text (MSG(0)); 0 is the only accepted argument."""
    if to_int(index, "message index") != 0:
        raise FunctionError(f"the message index must be 0, got {to_text(index)}")
    return _message(ctx).text


@builtin("Verb", min_args=0, max_args=0, category=CAT, needs_context=True, contexts=SMS_ONLY,
         context_error=SMS_ONLY_ERROR, signature="Verb()")
def verb(ctx):
    """The keyword: the first word of the inbound message (MSG(0).VERB)."""
    return _message(ctx).keyword


@builtin("Nouns", min_args=0, max_args=0, category=CAT, needs_context=True, contexts=SMS_ONLY,
         context_error=SMS_ONLY_ERROR, signature="Nouns()")
def nouns(ctx):
    """All text after the keyword (MSG(0).NOUNS)."""
    return _message(ctx).nouns


@builtin("Noun", min_args=1, max_args=1, category=CAT, needs_context=True, contexts=SMS_ONLY,
         context_error=SMS_ONLY_ERROR, signature="Noun(position)")
def noun(ctx, position):
    """The n-th word after the keyword, 0-based (MSG(0).NOUN(n)); '' past the end."""
    return _message(ctx).noun(_position(position))


@builtin("MMS_Content_URL", min_args=1, max_args=1, category=CAT, needs_context=True, contexts=SMS_ONLY,
         context_error=SMS_ONLY_ERROR, signature="MMS_Content_URL(position)")
def mms_content_url(ctx, position):
    """URL of the n-th inbound MMS attachment, 0-based; '' past the end."""
    return _message(ctx).mms_url(_position(position))


def _code(value, what: str) -> str:
    text = to_text(value).strip()
    if not text:
        raise FunctionError(f"the {what} is empty")
    return text


@builtin("CreateSmsConversation", min_args=4, max_args=4, category=CAT, needs_context=True,
         signature="CreateSmsConversation(fromCode, toNumber, nextKeyword, app)")
def create_sms_conversation(ctx, from_code, to_number, next_keyword, app):
    """Opens a conversation whose next reply goes to nextKeyword (app "MOBILECONNECT"); false outside SMS."""
    if ctx.kind != "sms":
        return False
    if to_text(app).strip().upper() != "MOBILECONNECT":
        raise FunctionError(f"the app must be \"MOBILECONNECT\", got \"{to_text(app)}\"")
    key = (_code(from_code, "from code"), _code(to_number, "mobile number"))
    conv = SmsConversation(key[0], key[1], _code(next_keyword, "next keyword"))
    _message(ctx).conversations[key] = conv
    _save(ctx, conv)
    return True


@builtin("EndSmsConversation", min_args=2, max_args=2, category=CAT, needs_context=True,
         signature="EndSmsConversation(fromCode, toNumber)")
def end_sms_conversation(ctx, from_code, to_number):
    """Closes the active conversation; false outside SMS or when none is open."""
    if ctx.kind != "sms":
        return False
    conv = _active(ctx, from_code, to_number)
    if conv is None:
        return False
    conv.active = False
    _save(ctx, conv)
    return True


@builtin("SetSmsConversationNextKeyword", min_args=3, max_args=3, category=CAT, needs_context=True,
         signature="SetSmsConversationNextKeyword(fromCode, toNumber, keyword)")
def set_sms_conversation_next_keyword(ctx, from_code, to_number, keyword):
    """Sets the keyword for the next reply in an open conversation; false outside SMS or without one."""
    if ctx.kind != "sms":
        return False
    conv = _active(ctx, from_code, to_number)
    if conv is None:
        return False
    conv.next_keyword = _code(keyword, "keyword")
    _save(ctx, conv)
    return True
