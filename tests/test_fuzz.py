"""Property tests: no input, however malformed, raises anything but AmpscriptError, and none of the
errors is an internal one (a bug in ampy rather than in the script)."""

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ampy
from ampy.backends.local import LocalBackend
from ampy.errors import AmpscriptInternalError
from ampy.registry import all_builtins
from ampy.runtime.values import compare, equals, format_double, parse_number, to_text

ROOT = Path(__file__).resolve().parent.parent

PIECES = st.sampled_from([
    "%%[", "]%%", "%%=", "=%%", "%%", "IF", "THEN", "ELSEIF", "ELSE", "ENDIF", "FOR", "TO", "DOWNTO", "DO",
    "NEXT", "SET", "VAR", "@a", "@i", "=", "==", "!=", "<", ">", "(", ")", ",", "'", '"', "1", "-2.5", "x",
    "Concat", "Add", "Row", "Field", "v", "IIf", "Output", "Lookup", "AND", "OR", "NOT", "true", " ", "\n",
    "/*", "*/", "[Attr]", "<script runat=server language=ampscript>", "</script>", "FirstName", "Divide",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_raises_anything_else(text):
    try:
        ampy.render(text)
    except ampy.AmpscriptError:
        pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map(" ".join))
def test_random_token_soup_never_raises_anything_else(text):
    try:
        ampy.render(text, attributes={"FirstName": "Ann", "Attr": "v"})
    except ampy.AmpscriptError as e:
        assert e.line >= 1 and e.column >= 1
        assert str(e).startswith(f"<string>:{e.line}:{e.column}: ")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_plain_text_is_copied_verbatim(text):
    if "%%" in text or "<script" in text.lower():
        return
    assert ampy.render(text) == text


@given(st.floats(min_value=-1e300, max_value=1e300))
def test_number_text_round_trips_to_15_digits(x):
    text = format_double(x)
    back = parse_number(text)
    assert back is not None
    if x != 0:
        assert abs(float(back) - x) <= abs(x) * 1e-14


@given(st.one_of(st.text(max_size=10), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
       st.one_of(st.text(max_size=10), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()))
def test_equality_is_symmetric_and_agrees_with_compare(a, b):
    assert equals(a, b) == equals(b, a)
    assert compare(a, b) == -compare(b, a)
    if equals(a, b) and not (isinstance(a, str) and isinstance(b, str)):
        assert compare(a, b) == 0
    assert isinstance(to_text(a), str)


def _outcome(parse_tokens, toks):
    from lark.exceptions import UnexpectedInput

    try:
        return ("ok", parse_tokens(toks))
    except UnexpectedInput as e:
        token = getattr(e, "token", None)
        return ("error", getattr(token, "type", None), getattr(token, "line", None), getattr(token, "column", None))
    except Exception as e:  # the transformer's own checks (NEXT mismatch, MSG members)
        inner = getattr(e, "orig_exc", e)
        return ("raised", type(inner).__name__)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map(" ".join))
def test_the_lalr_driver_agrees_with_larks_own_parser(text):
    from ampy.syntax.lexer import tokenize
    from ampy.syntax.parser import _drive, _lark

    try:
        toks = tokenize(text)
    except ampy.AmpscriptError:
        return
    ours, theirs = _outcome(_drive, toks), _outcome(_lark().parse, toks)
    if theirs[0] == "error" and theirs[1] == "$END":
        assert ours[:2] == ("error", "$END")   # the position of an end-of-input token is ours to choose
    else:
        assert ours == theirs


# ---- the render contract under generated input --------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_backend(tmp_path_factory):
    """A local cloud over a copy of the corpus account's data (writes stay in its memory store)."""
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "tests" / "corpus" / "data" / "dataextensions", folder / "dataextensions")
    shutil.copytree(ROOT / "tests" / "corpus" / "data" / "content", folder / "content")
    backend = LocalBackend(str(folder / "dataextensions"), str(folder / "content"))
    yield backend
    backend.close()


def renders_or_fails_cleanly(source: str, backend, **options) -> None:
    """The contract: the template renders, or raises an AmpscriptError that is not ours to fix."""
    try:
        ampy.compile(source).render(backend=backend, **options)
    except AmpscriptInternalError as e:
        raise AssertionError(f"internal error for:\n{source}\n{e}") from e
    except ampy.AmpscriptError:
        pass


BUILTINS = all_builtins()
ATTRIBUTES = {"FirstName": "Ann", "Email": "ann@example.com", "Tier": "Gold", "Points": "1200"}

# Values of every AMPscript type, as expressions: text (numeric, dates, markup, JSON, empty, odd
# characters), numbers (tiny, huge, out of the double range as text), booleans, nulls, dates, rows,
# rowsets and API objects.
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "0", "-1", "1.5", "1e400", "9" * 400, "NaN", "Infinity", "true", "False",
                     "2026-03-04", "3/4/2026 5:06 PM", "12/31/9999 11:59 PM", "1/1/0001", "Y", "M", "D", "H",
                     "MI", "N2", "C", "yyyy-MM-dd", "en-US", "fr-FR", "xx-XX", "UTF-8", "utf-16", "ascii",
                     "<a><b>1</b></a>", '{"a":[1,{"b":2}]}', "[1,2", "$.a[0]", "//b", "http://127.0.0.1:9/",
                     "Customers", "Orders", "Email", "Id", "Tier", "aes", "HS256", "%%=v(@x)=%%", "\u00e9\u20ac",
                     "\U0001f600", "a\x00b", "a,b;c|d", "\t\r\n"]),
).map(lambda t: "'" + t.replace("'", "''") + "'")
NUMBER = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6),
    st.integers(min_value=-10**40, max_value=10**40),
    st.sampled_from([0, 1, -1, 2**31, 2**53 + 1, 10**15, int("9" * 309), -int("9" * 309)]),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 4)),
).map(lambda n: repr(n) if isinstance(n, int) else f"{n:.4f}")
OTHER = st.sampled_from([
    "true", "false", "@null", "@x", "[FirstName]", "[Missing]", "Now()", "Now(1)", "DateParse('1/1/0001')",
    "DateParse('12/31/9999 11:59 PM')", "Divide(1, 0)", "Divide(0, 0)",
    "LookupRows('Customers', 'Tier', 'Gold')", "Row(LookupRows('Customers', 'Tier', 'Gold'), 1)",
    "CreateObject('DataExtensionObject')", "CreateObject('RetrieveRequest')", "@api",
])
VALUE = st.one_of(TEXT, NUMBER, OTHER)


def _call(b, args) -> str:
    return f"{b.name}({', '.join(args)})"


@st.composite
def builtin_call(draw, b):
    top = b.max_args if b.max_args is not None else b.min_args + 3
    count = draw(st.integers(min_value=b.min_args, max_value=min(top, b.min_args + 4)))
    args = [f"@out{i}" if i in b.out_params else draw(VALUE) for i in range(count)]
    return _call(b, args)


PRELUDE = ("%%[ VAR @null, @out0, @out1, @out2, @out3, @out4, @out5 SET @x = 'x' "
           "SET @api = CreateObject('DataExtensionObject') ]%%")


@pytest.mark.parametrize("b", BUILTINS, ids=lambda b: b.name)
def test_every_builtin_with_random_typed_arguments_fails_only_cleanly(fuzz_backend, b):
    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(call=builtin_call(b), context=st.sampled_from(["page", "email", "sms"]))
    def check(call, context):
        renders_or_fails_cleanly(f"{PRELUDE}%%[ SET @r = {call} ]%%%%=v(@r)=%%", fuzz_backend,
                                 attributes=ATTRIBUTES, context=context)

    check()


# Grammar-aware templates: every piece is well-formed, so renders get past the parser and exercise
# the runtime (nested calls, conditions, loops, output), not just syntax errors.
VARIABLES = st.sampled_from(["@a", "@b", "@i", "@x", "@null", "@api"])


def _expressions():
    leaf = st.one_of(VALUE, VARIABLES)

    def grow(inner):
        def calls(b):  # arity within the declared bounds, so the call compiles
            top = min(b.max_args if b.max_args is not None else b.min_args + 2, b.min_args + 2)
            return st.lists(inner, min_size=b.min_args, max_size=top).map(
                lambda args: _call(b, [f"@out{i}" if i in b.out_params else a for i, a in enumerate(args)]))

        call = st.sampled_from(BUILTINS).flatmap(calls)
        compare_ = st.tuples(inner, st.sampled_from(["==", "!=", "<", ">", "<=", ">="]), inner).map(" ".join)
        logic = st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(" ".join)
        return st.one_of(call, compare_, logic, inner.map(lambda e: f"NOT ({e})"), inner.map(lambda e: f"({e})"))

    return st.recursive(leaf, grow, max_leaves=8)


EXPRESSION = _expressions()


def _statements():
    simple = st.one_of(
        st.tuples(VARIABLES, EXPRESSION).map(lambda t: f"SET {t[0]} = {t[1]}"),
        EXPRESSION.map(lambda e: f"Output(Concat({e}))"),
        VARIABLES.map(lambda v: f"VAR {v}"),
    )

    def grow(inner):
        body = st.lists(inner, min_size=1, max_size=3).map(" ".join)
        if_ = st.tuples(EXPRESSION, body, st.none() | body).map(
            lambda t: f"IF {t[0]} THEN {t[1]}" + (f" ELSE {t[2]}" if t[2] else "") + " ENDIF")
        for_ = st.tuples(st.integers(-2, 4), st.sampled_from(["TO", "DOWNTO"]), st.integers(-2, 4), body).map(
            lambda t: f"FOR @i = {t[0]} {t[1]} {t[2]} DO {t[3]} NEXT @i")
        return st.one_of(if_, for_)

    return st.recursive(simple, grow, max_leaves=6)


STATEMENTS = st.lists(_statements(), min_size=1, max_size=4).map(" ".join)
TEMPLATE = st.lists(st.one_of(
    STATEMENTS.map(lambda s: f"%%[ {s} ]%%"),
    EXPRESSION.map(lambda e: f"%%={e}=%%"),
    st.sampled_from(["Hi ", "%%FirstName%%", "<p>", "\n"]),
), min_size=1, max_size=4).map("".join)


@settings(max_examples=250, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(TEMPLATE)
def test_grammar_generated_templates_render_or_fail_cleanly(fuzz_backend, source):
    renders_or_fails_cleanly(PRELUDE + source, fuzz_backend, attributes=ATTRIBUTES)


# Real templates, mutated: the samples and the corpus cases with pieces cut, repeated, swapped or
# replaced by a token, so the runtime meets near-real scripts that are slightly wrong.
SEEDS = sorted(p.read_text(encoding="utf-8") for p in [*ROOT.glob("samples/*.amp"), *ROOT.glob("tests/corpus/*.amp")])


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, min(n, a + 40)))
        op = draw(st.sampled_from(["cut", "repeat", "token", "swap", "expression"]))
        if op == "cut":
            text = text[:a] + text[b:]
        elif op == "repeat":
            text = text[:b] + text[a:b] + text[b:]
        elif op == "token":
            text = text[:a] + draw(PIECES) + text[b:]
        elif op == "expression":
            text = text[:a] + draw(EXPRESSION) + text[b:]
        else:
            c = draw(st.integers(0, n))
            text = text[:a] + text[c:c + (b - a)] + text[b:]
    return text


def test_there_are_seeds_to_mutate():
    assert len(SEEDS) >= 10 and all("%%" in s or "<script" in s.lower() for s in SEEDS)


@settings(max_examples=250, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutated())
def test_mutated_samples_render_or_fail_cleanly(fuzz_backend, source):
    renders_or_fails_cleanly(source, fuzz_backend, attributes=ATTRIBUTES)


# Data files as a user might botch them: CSV bytes in odd encodings and schema files of any JSON shape.
CSV_PIECES = st.sampled_from([b"Id", b"Name", b",", b"\n", b"\r\n", b'"', b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
                              b"1", b" ", b"\xe9", b'a"b', b";", b"\t"])
SCHEMA_KEYS = st.sampled_from(["fields", "name", "type", "primaryKey", "maxLength", "required", "default", "scale",
                               "customerKey", "isSendable", "description", "sendableField"])
SCHEMAS = st.one_of(
    st.none(),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SCHEMA_KEYS, inner, max_size=4),
                 max_leaves=10),
    st.fixed_dictionaries({"fields": st.lists(st.fixed_dictionaries(
        {"name": st.sampled_from(["Id", "Name", "X"])},
        optional={"type": st.sampled_from(["Text", "Number", "Decimal", "Date", "Boolean", "Phone", 5]),
                  "primaryKey": st.booleans(), "maxLength": st.integers(-3, 10) | st.text(max_size=3),
                  "scale": st.integers(-3, 10), "required": st.booleans(),
                  "default": st.none() | st.text(max_size=4) | st.integers()}), max_size=4)}),
)
DE_CALLS = st.sampled_from([
    "Lookup('People','Name','Id',1)", "RowCount(LookupRows('People','Id',1))", "InsertDE('People','Id',5,'Name','x')",
    "UpsertDE('People',1,'Id',1,'Name','y')", "UpdateDE('People',1,'Id',1,'Name','z')", "DeleteDE('People','Id',1)",
])


def test_botched_data_files_fail_only_cleanly(tmp_path):
    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(CSV_PIECES, max_size=30).map(b"".join), SCHEMAS, DE_CALLS)
    def check(csv, schema, call):
        (tmp_path / "People.csv").write_bytes(csv)
        schema_file = tmp_path / "People.schema.json"
        schema_file.unlink(missing_ok=True)
        if schema is not None:
            schema_file.write_text(json.dumps(schema), encoding="utf-8")
        backend = LocalBackend(str(tmp_path))
        try:
            renders_or_fails_cleanly(f"%%={call}=%%", backend)
        finally:
            backend.close()

    check()


# The API object functions: objects of several types with properties their type really has (so
# the script gets past SetObjectProperty), nested into each other, then sent through every verb.
API_TYPES = ["DataExtension", "DataExtensionField", "DataExtensionObject", "Subscriber", "List", "Email",
             "TriggeredSendDefinition", "TriggeredSend", "QueryDefinition", "ImportDefinition", "Campaign",
             "EmailSendDefinition", "SendClassification", "RetrieveRequest", "SimpleFilterPart", "ComplexFilterPart",
             "APIProperty", "Attribute", "ExecuteRequest", "ContentValidation", "Send", "SubscriberList"]
API_VERBS = ["InvokeCreate(@o{i}, @m, @c)", "InvokeUpdate(@o{i}, @m, @c)", "InvokeDelete(@o{i}, @m, @c)",
             "InvokeRetrieve(@o{i}, @m)", "InvokePerform(@o{i}, '{action}', @m)", "InvokeExecute(@o{i}, @m, @c)",
             "InvokeConfigure(@o{i}, 'create', @m)", "InvokeExtract(@o{i}, @m)"]


@st.composite
def api_script(draw):
    from ampy.cloud import types

    kinds = draw(st.lists(st.sampled_from(API_TYPES), min_size=4, max_size=4))
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        i = draw(st.integers(0, 3))
        props = types.properties(kinds[i])
        if not props or draw(st.integers(0, 4)) == 0:
            verb = draw(st.sampled_from(API_VERBS))
            lines.append("SET @r = " + verb.format(i=i, action=draw(st.sampled_from(["start", "stop", "send", "x"]))))
            continue
        prop = draw(st.sampled_from(props))
        fits = [j for j in range(4) if prop.type_name and types.is_subtype(kinds[j], prop.type_name)]
        if fits and draw(st.booleans()):
            value = f"@o{draw(st.sampled_from(fits))}"
        else:  # numbers (huge ones too) where the type takes a number, so IDs are tried as well
            value = draw(NUMBER if prop.simple_type in ("int", "long", "double") else VALUE)
        many = (prop.repeated or prop.item_name) and draw(st.booleans())
        verb = "AddObjectArrayItem" if many else "SetObjectProperty"
        lines.append(f"{verb}(@o{i}, '{prop.name}', {value})")
    objects = " ".join(f"SET @o{i} = CreateObject('{kind}')" for i, kind in enumerate(kinds))
    return f"%%[ VAR @null, @m, @c SET @x = 'x' {objects} {' '.join(lines)} ]%%%%=v(@r)=%%|%%=v(@m)=%%"


def test_api_object_scripts_fail_only_cleanly(tmp_path):
    from ampy.cloud.workspace import create_workspace

    create_workspace(str(tmp_path / "ws"))
    backend = LocalBackend.for_workspace(str(tmp_path / "ws"))

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(api_script())
    def check(source):
        renders_or_fails_cleanly(source, backend)

    try:
        check()
    finally:
        backend.close()
