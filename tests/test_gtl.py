"""Guide Template Language: every example of the GTL spec, ampy's documented choices, errors
with positions, mixing with AMPscript, DE data sources on a real local workspace, and a property
test that random GTL renders or fails with a script error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ampy.errors import AmpscriptError, AmpscriptRuntimeError, AmpscriptSyntaxError
from ampy.template import Template

ADA = {"FirstName": "Ada"}
PEOPLE_JSON = '%%[ set @people = \'["a","b"]\' ]%%'
CONTACTS = ('%%[ set @json = \'[{"EmailAddress":"carla@example.com","Region":"Central"},'
            '{"EmailAddress":"john@example.com","Region":"West"}]\' ]%%')


def render(source: str, attributes=None, **options) -> str:
    return Template(source).render(attributes=attributes or {}, **options)


# ---- the spec's examples, with their exact output
@pytest.mark.parametrize("source, attributes, expected", [
    ("Hello {{FirstName}}!", ADA, "Hello Ada!"),                                             # §1
    ("{{T}}", {"T": "<b>A & B</b>"}, "&lt;b&gt;A &amp; B&lt;/b&gt;"),                       # §3
    ("{{{T}}}", {"T": "<b>A & B</b>"}, "<b>A & B</b>"),
    ("{{&T}}", {"T": "<b>A & B</b>"}, "<b>A & B</b>"),
    ("{{& T}}", {"T": "<b>A & B</b>"}, "<b>A & B</b>"),
    ("Hi   {{~FirstName~}}   !", ADA, "HiAda!"),
    ("Hi \n\t{{~FirstName}} !", ADA, "HiAda !"),
    ("A{{!-- {{x}} }} --}}B", {}, "AB"),
    ("<!-- {{={< >}=}} -->{{#items}}{{/items}} {<FirstName>}", ADA, "<!--  -->{{#items}}{{/items}} Ada"),
    ("[{{NoSuch}}]", {}, "[]"),                                                              # §4
    ("{{#Nickname}}Hi {{.}}{{/Nickname}}", {"Nickname": "Bo"}, "Hi Bo"),                    # §5
    ("{{#Nickname}}Hi {{.}}{{/Nickname}}", {"Nickname": ""}, ""),
    ("{{^Nickname}}friend{{/Nickname}}", {}, "friend"),
    ('{{#if order == "1234"}}Your order is ready{{.else}}Your order is not ready{{/if}}', {"order": 1234},
     "Your order is ready"),
    ('{{#if order == "1234"}}Your order is ready{{.else}}Your order is not ready{{/if}}', {"order": 5678},
     "Your order is not ready"),
    (PEOPLE_JSON + "{{#each @people}}{{@index}}={{this}} {{/each}}", {}, "0=a 1=b "),
    ('{{#switch}}{{.when State == "NY"}}New York{{.when State == "IL"}}Illinois{{.else}}Elsewhere{{/switch}}',
     {"State": "IL"}, "Illinois"),
    ("{{=Add(1,1)}}", {}, "2"),                                                             # §6
    ("{{=Uppercase(FirstName)}}", ADA, "ADA"),
    (CONTACTS + '{{.datasource C type=variable}}{{.data}}{"target":"@json"}{{/data}}'       # §7
     "{{EmailAddress}} ({{Region}});{{/datasource}}", {},
     "carla@example.com (Central);john@example.com (West);"),
    ("A{{>key:Nope}}B", {}, "AB"),                                                          # §8
    ('<td>{{.slot main}}{{.block b1 htmlblock}}{{.data}}{"x":1}{{/data}}Total %%=Add(2,3)=%%{{/block}}'  # §9
     "{{/slot}}</td>", {}, "<td>Total 5</td>"),
    ("%%[ set @n = 3 ]%%{{FirstName}} has %%=v(@n)=%% items", ADA, "Ada has 3 items"),   # §10
])
def test_spec_examples(source, attributes, expected):
    assert render(source, attributes) == expected


# ---- ampy's choices where the spec says uncertain (docs/gtl.md)
@pytest.mark.parametrize("source, attributes, expected", [
    ("%%{={{ }}=}%%Hi {{FirstName}}", ADA, "Hi Ada"),              # %%{...}%% is a GTL tag everywhere
    ("%%{FirstName}%%", ADA, "Ada"),
    ("{{T}}", {"T": "'`=é"}, "'`=é"),                               # only & < > " are escaped
    ("a\n{{#x}}\nb\n{{/x}}\n", {"x": "1"}, "a\n\nb\n\n"),           # no standalone-line trimming
    ("{{#if x}}A{{else}}B{{/if}}", {}, "B"),                        # Handlebars else accepted
    ("{{#IF x}}A{{/if}}", {"X": "1"}, "A"),                         # keywords and names case-insensitive
    ("{{#x}}yes{{/x}}", {"x": "0"}, "yes"),                         # "0" is non-empty
    ("{{#x}}yes{{/x}}", {"x": 0}, ""),                              # 0 is empty
    ("{{#=x}}A{{/x}}", {"x": "1"}, "A"),                            # {{#=...}} parses like {{#...}}
    ('%%[ set @o = \'{"a":1,"b":2}\' ]%%{{#each @o}}{{@key}}={{this}};{{/each}}', {}, "a=1;b=2;"),
    ("{{#each @none}}x{{else}}empty{{/each}}", {}, "empty"),
    ('%%[ set @j = \'{"Sku":"X1","n":2.5,"t":true,"z":null}\' ]%%{{#with @j}}{{sku}} {{n}} {{t}} [{{z}}]{{/with}}',
     {}, "X1 2.5 true []"),
    ('%%[ set @j = \'[[1,2]]\' ]%%{{#with @j}}{{#each this}}[{{#each this}}{{.}}{{/each}}]{{/each}}{{/with}}',
     {}, "[12]"),                                                   # with: the array itself, once
    ('%%[ set @j = \'{"a":{"b":"deep"}}\' ]%%{{@j.a.b}} {{#with @j}}{{#with a}}{{b}}{{../a.b}}{{/with}}{{/with}}',
     {}, "deep deepdeep"),
    ("{{[First Name]}}", {"First Name": "Ada"}, "Ada"),
    ("{{#if n > 9}}big{{.else}}small{{/if}}", {"n": "10"}, "big"),  # numbers compare numerically
    ('{{#if s == "ADA"}}same{{/if}}', {"s": "ada"}, "same"),         # strings case-insensitively
    ("{{#with missing}}x{{/with}}", {}, ""),
    ('{{.slot s}}{{.meta}}hidden{{/meta}}{{.default}}fallback{{/default}}{{/slot}}', {}, "fallback"),
    ('{{.slot s}}{{.default}}fallback{{/default}}content{{/slot}}', {}, "content"),
    ('{{#each x region=r1}}{{/each}}{{#x region=r1}}{{.}}{{/x}}', {"x": "v"}, "v"),
    ("{{=FormatNumber(n, \"N2\")}}", {"n": "1234.5"}, "1,234.50"),
])
def test_documented_choices(source, attributes, expected):
    assert render(source, attributes) == expected


def test_text_content_and_sms_are_not_escaped():
    assert render("{{T}}", {"T": "<b>&"}, content_type="text") == "<b>&"
    assert render("{{T}}", {"T": "<b>&"}, context="sms") == "<b>&"


def test_function_arguments_escaped_unless_marked_raw():
    assert render("{{=Concat(x, &x, {x})}}", {"x": "<a>"}) == "&lt;a&gt;<a><a>"
    assert render("{{=Concat(x, &x)}}", {"x": "<a>"}, content_type="text") == "<a><a>"


def test_gtl_off_leaves_tags_as_text():
    assert Template("{{FirstName}}", gtl=False).render(attributes=ADA) == "{{FirstName}}"


def test_template_without_gtl_has_no_gtl_setup():
    from ampy.compiler import compile_ast
    from ampy.syntax.parser import parse

    compiled = compile_ast(parse("%%=v(@x)=%% plain { text }"))
    assert not any("_gscope" in line for line in compiled._lines)


# ---- data sources
def test_inline_datasource_filter_order_maxrows():
    src = ('{{.datasource P type=inline maxRows = 2}}{{.data}}[{"n":"b","p":3},{"n":"a","p":1},{"n":"c","p":2},'
           '{"n":"d","p":9}]{{/data}}{{n}}{{/datasource}}')
    assert render(src) == "ba"
    src = ('{{.datasource P type=variable}}{{.data}}{"target":"@j","filter":"p > 1","order":"p DESC"}{{/data}}'
           '{{P.n}}{{/datasource}}|{{n}}|')
    assert render('%%[ set @j = \'[{"n":"b","p":3},{"n":"a","p":1},{"n":"c","p":2}]\' ]%%' + src) == "bc||"


def test_nested_datasource_and_dataobject():
    src = ('%%[ set @o = \'[{"id":1,"items":[{"s":"x"},{"s":"y"}]},{"id":2,"items":[]}]\' ]%%'
           '{{.datasource O type=variable}}{{.data}}{"target":"@o"}{{/data}}{{id}}:'
           '{{.datasource I type=nested}}{{.data}}{"target":"O.items"}{{/data}}{{s}}{{/datasource}};'
           '{{/datasource}}')
    assert render(src) == "1:xy;2:;"
    src = ('{{.dataobject D type=inline}}{{.data}}[{"k":"p"},{"k":"q"}]{{/data}}{{/dataobject}}'
           "{{#each D}}{{k}}{{/each}}-{{#D}}{{k}}{{/D}}")
    assert render(src) == "pq-pq"


def test_rowset_variable_is_a_datasource():
    src = ("%%[ set @r = BuildRowsetFromString('x|y', '|') ]%%"
           "{{.datasource R type=variable}}{{.data}}{\"target\":\"@r\"}{{/data}}{{Value}},{{/datasource}}")
    assert render(src) == "x,y,"


def test_ampscript_runs_per_iteration_with_shared_state():
    src = ("%%[ set @c = 0 ]%%{{#each @people}}%%[ set @c = Add(@c, 1) ]%%{{this}}%%=v(@c)=%% {{/each}}"
           "%%=v(@c)=%%")
    assert render(PEOPLE_JSON + src) == "a1 b2 2"
    # AMPscript output is not rescanned for GTL
    assert render("%%=Concat('{{', 'FirstName}}')=%%", ADA) == "{{FirstName}}"


def test_list_datasource_reads_a_local_workspace_de(tmp_path):
    from ampy.backends import open_backend
    from ampy.cloud.workspace import create_workspace

    create_workspace(str(tmp_path / "ws"))
    backend = open_backend("local", workspace=str(tmp_path / "ws"))
    src = ('{{.datasource S type=list}}{{.data}}{"key":"Subscribers","filter":"tier == \\"Gold\\"",'
           '"order":"FirstName DESC"}{{/data}}{{firstname}} ({{City}});{{/datasource}}')
    try:
        out = Template(src).render(backend=backend)
    finally:
        close = getattr(backend, "close", None)
        if close:
            close()
    assert out == "Edsger (Austin);Ada (London);"


def _related_workspace(tmp_path):
    """A local workspace whose Subscribers DE declares a relationship to Orders."""
    import json

    from ampy.backends import open_backend
    from ampy.cloud.workspace import create_workspace

    ws = tmp_path / "ws"
    create_workspace(str(ws))
    schema_path = ws / "dataextensions" / "Subscribers.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["relationships"] = [
        {"name": "Orders", "dataExtension": "Orders", "on": {"SubscriberKey": "SubscriberKey"}}]
    schema_path.write_text(json.dumps(schema))
    (ws / "dataextensions" / "Orders.csv").write_text(
        "OrderID,SubscriberKey,Amount,OrderDate\n1,S001,10.50,2024-01-02\n2,S002,7.00,2024-01-03\n"
        "3,S001,3.25,2024-02-01\n")
    return open_backend("local", workspace=str(ws))


def test_section_over_related_de_rows_of_the_subscriber(tmp_path):
    backend = _related_workspace(tmp_path)
    try:
        source = "{{FirstName}}:{{#Orders}} #{{OrderID}}={{Amount}}{{/Orders}}|{{^Orders}}none{{/Orders}}"
        out = Template(source).render(attributes={"SubscriberKey": "S001", "FirstName": "Ada"}, backend=backend)
        other = Template("[{{#orders}}{{OrderID}}{{/orders}}]").render(
            attributes={"SubscriberKey": "S003"}, backend=backend)
        none = Template("{{^Orders}}none{{/Orders}}").render(attributes={"SubscriberKey": "S003"}, backend=backend)
    finally:
        backend.close()
    assert out == "Ada: #1=10.50 #3=3.25|"
    assert other == "[]"
    assert none == "none"


def test_section_over_related_rows_of_each_datasource_row(tmp_path):
    backend = _related_workspace(tmp_path)
    src = ('{{.datasource S type=list}}{{.data}}{"key":"Subscribers","order":"SubscriberKey"}{{/data}}'
           '{{FirstName}}({{#Orders}}{{OrderID}};{{/Orders}}) {{/datasource}}')
    try:
        out = Template(src).render(backend=backend)
    finally:
        backend.close()
    assert out == "Ada(1;3;) Grace(2;) Alan() Edsger() Barbara() "


# ---- errors: AmpscriptSyntaxError / AmpscriptRuntimeError with line:column and a caret
@pytest.mark.parametrize("source, message, line, column", [
    ("{{#if x}}open", "{{#if}} without {{/if}}", 1, 1),
    ("ab\n{{#if x}}a{{/each}}", "{{/each}} does not close {{#if}} (line 2, column 1)", 2, 11),
    ("{{/if}}", "{{/if}} closes no open block", 1, 1),
    ("x {{FirstName", "GTL tag {{ is never closed with }}", 1, 3),
    ("{{.nope}}", "Unknown GTL tag '.nope'", 1, 3),
    ("a\n  {{#if x ==}}", "Unexpected end of tag", 2, 13),
    ("{{a b}}", "Unexpected 'b' in GTL tag", 1, 5),
    ("{{=NoSuchFn(1)}}", "Unknown function 'NoSuchFn' (did you mean Noun, Nouns?)", 1, 4),
    ("{{=Add(1)}}", "Add takes exactly 2 arguments, got 1", 1, 4),
    ("{{.data}}{}", "{{.data}} is never closed with {{/data}}", 1, 1),
    ("{{#if x}}%%[ if 1 == 1 then ]%%{{/if}}%%[ endif ]%%", "{{/if}} closes no open block", 1, 32),
])
def test_syntax_errors(source, message, line, column):
    with pytest.raises(AmpscriptSyntaxError) as info:
        Template(source, "t.html")
    err = info.value
    assert (err.message, err.line, err.column) == (message, line, column)
    assert f"t.html:{line}:{column}" in str(err) and "^" in str(err)


@pytest.mark.parametrize("source, message, line, column", [
    ('{{#if missing == "x"}}a{{/if}}', "Cannot compare with an undefined value (==)", 1, 7),
    ("{{.datasource D type=inline}}{{.data}}[{{/data}}{{/datasource}}", "Malformed JSON", 1, 1),
    ("{{.datasource D type=query}}{{/datasource}}", "{{.datasource D}}: type=query is unsupported", 1, 1),
    ("{{.datasource D type=odd}}{{/datasource}}", "{{.datasource D}}: unknown type 'odd'", 1, 1),
    ("{{.datasource D type=inline maxRows=0}}{{/datasource}}", "maxRows must be a positive whole number, not 0",
     1, 1),
])
def test_runtime_errors(source, message, line, column):
    with pytest.raises(AmpscriptRuntimeError) as info:
        Template(source, "t.html").render()
    err = info.value
    assert err.message.startswith(message)
    assert (err.line, err.column) == (line, column)


# ---- property: random GTL renders or fails with a script error, never a traceback
_PIECES = st.sampled_from([
    "{{", "}}", "{{{", "}}}", "{{#", "{{/", "{{^", "{{.", "{{=", "{{&", "{{!", "{{!--", "--}}", "{{>", "~",
    "if ", "each ", "with ", "switch", "else", ".when ", "unless ", "datasource D type=inline", "data",
    "slot s", "block b", "x", "y", "@i", "this", "..", "../", ".", "==", "!=", "<", '"s"', "1", "-2.5", "true",
    "Add(1,2)", "Upper(x)", "(", ")", ",", "[a b]", "region=r", "%%[ set @i = 1 ]%%", "%%=v(@i)=%%", "%%{",
    "}%%", "=", " ", "\n", "text", "[1,2]", '{"a":1}', "maxRows=3", "variableEmptyValue=markup",
    "defaultVariableFormatter=number", "defaultVariableFormatter=currency", "defaultNumericFormat=D", "global",
])


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_random_gtl_renders_or_raises_a_script_error(source):
    try:
        out = Template(source).render(attributes={"x": "1", "y": "<y>"})
    except AmpscriptError as e:
        assert e.line >= 1 and e.column >= 1
    else:
        assert isinstance(out, str)


def test_treat_as_content_renders_gtl_in_the_current_context():
    # the official recommendation block: a datasource body builds its link with TreatAsContent
    src = ('%%[ SET @Catalog = \'[{"url":"https://a.example/1"},{"url":"https://a.example/2"}]\' ]%%'
           '{{.datasource R type=variable}}{{.data}}{"target":"@Catalog"}{{/data}}'
           '%%[ SET @href = TreatAsContent("{{url}}") ]%%<a href="%%=RedirectTo(@href)=%%">x</a>{{/datasource}}')
    assert render(src) == '<a href="https://a.example/1">x</a><a href="https://a.example/2">x</a>'


def test_partials_render_stored_content_and_variables():
    src = "%%[ SET @snippet = 'Hi {{FirstName}}' ]%%[{{>var:snippet}}][{{>key:Nope}}]"
    assert render(src, ADA) == "[Hi Ada][]"


def test_repl_renders_gtl():
    from ampy.repl.session import ReplSession

    session = ReplSession()
    session.set_attribute("FirstName", "Ada")
    assert session.execute("Hello {{FirstName}}!").output == "Hello Ada!"
    assert session.execute("{{#if FirstName}}yes{{.else}}no{{/if}}").output == "yes"


def test_pygments_lexer_highlights_gtl_tags():
    from pygments.token import Comment, Keyword, Name

    from ampy.repl.lexer import AmpscriptLexer

    toks = [(t, v) for t, v in AmpscriptLexer().get_tokens("<p>{{#each x}}{{=Add(1,2)}}{{! c }}{{/each}}</p>")]
    assert (Comment.Preproc, "{{#") in toks and (Keyword, "each") in toks
    assert (Name.Function, "Add") in toks and (Comment.Multiline, "{{! c }}") in toks
    assert (Comment.Preproc, "{{/") in toks and (Name.Attribute, "x") in toks


@pytest.mark.parametrize("source", [
    '{{~#if a == "b"~}}x{{.else}}y{{/if}}', "{{>key:Header}}", "{{=<% %>=}}", "{{../x}}{{.}}{{@index}}",
    "{{.datasource C type=inline maxRows = 3 global}}", "{{{T}}}%%{x}%%{{&T}}", "{{[First Name]}}",
])
def test_pygments_lexer_has_no_error_tokens_in_gtl_tags(source):
    from pygments.token import Error

    from ampy.repl.lexer import AmpscriptLexer

    assert [v for t, v in AmpscriptLexer().get_tokens(source) if t in Error] == []


def test_ampy_run_and_check_know_gtl(tmp_path):
    import subprocess
    import sys

    page = tmp_path / "page.html"
    page.write_text("Hello {{FirstName}}!{{#if x}}\n", encoding="utf-8")
    checked = subprocess.run([sys.executable, "-m", "ampy", "check", str(page)], capture_output=True, text=True)
    assert checked.returncode != 0 and "{{#if}} without {{/if}}" in checked.stdout + checked.stderr
    page.write_text("Hello {{FirstName}}!", encoding="utf-8")
    ran = subprocess.run([sys.executable, "-m", "ampy", "run", "--attr", "FirstName=<Ada>", str(page)],
                         capture_output=True, text=True)
    assert ran.stdout == "Hello &lt;Ada&gt;!"


def test_lint_counts_gtl_reads_of_variables_and_reports_gtl_errors():
    from ampy.lint.engine import lint_source

    src = ("%%[ SET @orders = '[1]' SET @rows = '' SET @unused = 1 ]%%{{#each @orders}}{{this}}{{/each}}"
           '{{.datasource D type=variable}}{{.data}}{"target":"@rows"}{{/data}}{{/datasource}}')
    assert [(d.code, d.message) for d in lint_source(src)] == [("AMP107", "@unused is set but never read")]
    found = lint_source("a {{#each x}}\n{{.nope}} {{/with}}")
    assert [(d.code, d.message, d.line, d.column) for d in found] == [
        ("AMP001", "Unknown GTL tag '.nope'", 2, 3),
        ("AMP001", "{{/with}} does not close {{#each}} (line 1, column 3)", 2, 11)]


def test_asset_json_placeholders_are_flattened_then_rendered():
    from ampy.errors import FunctionError
    from ampy.gtl.assets import flatten_asset

    asset = {"content": '<td><div data-type="slot" data-key="main"></div></td>',
             "slots": {"main": {"content": '<div data-key="b1" data-type="block"></div>|'
                                           '<div data-type="block" data-key="gone"></div>',
                                "blocks": {"b1": {"content": "Hi {{FirstName}} %%=Add(2,3)=%%"}}}}}
    text = flatten_asset(asset)
    assert text == "<td>Hi {{FirstName}} %%=Add(2,3)=%%|</td>"
    assert render(text, ADA) == "<td>Hi Ada 5|</td>"
    loop = {"content": '<div data-type="block" data-key="a"></div>',
            "blocks": {"a": {"content": '<div data-type="block" data-key="a"></div>'}}}
    with pytest.raises(FunctionError, match="more than 20 levels"):
        flatten_asset(loop)


# ---- datasource options (spec §12) and the global flag (spec §7)
_CASE = '{{#if Tier == "gold"}}same{{.else}}differs{{/if}}'


@pytest.mark.parametrize("source, expected", [
    ('{{.datasource C type=inline caseSensitivity=true}}{{.data}}[{"a":"X"}]{{/data}}'
     '{{#if a == "x"}}same{{.else}}differs{{/if}}{{/datasource}}|' + _CASE, "differs|same"),
    ('{{.datasource C type=inline caseSensitivity=true global}}{{.data}}[]{{/data}}{{/datasource}}' + _CASE,
     "differs"),
    ('{{.dataobject D type=inline casesensitivity = true global}}{{.data}}[]{{/data}}{{/dataobject}}' + _CASE,
     "differs"),
    ('{{.datasource C type=inline errorOnUndefined=false}}{{.data}}{}{{/data}}'
     '{{#if nope == ""}}blank{{/if}}{{/datasource}}', "blank"),
    ('{{.datasource C type=inline defaultRelatedRows=2}}{{.data}}[1,2,3]{{/data}}{{.}}{{/datasource}}', "12"),
    ('{{.datasource C type=inline maxRelatedRows=2 maxRows=3}}{{.data}}[1,2,3]{{/data}}{{.}}{{/datasource}}',
     "12"),
    ('{{.datasource C type=inline variableEmptyValue=empty}}{{.data}}{}{{/data}}[{{nope}}]{{/datasource}}',
     "[]"),
])
def test_datasource_options(source, expected):
    assert Template(source).render(attributes={"Tier": "Gold"}) == expected


def test_datasource_option_errors():
    with pytest.raises(AmpscriptRuntimeError) as e:
        Template('{{.datasource C type=inline variableEmptyValue=throw}}{{.data}}{}{{/data}}{{nope}}'
                 '{{/datasource}}').render()
    assert e.value.message == "An undefined value with variableEmptyValue=throw"
    with pytest.raises(AmpscriptRuntimeError) as e:
        Template('{{.datasource C type=inline caseSensitivity=maybe}}{{/datasource}}').render()
    assert e.value.message == "The option caseSensitivity must be true or false, not 'maybe'"
    # without global the errorOnUndefined=false of the block is gone after it
    with pytest.raises(AmpscriptRuntimeError):
        Template('{{.datasource C type=inline errorOnUndefined=false}}{{/datasource}}'
                 '{{#if nope == ""}}x{{/if}}').render()


# ---- exported Content Builder asset JSON through the CLI
def test_cli_runs_and_renders_an_asset_json_file(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    asset = {
        "name": "Welcome", "assetType": {"name": "templatebasedemail"},
        "views": {"html": {
            "content": '<p>%%[ SET @n = "Ada" ]%%Hi {{@n}}</p><div data-type="slot" data-key="main"></div>',
            "slots": {"main": {
                "content": '<div data-type="block" data-key="b1"></div>',
                "blocks": {"b1": {"content": "{{#if City}}From {{City}}{{.else}}Welcome{{/if}}"}}}}}},
    }
    asset["content"] = asset["views"]["html"]["content"]
    asset["slots"] = asset["views"]["html"]["slots"]
    path = tmp_path / "welcome.json"
    path.write_text(json.dumps(asset))
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-m", "ampy", "run", str(path), "--attr", "City=<Paris>"],
                         capture_output=True, text=True, cwd=root, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "<p>Hi Ada</p>From &lt;Paris&gt;"
    audience = tmp_path / "audience.csv"
    audience.write_text("SubscriberKey,City\nS1,Rome\nS2,\n")
    render = subprocess.run([sys.executable, "-m", "ampy", "render", str(path), "--csv", str(audience)],
                            capture_output=True, text=True, cwd=root, timeout=120)
    assert render.returncode == 0, render.stderr
    assert render.stdout == "<p>Hi Ada</p>From Rome\n<p>Hi Ada</p>Welcome\n"


# ---- positions inside a GTL tag that spans lines
@pytest.mark.parametrize("source, error, message, line, column, caret", [
    ("<p>\n{{=Add(1,\n    Nope(2))}}", AmpscriptSyntaxError, "Unknown function 'Nope'", 3, 5,
     "        Nope(2))}}\n        ^"),
    ("x\n{{#if\n  a == b}}y{{/if}}", AmpscriptRuntimeError, "Cannot compare with an undefined value (==)", 3, 3,
     "      a == b}}y{{/if}}\n      ^"),
    ('{{#each\n   items}}{{=Add(@index,\n  Add("a", 1))}}{{/each}}', AmpscriptRuntimeError,
     "Add: The first number 'a' is not a number", 3, 3, '      Add("a", 1))}}{{/each}}\n      ^'),
])
def test_error_positions_inside_multiline_tags(source, error, message, line, column, caret):
    with pytest.raises(error) as e:
        Template(source).render(attributes={"a": "1", "items": '["q"]'})
    assert (e.value.line, e.value.column) == (line, column)
    assert e.value.message == message
    assert str(e.value).endswith(caret)


def test_a_string_argument_may_hold_the_closing_delimiter():
    src = '%%[ SET @n = "Bo" ]%%{{@n}}\'s {{=Concat("a }}", @n)}} {{=Concat(\'b }}\', "!")}}'
    assert render(src) == "Bo's a }}Bo b }}!"


def test_an_unclosed_string_in_a_tag_ends_at_the_first_delimiter():
    with pytest.raises(AmpscriptSyntaxError) as e:
        render('{{=Concat("a }}')
    assert str(e.value).splitlines()[0].endswith(":1:11: Unexpected '\"' in GTL tag")
