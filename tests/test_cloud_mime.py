"""Messages written from a send's skeleton parse with the stdlib to what the stdlib object model
builds: the same headers, parts, charsets, transfer encodings and decoded bodies."""

from __future__ import annotations

import email
import email.policy

import pytest

from ampy.cloud.mime import MessageWriter, encode_body, stdlib_message


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def shape(msg) -> tuple[list, list]:
    """Headers (but Message-ID, MIME-Version and boundaries) and every leaf part."""
    headers = [(k, "multipart" if "boundary" in str(v) else str(v)) for k, v in msg.items()
               if k not in ("Message-ID", "MIME-Version")]
    parts = [p.get_content_type() if p.is_multipart() else
             (p.get_content_type(), p.get_content_charset(), p["Content-Transfer-Encoding"], p.get_content())
             for p in msg.walk()]
    return headers, parts


CASES = [
    {"Subject": "Hello Ann", "HTMLBody": "<p>hi</p>", "TextBody": "hi"},
    {"Subject": "", "HTMLBody": "<p>hi</p>"},
    {"Subject": "Héllo Ånn " * 10, "HTMLBody": "<p>hé</p>" * 30},
    {"Subject": "x" * 100, "HTMLBody": "<p>" + "a" * 200 + "</p>\r\nline2\rline3", "TextBody": "é" * 100},
    {"Subject": "  spaced  ", "HTMLBody": "--=_ampy\nFrom me\n.\n", "TextBody": "ü short\n\n"},
    {"Subject": "=?utf-8?q?x?=", "TextBody": "t"},
    {"Subject": "a\r\nb", "TextBody": "é" * 10 + "\n" + "a b " * 40},
    {"Subject": "日本語の件名", "HTMLBody": "日本語" * 60, "TextBody": ""},
]


@pytest.mark.parametrize("linesep", ["\n", "\r\n"])
@pytest.mark.parametrize("to", ["a@example.com", "Ann <a@example.com>", "é@example.com"])
@pytest.mark.parametrize("rendered", CASES)
def test_a_written_message_parses_as_the_stdlib_one(rendered, to, linesep):
    writer = MessageWriter("Example Ö, News", "news@example.com", linesep=linesep)
    mine = writer.build(rendered, to)
    ref = stdlib_message(rendered, "Example Ö, News", "news@example.com", to)
    assert shape(parse(mine)) == shape(parse(ref.as_bytes(policy=ref.policy.clone(linesep=linesep))))
    if linesep == "\r\n":  # every line end is CRLF on the SMTP wire
        assert b"\n" not in mine.replace(b"\r\n", b"")


def test_headers_parts_and_bodies_of_a_two_part_message():
    writer = MessageWriter("Example News", "news@example.com")
    msg = parse(writer.build({"Subject": "Grüße, Jürgen", "HTMLBody": "<p>Grüße</p>", "TextBody": "Hi"},
                             "jurgen@example.com"))
    assert (msg["From"], msg["To"], msg["Subject"]) == ("Example News <news@example.com>", "jurgen@example.com",
                                                       "Grüße, Jürgen")
    assert msg["MIME-Version"] == "1.0" and msg["Message-ID"].endswith("@ampy.local>")
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert (plain["Content-Transfer-Encoding"], plain.get_content_charset(), plain.get_content()) == (
        "7bit", "utf-8", "Hi\n")
    assert (html["Content-Transfer-Encoding"], html.get_content()) == ("8bit", "<p>Grüße</p>\n")


def test_message_ids_and_boundaries_differ_per_message():
    writer = MessageWriter("a", "a@example.com")
    one, two = (parse(writer.build({"HTMLBody": "x", "TextBody": "y"}, "b@example.com")) for _ in range(2))
    assert one["Message-ID"] != two["Message-ID"]
    assert one.get_boundary() != two.get_boundary()


def test_a_body_holding_the_next_boundary_gets_another():
    writer = MessageWriter("a", "a@example.com")
    probe = parse(writer.build({"HTMLBody": "x", "TextBody": "y"}, "b@example.com")).get_boundary()
    stem, n = probe.rsplit("_", 1)
    trap = f"--{stem}_{int(n) + 1}\n"
    msg = parse(writer.build({"HTMLBody": trap, "TextBody": trap}, "b@example.com"))
    assert msg.get_boundary() == f"{stem}_{int(n) + 2}"
    assert [p.get_content() for p in msg.iter_parts()] == [trap, trap]


@pytest.mark.parametrize(("body", "cte", "encoded"), [
    ("short ascii", "7bit", b"short ascii\n"),
    ("kurz: Grüße", "8bit", "kurz: Grüße\n".encode()),
    ("a" * 80 + "=", "quoted-printable", b"a" * 75 + b"=\n" + b"aaaaa=3D\n"),
    ("日本語" * 30, "base64", None),
])
def test_the_transfer_encoding_is_the_stdlib_choice(body, cte, encoded):
    got_cte, data = encode_body(body, "\n")
    assert got_cte == cte
    if encoded is not None:
        assert data == encoded
    msg = parse(MessageWriter("a", "a@example.com").build({"HTMLBody": body}, "b@example.com"))
    assert (msg["Content-Transfer-Encoding"], msg.get_content()) == (cte, body + "\n")


def test_attachments_make_a_mixed_message():
    item = {"data": b"\x00\x01PDF", "content_type": "application/pdf", "file_name": "ticket.pdf"}
    msg = parse(MessageWriter("a", "a@example.com").build(
        {"Subject": "Your ticket", "HTMLBody": "<p>x</p>", "TextBody": "x", "Attachments": [item]},
        "b@example.com"))
    assert msg.get_content_type() == "multipart/mixed"
    (attachment,) = msg.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type(), attachment.get_content()) == (
        "ticket.pdf", "application/pdf", b"\x00\x01PDF")
    assert msg.get_body(("html",)).get_content() == "<p>x</p>\n"
