""".NET regular expressions for RegExMatch (rule 22); expectations follow .NET's documented behaviour."""

from __future__ import annotations

import pytest

from ampy.dotnet.regex import compile_dotnet, regex_match


def test_whole_match_and_numbered_groups():
    assert regex_match("Order 12345 shipped", r"\d+", 0) == "12345"
    assert regex_match("Order 12345 shipped", r"(\w+) (\d+)", 1) == "Order"
    assert regex_match("Order 12345 shipped", r"(\w+) (\d+)", 2) == "12345"
    assert regex_match("Order 12345 shipped", r"(\w+) (\d+)", "2") == "12345"
    assert regex_match("Order 12345 shipped", r"(\w+) (\d+)", "0") == "Order 12345"


def test_first_match_only():
    assert regex_match("a1 b2 c3", r"[a-z](\d)", 1) == "1"


def test_named_groups():
    pattern = r"(?<user>[^@]+)@(?<domain>.+)"
    assert regex_match("jane@example.com", pattern, "user") == "jane"
    assert regex_match("jane@example.com", pattern, "domain") == "example.com"
    assert regex_match("jane@example.com", r"(?'user'[^@]+)@", "user") == "jane"


def test_dotnet_numbers_unnamed_groups_before_named_ones():
    pattern = r"(?<letters>[a-z]+)(\d+)(?<rest>.*)"
    assert regex_match("abc123xyz", pattern, 1) == "123"
    assert regex_match("abc123xyz", pattern, 2) == "abc"
    assert regex_match("abc123xyz", pattern, 3) == "xyz"


def test_no_match_and_non_participating_group_give_empty():
    assert regex_match("abc", r"\d+", 0) == ""
    assert regex_match("abc", r"(x)?abc", 1) == ""
    assert regex_match("", r"a", 0) == ""


def test_missing_group_is_an_error():
    with pytest.raises(ValueError):
        regex_match("abc", r"(a)bc", 2)
    with pytest.raises(ValueError):
        regex_match("abc", r"(?<x>a)bc", "y")
    with pytest.raises(ValueError):
        regex_match("abc", r"abc", "1")


def test_case_sensitive_unless_ignore_case():
    assert regex_match("HELLO world", r"hello", 0) == ""
    assert regex_match("HELLO world", r"hello", 0, ["IgnoreCase"]) == "HELLO"
    assert regex_match("HELLO world", r"hello", 0, ["ignorecase"]) == "HELLO"


def test_ignore_case_is_simple_case_folding():
    # .NET compares character by character: ß does not match "ss".
    assert regex_match("STRASSE", r"straße", 0, ["IgnoreCase"]) == ""
    assert regex_match("ÉCOLE", r"école", 0, ["IgnoreCase"]) == "ÉCOLE"


def test_multiline_and_singleline():
    text = "first\nsecond"
    assert regex_match(text, r"^second", 0) == ""
    assert regex_match(text, r"^second", 0, ["Multiline"]) == "second"
    assert regex_match(text, r"first.second", 0) == ""
    assert regex_match(text, r"first.second", 0, ["Singleline"]) == "first\nsecond"
    assert regex_match(text, r"^first$", 0, ["Multiline", "IgnoreCase"]) == "first"


def test_ignore_pattern_whitespace():
    pattern = r"""
        (\d{3})   # area code
        -
        (\d{4})   # number (with a ")" in the comment)
    """
    assert regex_match("call 555-1234 now", pattern, 2, ["IgnorePatternWhitespace"]) == "1234"


def test_explicit_capture():
    assert regex_match("ab", r"(a)(?<x>b)", 1, ["ExplicitCapture"]) == "b"
    assert regex_match("ab", r"(?n)(a)(?<x>b)", 1) == "b"
    with pytest.raises(ValueError):
        regex_match("ab", r"(a)(b)", 1, ["ExplicitCapture"])


def test_right_to_left_finds_the_last_match_first():
    assert regex_match("a1 b2 c3", r"\d", 0, ["RightToLeft"]) == "3"


def test_ecmascript_digits_are_ascii():
    arabic_indic_five = "\u0665"
    assert regex_match(arabic_indic_five, r"\d", 0) == arabic_indic_five
    assert regex_match(arabic_indic_five, r"\d", 0, ["ECMAScript"]) == ""


def test_options_by_name_and_errors():
    compile_dotnet("a", ["None", "CultureInvariant", "Compiled"])
    with pytest.raises(ValueError):
        compile_dotnet("a", ["Global"])
    with pytest.raises(ValueError):
        compile_dotnet("a", ["ECMAScript", "Singleline"])


def test_options_as_one_string_or_comma_list():
    assert regex_match("A\nb", r"^B", 0, "IgnoreCase, Multiline") == "b"
    assert regex_match("ABC", r"abc", 0, "IgnoreCase") == "ABC"
    with pytest.raises(ValueError):
        regex_match("a", "a", 0, "")


def test_inline_options_are_scoped():
    assert regex_match("aBc", r"a(?i)b(?-i)c", 0) == "aBc"
    assert regex_match("aBC", r"a(?i)b(?-i)c", 0) == ""
    assert regex_match("aBc", r"a(?i:b)c", 0) == "aBc"
    assert regex_match("xAB", r"(?:x(?i)a)B", 0) == "xAB"
    assert regex_match("xAb", r"(?:x(?i)a)B", 0) == ""


def test_backreferences():
    assert regex_match("say hello hello there", r"(\w+) \1", 1) == "hello"
    assert regex_match("abab", r"(?<p>ab)\k<p>", 0) == "abab"
    assert regex_match("abab", r"(?<p>ab)\k'p'", 0) == "abab"
    # \2 is the named group: .NET numbers it after the unnamed one.
    assert regex_match("x-y-y", r"(?<n>y)-\2|(x)-", 0) == "x-"
    assert regex_match("y-y", r"(?<n>y)-\2|(x)-", 0) == "y-y"


def test_dotnet_specific_spellings():
    assert regex_match("x{,3}", r"x{,3}", 0) == "x{,3}"  # not a quantifier in .NET
    assert regex_match("aaaa", r"a{2,3}", 0) == "aaa"
    assert regex_match("education", r"[a-z-[aeiou]]+", 0) == "d"
    assert regex_match("\x1b[0m", r"\e\[0m", 0) == "\x1b[0m"
    assert regex_match("\x01", r"\cA", 0) == "\x01"
    assert regex_match("a&b|c~d--e", r"[&|~-]+", 0) == "&"
    assert regex_match("+,-", r"[+--]+", 0) == "+,-"
    assert regex_match("]x", r"[]x]+", 0) == "]x"
    assert regex_match("αβγ", r"\p{IsGreek}+", 0) == "αβγ"
    assert regex_match("Ünïcode", r"\p{Lu}", 0) == "Ü"
    assert regex_match("A\x41", r"\x41\u0041", 0) == "AA"


def test_end_anchors():
    assert regex_match("line\n", r"line$", 0) == "line"
    assert regex_match("line\n", r"line\Z", 0) == "line"
    assert regex_match("line\n", r"line\z", 0) == ""
    assert regex_match("line", r"\Aline\z", 0) == "line"


def test_conditionals():
    assert regex_match("(42)", r"(\()?\d+(?(1)\))", 0) == "(42)"
    assert regex_match("42)", r"(\()?\d+(?(1)\))", 0) == "42"


@pytest.mark.parametrize("pattern", [
    "(a", "a)", "[a", r"\q", r"\2", r"(?<a-b>x)", "*a", r"a{2,1}", r"\k<nope>", r"\p{Nope}", "(?<1x>a)",
])
def test_bad_patterns_raise_value_error(pattern):
    with pytest.raises(ValueError):
        compile_dotnet(pattern)


def test_compiled_patterns_are_cached():
    assert compile_dotnet(r"\d+", ["IgnoreCase"]) is compile_dotnet(r"\d+", ["IgnoreCase"])
