"""String builtins through ampy.render: exact outputs and error positions (rules 11, 18-22, 34)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ampy

FORMAT_NOW = datetime(2026, 3, 4, 13, 5, 9)


def r(source: str) -> str:
    return ampy.render(source)


def raises_at(source: str, line: int, column: int) -> ampy.AmpscriptRuntimeError:
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render(source)
    assert (info.value.line, info.value.column) == (line, column)
    return info.value


# --- Concat / Length ---------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=Concat("a", "b", "c")=%%', "abc"),
    ('%%=Concat("only")=%%', "only"),
    ('%%=Concat(true, "x")=%%', "x"),
    ("%%=Concat(true, false)=%%", ""),
    ('%%=Concat(1.50, "|", Divide(10, 3))=%%', "1.5|3.33333333333333"),
    ('%%=Concat(DateAdd("2026-03-04", 0, "D"))=%%', "3/4/2026 12:00:00 AM"),
    ('%%[ var @n ]%%%%=Concat("[", @n, "]")=%%', "[]"),
])
def test_concat(source, expected):
    assert r(source) == expected


def test_concat_without_arguments_is_an_error():
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        r("%%=Concat()=%%")
    assert (info.value.line, info.value.column) == (1, 4)
    assert info.value.message == "Concat takes at least 1 arguments, got 0"


@pytest.mark.parametrize("source, expected", [
    ('%%=Length("hello")=%%', "5"),
    ('%%=Length("")=%%', "0"),
    ('%%=Length("\U0001F600")=%%', "2"),
    ('%%=Length("éß")=%%', "2"),
    ("%%=Length(true)=%%", "0"),
    ("%%=Length(12.50)=%%", "4"),
    ('%%=Length(Concat("a\U0001F600b"))=%%', "4"),
])
def test_length(source, expected):
    assert r(source) == expected


# --- case ------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=Uppercase("straße")=%%', "STRAßE"),
    ('%%=Length(Uppercase("ß"))=%%', "1"),
    ('%%=Uppercase("ı i é 1-2")=%%', "I I É 1-2"),
    ('%%=Lowercase("ÀÉÎ İSTANBUL Abc 9")=%%', "àéî istanbul abc 9"),
    ('%%=Lowercase(true)=%%', ""),
])
def test_upper_and_lower_case_are_invariant(source, expected):
    assert r(source) == expected


@pytest.mark.parametrize("source, expected", [
    ('%%=ProperCase("iPhone")=%%', "Iphone"),
    ('%%=ProperCase("McDONALD and o\'neil")=%%', "Mcdonald And O'neil"),
    ('%%=ProperCase("  hello\tWORLD\r\nnew  line ")=%%', "  Hello\tWorld\r\nNew  Line "),
    ('%%=ProperCase("mary-jane 3rd")=%%', "Mary-jane 3rd"),
    ('%%=ProperCase("élan ÉCOLE")=%%', "Élan École"),
    ('%%=ProperCase("")=%%', ""),
])
def test_proper_case(source, expected):
    assert r(source) == expected


# --- Trim ---------------------------------------------------------------------------------------

def test_trim_strips_spaces_tabs_line_breaks_and_nbsp():
    assert r('%%=Concat("[", Trim(" \t\r\n\u00a0 a b \u00a0\n"), "]")=%%') == "[a b]"


def test_trim_all_blank_gives_empty():
    assert r('%%=Concat("[", Trim("  \t "), "]")=%%') == "[]"


def test_trim_keeps_control_characters_dotnet_does_not_call_whitespace():
    assert r('%%=Length(Trim("\x1fa\x1f"))=%%') == "3"


# --- Substring ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=Substring("Hello World", 7)=%%', "World"),
    ('%%=Substring("Hello World", 1, 5)=%%', "Hello"),
    ('%%=Substring("Hello", 0, 2)=%%', "He"),
    ('%%=Substring("Hello", -3, 2)=%%', "He"),
    ('%%=Concat("[", Substring("Hello", 6), "]")=%%', "[]"),
    ('%%=Concat("[", Substring("Hello", 99, 2), "]")=%%', "[]"),
    ('%%=Substring("Hello", 4, 100)=%%', "lo"),
    ('%%=Concat("[", Substring("Hello", 2, 0), "]")=%%', "[]"),
    ('%%=Substring("Hello", "2", "3")=%%', "ell"),
    ('%%=Substring("a\U0001F600b", 2, 2)=%%', "\U0001F600"),
    ('%%=Substring("a\U0001F600b", 4)=%%', "b"),
    ('%%=Substring(12345, 2, 3)=%%', "234"),
])
def test_substring(source, expected):
    assert r(source) == expected


def test_substring_negative_length_is_an_error():
    error = raises_at('x\n%%= Substring("Hello", 1, -1) =%%', 2, 5)
    assert "negative" in error.message


def test_substring_non_numeric_start_is_an_error():
    raises_at('%%[ set @s = Substring("Hello", "x") ]%%', 1, 14)


# --- IndexOf --------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=IndexOf("Hello World", "o")=%%', "5"),
    ('%%=IndexOf("Hello World", "WORLD")=%%', "7"),
    ('%%=IndexOf("Hello World", "z")=%%', "0"),
    ('%%=IndexOf("", "a")=%%', "0"),
    ('%%=IndexOf("abc", "")=%%', "0"),
    ('%%=IndexOf("a-b-c-d", "-", 2)=%%', "4"),
    ('%%=IndexOf("a-b-c-d", "-", 3)=%%', "6"),
    ('%%=IndexOf("a-b-c-d", "-", 4)=%%', "0"),
    ('%%=IndexOf("aaaa", "aa", 2)=%%', "2"),
    ('%%=IndexOf("\U0001F600x", "x")=%%', "3"),
])
def test_index_of(source, expected):
    assert r(source) == expected


# --- Replace / ReplaceList ------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=Replace("Hello hello HELLO", "hello", "bye")=%%', "bye bye bye"),
    ('%%=Replace("aaa", "a", "aa")=%%', "aaaaaa"),
    ('%%=Replace("abab", "ab", "b")=%%', "bb"),
    ('%%=Replace("a-b-c", "-")=%%', "abc"),
    ('%%=Replace("abc", "", "x")=%%', "abc"),
    ('%%=Replace("abc", "z", "x")=%%', "abc"),
    ('%%=Replace("1.5 and 1.5", 1.5, 2)=%%', "2 and 2"),
])
def test_replace_is_one_case_insensitive_pass(source, expected):
    assert r(source) == expected


@pytest.mark.parametrize("source, expected", [
    ('%%=ReplaceList("The cat and the dog", "pet", "cat", "DOG")=%%', "The pet and the pet"),
    ('%%=ReplaceList("abc", "b", "a", "bb")=%%', "bc"),
    ('%%=ReplaceList("a,b;c", "", ",", ";")=%%', "abc"),
    ('%%=ReplaceList("xyz", "-", "q")=%%', "xyz"),
])
def test_replace_list_chains_search_terms(source, expected):
    assert r(source) == expected


# --- Char -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("%%=Char(65)=%%", "A"),
    ("%%=Char(65, 3)=%%", "AAA"),
    ('%%=Concat("[", Char(65, 0), "]")=%%', "[]"),
    ("%%=Char(256)=%%", "Ā"),
    ("%%=Char(8364)=%%", "€"),
    ('%%=Char("66")=%%', "B"),
    ("%%=Char(65)=%%%%=Char(66)=%%", "AB"),
])
def test_char(source, expected):
    assert r(source) == expected


@pytest.mark.parametrize("source", ["%%=Char(65.5)=%%", "%%=Char(-1)=%%", '%%=Char("A")=%%',
                                    "%%=Char(65, -1)=%%"])
def test_char_errors(source):
    raises_at(source, 1, 4)


# --- RegExMatch -------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    (r'%%=RegExMatch("Order 12345 shipped", "\d+", 0)=%%', "12345"),
    (r'%%=RegExMatch("john@example.com", "^([^@]+)@(.+)$", 2)=%%', "example.com"),
    (r'%%=RegExMatch("john@example.com", "^([^@]+)@(.+)$", "1")=%%', "john"),
    (r'%%=RegExMatch("2026-03-04", "(?<year>\d{4})-(?<month>\d\d)", "month")=%%', "03"),
    ('%%=Concat("[", RegExMatch("ABC", "abc", 0), "]")=%%', "[]"),
    ('%%=RegExMatch("ABC", "abc", 0, "IgnoreCase")=%%', "ABC"),
    ('%%=RegExMatch("x\nABC", "^abc$", 0, "IgnoreCase", "Multiline")=%%', "ABC"),
    ('%%=RegExMatch("x\nABC", "^abc$", 0, "IgnoreCase, Multiline")=%%', "ABC"),
    (r'%%=Concat("[", RegExMatch("no digits", "(\d)", 1), "]")=%%', "[]"),
    (r'%%=RegExMatch("a1b2", "\d", 0)=%%', "1"),
])
def test_regex_match(source, expected):
    assert r(source) == expected


def test_regex_match_unknown_group_is_an_error():
    raises_at('%%[\n  set @m = RegExMatch("abc", "(b)", 2)\n]%%', 2, 12)


def test_regex_match_bad_pattern_is_an_error():
    error = raises_at('%%=RegExMatch("abc", "(b", 1)=%%', 1, 4)
    assert "pattern" in error.message.lower()


# --- StringToHex -------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=StringToHex("Hi")=%%', "4869"),
    ('%%=StringToHex("é€")=%%', "c3a9e282ac"),
    ('%%=StringToHex("é", "UTF-16")=%%', "e900"),
    ('%%=StringToHex("é", "utf-16be")=%%', "00e9"),
    ('%%=StringToHex("A", "UTF-32")=%%', "41000000"),
    ('%%=StringToHex("aé€", "ASCII")=%%', "613f3f"),
    ('%%=StringToHex("aé€", "ISO-8859-1")=%%', "61e93f"),
    ('%%=Concat("[", StringToHex(""), "]")=%%', "[]"),
])
def test_string_to_hex(source, expected):
    assert r(source) == expected


def test_string_to_hex_unknown_charset_is_an_error():
    raises_at('%%=StringToHex("a", "EBCDIC-42")=%%', 1, 4)


# --- robustness -----------------------------------------------------------------------------------

def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
       other=st.text(max_size=5, alphabet=st.characters(blacklist_categories=("Cs",))),
       start=st.integers(-5, 40), count=st.integers(-3, 40))
def test_arbitrary_text_only_ever_raises_ampscript_errors(text, other, start, count):
    source = (f"%%[ set @s = {_quoted(text)} set @o = {_quoted(other)} ]%%"
              f"%%=Concat(@s, @o)=%%|%%=Length(@s)=%%|%%=Substring(@s, {start}, {count})=%%|"
              f"%%=Replace(@s, @o, \"-\")=%%|%%=IndexOf(@s, @o)=%%")
    try:
        out = ampy.render(source)
    except ampy.AmpscriptError:
        assert count < 0  # the only script error these calls can cause
        return
    assert count >= 0
    assert out.startswith(text + other + "|")


# --- Format ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=Format(1234.5, "N2")=%%', "1,234.50"),
    ('%%=Format("1234.555", "N2")=%%', "1,234.56"),
    ('%%=Format(2.5, "F0")=%%', "3"),
    ('%%=Format(-1234.5, "C")=%%', "($1,234.50)"),
    ('%%=Format(0.5, "P0")=%%', "50%"),  # the reference: no space before % in en-US
    ('%%=Format(1234.5, "#,##0.0")=%%', "1,234.5"),
    ('%%=Format(42, "D4")=%%', "0042"),
    ('%%=Format(1234.5, "N2", "", "de-DE")=%%', "1.234,50"),
    ('%%=Format(1234.5, "N2", "", "fr_FR")=%%', "1\u00a0234,50"),
    ('%%=Format(1234.5, "C", "", "en-GB")=%%', "£1,234.50"),
    ('%%=Format(1234.5, "C", "", "ja-JP")=%%', "¥1,235"),
    ('%%=Format(12, "Q")=%%', "Q"),
    ('%%=Format("plain text", "N2")=%%', "plain text"),
    # dates: plain .NET custom formats, where mm means minutes
    ('%%=Format(Now(), "MMMM d, yyyy h:mm tt")=%%', "March 4, 2026 1:05 PM"),
    ('%%=Format(Now(), "yyyy-MM-dd HH:mm:ss")=%%', "2026-03-04 13:05:09"),
    ('%%=Format("3/4/2026", "dddd MMMM d", "Date")=%%', "Wednesday March 4"),
    ('%%=Format("3/4/2026 13:05", "dd/MM/yyyy mm", "date")=%%', "04/03/2026 05"),
    ('%%=Format("3/4/2026", "D", "Date", "de-DE")=%%', "Mittwoch, 4. März 2026"),
    ('%%=Format("3/4/2026", "d", "DATE", "en-GB")=%%', "04/03/2026"),
    ('%%=Format("2026-03-04T13:05:09", "s", "Date")=%%', "2026-03-04T13:05:09"),
])
def test_format(source, expected):
    assert ampy.render(source, now=FORMAT_NOW) == expected


def test_format_number_as_data_format_aborts():
    error = raises_at('%%=Format(1, "N2", "Number")=%%', 1, 4)
    assert "Number" in error.message


def test_format_unreadable_date_aborts():
    raises_at('%%=Format("someday", "d", "Date")=%%', 1, 4)


def test_format_integer_pattern_on_a_fraction_aborts():
    raises_at('%%=Format(2.5, "D")=%%', 1, 4)
