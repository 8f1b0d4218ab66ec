"""The error contract: whatever a template, its data or the configuration gets wrong surfaces as an
AmpscriptError (or a CLI usage error, exit 2) in the user's terms, never a Python type name."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

import ampy
from ampy.backends.base import Backend
from ampy.backends.local import LocalBackend
from ampy.errors import AmpscriptInternalError

OVERFLOW = "is out of range: Value was either too large or too small for a Double."
NINES = "9" * 309


def cli(*args: str, stdin: bytes | None = None, cwd=None) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "ampy", *args], input=stdin, capture_output=True, cwd=cwd,
                          timeout=120)
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def runtime_error(source: str, **options) -> ampy.AmpscriptRuntimeError:
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render(source, **options)
    assert not isinstance(info.value, AmpscriptInternalError), info.value.message
    return info.value


# ---- numbers ------------------------------------------------------------------------------------

def test_a_number_literal_longer_than_python_converts_is_a_syntax_error_at_the_literal():
    digits = "9" * 4301
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.render(f"ok %%=v({digits})=%%")
    err = info.value
    assert err.message == "This number has 4,301 digits; a number can have at most 4,300"
    assert (err.line, err.column) == (1, 9)
    with pytest.raises(ampy.AmpscriptSyntaxError) as info:
        ampy.render(f"%%[ SET @x = -{digits} ]%%")
    assert (info.value.message, info.value.column) == ("This number has 4,301 digits; a number can have at most 4,300",
                                                       14)


def test_the_longest_number_literal_still_prints_exactly():
    digits = "1" * 4300
    assert ampy.render(f"%%=v({digits})=%%") == digits


def test_check_reports_the_long_literal_instead_of_a_traceback(tmp_path):
    script = tmp_path / "long.amp"
    script.write_text("%%=v(" + "7" * 5000 + ")=%%", encoding="utf-8")
    code, out, err = cli("check", str(script))
    assert (code, out) == (1, "")
    assert err.startswith(f"{script}:1:6: This number has 5,000 digits; a number can have at most 4,300\n")
    assert "Traceback" not in err


@pytest.mark.parametrize(("call", "what"), [
    (f"Add({NINES}, 1)", "Add: The first number"),
    (f"Subtract(1, -{NINES})", "Subtract: The second number"),
    (f"Multiply({NINES}, 0)", "Multiply: The first number"),
    (f"Divide({NINES}, 3)", "Divide: The dividend"),
    (f"Mod(7, {NINES})", "Mod: The divisor"),
    ("Add('1e400', 1)", "Add: The first number"),
    (f"Add('{'9' * 5000}', 1)", "Add: The first number"),
])
def test_math_on_numbers_outside_the_double_range_fails_like_dotnet(call, what):
    err = runtime_error(f"%%={call}=%%")
    assert err.message == f"{what} {OVERFLOW}"
    assert (err.line, err.column) == (1, 4)


def test_numbers_inside_the_double_range_are_unchanged():
    assert ampy.render(f"%%=Add({'9' * 308}, 0)=%%") == "1E+308"
    assert ampy.render("%%=Add('1e300', '1e300')=%%") == "2E+300"
    assert ampy.render("%%=Multiply('1e300', '1e300')=%%") == "\u221e"  # overflow of a result: IEEE infinity


def test_mod_of_an_infinite_dividend_is_nan():
    assert ampy.render("%%[ SET @inf = Divide(1, 0) ]%%%%=Mod(@inf, 3)=%%|%%=Mod(5, @inf)=%%") == "NaN|5"


def test_number_text_takes_only_invariant_ascii_digits():
    assert runtime_error("%%=Add('1_000', 1)=%%").message == "Add: The first number '1_000' is not a number"
    assert runtime_error("%%=Add('\u0661\u0662', 1)=%%").message == \
        "Add: The first number '\u0661\u0662' is not a number"
    assert ampy.render("%%=Add(' +1.5e2 ', 1)=%%") == "151"


# ---- data and content files ---------------------------------------------------------------------

LOOKUP = '%%=Lookup("People","Name","Id",1)=%%'


def test_data_dir_that_is_a_file(tmp_path):
    afile = tmp_path / "people.csv"
    afile.write_text("Id,Name\n1,Ann\n", encoding="utf-8")
    err = runtime_error(LOOKUP, data_dir=str(afile))
    assert err.message == f"Lookup: Data extension folder '{afile}' is not a folder"
    script = tmp_path / "t.amp"
    script.write_text(LOOKUP, encoding="utf-8")
    assert cli("run", str(script), "--data", str(afile)) == (2, "", f"ampy: --data {afile} is not a folder\n")
    assert cli("run", str(script), "--content", str(afile)) == (2, "", f"ampy: --content {afile} is not a folder\n")


def test_utf16_csv_with_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "People.csv").write_bytes("Id,Name\n1,Zoë\n".encode("utf-16"))
    assert ampy.render(LOOKUP, data_dir=str(tmp_path)) == "Zoë"


def test_utf16_csv_without_a_byte_order_mark_is_refused_by_name(tmp_path):
    (tmp_path / "People.csv").write_bytes("Id,Name\n1,Ann\n".encode("utf-16-le"))
    err = runtime_error(LOOKUP, data_dir=str(tmp_path))
    assert err.message == ("Lookup: People.csv has a NUL byte at byte 1: UTF-16 or UTF-32 without a byte-order mark?"
                           " Save it as UTF-8")


def test_windows_1252_csv_still_reads(tmp_path):
    (tmp_path / "People.csv").write_bytes("Id,Name\n1,Zoë\n".encode("cp1252"))
    assert ampy.render(LOOKUP, data_dir=str(tmp_path)) == "Zoë"


def test_content_block_that_is_not_utf8(tmp_path):
    (tmp_path / "footer.html").write_bytes(b"<p>\xff</p>")
    err = runtime_error('%%=ContentBlockByKey("footer")=%%', content_dir=str(tmp_path))
    assert err.message == "ContentBlockByKey: Content block footer.html is not UTF-8 text (invalid byte 0xff at byte 3)"
    (tmp_path / "footer.html").write_bytes("<p>é</p>".encode("utf-16"))
    assert ampy.render('%%=ContentBlockByKey("footer")=%%', content_dir=str(tmp_path)) == "<p>é</p>"


@pytest.mark.parametrize(("schema", "problem"), [
    ('{"fields": 5}', '"fields" must be a list of field objects'),
    ('{"fields": [7]}', 'field 1 must be an object with a "name"'),
    ('{"fields": [{"name": "Id"}, {"name": 3}]}', 'field 2 has a "name" that is not text'),
    ("[1, 2]", "it must be a JSON object"),
    ('{"customerKey": [1]}', '"customerKey" must be text, not [1]'),
    ('{"fields": [{"name": "Id", "maxLength": [5]}]}', 'field 1 has a "maxLength" that is not a single value'),
    ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
])
def test_a_malformed_schema_names_the_file_and_the_problem(tmp_path, schema, problem):
    (tmp_path / "People.csv").write_text("Id,Name\n1,Ann\n", encoding="utf-8")
    (tmp_path / "People.schema.json").write_text(schema, encoding="utf-8")
    assert runtime_error(LOOKUP, data_dir=str(tmp_path)).message == \
        f"Lookup: People.schema.json: invalid schema: {problem}"


# ---- settings and the command line --------------------------------------------------------------

@pytest.fixture()
def workspace(tmp_path):
    root = tmp_path / "ws"
    (root / "dataextensions").mkdir(parents=True)
    (root / "dataextensions" / "People.csv").write_text("Id,Name\n1,Ann\n", encoding="utf-8")
    (tmp_path / "t.amp").write_text(LOOKUP, encoding="utf-8")
    return root


@pytest.mark.parametrize(("toml", "message"), [
    ("[keys]\nK = 'str'\n", "[keys] K must be a table ([keys.K] with value or value_env), not 'str'"),
    ("[keys.K]\nvalue = 5\n", "[keys.K] value must be text, not 5"),
    ("[http]\nmax_bytes = inf\n", "[http] max_bytes must be a number, not inf"),
    ("[http]\ntimeout = nan\n", "[http] timeout must be a number, not nan"),
    ("[http]\nmax_bytes = true\n", "[http] max_bytes must be a number, not True"),
    ("[http]\nmax_bytes = 1.5\n", "[http] max_bytes must be a whole number, not 1.5"),
    ("[http]\ntimeout = '3'\n", "[http] timeout must be a number, not '3'"),
])
def test_bad_settings_are_a_usage_error(workspace, toml, message):
    (workspace / "ampy.toml").write_text(toml, encoding="utf-8")
    code, out, err = cli("run", "t.amp", "--workspace", "ws", cwd=workspace.parent)
    assert (code, out, err) == (2, "", f"ampy: ws/ampy.toml: {message}\n")


def test_render_out_naming_a_file_is_a_usage_error(workspace):
    (workspace.parent / "taken").write_text("x", encoding="utf-8")
    code, out, err = cli("render", "t.amp", "--de", "People", "--workspace", "ws", "--out", "taken",
                         cwd=workspace.parent)
    assert (code, out, err) == (2, "", "ampy: --out taken is a file; give a folder for the rendered files\n")
    assert (workspace.parent / "taken").read_text(encoding="utf-8") == "x"


BAD_UTF8 = b'%%=v("caf\xe9")=%%'
STDIN_REFUSED = (2, "", "ampy: <stdin> is not UTF-8 text (invalid byte 0xe9 at byte 9)\n")


def test_invalid_utf8_is_refused_alike_from_stdin_and_from_a_file(tmp_path):
    assert cli("run", "-", stdin=BAD_UTF8) == STDIN_REFUSED
    (tmp_path / "bad.amp").write_bytes(BAD_UTF8)
    assert cli("run", "bad.amp", cwd=tmp_path) == (
        2, "", "ampy: bad.amp is not UTF-8 text (invalid byte 0xe9 at byte 9)\n")
    assert cli("check", "-", stdin=BAD_UTF8) == STDIN_REFUSED


def test_stdin_reads_as_a_file_does():
    assert cli("run", "-", stdin="\ufeffa\r\nb %%=v('é')=%%".encode()) == (0, "a\nb é", "")
    assert cli("run", "-", stdin="x %%=v('é')=%%".encode("utf-16")) == (0, "x é", "")


# ---- the store's write lock ---------------------------------------------------------------------

def test_a_write_lock_held_past_the_busy_timeout_is_a_clear_error_and_keeps_the_data(tmp_path):
    (tmp_path / "People.csv").write_text("Id,Name\n1,Ann\n", encoding="utf-8")
    store = tmp_path / "store.sqlite"
    backend = LocalBackend(str(tmp_path), store_path=str(store), busy_timeout=0.2)
    try:
        assert ampy.render(LOOKUP, backend=backend) == "Ann"
        other = sqlite3.connect(str(store), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the busy timeout
        try:
            err = runtime_error('%%[ InsertDE("People", "Id", 2, "Name", "Bo") ]%%', backend=backend)
            assert err.message == ("InsertDE: The workspace store is busy (another process holds its write lock"
                                   " for more than 0.2 s); try again")
        finally:
            other.execute("ROLLBACK")
            other.close()
        ampy.render('%%[ InsertDE("People", "Id", 2, "Name", "Bo") ]%%', backend=backend)
        assert ampy.render('%%=RowCount(LookupRows("People", "Name", "Bo"))=%%|' + LOOKUP, backend=backend) == "1|Ann"
    finally:
        backend.close()


# ---- bugs in ampy ---------------------------------------------------------------------------------

class _BrokenBackend(Backend):
    """A backend with a bug: its lookup fails in a way no builtin expects."""

    def lookup(self, de, filters, **kw):
        raise KeyError("row index")


def test_a_bug_inside_a_builtin_is_reported_as_an_internal_error():
    with pytest.raises(AmpscriptInternalError) as info:
        ampy.render("x\n  " + LOOKUP, backend=_BrokenBackend())
    err = info.value
    assert isinstance(err, ampy.AmpscriptRuntimeError)  # callers catching script errors still do
    assert err.message == "Internal error in Lookup (please report it): 'row index'"
    assert (err.line, err.column) == (2, 6)
    assert isinstance(err.cause, KeyError) and err.__cause__ is err.cause
    assert "KeyError" not in str(err)


def test_a_script_error_is_not_an_internal_error():
    err = runtime_error('%%=Add("x", 1)=%%')
    assert type(err) is ampy.AmpscriptRuntimeError
    assert err.message == "Add: The first number 'x' is not a number"


def test_output_with_a_lone_surrogate_is_written_as_utf8_with_a_replacement_character(tmp_path):
    (tmp_path / "t.amp").write_text("""%%=Field(Row(BuildRowsetFromJSON('[{"a":"\\ud800x"}]','$[*]',0),1),'a')=%%""",
                                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ampy", "run", "t.amp"], capture_output=True, cwd=tmp_path,
                          timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "\ufffdx".encode(), b"")
    (tmp_path / "People.csv").write_text("Id\n1\n", encoding="utf-8")
    code, out, err = cli("render", "t.amp", "--de", "People", "--data", ".", "--out", "out", cwd=tmp_path)
    assert (code, out, err) == (0, "", "rendered 1 of 1 row(s)\n")
    assert (tmp_path / "out" / "1.html").read_bytes() == "\ufffdx".encode()


def test_init_where_no_folder_can_be_made_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert cli("init", "file/ws", cwd=tmp_path) == (2, "", "ampy: cannot create file/ws: Not a directory\n")


def test_a_huge_source_line_is_shown_around_the_caret():
    with pytest.raises(ampy.AmpscriptRuntimeError) as info:
        ampy.render("x" * 500 + "%%=Add(1, 'y')=%%" + "z" * 500)
    lines = str(info.value).split("\n")
    assert lines[0] == "<string>:1:504: Add: The second number 'y' is not a number"
    assert lines[1] == "    ..." + "x" * 77 + "%%=Add(1, 'y')=%%" + "z" * 66 + "..."
    assert lines[2] == "    " + " " * 83 + "^"
    assert lines[1][len(lines[2]) - 1:].startswith("Add(")


def test_dateparse_to_utc_at_the_end_of_time_clamps_like_dotnet():
    # found by the builtin property test: 12/31/9999 + 6 h overflowed inside DateParse
    assert ampy.render("%%=DateParse('12/31/9999 11:59 PM', 1)=%%|%%=DateParse('12/31/9999 5:00 PM', 1)=%%") == \
        "12/31/9999 11:59:59 PM|12/31/9999 11:00:00 PM"


def test_a_definition_whose_file_reference_is_not_text(tmp_path):
    # found by fuzzing definitions/*.json: {"$file": {...}} reached os.path.join
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "lists.json").write_text(
        '[{"Type": "List", "ListName": "News", "Description": {"$file": 7}}]', encoding="utf-8")
    backend = LocalBackend.for_workspace(str(tmp_path))
    try:
        err = runtime_error("%%[ SET @r = CreateObject('RetrieveRequest') SetObjectProperty(@r, 'ObjectType', 'List')"
                            " SET @rows = InvokeRetrieve(@r, @s) ]%%", backend=backend)
    finally:
        backend.close()
    assert err.message == ('InvokeRetrieve: definitions/lists.json: object 1 (List): "$file" must name a file of the'
                           ' workspace, not 7')


def test_a_data_extension_field_named_with_a_nul_is_refused_by_the_api():
    source = """%%[
    SET @de = CreateObject("DataExtension")
    SetObjectProperty(@de, "Name", "Nul")
    SET @f = CreateObject("DataExtensionField")
    SetObjectProperty(@f, "Name", Concat("a", Char(0), "b"))
    AddObjectArrayItem(@de, "Fields", @f)
    SET @status = InvokeCreate(@de, @message, @code)
    ]%%%%=v(@status)=%%|%%=v(@message)=%%"""
    assert ampy.render(source, backend=LocalBackend()) == "Error|The name 'a\\x00b' contains a NUL character"


def test_an_api_object_id_beyond_64_bits_is_not_found_rather_than_an_internal_error():
    # found by fuzzing the API object functions: SQLite cannot bind a Python int this large
    source = ("%%[ SET @c = CreateObject('Campaign') SetObjectProperty(@c, 'ID', " + "9" * 40 + ")"
              " SET @status = InvokeUpdate(@c, @message, @code) ]%%%%=v(@status)=%%|%%=v(@message)=%%")
    assert ampy.render(source, backend=LocalBackend()) == f"Error|No Campaign has ID '{'9' * 40}'."


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_tenant_is_described_in_a_few_words(tmp_path):
    port = _closed_port()
    env = {**__import__("os").environ, "AMPY_CLIENT_ID": "id", "AMPY_CLIENT_SECRET": "secret",
           "AMPY_AUTH_URL": f"http://127.0.0.1:{port}/", "AMPY_SOAP_URL": f"http://127.0.0.1:{port}/soap",
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "ampy", "run", "--backend", "soap", "-"], input=LOOKUP.encode(),
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 1
    assert done.stderr.decode().split("\n")[0] == (
        f"<stdin>:1:4: Lookup: cannot reach the token endpoint http://127.0.0.1:{port}/v2/token: connection refused")
