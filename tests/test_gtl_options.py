"""GTL options of spec §12 that change how ``{{x}}`` prints: defaultVariableFormatter,
defaultNumericFormat, defaultCurrencyFormat and variableEmptyValue=markup (docs/gtl.md)."""

from __future__ import annotations

import pytest

from ampy.errors import AmpscriptRuntimeError
from ampy.template import Template


def block(attrs: str, body: str) -> str:
    """``body`` inside a one-row inline datasource (named Q) carrying option attributes."""
    return "{{.datasource Q type=inline " + attrs + "}}{{.data}}{}{{/data}}" + body + "{{/datasource}}"


VALUES = {"Price": "1234.5", "Neg": "-3", "Word": "x<y", "Flag": "true", "T": "<b>A & B</b>", "Name": "Ada"}
JSON = "%%[ SET @j = '{\"n\": 2.5, \"i\": 7, \"b\": true}' ]%%"


@pytest.mark.parametrize("source, expected", [
    # the html formatter (default): text form, escaped in HTML content
    (block("defaultVariableFormatter=html", "{{T}}|{{Price}}"), "&lt;b&gt;A &amp; B&lt;/b&gt;|1234.5"),
    # text: never escaped, function arguments included
    (block("defaultVariableFormatter=text", "{{T}}|{{=Lowercase(T)}}"), "<b>A & B</b>|<b>a & b</b>"),
    (block("defaultVariableFormatter=TEXT", "{{T}}") + "|{{T}}", "<b>A & B</b>|&lt;b&gt;A &amp; B&lt;/b&gt;"),
    # number: numbers and numeric text by defaultNumericFormat (N2); other values as text, escaped
    (block("defaultVariableFormatter=number", "{{Price}}|{{Neg}}|{{Word}}|{{Flag}}|{{Nope}}"),
     "1,234.50|-3.00|x&lt;y|true|"),
    (block('defaultVariableFormatter=number defaultNumericFormat="#,##0.0"', "{{Price}}"), "1,234.5"),
    (block("defaultVariableFormatter=number defaultNumericFormat=D4", "{{Neg}}"), "-0003"),
    (JSON + block("defaultVariableFormatter=number defaultNumericFormat=N1", "{{@j.n}} {{@j.i}} {{@j.b}}"),
     "2.5 7.0 true"),
    # the numeric format alone changes nothing: only the number formatter uses it
    (block("defaultNumericFormat=N4", "{{Price}}"), "1234.5"),
    # currency: by defaultCurrencyFormat, a locale; empty means the account's culture (en-US)
    (block("defaultVariableFormatter=currency", "{{Price}}|{{Word}}"), "$1,234.50|x&lt;y"),
    (block("defaultVariableFormatter=currency defaultCurrencyFormat=de-DE", "{{Price}}"), "1.234,50 €"),
    (block("defaultVariableFormatter=currency defaultCurrencyFormat=ja-JP", "{{Price}}"), "¥1,235"),
    # raw tags and function results are never formatted
    (block("defaultVariableFormatter=currency", "{{{Price}}}|{{&Price}}|{{=Add(Price, 1)}}"),
     "1234.5|1234.5|1235.5"),
    # options revert after the block unless it says global
    (block("defaultVariableFormatter=number", "{{Price}}") + "|{{Price}}", "1,234.50|1234.5"),
    (block("defaultVariableFormatter=number global", "") + "{{Price}}", "1,234.50"),
])
def test_formatters(source, expected):
    assert Template(source).render(attributes=VALUES) == expected


def test_formatters_in_text_content_never_escape():
    source = block("defaultVariableFormatter=number", "{{Word}} {{Price}}")
    assert Template(source).render(attributes=VALUES, content_type="text") == "x<y 1,234.50"


@pytest.mark.parametrize("source, expected", [
    # the tag exactly as written: padding, ~, %%{ }%%, set delimiters
    (block("variableEmptyValue=markup", "[{{ NoSuch }}][{{Name}}][{{ a.b }}]"), "[{{ NoSuch }}][Ada][{{ a.b }}]"),
    (block("variableEmptyValue=markup", "a {{~x~}} b|%%{ y }%%"), "a{{~x~}}b|%%{ y }%%"),
    ("{{.datasource Q type=inline variableEmptyValue=markup}}{{.data}}{}{{/data}}{{=<% %>=}}[<% zz %>]"
     "<%/datasource%>", "[<% zz %>]"),
    # only undefined values: empty text and 0 are values; raw tags print nothing
    (block("variableEmptyValue=markup", "[{{Empty}}][{{Zero}}][{{{raw}}}][{{&raw}}]"), "[][0][][]"),
    # JSON null counts as undefined
    ("%%[ SET @j = '{\"n\": null}' ]%%" + block("variableEmptyValue=markup", "{{@j.n}}"), "{{@j.n}}"),
    # the markup is the tag, printed as is (not escaped) in HTML content
    (block("variableEmptyValue=markup", "{{[a <b>]}}"), "{{[a <b>]}}"),
    # reverts after the block
    (block("variableEmptyValue=markup", "") + "[{{NoSuch}}]", "[]"),
    (block("variableEmptyValue=markup global", "") + "[{{NoSuch}}]", "[{{NoSuch}}]"),
    # inside loops each tag prints its own markup every time
    ("%%[ SET @p = '[1,2]' ]%%" + block("variableEmptyValue=markup", "{{#each @p}}{{this}}{{ missing }}{{/each}}"),
     "1{{ missing }}2{{ missing }}"),
])
def test_variable_empty_value_markup(source, expected):
    assert Template(source).render(attributes={"Name": "Ada", "Empty": "", "Zero": 0}) == expected


@pytest.mark.parametrize("attrs, message", [
    ("defaultVariableFormatter=bogus",
     "The option defaultVariableFormatter must be html, text, number or currency, not 'bogus'"),
    ("variableEmptyValue=blank", "The option variableEmptyValue must be empty, throw or markup, not 'blank'"),
    ('defaultNumericFormat=""', 'The option defaultNumericFormat needs a value, like defaultNumericFormat="N2"'),
    ("defaultCurrencyFormat", 'The option defaultCurrencyFormat needs a value, like defaultCurrencyFormat="N2"'),
])
def test_bad_option_values_fail_at_the_tag(attrs, message):
    with pytest.raises(AmpscriptRuntimeError) as e:
        Template("x\n  " + block(attrs, "{{Price}}"), "t.html").render(attributes=VALUES)
    assert e.value.message == message
    assert (e.value.line, e.value.column) == (2, 3)
    assert str(e.value).startswith("t.html:2:3:") and str(e.value).endswith("\n      ^")


def test_a_pattern_that_cannot_format_the_value_fails_at_the_output_tag():
    with pytest.raises(AmpscriptRuntimeError) as e:
        Template(block("defaultVariableFormatter=number defaultNumericFormat=D", "\n {{Price}}")).render(
            attributes=VALUES)
    assert e.value.message == "defaultNumericFormat: format needs an integer value, got 1234.5"
    assert (e.value.line, e.value.column) == (2, 4)


# ---- {{#with}} never iterates (spec §5)
@pytest.mark.parametrize("source, expected", [
    ("%%[ SET @p = '[{\"n\":1},{\"n\":2}]' ]%%{{#with @p}}[{{#each this}}{{n}}{{/each}}]{{/with}}", "[12]"),
    ("%%[ SET @p = '[]' ]%%{{#with @p}}x{{else}}none{{/with}}", "none"),
    ("%%[ SET @p = '{\"a\":{\"b\":\"x\"}}' ]%%{{#with @p}}{{a.b}}{{/with}}", "x"),
    ("{{#with Name}}{{.}}!{{/with}}", "Ada!"),
])
def test_with_takes_the_value_once_even_an_array(source, expected):
    assert Template(source).render(attributes={"Name": "Ada"}) == expected


# ---- JSON text "[]" and "{}" is empty, like the data it holds (spec §4, §7)
def test_json_text_of_an_empty_array_or_object_is_empty():
    src = ("%%[ SET @p = '[]' SET @o = ' {}' SET @t = '[x' ]%%"
           "{{#each @p}}x{{else}}none{{/each}}|{{#@p}}x{{else}}none{{/@p}}|{{^@p}}inv{{/@p}}|"
           "{{#if @p}}t{{.else}}f{{/if}}|{{#if @o}}t{{.else}}f{{/if}}|{{#if @t}}t{{.else}}f{{/if}}")
    assert Template(src).render() == "none|none|inv|f|t|t"


# ---- .data filters: read once per filter text, then a function per row
@pytest.mark.parametrize("data, expected", [
    ('{"target":"@j","filter":"uid == [contactKey]"}', "2;"),
    ('{"target":"@j","filter":"a.b > 2"}', "1;"),
    ('{"target":"@j","filter":"c"}', "1;"),
    ('{"target":"@j","filter":"uid != \\"1\\"","order":"uid DESC"}', "3;2;"),
])
def test_filters(data, expected):
    src = ("%%[ SET @j = '[{\"uid\":\"1\",\"a\":{\"b\":3},\"c\":\"x\"},{\"uid\":\"2\",\"a\":{\"b\":1},\"c\":\"\"},"
           "{\"uid\":\"3\",\"a\":{\"b\":0}}]' ]%%"
           "{{.datasource D type=variable}}{{.data}}" + data + "{{/data}}{{uid}};{{/datasource}}")
    assert Template(src).render(attributes={"contactKey": "2"}) == expected


@pytest.mark.parametrize("source, message", [
    ('{{.datasource D type=variable}}{{.data}}{"target":"@j","filter":"Add(1,2)"}{{/data}}{{/datasource}}',
     "A filter cannot call functions"),
    ('{{.datasource D type=variable}}{{.data}}{"target":"@j","filter":"a =="}{{/data}}{{/datasource}}',
     "Bad filter 'a ==': Unexpected end of tag"),
    ("{{.datasource D type=inline maxRows}}{{/datasource}}", "maxRows needs a value, like maxRows=10"),
])
def test_bad_datasource_settings_fail_at_the_tag(source, message):
    with pytest.raises(AmpscriptRuntimeError) as e:
        Template("%%[ SET @j = '[]' ]%%\n" + source).render()
    assert e.value.message == message
    assert (e.value.line, e.value.column) == (2, 1)


# ---- set delimiters back to {{ }} from inside {{ }} (spec §3)
@pytest.mark.parametrize("source, expected", [
    ("{{={{ }}=}}{{x}}", "1"),
    ("{{=<% %>=}}<%x%>{{x}}<%={{ }}=%>{{x}}<%x%>", "1{{x}}1<%x%>"),
    ('{{=Concat("a", "b")}}', "ab"),
])
def test_set_delimiters_holding_the_closing_delimiter(source, expected):
    assert Template(source).render(attributes={"x": "1"}) == expected


# ---- empty names are syntax errors, not crashes
@pytest.mark.parametrize("source, message, column", [
    ("{{[]}}", "Unexpected '[' in GTL tag", 3),
    ("{{#[]}}x{{/[]}}", "Unexpected '[' in GTL tag", 4),
    ("{{>}}", "A partial needs a name, like {{>key:Header}} or {{>Header}}", 3),
    ("{{>.when}}", "A partial needs a name, like {{>key:Header}} or {{>Header}}", 3),
    ("{{>../}}", "A partial needs a name, like {{>key:Header}} or {{>Header}}", 3),
])
def test_empty_names_are_syntax_errors(source, message, column):
    from ampy.errors import AmpscriptSyntaxError

    with pytest.raises(AmpscriptSyntaxError) as e:
        Template(source)
    assert (e.value.message, e.value.line, e.value.column) == (message, 1, column)
