"""Property tests: no input, however malformed, raises anything but AmpscriptError."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ampy
from ampy.runtime.values import compare, equals, format_double, parse_number, to_text

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
