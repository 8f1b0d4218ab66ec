"""The bytes of a send's messages, written directly from a per-send skeleton.

Building each message through the stdlib ``email`` object model costs more than rendering it (every
header is parsed back into a tree and refolded). A send's messages differ only in To, Subject,
Message-ID and their bodies, so what does not change (From, the boundary scheme, the part headers)
is prepared once and each message is joined from byte strings. The result is what
``EmailMessage.set_content``/``add_alternative`` would produce under ``email.policy.default``: the
same structure, the same transfer-encoding choice (7bit, 8bit for short non-ASCII lines,
quoted-printable or base64 for long lines, whichever is shorter) and RFC 2047 headers. Headers
that are not plain short ASCII, and messages with attachments, are left to the stdlib, which
already does them right and is rare enough not to matter for speed.
"""

from __future__ import annotations

import binascii
import itertools
import os
import random
import re
from email import policy as _policies
from email.message import EmailMessage
from email.utils import formataddr

_POLICY = _policies.default
_MAX_LINE = 78  # the policy's max_line_length: longer lines are encoded (qp or base64)
_B64_CHUNK = _MAX_LINE // 4 * 3  # bytes per base64 line, as the stdlib cuts them (76 characters)
# A header value that goes out as written: printable ASCII, no encoded-word look-alike.
_PLAIN = re.compile(r"[\x20-\x7e]*")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_POLICIES = {"\n": _POLICY, "\r\n": _POLICY.clone(linesep="\r\n")}


def _header(name: str, value: str, linesep: str) -> str:
    """One header line, folded and encoded as ``email.policy.default`` writes it."""
    plain = _PLAIN_ADDRESS.fullmatch(value) if name == "To" else _PLAIN.fullmatch(value)
    if plain and len(name) + 2 + len(value) <= _MAX_LINE and "=?" not in value and value.strip() == value:
        return f"{name}: {value}{linesep}"
    return _POLICY.header_factory(name, value).fold(policy=_POLICIES[linesep])


def _lines(body: str) -> list[bytes]:
    return body.encode("utf-8", "surrogateescape").splitlines()


def encode_body(body: str, linesep: str) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding, encoded body) as ``set_content`` decides them for UTF-8 text."""
    lines = _lines(body)
    nl = linesep.encode("ascii")
    if max(map(len, lines), default=0) <= _MAX_LINE:
        data = nl.join(lines) + nl
        return ("7bit" if data.isascii() else "8bit"), data
    # The stdlib's heuristic: compare the two encodings of the first ten lines.
    sniff = b"\n".join(lines[:10]) + b"\n"
    qp = binascii.b2a_qp(sniff, istext=True)
    if len(qp) > len(binascii.b2a_base64(sniff)):
        data = b"\n".join(lines) + b"\n"
        out = b"".join(binascii.b2a_base64(data[i:i + _B64_CHUNK]) for i in range(0, len(data), _B64_CHUNK))
        return "base64", out.replace(b"\n", nl) if nl != b"\n" else out
    out = binascii.b2a_qp(b"\n".join(lines) + b"\n", istext=True)
    return "quoted-printable", out.replace(b"\n", nl) if nl != b"\n" else out


class MessageWriter:
    """Messages of one send: From and the boundary scheme decided once, each message as bytes.
    ``linesep`` is "\\n" for the outbox and "\\r\\n" for SMTP."""

    def __init__(self, from_name: str, from_address: str, *, linesep: str = "\n"):
        self.from_name, self.from_address, self.linesep = from_name, from_address, linesep
        # (once per send, so always through the stdlib: a display name may need quoting or encoding)
        self.head = _POLICY.header_factory("From", formataddr((from_name, from_address))).fold(
            policy=_POLICIES[linesep]).encode("ascii")
        token = f"{random.randrange(10 ** 15):015d}"
        self._boundaries = (f"=_ampy_{token}_{n}" for n in itertools.count(1))
        self._ids = (f"<{token}.{os.getpid()}.{n}@ampy.local>" for n in itertools.count(1))

    def build(self, rendered: dict, to: str) -> bytes:
        """The message of one recipient's rendered parts (Subject, HTMLBody, TextBody,
        Attachments)."""
        if any(item.get("as_attachment", True) for item in rendered.get("Attachments") or ()):
            return self._stdlib(rendered, to)
        nl = self.linesep
        subject = rendered.get("Subject", "").replace("\r", " ").replace("\n", " ")
        head = (_header("To", to, nl) + _header("Subject", subject, nl)
                + f"Message-ID: {next(self._ids)}{nl}MIME-Version: 1.0{nl}").encode("ascii")
        text_body, html_body = rendered.get("TextBody"), rendered.get("HTMLBody")
        if text_body is None:
            return self.head + head + self._part("html", html_body or "")
        parts = [self._part("plain", text_body)]
        if html_body is not None:
            parts.append(self._part("html", html_body))
        else:
            return self.head + head + parts[0]
        boundary = self._boundary(parts)
        nlb = nl.encode("ascii")
        delimiter = b"--" + boundary + nlb
        body = b"".join(delimiter + part + nlb for part in parts) + b"--" + boundary + b"--" + nlb
        ctype = f'Content-Type: multipart/alternative;{nl} boundary="{boundary.decode("ascii")}"{nl}{nl}'
        return self.head + head + ctype.encode("ascii") + nlb + body

    def _part(self, subtype: str, body: str) -> bytes:
        cte, data = encode_body(body, self.linesep)
        nl = self.linesep
        return (f'Content-Type: text/{subtype}; charset="utf-8"{nl}Content-Transfer-Encoding: {cte}{nl}{nl}'
                .encode("ascii") + data)

    def _boundary(self, parts: list[bytes]) -> bytes:
        while True:  # a boundary must not occur in a 7bit/8bit part (it cannot in qp or base64)
            boundary = next(self._boundaries).encode("ascii")
            if not any(b"--" + boundary in part for part in parts):
                return boundary

    def _stdlib(self, rendered: dict, to: str) -> bytes:
        msg = stdlib_message(rendered, self.from_name, self.from_address, to)
        return msg.as_bytes(policy=msg.policy.clone(linesep=self.linesep))


def stdlib_message(rendered: dict, from_name: str, from_address: str, to: str) -> EmailMessage:
    """The message through the stdlib object model (attachments, and callers that want an
    ``EmailMessage``)."""
    from email.utils import make_msgid

    msg = EmailMessage()
    msg["From"] = formataddr((from_name, from_address))
    msg["To"] = to
    msg["Subject"] = rendered.get("Subject", "").replace("\r", " ").replace("\n", " ")
    msg["Message-ID"] = make_msgid(domain="ampy.local")
    text_body, html_body = rendered.get("TextBody"), rendered.get("HTMLBody")
    if text_body is not None:
        msg.set_content(text_body)
        if html_body is not None:
            msg.add_alternative(html_body, subtype="html")
    else:
        msg.set_content(html_body or "", subtype="html")
    for item in rendered.get("Attachments") or ():  # AttachFile's files (multipart/mixed)
        if item.get("as_attachment", True):
            maintype, _, subtype = (item.get("content_type") or "application/octet-stream").partition("/")
            msg.add_attachment(item["data"], maintype=maintype, subtype=subtype or "octet-stream",
                               filename=item["file_name"])
    return msg
