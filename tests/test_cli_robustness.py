"""CLI mistakes a newcomer makes end in one clear ``ampy: ...`` line and exit code 2, never a traceback."""

import json
import os
import subprocess
import sys

import pytest

from ampy.server import auth

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_CREDENTIALS = ("no tenant credentials: set AMPY_CLIENT_ID, AMPY_CLIENT_SECRET and AMPY_SUBDOMAIN "
                  "(or AMPY_AUTH_URL/AMPY_SOAP_URL), or add a profile to {path}")


@pytest.fixture
def env(tmp_path):
    """An environment without tenant credentials: no AMPY_* variables, a credentials file in tmp."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AMPY_")}
    environ["AMPY_CREDENTIALS"] = str(tmp_path / "credentials.toml")
    environ["HOME"] = str(tmp_path / "home")
    return environ


def ampy(env, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "ampy", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def usage_error(p) -> tuple[int, str, str]:
    return p.returncode, p.stdout, p.stderr


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


# ---------------------------------------------------------------- 1. serve --add-user without a terminal


def test_add_user_with_piped_stdin_and_no_secret_stdin(env, workspace):
    p = ampy(env, "serve", "--workspace", str(workspace), "--add-user", "bob", stdin="\n")
    assert usage_error(p) == (2, "", "ampy: no terminal to read the password from; use --secret-stdin\n")
    assert not (workspace / ".ampy" / "users.json").exists()


def test_add_user_with_an_empty_piped_password(env, workspace):
    p = ampy(env, "serve", "--workspace", str(workspace), "--add-user", "bob", "--secret-stdin", stdin="\n")
    assert usage_error(p) == (2, "", "ampy: the password is empty\n")


# ---------------------------------------------------------------- 2. backends that cannot be opened


@pytest.mark.parametrize("command", [
    ("run", "-"),
    ("render", "-", "--de", "Subscribers"),
    ("repl",),
])
def test_soap_backend_without_credentials(env, tmp_path, command):
    p = ampy(env, *command, "--backend", "soap", stdin="%%=Now()=%%")
    message = NO_CREDENTIALS.format(path=tmp_path / "credentials.toml")
    assert usage_error(p) == (2, "", f"ampy: {message}\n")


@pytest.mark.parametrize("command", [("run", "-"), ("render", "-", "--de", "Subscribers"), ("repl",)])
def test_soap_backend_with_an_unknown_profile(env, tmp_path, command):
    (tmp_path / "credentials.toml").write_text(
        '[profiles.sandbox]\nclient_id = "a"\nclient_secret = "b"\nsubdomain = "x"\n', encoding="utf-8")
    p = ampy(env, *command, "--backend", "soap", "--profile", "nope", stdin="x")
    assert usage_error(p) == (2, "", f"ampy: {tmp_path / 'credentials.toml'} has no profile 'nope'\n")


@pytest.mark.parametrize("command", [("run", "-"), ("render", "-", "--de", "Subscribers"), ("repl",)])
def test_workspace_that_is_a_file(env, tmp_path, command):
    (tmp_path / "file").write_text("", encoding="utf-8")
    p = ampy(env, *command, "--workspace", str(tmp_path / "file"), stdin="x")
    assert usage_error(p) == (2, "", f"ampy: workspace {tmp_path / 'file'} is not a folder\n")


@pytest.mark.parametrize("command", [("run", "-"), ("render", "-", "--de", "Subscribers"), ("repl",),
                                     ("serve", "--port", "0")])
def test_workspace_with_invalid_toml(env, workspace, command):
    (workspace / "ampy.toml").write_text("[account\n", encoding="utf-8")
    p = ampy(env, *command, "--workspace", str(workspace), stdin="x")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith(f"ampy: {workspace / 'ampy.toml'}: invalid TOML: ")
    assert p.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [("run", "-"), ("repl",), ("serve", "--port", "0")])
def test_workspace_whose_settings_file_is_a_folder(env, workspace, command):
    (workspace / "ampy.toml").mkdir()
    p = ampy(env, *command, "--workspace", str(workspace), stdin="x")
    assert usage_error(p) == (2, "", f"ampy: cannot open {workspace / 'ampy.toml'}: Is a directory\n")


@pytest.mark.parametrize("command", [("run", "-"), ("serve", "--port", "0")])
def test_workspace_with_a_store_that_is_not_a_database(env, workspace, command):
    (workspace / ".ampy").mkdir()
    (workspace / ".ampy" / "store.sqlite").write_bytes(b"not a database " * 100)
    p = ampy(env, *command, "--workspace", str(workspace), stdin="x")
    assert usage_error(p) == (2, "", "ampy: cannot open the workspace store: file is not a database\n")


def test_serve_with_a_broken_users_file(env, workspace):
    (workspace / ".ampy").mkdir()
    (workspace / ".ampy" / "users.json").write_text("[]", encoding="utf-8")
    users = workspace / ".ampy" / "users.json"
    for args in (("--port", "0"), ("--add-client", "c1")):
        p = ampy(env, "serve", "--workspace", str(workspace), *args)
        assert usage_error(p) == (2, "", f"ampy: cannot read {users}: {users} does not hold a JSON object\n")


# ---------------------------------------------------------------- 3. serve --port out of range


@pytest.mark.parametrize("port, message", [
    ("99999", "99999 is not a port number (0-65535)"),
    ("-1", "-1 is not a port number (0-65535)"),
    ("http", "'http' is not a port number"),
])
def test_serve_refuses_a_port_outside_the_tcp_range(env, workspace, port, message):
    p = ampy(env, "serve", "--workspace", str(workspace), f"--port={port}")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr.splitlines()[-1] == f"ampy serve: error: argument --port: {message}"


def test_serve_refuses_zero_threads(env, workspace):
    p = ampy(env, "serve", "--workspace", str(workspace), "--threads", "0")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr.splitlines()[-1] == "ampy serve: error: argument --threads: 0 is not a positive number"


# ---------------------------------------------------------------- 4. --context help names the real default


def _context_help(env, command: str) -> str:
    text = ampy(env, command, "--help").stdout
    start = text.index("  --context {page,email,sms}")
    lines = text[start:].splitlines()
    # the option line, then its indented continuation lines
    body = [lines[0]] + [line for line in lines[1:] if line.startswith(" " * 20)][:2]
    return " ".join(" ".join(body).split())


@pytest.mark.parametrize("command, default", [("run", "page"), ("repl", "page"), ("render", "email")])
def test_context_help_names_the_commands_default(env, command, default):
    assert _context_help(env, command) == (
        f"--context {{page,email,sms}} render context: page (CloudPage), email or sms (default: {default})")


# ---------------------------------------------------------------- 5. render --key


@pytest.fixture
def subscribers(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "Subscribers.csv").write_text("SubscriberKey,Name\nk-1,Ann\nk-2,Bob\n", encoding="utf-8")
    template = tmp_path / "t.amp"
    template.write_text("Hi %%Name%%", encoding="utf-8")
    return data, template


def test_render_key_matches_the_column_in_any_case(env, tmp_path, subscribers):
    data, template = subscribers
    out = tmp_path / "out"
    p = ampy(env, "render", str(template), "--de", "Subscribers", "--data", str(data), "--key", "subscriberkey",
             "--out", str(out))
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "rendered 2 of 2 row(s)\n")
    assert sorted(os.listdir(out)) == ["k-1.html", "k-2.html"]
    assert (out / "k-2.html").read_text(encoding="utf-8") == "Hi Bob"


def test_render_key_naming_no_column_is_a_usage_error(env, tmp_path, subscribers):
    data, template = subscribers
    out = tmp_path / "out"
    p = ampy(env, "render", str(template), "--de", "Subscribers", "--data", str(data), "--key", "Email",
             "--out", str(out))
    assert usage_error(p) == (2, "", "ampy: --key Email: no such column; the columns are SubscriberKey, Name\n")
    assert not out.exists()


# ---------------------------------------------------------------- 6. serve --add-user / --add-client


def test_add_user_and_add_client_together_are_refused(env, workspace):
    p = ampy(env, "serve", "--workspace", str(workspace), "--add-user", "u1", "--add-client", "c2",
             "--secret-stdin", stdin="pw\n")
    assert usage_error(p) == (2, "", "ampy: --add-user and --add-client cannot be combined; add one per run\n")
    assert not (workspace / ".ampy" / "users.json").exists()


def test_an_empty_client_id_is_refused(env, workspace):
    p = ampy(env, "serve", "--workspace", str(workspace), "--add-client", "", "--secret-stdin", stdin="s\n")
    assert usage_error(p) == (2, "", "ampy: the user name or client id is empty\n")


def test_adding_an_existing_client_replaces_its_secret_and_says_so(env, workspace):
    users = workspace / ".ampy" / "users.json"
    first = ampy(env, "serve", "--workspace", str(workspace), "--add-client", "c2", "--account-id", "77",
                 "--secret-stdin", stdin="old-secret\n")
    assert (first.returncode, first.stdout, first.stderr) == (0, f"API client c2 added to {users}\n", "")
    second = ampy(env, "serve", "--workspace", str(workspace), "--add-client", "c2", "--secret-stdin",
                  stdin="new-secret\n")
    assert (second.returncode, second.stdout, second.stderr) == (
        0, f"replaced the secret of API client c2 in {users}\n", "")
    loaded = auth.ServerAuth.for_workspace(str(workspace))
    assert (loaded.check_client("c2", "new-secret"), loaded.check_client("c2", "old-secret")) == (True, False)
    # rotating a secret keeps the account the client belongs to
    assert json.loads(users.read_text(encoding="utf-8"))["clients"]["c2"]["account_id"] == "77"


def test_adding_an_existing_user_replaces_the_password_and_says_so(env, workspace):
    users = workspace / ".ampy" / "users.json"
    ampy(env, "serve", "--workspace", str(workspace), "--add-user", "bob", "--secret-stdin", stdin="one\n")
    p = ampy(env, "serve", "--workspace", str(workspace), "--add-user", "bob", "--secret-stdin", stdin="two\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, f"replaced the password of user bob in {users}\n", "")
    loaded = auth.ServerAuth.for_workspace(str(workspace))
    assert (loaded.check_user("bob", "two"), loaded.check_user("bob", "one")) == (True, False)


@pytest.mark.parametrize("toml,message", [
    ('[http]\ntimeout = "abc"\n', "[http] timeout must be a number, not 'abc'"),
    ('[http]\nmax_bytes = -1\n', "[http] max_bytes must be greater than 0"),
    ('[http]\nallow = "api.example.com"\n', "[http] allow must be a list of host names"),
    ('account = 3\n', "[account] must be a table"),
])
def test_bad_settings_values_name_the_file_and_key(tmp_path, toml, message):
    (tmp_path / "ampy.toml").write_text(toml, encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ampy", "run", "-", "--workspace", str(tmp_path)], input="x",
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == f"ampy: {tmp_path / 'ampy.toml'}: {message}\n"


def test_render_keeps_every_row_when_keys_repeat(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "People.csv").write_text("City,Name\nOslo,Ann\nOslo,Bo\nRome,Cy\n", encoding="utf-8")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "ampy", "render", "-", "--data", str(data), "--de", "People",
                        "--key", "city", "--out", str(out)], input="%%=v(Name)=%%", capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(out)) == ["Oslo-2.html", "Oslo.html", "Rome.html"]
    assert (out / "Oslo-2.html").read_text(encoding="utf-8") == "Bo"
