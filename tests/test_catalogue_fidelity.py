"""Each catalogue row and Δ note, checked through ``ampy.render`` with exact outputs.

Category by category, in the order of the function catalogue. Where the catalogue and the semantics
notes disagree the semantics notes win; where both are silent .NET behaviour is the reference.
"""

import pytest

import ampy


def render(source, **options):
    return ampy.render(source, **options)


def error(source, **options) -> str:
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render(source, **options)
    # A builtin must explain itself; "X failed: ValueError: ..." means an exception leaked.
    assert info.value.__cause__ is None, info.value.message
    return info.value.message


# ---- String (14) --------------------------------------------------------------------------------

def test_string_functions_drop_booleans():
    assert render("%%=Concat(true, false)=%%|%%=Concat(true, 'x')=%%|%%=Length(true)=%%") == "|x|0"


def test_char_codes_above_255_repeat_and_bad_codes():
    assert render("%%=Char(256)=%%%%=Char(8364)=%%%%=Char(65, 3)=%%[%%=Char(65, 0)=%%]") == "Ā€AAA[]"
    assert error("%%=Char(65.5)=%%") == "Char: The character code '65.5' is not a whole number"
    assert error("%%=Char(-1)=%%") == "Char: -1 is not a valid character code"
    assert error("%%=Char(65, -1)=%%") == "Char: the repeat count -1 is negative"


def test_char_refuses_an_absurd_repeat_count_cleanly():
    assert error("%%=Char(65, 99999999999)=%%") == \
        "Char: the repeat count 99999999999 is too large (at most 10,000,000)"


def test_concat_accepts_one_argument_and_renders_numbers():
    assert render("%%=Concat('a')=%%|%%=Concat(1.50, 'x', 2)=%%") == "a|1.5x2"


def test_format_data_format_only_date_or_empty():
    assert render("%%=Format(1234.5, 'N2', '', 'de-DE')=%%") == "1.234,50"
    assert render("%%=Format('2026-03-04 13:05', 'yyyy mm MMMM', 'date')=%%") == "2026 05 March"
    assert error("%%=Format(1234.5, 'N2', 'Number')=%%") == \
        'Format: "Number" is not a valid data format (use "Date", "Numeric" or "")'
    assert render("%%=Format(5, 'zzz')=%%|%%=Format('abc', 'N2')=%%") == "zzz|abc"


def test_index_of_ignores_case_counts_utf16_and_takes_an_occurrence():
    assert render("%%=IndexOf('Hello', 'L')=%%|%%=IndexOf('a', '')=%%|%%=IndexOf('', 'a')=%%") == "3|0|0"
    assert render("%%=IndexOf('abcabc', 'B', 2)=%%|%%=IndexOf('abcabc', 'b', 3)=%%") == "5|0"
    assert render("%%=IndexOf('a😀b', 'b')=%%") == "4"


def test_length_counts_utf16_units():
    assert render("%%=Length('😀')=%%|%%=Length('é')=%%|%%=Length('ß')=%%|%%=Length(1.50)=%%") == "2|1|1|3"


def test_case_functions_are_invariant():
    assert render("%%=Lowercase('ÀÉ İ')=%%|%%=Uppercase('ßı')=%%") == "àé i|ßI"
    assert render("%%=ProperCase('hello mcDONALD  iPhone')=%%") == "Hello Mcdonald  Iphone"


def test_regexmatch_is_case_sensitive_unless_told():
    assert render("[%%=RegExMatch('Hello World', '(w)orld', 1)=%%]") == "[]"
    assert render("%%=RegExMatch('Hello World', '(w)orld', 1, 'IgnoreCase')=%%") == "W"
    assert render(r"%%=RegExMatch('ab12', '(?<n>\d+)', 'n')=%%|%%=RegExMatch('ab12', '\d', 0)=%%") == "12|1"
    assert error("%%=RegExMatch('a', '(', 1)=%%").startswith("RegExMatch: Invalid pattern '('")


def test_replace_one_pass_ignoring_case():
    assert render("%%=Replace('aAa', 'a', 'b')=%%|%%=Replace('abc', 'B')=%%|%%=Replace('abc', '', 'x')=%%"
                  "|%%=Replace('aa', 'a', 'aa')=%%") == "bbb|ac|abc|aaaa"


def test_replace_list_chains_terms():
    assert render("%%=ReplaceList('abc', 'b', 'a', 'B')=%%|%%=ReplaceList('a-b_c', '', '-', '_')=%%") == \
        "bbc|abc"


def test_string_to_hex_charsets():
    assert render("%%=StringToHex('é')=%%|%%=StringToHex('é', 'UTF-16')=%%|%%=StringToHex('é', 'UTF-16BE')=%%"
                  "|%%=StringToHex('é', 'UTF-32')=%%|%%=StringToHex('é', 'ASCII')=%%"
                  "|%%=StringToHex('€', 'ISO-8859-1')=%%") == "c3a9|e900|00e9|e9000000|3f|3f"
    assert error("%%=StringToHex('a', 'foo')=%%") == "StringToHex: Unknown character set 'foo'"


def test_substring_bounds():
    assert render("%%=Substring('hello', 0, 2)=%%|%%=Substring('hello', 9)=%%|%%=Substring('hello', 2, 99)=%%"
                  "|%%=Substring('😀x', 3)=%%") == "he||ello|x"
    assert error("%%=Substring('hello', 2, -1)=%%") == "Substring: the length -1 is negative"


def test_trim_strips_nbsp_tabs_and_line_breaks():
    assert render("[%%=Trim(Concat(Char(160), ' a ', Char(9), Char(10)))=%%|%%=Trim('   ')=%%]") == "[a|]"


# ---- Math (5) -----------------------------------------------------------------------------------

def test_math_results_and_zero_divisors():
    assert render("%%=Add('1', '2.5')=%%|%%=Add(2147483647, 1)=%%|%%=Divide(10, 3)=%%|%%=Multiply(3, 9.99)=%%"
                  "|%%=Subtract('5', 7)=%%") == "3.5|2147483648|3.33333333333333|29.97|-2"
    assert render("%%=Divide(1, 0)=%%|%%=Divide(-1, 0)=%%|%%=Divide(0, 0)=%%") == "∞|-∞|NaN"
    assert render("%%=Mod(-10, 3)=%%|%%=Mod(10, 0)=%%|%%=Mod(0, 0)=%%|%%=Mod(5.5, 2)=%%") == "-1|NaN|NaN|1.5"


def test_math_refuses_non_numbers():
    assert error("%%=Add('', 1)=%%") == "Add: The first number '' is not a number"
    assert error("%%=Multiply(2, 'x')=%%").startswith("Multiply: ")


# ---- Utilities (17) -----------------------------------------------------------------------------

def test_attribute_value_unknown_is_empty_and_empty_name_aborts():
    assert render("[%%=AttributeValue('nope')=%%]%%=AttributeValue('_messagecontext')=%%") == "[]LANDINGPAGE"
    assert error("%%=AttributeValue('')=%%") == "AttributeValue: the attribute name is empty"


def test_base64_round_trips_and_rejects_bad_input():
    assert render("%%=Base64Decode('w6k=')=%%|%%=Base64Encode('é')=%%|[%%=Base64Encode('')=%%]"
                  "|%%=Base64Decode(Base64Encode('é', 'UTF-16'), 'UTF-16')=%%|%%=Base64Encode('é', 'ASCII')=%%"
                  "|%%=Base64Decode('YQ==', 'UTF-8', 1)=%%") == "é|w6k=|[]|é|Pw==|a"
    assert error("%%=Base64Decode('###')=%%") == "Base64Decode: '###' is not a valid Base64 string"
    assert error("%%=Base64Encode('a', 'x')=%%") == "Base64Encode: Unknown character set 'x'"


def test_domain_is_everything_after_the_first_at():
    assert render("%%=Domain('a@Sub.Example.COM')=%%|%%=Domain('nope')=%%|%%=Domain('a@b@c')=%%") == \
        "Sub.Example.COM||b@c"


def test_empty_and_is_null():
    assert render("%%[var @x]%%%%=Empty(@x)=%%%%=Empty(@y)=%%%%=Empty('')=%%%%=Empty(' ')=%%%%=Empty(0)=%%"
                  "%%=Empty('0')=%%%%=Empty('false')=%%") == "TrueTrueTrueFalseFalseFalseFalse"
    assert render("%%[var @x]%%%%=IsNull(@x)=%%|%%=IsNull('')=%%|%%=IsNull(@y)=%%") == "False|False|False"


def test_format_currency_and_number():
    assert render("%%=FormatCurrency(1234.555, 'en-US')=%%|%%=FormatCurrency(-1234.56, 'en-US')=%%"
                  "|%%=FormatCurrency(1234.5, 'en_US')=%%|%%=FormatCurrency(1234.5, 'de-DE')=%%"
                  "|%%=FormatCurrency(1234.5, 'en-US', 0)=%%|%%=FormatCurrency(1234.5, 'en-US', 2, '€')=%%"
                  "|%%=FormatCurrency(1234.5, 'xx-YY')=%%") == \
        "$1,234.56|($1,234.56)|$1,234.50|1.234,50 €|$1,235|€1,234.50|¤1,234.50"
    assert render("%%=FormatNumber(1234.555, 'N2')=%%|%%=FormatNumber(2.5, 'N0')=%%|%%=FormatNumber(1.005, 'N2')=%%"
                  "|%%=FormatNumber(1234.5, 'n2', 'de-DE')=%%|%%=FormatNumber(5, 'zz')=%%"
                  "|%%=FormatNumber(-5, 'C')=%%|%%=FormatNumber(42, 'D5')=%%|%%=FormatNumber(255, 'x')=%%") == \
        "1,234.56|3|1.01|1.234,50|zz|($5.00)|00042|ff"
    assert error("%%=FormatNumber(1.5, 'D')=%%") == "FormatNumber: format needs an integer value, got 1.5"


def test_guid_iif_and_v():
    assert render("%%=Length(GUID())=%%") == "36"
    assert render("%%=IIf(1 == 1, 'a', 'b')=%%|%%=IIf('true', 'a', 'b')=%%|%%=IIf(true, 'a', 'b')=%%"
                  "|%%=IIf(1, 'a', 'b')=%%|%%=IIf(Empty(''), 'a', 'b')=%%") == "a|b|a|b|a"
    assert render("%%=v(5)=%%|%%=v('a')=%%|%%=v(Concat('a', 'b'))=%%") == "5|a|ab"


def test_email_and_phone_checks():
    assert render("%%=IsEmailAddress('a@b.com')=%%|%%=IsEmailAddress('a@b')=%%"
                  "|%%=IsEmailAddress(' a@b.com')=%%|%%=IsEmailAddress('')=%%") == "True|False|False|False"
    assert render("%%=IsPhoneNumber('(317) 555-1234')=%%|%%=IsPhoneNumber('317.555.1234')=%%"
                  "|%%=IsPhoneNumber('+13175551234')=%%|%%=IsPhoneNumber('13175551234')=%%"
                  "|%%=IsPhoneNumber('317555123a')=%%") == "True|True|False|False|False"


def test_output_writes_only_calls_and_is_refused_in_email():
    assert render("%%[Output('lit') Output(Concat('A')) set @v = 'x' Output(@v) Output(v(@v)) Output(5)]%%") \
        == "Ax"
    assert render("%%[OutputLine(Concat('A')) OutputLine('lit')]%%|") == "A\r\n\r\n|"
    assert render("%%[OutputLine(Concat('A'))]%%", context="email") == "A\r\n"
    assert error("%%[Output(Concat('A'))]%%", context="email") == \
        "Output is not allowed in email content (19691: function name not recognised in email; use OutputLine)"


def test_random_bounds():
    assert render("%%=Random(5, 5)=%%|%%=Random(-2, -2)=%%|%%=Random(2, 2)=%%") == "5|-2|2"
    assert render("%%=Random(3, 1)=%%") in {"1", "2", "3"}
    assert error("%%=Random(1.5, 3)=%%") == "Random: The lower bound '1.5' is not a whole number"


def test_format_currency_decimal_count_is_bounded():
    assert error("%%=FormatCurrency(1, 'en-US', 99999999999999999999)=%%") == \
        "FormatCurrency: the decimal count 99999999999999999999 is out of range (0 to 99)"


# ---- Date & Time (10) ---------------------------------------------------------------------------

def test_date_add_clamps_months_and_refuses_bad_input():
    assert render("%%=DateAdd('2026-01-31', 1, 'M')=%%|%%=DateAdd('1/31/2026 10:00 PM', -1, 'y')=%%"
                  "|%%=DateAdd('2026-03-04', 90, 'mi')=%%|%%=DateAdd('2026-03-04', 2, 'h')=%%") == \
        "2/28/2026 12:00:00 AM|1/31/2025 10:00:00 PM|3/4/2026 1:30:00 AM|3/4/2026 2:00:00 AM"
    assert error("%%=DateAdd('2026-03-04', 1.5, 'D')=%%") == "DateAdd: The amount '1.5' is not a whole number"
    assert error("%%=DateAdd('2026-03-04', 1, 'W')=%%") == \
        'DateAdd: "W" is not a valid date unit (use Y, M, D, H or MI)'
    assert error("%%=DateAdd('nope', 1, 'D')=%%") == 'DateAdd: "nope" is not a valid date'
    assert error("%%=DateAdd('12/31/9999', 1, 'D')=%%") == \
        "DateAdd: DateAdd result is outside the supported date range"


def test_date_diff_counts_boundaries():
    start, end = "'2026-12-31 23:59'", "'2027-01-01 00:00'"
    assert render("|".join(f"%%=DateDiff({start}, {end}, '{u}')=%%" for u in ("Y", "M", "D", "H", "MI"))) == \
        "1|1|1|1|1"
    assert render("%%=DateDiff('2027-01-01', '2026-01-01', 'D')=%%") == "-365"
    assert error("%%=DateDiff('2026-01-01', '2026-01-02', 'S')=%%") == \
        'DateDiff: "S" is not a valid date unit (use Y, M, D, H or MI)'


def test_date_parse_forms_and_utc_flag():
    assert render("%%=DateParse('5/8/2026')=%%|%%=DateParse('2026-03-04T12:00:00Z')=%%"
                  "|%%=DateParse('2026-03-04T12:00:00Z', 1)=%%|%%=DateParse('4 March 2026')=%%"
                  "|%%=DateParse('March 4, 2026')=%%|%%=DateParse('Wed, 04 Mar 2026 12:00:00 GMT')=%%") == \
        "5/8/2026 12:00:00 AM|3/4/2026 6:00:00 AM|3/4/2026 12:00:00 PM|3/4/2026 12:00:00 AM" \
        "|3/4/2026 12:00:00 AM|3/4/2026 6:00:00 AM"
    assert error("%%=DateParse('nope')=%%") == 'DateParse: "nope" is not a valid date'
    assert render("%%=StringToDate('5/8/2026 1:30 PM')=%%") == "5/8/2026 1:30:00 PM"


def test_date_part_padding_and_twelve_hour_clock():
    d = "'2026-03-04 19:05'"
    assert render(f"%%=DatePart({d}, 'Y')=%%|%%=DatePart({d}, 'month')=%%|%%=DatePart({d}, 'D')=%%"
                  f"|%%=DatePart({d}, 'H')=%%|%%=DatePart('2026-03-04 00:05', 'hour')=%%|%%=DatePart({d}, 'MI')=%%"
                  f"|%%=DatePart({d}, 'monthName')=%%") == "2026|03|04|7|12|5|March"
    assert error("%%=DatePart('2026-03-04', 'Weekday')=%%") == 'DatePart: "Weekday" is not a valid date part'


def test_format_date_dialect():
    assert render("%%=FormatDate('2026-03-04 13:05:09', 'mm/dd/yyyy', 'hh:mm tt')=%%") == "03/04/2026 01:05 PM"
    assert render("%%=FormatDate('2026-03-04', 'dddd')=%%|%%=FormatDate('2026-03-04', 'ddddd')=%%"
                  "|%%=FormatDate('2026-03-04', 'd')=%%|%%=FormatDate('2026-03-04', 'M')=%%"
                  "|%%=FormatDate('2017-10-04', 'y')=%%|[%%=FormatDate('nope', 'd')=%%]") == \
        "Wed|Wednesday|3/4/2026|March 4|October 2017|[]"
    # The reference's token table: r does not convert a server-time value.
    assert render("%%=FormatDate('2026-03-04 13:05:09', 'r')=%%") == "Wed, 04 Mar 2026 13:05:09 GMT"
    assert render("%%=FormatDate('2026-03-04 13:05:09', 'qq zz')=%%") == "qq zz"
    assert error("%%=FormatDate('2026-03-04 13:05:09', 'd', 'h')=%%") == \
        "FormatDate: FormatDate time format 'h' is not a valid format"


def test_now_is_fixed_and_send_time_equals_it_outside_a_send():
    assert render("%%=Now() == GetSendTime()=%%|%%=Now(1) == Now()=%%") == "True|True"


def test_local_and_system_dates_follow_daylight_saving():
    assert render("%%=SystemDateToLocalDate('2026-07-01 12:00')=%%|%%=LocalDateToSystemDate('2026-07-01')=%%"
                  "|%%=SystemDateToLocalDate('2026-01-01 12:00')=%%") == \
        "7/1/2026 1:00:00 PM|6/30/2026 11:00:00 PM|1/1/2026 12:00:00 PM"
    assert error("%%=SystemDateToLocalDate('x')=%%") == 'SystemDateToLocalDate: "x" is not a valid date'


# ---- Data Extension (21) ------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "Members.csv").write_text(
        "Id,Email,Tier\n1,ann@example.com,Gold\n2,bo@example.com,silver\n3,cy@example.com,GOLD\n",
        encoding="utf-8")
    (tmp_path / "Members.schema.json").write_text(
        '{"fields": [{"name": "Id", "primaryKey": true}, {"name": "Email"}, {"name": "Tier"}]}',
        encoding="utf-8")
    (tmp_path / "Coupons.csv").write_text("Code,Claimed,Claimant\nA1,,\nA2,,\n", encoding="utf-8")
    return tmp_path


def test_claim_row_keeps_the_claimants_row_and_gives_an_empty_row_when_exhausted(data_dir):
    claim = "%%[set @r = ClaimRow('Coupons', 'Claimed', 'Claimant', '{}')]%%"
    assert render(claim.format("me") + "%%=Field(@r, 'Code')=%%|" + claim.format("me") + "%%=Field(@r, 'Code')=%%|"
                  + claim.format("you") + "%%=Field(@r, 'Code')=%%|" + claim.format("them") + "%%=Empty(@r)=%%",
                  data_dir=data_dir) == "A1|A1|A2|True"


def test_claim_row_value_falls_back(data_dir):
    call = "%%=ClaimRowValue('Coupons', 'Code', 'Claimed', 'none', 'Claimant', '{}')=%%"
    assert render("|".join(call.format(c) for c in "abc"), data_dir=data_dir) == "A1|A2|none"


def test_data_and_de_write_families(data_dir):
    assert render("%%=DataExtensionRowCount('members')=%%|%%=DeleteData('Members', 'Tier', 'gold')=%%"
                  "|%%=DeleteData('Members', 'Tier', 'none')=%%|%%=InsertData('Members', 'Id', 4, 'Email', 'd@x')=%%"
                  "|%%=UpdateData('Members', 1, 'Id', 4, 'Tier', 'Bronze')=%%"
                  "|%%=UpdateData('Members', 1, 'Id', 9, 'Tier', 'Bronze')=%%"
                  "|%%=UpsertData('Members', 1, 'Id', 9, 'Tier', 'Tin')=%%|%%=Lookup('Members', 'Tier', 'Id', 9)=%%",
                  data_dir=data_dir) == "3|2|0|1|1|0|1|Tin"
    assert render("[%%=InsertDE('Members', 'Id', 5)=%%][%%=UpdateDE('Members', 1, 'Id', 5, 'Tier', 'X')=%%]"
                  "[%%=UpsertDE('Members', 1, 'Id', 6, 'Tier', 'Y')=%%][%%=DeleteDE('Members', 'Id', 1)=%%]"
                  "%%=DataExtensionRowCount('Members')=%%", data_dir=data_dir, context="email") == "[][][][]5"
    assert error("%%=InsertData('Members', 'Id', 2)=%%", data_dir=data_dir) == \
        "InsertData: a row with the same primary key already exists"
    assert error("%%=InsertDE('Members', 'Id', 2)=%%", data_dir=data_dir) == \
        "InsertDE: a row with the same primary key already exists"


@pytest.mark.parametrize("call", ["InsertData('Members', 'Id', 4)", "DeleteData('Members', 'Id', 4)",
                                  "UpdateData('Members', 1, 'Id', 1, 'Tier', 'x')",
                                  "UpsertData('Members', 1, 'Id', 1, 'Tier', 'x')"])
def test_data_writes_are_refused_in_email(data_dir, call):
    name = call.split("(")[0]
    assert error(f"%%={call}=%%", data_dir=data_dir, context="email") == \
        f"{name} is not allowed in email content (10005: batch context refused (a send is a batch))"


@pytest.mark.parametrize("call", ["ExecuteFilter('f')", "ExecuteFilterOrderedRows('f', 0, 'Id')"])
def test_filters_are_refused_in_email(data_dir, call):
    name = call.split("(")[0]
    assert error(f"%%=RowCount({call})=%%", data_dir=data_dir, context="email") == \
        f"{name} is not allowed in email content (10004: non-sendable content only)"


def test_lookups(data_dir):
    assert render("%%=Lookup('Members', 'Email', 'Tier', 'gold')=%%|[%%=Lookup('Members', 'Email', 'Tier', 'x')=%%]"
                  "|%%=RowCount(LookupRows('Members', 'Tier', 'gold'))=%%"
                  "|%%=RowCount(LookupRowsCS('Members', 'Tier', 'gold'))=%%"
                  "|%%=RowCount(LookupRows('Members', 'Tier', 'x'))=%%", data_dir=data_dir) == \
        "ann@example.com|[]|2|0|0"
    assert render("%%[set @rs = LookupOrderedRows('Members', 0, 'Id DESC', 'Tier', 'gold')]%%"
                  "%%=RowCount(@rs)=%%/%%=Field(Row(@rs, 1), 'Id')=%%"
                  "|%%=RowCount(LookupOrderedRows('Members', 1, 'Id DESC', 'Tier', 'gold'))=%%"
                  "|%%=RowCount(LookupOrderedRowsCS('Members', -1, 'Email', 'Tier', 'GOLD'))=%%",
                  data_dir=data_dir) == "2/3|1|1"


def test_row_and_field_bounds(data_dir):
    rs = "%%[set @rs = LookupRows('Members', 'Tier', 'gold')]%%"
    assert error(rs + "%%=Row(@rs, 0)=%%", data_dir=data_dir) == \
        "Row: Row index 0 is out of range: the rowset has 2 row(s)"
    assert error(rs + "%%=Row(@rs, 3)=%%", data_dir=data_dir) == \
        "Row: Row index 3 is out of range: the rowset has 2 row(s)"
    assert error(rs + "%%=Field(Row(@rs, 1), 'nope')=%%", data_dir=data_dir) == "Field: the row has no column 'nope'"
    assert render(rs + "[%%=Field(Row(@rs, 1), 'nope', false)=%%][%%=Field(Row(@rs, 1), 'nope', 0)=%%]"
                  "%%=Field(Row(@rs, 1), 'tier')=%%", data_dir=data_dir) == "[][]Gold"
    assert render("%%=RowCount(LookupRows('Members', 'Tier', 'none'))=%%", data_dir=data_dir) == "0"


# ---- Content (22) -------------------------------------------------------------------------------

def test_build_option_list_marks_the_selected_value():
    assert render("%%=BuildOptionList(2, 1, 'One', 2, 'Two')=%%") == \
        '<option value="1">One</option><option value="2" selected="selected">Two</option>'


def test_build_rowset_from_json_inverted_flag():
    src = ("%%[set @rs = BuildRowsetFromJSON('[{\"a\":1,\"b\":{\"c\":2}},{\"a\":\"x\"}]', '$[*]', 0)]%%"
           "%%=RowCount(@rs)=%%|%%=Field(Row(@rs, 1), 'A')=%%|%%=Field(Row(@rs, 1), 1)=%%"
           "|[%%=Field(Row(@rs, 1), 'b')=%%]|%%=Field(Row(@rs, 2), 'a')=%%")
    assert render(src) == "2|1|1|[]|x"
    assert render("%%=Field(Row(BuildRowsetFromJSON('[1,2]', '$[*]', 0), 2), 'Value')=%%") == "2"
    assert render("%%=RowCount(BuildRowsetFromJSON('{bad', '$', 1))=%%|"
                  "%%=RowCount(BuildRowsetFromJSON('{bad', '$', true))=%%") == "0|0"
    assert error("%%=RowCount(BuildRowsetFromJSON('{bad', '$', false))=%%").startswith(
        "BuildRowsetFromJSON: the JSON is not valid")


def test_build_rowset_from_string_segments():
    assert render("%%[set @rs = BuildRowSetFromString('a,b,', ',')]%%%%=RowCount(@rs)=%%|%%=Field(Row(@rs, 1), 1)=%%"
                  "|%%=Field(Row(@rs, 2), 'Value')=%%|[%%=Field(Row(@rs, 3), 1)=%%]"
                  "|%%=RowCount(BuildRowSetFromString('a,b', ''))=%%|%%=RowCount(BuildRowSetFromString('', ','))=%%") \
        == "3|a|b|[]|1|0"


def test_build_rowset_from_xml_columns_and_inverted_flag():
    src = ("%%[set @rs = BuildRowSetFromXML('<r><i id=\"1\">a<b>x</b></i><i>c</i></r>', '//i', 0)]%%"
           "%%=RowCount(@rs)=%%|%%=Field(Row(@rs, 1), 'Value')=%%|%%=Field(Row(@rs, 1), 'Xml')=%%"
           "|%%=Field(Row(@rs, 1), 'id_att')=%%|[%%=Field(Row(@rs, 2), 'id_att')=%%]")
    assert render(src) == "2|ax|a<b>x</b>|1|[]"
    assert render("%%=RowCount(BuildRowSetFromXML('<bad', '//i', 1))=%%") == "0"
    assert render("%%=RowCount(BuildRowSetFromXML('<a/>', Char(0), 1))=%%") == "0"
    assert error("%%=RowCount(BuildRowSetFromXML('<a/>', Char(0), 0))=%%").startswith(
        "BuildRowSetFromXML: the XPath")


def test_impression_regions_print_nothing_and_need_a_literal_name():
    assert render("[%%=BeginImpressionRegion('r')=%%][%%=EndImpressionRegion()=%%][%%=EndImpressionRegion(1)=%%]") \
        == "[][][]"
    assert error("%%[set @n = 'r']%%%%=BeginImpressionRegion(@n)=%%") == \
        "BeginImpressionRegion: the region name must be a literal string, not a variable"


def test_treat_as_content_shares_the_scope():
    assert render("%%=TreatAsContent('%%[set @z = 5]%%a')=%%%%=v(@z)=%%|[%%=TreatAsContent('')=%%]") == "a5|[]"
    assert render("%%=TreatAsContentArea('k', '%%=Add(1, 2)=%%')=%%") == "3"


def test_missing_block_default_content_is_printed_literally():
    assert render("[%%=ContentBlockByKey('nope', 0, 0, 'def %%=v(1)=%%', @s)=%%]%%=v(@s)=%%") == \
        "[def %%=v(1)=%%]-1"
    assert error("%%=ContentBlockByKey('nope')=%%") == "ContentBlockByKey: no content block with key 'nope'"


def test_dead_content_functions_abort():
    assert error("%%=GetPortfolioItem('x')=%%").startswith("GetPortfolioItem: Portfolio was retired")
    assert error("%%=Image('x')=%%").startswith("Image: Portfolio was retired")
    assert error("%%=AttachFile('http', 'http://x')=%%") == \
        "AttachFile: AttachFile only works in an email send, not in page content"
    assert error("%%=BarcodeURL('', 'code128auto', 100, 50)=%%") == "BarcodeURL: the barcode value is empty"


# ---- Encryption (8) -----------------------------------------------------------------------------

def test_hashes_are_lowercase_hex():
    assert render("%%=MD5('')=%%|%%=SHA1('abc')=%%|%%=Length(SHA256('a'))=%%|%%=Length(SHA512('a'))=%%") == \
        "d41d8cd98f00b204e9800998ecf8427e|a9993e364706816aba3e25717850c26c9cd0d89d|64|128"
    assert render("%%=MD5(5)=%%") == render("%%=MD5('5')=%%")
    assert error("%%=MD5('a', '')=%%") == "MD5: the character set name is empty"
    assert error("%%=MD5('a', 'nope')=%%") == "MD5: Unknown character set 'nope'"


def test_get_jwt_rules():
    assert render("%%=GetJWT('s', 'hs256', '{\"a\":1}')=%%") == \
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoxfQ.sad3AhpjllXE_XL6lSwwMXhV_4WThhyMgxWlDkDaBHQ"
    assert error("%%=GetJWT('', 'HS256', 'x')=%%") == "GetJWT: the secret is empty"
    assert error("%%=GetJWT('s', 'RS256', 'x')=%%") == "GetJWT: unknown JWT algorithm 'RS256' (use HS256, HS384, HS512)"


def test_symmetric_round_trip_and_errors():
    tail = "'', 'pw', '', 'e0cf1267f564b362', '', '4963b7334a46352623252955df21d7f3'"
    assert render(f"%%=DecryptSymmetric(EncryptSymmetric('hello', 'AES', {tail}), 'aes', {tail})=%%") == "hello"
    assert error(f"%%=EncryptSymmetric('hello', 'rot13', {tail})=%%") == \
        "EncryptSymmetric: unknown algorithm 'rot13' (use AES, DES or TripleDES)"
    assert error(f"%%=DecryptSymmetric('!!!', 'aes', {tail})=%%") == \
        "DecryptSymmetric: the cipher text is not valid Base64"


# ---- HTTP (9) -----------------------------------------------------------------------------------

def test_url_encode_flags():
    url = "'http://x.com/a b?q=a b&c=d/e'"
    assert render(f"%%=URLEncode({url})=%%|%%=URLEncode({url}, 1)=%%|%%=URLEncode('a b&c')=%%"
                  "|%%=URLEncode('a b&c', 1, 1)=%%|%%=URLEncode('a b&c', 'true', 'true')=%%") == \
        "http://x.com/a b?q=a%20b&c=d/e|http://x.com/a b?q=a+b&c=d%2fe|a b&c|a+b%26c|a+b%26c"


def test_page_only_link_helpers_return_their_input():
    assert render("%%=WrapLongURL('http://x')=%%|%%=RedirectTo('http://y')=%%") == "http://x|http://y"


def test_chtml_browser_and_request_headers():
    assert render("%%=IsCHTMLBrowser('DoCoMo/2.0 P900i')=%%|%%=IsCHTMLBrowser('Mozilla/5.0')=%%") == "True|False"
    assert error("%%=IsCHTMLBrowser('')=%%") == "IsCHTMLBrowser: the user agent is empty"
    assert render("[%%=HTTPRequestHeader('X-Foo')=%%]") == "[]"


@pytest.mark.parametrize("call, why", [
    ("IsCHTMLBrowser('x')", "10004: non-sendable content only"),
    ("HTTPRequestHeader('x')", "10004: needs an inbound HTTP request"),
    ("GetPublishedSocialContent('x')", "10004: social sharing or landing pages only"),
])
def test_page_only_functions_are_refused_in_email(call, why):
    assert error(f"%%={call}=%%", context="email") == \
        f"{call.split('(')[0]} is not allowed in email content ({why})"


def test_http_requests_are_denied_by_default_and_need_a_url():
    assert error("%%=HTTPGet('http://example.com/')=%%").startswith(
        "HTTPGet: requests to host 'example.com' are not allowed")
    assert error("%%=HTTPPost('', 'text/plain', 'x', @r)=%%") == "HTTPPost: the URL is empty"


# ---- Sites (13) ---------------------------------------------------------------------------------

def test_authenticated_values_are_never_empty_on_a_public_page():
    out = render("%%=AuthenticatedEmployeeID()=%%|%%=AuthenticatedEmployeeNotificationAddress()=%%"
                 "|%%=AuthenticatedEmployeeUserName()=%%|%%=AuthenticatedEnterpriseID()=%%"
                 "|%%=AuthenticatedMemberID()=%%|%%=AuthenticatedMemberName()=%%")
    assert out == "700000001|notifications@example.com|developer@example.com|100000001|100000001" \
                  "|Local Business Unit"


def test_sites_helpers():
    assert error("%%=CloudPagesURL(123, 'a')=%%") == \
        "CloudPagesURL: name/value arguments must come in pairs (the last name has no value)"
    assert render("[%%=IsNullDefault('', 'd')=%%]%%=IsNullDefault('v', 'd')=%%") == "[]v"
    assert render("[%%=QueryParameter('x')=%%]") == "[]"
    assert error("%%=LiveContentMicrositeURL('coupon', 'k')=%%").startswith("LiveContentMicrositeURL: unavailable")
    assert error("%%[Redirect('http://x')]%%", context="email") == \
        "Redirect is not allowed in email content (10005: needs an HTTP response to act on)"


# ---- SOAP API (9) -------------------------------------------------------------------------------

def test_create_object_names(data_dir):
    assert render("%%[set @o = CreateObject('DataExtension')]%%[%%=v(@o)=%%]", data_dir=data_dir) == "[]"
    for bad in ("Foo.Bar", "PerformRequest"):
        assert error(f"%%[set @o = CreateObject('{bad}')]%%", data_dir=data_dir) == \
            f"CreateObject: '{bad}' is not a Marketing Cloud API object type"


@pytest.mark.parametrize("name", ["CreateObject", "SetObjectProperty", "AddObjectArrayItem", "InvokeCreate",
                                  "InvokeRetrieve", "InvokeUpdate", "InvokeDelete", "InvokeExecute",
                                  "InvokePerform"])
def test_soap_api_is_refused_in_email(name):
    from ampy.registry import lookup

    b = lookup(name)
    args = ", ".join(f"@a{i}" for i in range(b.min_args))
    assert error(f"%%[{name}({args})]%%", context="email") == \
        f"{name} is not allowed in email content (10004: API object functions are allowed in non-sendable content only)"


def test_invoke_retrieve_and_create_status(data_dir):
    assert render("%%[set @r = CreateObject('RetrieveRequest')"
                  " SetObjectProperty(@r, 'ObjectType', 'DataExtensionObject[Members]')"
                  " AddObjectArrayItem(@r, 'Properties', 'Id') set @rs = InvokeRetrieve(@r, @st)]%%"
                  "%%=RowCount(@rs)=%%|%%=v(@st)=%%", data_dir=data_dir) == "3|OK"
    assert render("%%[set @o = CreateObject('DataExtension') SetObjectProperty(@o, 'Name', 'x')"
                  " AddObjectArrayItem(@o, 'Fields', 'y')]%%%%=InvokeCreate(@o, @m, @c)=%%|%%=v(@m)=%%|%%=v(@c)=%%",
                  data_dir=data_dir) == "Error|Every DataExtensionField needs a Name.|310007"


# ---- Sales & Service Cloud, Dynamics CRM, MobileConnect, Contacts, Social, Einstein -------------

def test_long_sfid_checksum_and_passthrough():
    assert render("%%=LongSFID('001A000001abcde')=%%|%%=LongSFID('abc')=%%") == "001A000001abcdeIAA|abc"


def test_dynamics_functions_are_dead():
    assert error("%%=DescribeMSCRMEntities()=%%").startswith("DescribeMSCRMEntities: unavailable")


def test_sms_conversation_functions_are_false_outside_mobileconnect():
    assert render("%%=CreateSmsConversation('123', '555', 'KW', 'MOBILECONNECT')=%%|%%=EndSmsConversation('1', '2')=%%"
                  "|%%=SetSmsConversationNextKeyword('1', '2', 'k')=%%") == "False|False|False"
    assert error("%%=Msg(0)=%%") == "Msg is not allowed in page content (only inside a MobileConnect message)"


def test_upsert_contact_channel_check(data_dir):
    assert render("%%=UpsertContact('mobile', 'phone', '3175551234', 'Locale', 'en')=%%"
                  "|%%=UpsertContact('email', 'phone', '3175551234', 'Locale', 'en')=%%", data_dir=data_dir) == "0|1"


def test_social_urls():
    assert render("%%=GetSocialPublishURL(1, 'r')=%%") == \
        "http://127.0.0.1:8080/_ampy/social/facebook?region=r&url=http%3A%2F%2F127.0.0.1%3A8080%2F"
    assert error("%%=GetSocialPublishURL(1, '')=%%") == "GetSocialPublishURL: the region is empty"
    assert error("%%=GetSocialPublishURLByName('Nope', 'US', 'r')=%%") == \
        "GetSocialPublishURLByName: unknown social network 'Nope'"


def test_rating_stars_is_einstein_only():
    assert error("%%=RatingStars(3, 5, 'http://x')=%%") == \
        "RatingStars is not allowed in page content (Einstein Email Recommendations rendering only)"


# ---- Every builtin, random arguments: only clear script errors ----------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ampy.backends.local import LocalBackend  # noqa: E402
from ampy.registry import all_builtins  # noqa: E402

API_TYPES = ["DataExtension", "DataExtensionField", "DataExtensionObject", "RetrieveRequest", "SimpleFilterPart",
             "Subscriber", "TriggeredSend", "QueryDefinition", "ExecuteRequest", "APIProperty"]


def _literal(value) -> str:
    """An AMPscript expression for a Python value (None is a declared, never-set variable)."""
    if value is None:
        return "@null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + value.replace("'", "''") + "'"


ARG_VALUES = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["Members", "Id", "Email", "Tier", "1", "0", "-1", "2.5", "Y", "MI", "UTF-16", "N2", "en-US",
                     "$.a", "//a", "<a>1</a>", '[{"a":1}]', "2026-03-04", "http://example.com/", "aes", "HS256"]
                    + API_TYPES),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)),
    st.booleans(),
    st.none(),
)


@pytest.fixture(scope="module")
def fuzz_backend(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-data")
    (folder / "Members.csv").write_text("Id,Email,Tier\n1,ann@example.com,Gold\n2,bo@example.com,Silver\n",
                                        encoding="utf-8")
    backend = LocalBackend(str(folder))
    yield backend
    backend.close()


@pytest.mark.parametrize("b", all_builtins(), ids=lambda b: b.name)
def test_every_builtin_fails_only_with_a_clear_script_error(fuzz_backend, b):
    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.data())
    def check(data):
        top = b.max_args if b.max_args is not None else b.min_args + 3
        count = data.draw(st.integers(min_value=b.min_args, max_value=top))
        args = []
        for i in range(count):
            if i in b.out_params:
                args.append(f"@out{i}")
            elif i == 0 and b.name.lower() == "createobject" and data.draw(st.booleans()):
                args.append(_literal(data.draw(st.sampled_from(API_TYPES))))
            elif i == 0 and b.name.lower() != "createobject" and b.category == "SOAP API" and data.draw(st.booleans()):
                args.append("@api")
            else:
                args.append(_literal(data.draw(ARG_VALUES)))
        api_type = data.draw(st.sampled_from(API_TYPES))
        source = (f"%%[ var @null set @api = CreateObject('{api_type}') set @result = {b.name}({', '.join(args)}) ]%%"
                  "%%=v(@result)=%%")
        try:
            ampy.compile(source).render(backend=fuzz_backend, context="page")
        except ampy.AmpscriptError as e:
            # A leaked Python exception is wrapped as "X failed: ValueError: ..." with the original as cause.
            assert e.__cause__ is None, f"{source}\n{e}"

    check()
