"""Utility builtins through ampy.render: output, conditionals, Base64, validators, Random, formats."""

from __future__ import annotations

import re

import pytest

import ampy


def r(source: str, **options) -> str:
    return ampy.render(source, **options)


def raises_at(source: str, line: int, column: int) -> ampy.AmpscriptRuntimeError:
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render(source)
    assert (info.value.line, info.value.column) == (line, column)
    return info.value


# --- V / Output / OutputLine / IIf / Empty / IsNull / AttributeValue -------------------------------

def test_v_prints_values():
    assert r('%%[ set @x = 5 ]%%%%=v(@x)=%%|%%=V("lit")=%%|%%=v(Add(1,1))=%%|%%=v(true)=%%') == "5|lit|2|True"


def test_output_writes_only_nested_calls():
    source = '%%[ set @x = "var" Output(Concat("A")) Output(v(@x)) Output("literal") Output(@x) ]%%!'
    assert r(source) == "Avar!"


def test_output_line_adds_crlf():
    assert r('%%[ OutputLine(Concat("a")) OutputLine("lit") ]%%') == "a\r\n\r\n"


@pytest.mark.parametrize("source, expected", [
    ('%%=IIf(1 == 1, "yes", "no")=%%', "yes"),
    ('%%=IIf(1 == 2, "yes", "no")=%%', "no"),
    ('%%=IIf(true, "yes", "no")=%%', "yes"),
    ('%%=IIf("true", "yes", "no")=%%', "no"),
    ('%%=IIf(1, "yes", "no")=%%', "no"),
    ('%%=IIf(Empty(""), "yes", "no")=%%', "yes"),
    ('%%=IIf(true, "ok", Add("x", 1))=%%', "ok"),
])
def test_iif(source, expected):
    assert r(source) == expected


@pytest.mark.parametrize("value, expected", [
    ('""', "True"), ("@never", "True"), ('"   "', "False"), ("0", "False"), ('"0"', "False"),
    ('"false"', "False"), ("AttributeValue(\"unknownattr\")", "True"),
])
def test_empty(value, expected):
    assert r(f"%%=Empty({value})=%%") == expected


def test_is_null_only_for_data_source_nulls():
    assert r('%%[ var @x ]%%%%=IsNull(@x)=%%|%%=IsNull("")=%%|%%=IsNull(@unset)=%%') == "False|False|False"


def test_is_null_true_for_a_missing_data_extension_value(tmp_path):
    (tmp_path / "People.csv").write_text("Key,Val\n1,\n", encoding="utf-8")
    source = '%%[ set @v = Lookup("People", "Val", "Key", 1) ]%%%%=IsNull(@v)=%%|%%=Empty(@v)=%%'
    assert r(source, data_dir=tmp_path) == "True|True"


def test_attribute_value():
    assert r('%%=AttributeValue("First Name")=%%|%%=AttributeValue("nope")=%%',
             attributes={"first name": "Ann"}) == "Ann|"


def test_attribute_value_empty_name_is_an_error():
    raises_at('%%=AttributeValue("")=%%', 1, 4)


def test_raise_error_aborts_with_the_message():
    error = raises_at('text\n%%[ if 1 == 1 then RaiseError("stop here", false) endif ]%%', 2, 20)
    assert "stop here" in error.message


# --- Base64 -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=Base64Encode("Hello")=%%', "SGVsbG8="),
    ('%%=Base64Encode("héllo €")=%%', "aMOpbGxvIOKCrA=="),
    ('%%=Concat("[", Base64Encode(""), "]")=%%', "[]"),
    ('%%=Base64Encode("hé", "UTF-16")=%%', "aADpAA=="),
    ('%%=Base64Encode("hé€", "ASCII")=%%', "aD8/"),
    ('%%=Base64Encode("hé€", "ISO-8859-1")=%%', "aOk/"),
    ('%%=Base64Decode("SGVsbG8=")=%%', "Hello"),
    ('%%=Base64Decode("aMOpbGxvIOKCrA==")=%%', "héllo €"),
    ('%%=Base64Decode("aADpAA==", "UTF-16")=%%', "hé"),
    ('%%=Base64Decode("SGVs bG8=\r\n")=%%', "Hello"),
    ('%%=Base64Decode("SGVsbG8=", "UTF-8", true)=%%', "Hello"),
    ('%%=Base64Decode(Base64Encode("Ünïcödé \U0001F600"))=%%', "Ünïcödé \U0001F600"),
    ('%%=Concat("[", Base64Decode(""), "]")=%%', "[]"),
])
def test_base64(source, expected):
    assert r(source) == expected


def test_base64_decode_abort_flag_does_not_change_a_successful_result():
    assert r('%%=Base64Decode("SGVsbG8=", "UTF-8", false)=%%') == "Hello"


@pytest.mark.parametrize("source", [
    '%%=Base64Decode("not base64!")=%%',
    '%%=Base64Decode("SGVsbG8")=%%',
    '%%=Base64Decode("SGVsbG8=", "UTF-8", false)=%%'.replace("SGVsbG8=", "SGV*bG8="),
    '%%=Base64Decode("SGVsbG8=", "klingon")=%%',
    '%%=Base64Encode("x", "klingon")=%%',
])
def test_base64_errors(source):
    raises_at(source, 1, 4)


# --- Domain / GUID / IsEmailAddress / IsPhoneNumber ---------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("john@example.com", "example.com"),
    ("a@Mail.Sub.Example.CO.uk", "Mail.Sub.Example.CO.uk"),
    ("a@b@c", "b@c"),
    ("no-at-sign", ""),
    ("", ""),
])
def test_domain(value, expected):
    assert r(f'%%=Domain("{value}")=%%') == expected


def test_guid_is_a_fresh_lowercase_uuid_per_call():
    out = r("%%=GUID()=%%|%%=GUID()=%%")
    first, second = out.split("|")
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert pattern.fullmatch(first) and pattern.fullmatch(second)
    assert first != second


def test_guid_with_an_argument_is_an_error():
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        r('%%=GUID("x")=%%')
    assert (info.value.line, info.value.column) == (1, 4)
    assert info.value.message == "GUID takes exactly 0 arguments, got 1"


@pytest.mark.parametrize("value, expected", [
    ("john.doe@example.com", "True"),
    ("first+tag@sub.example.co.uk", "True"),
    ("o'brien@example.ie", "True"),
    ("user@localhost", "False"),
    (" john@example.com", "False"),
    ("john@example.com ", "False"),
    ("john@@example.com", "False"),
    ("john..doe@example.com", "False"),
    (".john@example.com", "False"),
    ("john@-example.com", "False"),
    ("john@example.c", "False"),
    ("john example@example.com", "False"),
    ("@example.com", "False"),
    ("john@", "False"),
    ("", "False"),
])
def test_is_email_address(value, expected):
    assert r(f'%%=IsEmailAddress("{value}")=%%') == expected


@pytest.mark.parametrize("value, expected", [
    ("3125551234", "True"),
    ("312-555-1234", "True"),
    ("312.555.1234", "True"),
    ("312 555 1234", "True"),
    ("(312) 555-1234", "True"),
    ("(312)555-1234", "True"),
    ("+1 312 555 1234", "False"),
    ("1-312-555-1234", "False"),
    ("13125551234", "False"),
    ("312-555-123a", "False"),
    ("555-1234", "False"),
    ("112-555-1234", "False"),
    ("312-155-1234", "False"),
    ("", "False"),
])
def test_is_phone_number(value, expected):
    assert r(f'%%=IsPhoneNumber("{value}")=%%') == expected


# --- Random --------------------------------------------------------------------------------------

def test_random_is_inclusive_and_accepts_either_order():
    seen = {int(x) for x in r("%%[ for @i = 1 to 200 do ]%%%%=Random(3, 1)=%%,%%[ next ]%%").split(",")[:-1]}
    assert seen == {1, 2, 3}


@pytest.mark.parametrize("source, expected", [
    ("%%=Random(7, 7)=%%", "7"),
    ("%%=Random(-2, -2)=%%", "-2"),
    ('%%=Random("5", "5")=%%', "5"),
])
def test_random_fixed_bounds(source, expected):
    assert r(source) == expected


def test_random_negative_range():
    values = {int(x) for x in r("%%[ for @i = 1 to 100 do ]%%%%=Random(-1, -2)=%%,%%[ next ]%%").split(",")[:-1]}
    assert values == {-1, -2}


@pytest.mark.parametrize("source", ["%%=Random(1.5, 3)=%%", '%%=Random(1, "x")=%%'])
def test_random_errors(source):
    raises_at(source, 1, 4)


# --- FormatNumber / FormatCurrency -------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('%%=FormatNumber(1234.555, "N2")=%%', "1,234.56"),
    ('%%=FormatNumber("1234.555", "n2")=%%', "1,234.56"),
    ('%%=FormatNumber(2.5, "N0")=%%', "3"),
    ('%%=FormatNumber(-2.5, "N0")=%%', "-3"),
    ('%%=FormatNumber(3.5, "F0")=%%', "4"),
    ('%%=FormatNumber(1.005, "N2")=%%', "1.01"),
    ('%%=FormatNumber(1234567.891, "N")=%%', "1,234,567.89"),
    ('%%=FormatNumber(1234.5, "F3")=%%', "1234.500"),
    ('%%=FormatNumber(-1234.56, "C")=%%', "($1,234.56)"),
    ('%%=FormatNumber(1234.56, "C0")=%%', "$1,235"),
    ('%%=FormatNumber(0.125, "P1")=%%', "12.5%"),
    ('%%=FormatNumber(42, "D5")=%%', "00042"),
    ('%%=FormatNumber(255, "X")=%%', "FF"),
    ('%%=FormatNumber(1234.5, "#,##0.00")=%%', "1,234.50"),
    ('%%=FormatNumber(0.5, "0.0%")=%%', "50.0%"),
    ('%%=FormatNumber(-3, "0;(0);zero")=%%', "(3)"),
    ('%%=FormatNumber(0, "0;(0);zero")=%%', "zero"),
    ('%%=FormatNumber(1234.5, "Q2")=%%', "Q2"),
    ('%%=FormatNumber(Divide(1, 0), "N2")=%%', "\u221e"),
    # cultures
    ('%%=FormatNumber(1234567.891, "N2", "en-GB")=%%', "1,234,567.89"),
    ('%%=FormatNumber(1234567.891, "N2", "de-DE")=%%', "1.234.567,89"),
    ('%%=FormatNumber(1234567.891, "N2", "de_DE")=%%', "1.234.567,89"),
    ('%%=FormatNumber(1234567.891, "N2", "fr-FR")=%%', "1\u00a0234\u00a0567,89"),
    ('%%=FormatNumber(1234567.891, "N2", "ja-JP")=%%', "1,234,567.89"),
    ('%%=FormatNumber(0.125, "P1", "de-DE")=%%', "12,5 %"),
    ('%%=FormatNumber(1234.5, "C", "de-DE")=%%', "1.234,50 €"),
])
def test_format_number(source, expected):
    assert r(source) == expected


def test_format_number_default_culture_comes_from_the_account_settings():
    from ampy.settings import Settings

    assert r('%%=FormatNumber(1234.5, "N1")=%%', settings=Settings(culture="de-DE")) == "1.234,5"


@pytest.mark.parametrize("source, column", [
    ('%%=FormatNumber("abc", "N2")=%%', 4),
    ('%%=FormatNumber(2.5, "D")=%%', 4),
    ('%%=FormatNumber(2.5, "X2")=%%', 4),
])
def test_format_number_errors(source, column):
    raises_at(source, 1, column)


@pytest.mark.parametrize("source, expected", [
    ('%%=FormatCurrency(1234.56, "en-US")=%%', "$1,234.56"),
    ('%%=FormatCurrency(-1234.56, "en-US")=%%', "($1,234.56)"),
    ('%%=FormatCurrency("1234.555", "en_US")=%%', "$1,234.56"),
    ('%%=FormatCurrency(1234.56, "en-GB")=%%', "£1,234.56"),
    ('%%=FormatCurrency(1234.56, "de-DE")=%%', "1.234,56 €"),
    ('%%=FormatCurrency(1234.56, "fr-FR")=%%', "1\u00a0234,56 €"),
    ('%%=FormatCurrency(1234.56, "ja-JP")=%%', "¥1,235"),
    ('%%=FormatCurrency(1234.56, "en-US", 0)=%%', "$1,235"),
    ('%%=FormatCurrency(1234.5, "en-US", 3)=%%', "$1,234.500"),
    ('%%=FormatCurrency(1234.56, "en-US", 2, "€")=%%', "€1,234.56"),
    ('%%=FormatCurrency(1234.56, "de-DE", 1, "EUR")=%%', "1.234,6 EUR"),
    ('%%=FormatCurrency(2.5, "en-US", 0)=%%', "$3"),
    ('%%=FormatCurrency(1234.56, "xx-YY")=%%', "¤1,234.56"),
])
def test_format_currency(source, expected):
    assert r(source) == expected


@pytest.mark.parametrize("source", [
    '%%=FormatCurrency("lots", "en-US")=%%',
    '%%=FormatCurrency(1, "en-US", -1)=%%',
    '%%=FormatCurrency(1, "en-US", 1.5)=%%',
])
def test_format_currency_errors(source):
    raises_at(source, 1, 4)
