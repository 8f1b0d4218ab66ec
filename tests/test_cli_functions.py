"""``ampy functions`` as a user runs it, and the request/SMS command-line options."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from ampy.commands._common import add_render_options, request_from, sms_from
from ampy.registry import all_builtins

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME_W = len("AuthenticatedEmployeeNotificationAddress")   # the longest catalogued name
SIG_W = 64                                                  # the signature column's cap


def ampy(*args):
    return subprocess.run([sys.executable, "-m", "ampy", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)


def line(name: str, signature: str, category: str) -> str:
    return f"{name.ljust(NAME_W)}  {signature.ljust(SIG_W)}  {category}"


def test_listing_has_one_aligned_line_per_function():
    p = ampy("functions")
    assert (p.returncode, p.stderr) == (0, "")
    lines = p.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == [b.name for b in all_builtins()]
    assert line("MD5", "MD5(value, [charSet])", "Encryption") in lines
    assert line("Redirect", "Redirect(url)", "Sites") in lines
    assert line("CreateSmsConversation", "CreateSmsConversation(fromCode, toNumber, nextKeyword, app)",
                "SMS/MobileConnect") in lines
    # A signature longer than the column pushes only its own category further right.
    assert ("UpsertMSCRMRecord".ljust(NAME_W) + "  UpsertMSCRMRecord(entity, sortField, sortOrder, retrievePairs, "
            "filterAttr, filterValue, updatePairs, updateAttr, updateValue)  Microsoft Dynamics CRM") in lines


def test_listing_one_category():
    p = ampy("functions", "--category", "sms/mobileconnect")
    assert (p.returncode, p.stderr) == (0, "")
    assert [ln.split()[0] for ln in p.stdout.splitlines()] == [
        "CreateSmsConversation", "EndSmsConversation", "MMS_Content_URL", "Msg", "Noun", "Nouns",
        "SetSmsConversationNextKeyword", "Verb"]
    bad = ampy("functions", "--category", "Gardening")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("ampy: unknown category 'Gardening' (one of: ")


def test_one_function_documentation():
    p = ampy("functions", "redirect")
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout == (
        "Redirect(url)\n\n"
        "  category:   Sites\n"
        "  arguments:  exactly 1\n"
        "  contexts:   page, sms (refused in email: 10005: needs an HTTP response to act on)\n\n"
        "Answers the page with HTTP 302 to the URL, throws away the output so far and stops the script.\n")
    sha = ampy("functions", "SHA256")
    assert sha.stdout.splitlines()[:5] == ["SHA256(value, [charSet])", "", "  category:   Encryption",
                                           "  arguments:  1 to 2", "  contexts:   page, email, sms"]
    stars = ampy("functions", "ratingstars")
    assert "  contexts:   none (refused in page, email, sms: Einstein Email Recommendations rendering only)\n" \
        in stars.stdout


def test_unknown_function_suggests_close_names():
    p = ampy("functions", "EncryptSymetric")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == "ampy: unknown function 'EncryptSymetric' (did you mean EncryptSymmetric, DecryptSymmetric?)\n"
    q = ampy("functions", "Zzzzzz")
    assert (q.returncode, q.stderr) == (2, "ampy: unknown function 'Zzzzzz'\n")


def test_markdown_is_the_generated_reference():
    p = ampy("functions", "--markdown")
    assert p.returncode == 0
    with open(os.path.join(ROOT, "docs", "functions.md"), encoding="utf-8") as f:
        assert p.stdout == f.read()


def _parse(*argv):
    parser = argparse.ArgumentParser()
    add_render_options(parser)
    return parser.parse_args(list(argv))


def test_request_options_build_the_request_context():
    args = _parse("--query", "a=1", "--cookie", "Session=xyz", "--auth", "MemberID=7001", "--smart-capture",
                  "--url", "https://cloud.example.com/p?b=2")
    req = request_from(args)
    assert (req.query, req.cookies, req.authenticated, req.smart_capture, req.method) == (
        {"b": "2", "a": "1"}, {"session": "xyz"}, {"memberid": "7001"}, True, "GET")


def test_sms_options_build_the_message():
    assert sms_from(_parse()) is None
    msg = sms_from(_parse("--sms-text", "JOIN gold", "--mobile-number", "15551234567", "--short-code", "12345",
                          "--mms-url", "https://m.example.com/1.jpg", "--mms-url", "https://m.example.com/2.jpg"))
    assert (msg.text, msg.keyword, msg.nouns, msg.mobile_number, msg.short_code, msg.mms_urls) == (
        "JOIN gold", "JOIN", "gold", "15551234567", "12345",
        ["https://m.example.com/1.jpg", "https://m.example.com/2.jpg"])


def test_one_function_says_what_it_does_locally_and_over_soap():
    p = ampy("functions", "lookup")
    assert (p.returncode, p.stderr) == (0, "")
    lines = p.stdout.splitlines()
    assert lines[:7] == [
        "Lookup(de, returnColumn, column1, value1, [columnN, valueN]...)",
        "",
        "  category:   Data Extension",
        "  arguments:  at least 4",
        "  contexts:   page, email, sms",
        "  local:      the workspace's data extensions (SQLite over its CSV files).",
        "  over SOAP:  DataExtensionObject calls on the tenant (ClaimRow: Retrieve, then Update by primary key; "
        "ExecuteFilter: the FilterDefinition's DataFilter as the Retrieve filter).",
    ]
    # a function that does not use the backend has no such lines
    upper = ampy("functions", "uppercase").stdout.splitlines()
    assert upper[4] == "  contexts:   page, email, sms" and upper[5] == ""
