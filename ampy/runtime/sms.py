"""The inbound MobileConnect message an ``sms`` render answers (Msg, Verb, Noun, Nouns, MMS_Content_URL)
and the conversations the script opens or closes while answering it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SmsConversation:
    """An open conversation between a short/long code and a mobile number."""

    from_code: str
    to_number: str
    next_keyword: str
    app: str = "MOBILECONNECT"
    active: bool = True


@dataclass
class SmsMessage:
    """One inbound message. ``text`` is the whole message (``MSG(0)``); its first word is the
    keyword (``MSG(0).VERB``), the rest the nouns. ``conversations`` maps (from code, mobile
    number) to the conversation state; pass the same dict to successive messages to keep it."""

    text: str = ""
    mobile_number: str = ""
    short_code: str = ""
    mms_urls: list[str] = field(default_factory=list)
    conversations: dict[tuple[str, str], SmsConversation] = field(default_factory=dict)
    # The next keyword of the conversation this message answers ('' outside one): the message is
    # then read as if the subscriber had typed that keyword before the text.
    routed_keyword: str = ""
    routed: bool = False   # whether the stored conversation has been consulted yet

    @property
    def keyword(self) -> str:
        """The first word of the message (``Verb()``), or the conversation's next keyword."""
        if self.routed_keyword:
            return self.routed_keyword
        words = self.text.split(None, 1)
        return words[0] if words else ""

    @property
    def nouns(self) -> str:
        """Everything after the keyword, outer whitespace removed (``Nouns()``); the whole text
        when a conversation routed the message."""
        if self.routed_keyword:
            return self.text.strip()
        words = self.text.split(None, 1)
        return words[1].strip() if len(words) > 1 else ""

    def noun(self, position: int) -> str:
        """The word at a 0-based position after the keyword; '' past the end."""
        words = self.nouns.split()
        return words[position] if 0 <= position < len(words) else ""

    def mms_url(self, position: int) -> str:
        """The URL of the attachment at a 0-based position; '' past the end."""
        return self.mms_urls[position] if 0 <= position < len(self.mms_urls) else ""

    def conversation(self, from_code: str, to_number: str) -> SmsConversation | None:
        """The active conversation for this pair, if any."""
        conv = self.conversations.get((from_code, to_number))
        return conv if conv is not None and conv.active else None
