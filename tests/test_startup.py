"""Start-up loads only what a command needs: ``ampy --version`` neither the engine nor any heavy
library, a one-line ``ampy run`` only the function modules its template calls. Module names are
read from ``sys.modules`` of a fresh interpreter (not timed: timings live in benchmarks/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ampy.functions import MODULES
from ampy.functions._index import MODULE_OF

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("lark", "requests", "lxml", "babel", "cryptography", "zeep", "prompt_toolkit", "urllib3")


def loaded_after(code: str, *argv: str) -> dict:
    """Run ``code`` in a fresh interpreter; the ampy function modules and heavy libraries loaded,
    and what it printed."""
    probe = (
        "import io, json, sys, contextlib\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "mods = sorted(sys.modules)\n"
        f"print(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules],"
        " 'functions': [m.rsplit('.', 1)[1] for m in mods if m.startswith('ampy.functions.')"
        " and not m.startswith('ampy.functions._')],"
        " 'engine': [m for m in ('ampy.compiler', 'ampy.template', 'ampy.syntax.parser') if m in mods],"
        " 'out': out.getvalue()}))\n"
    )
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_version_loads_neither_the_engine_nor_heavy_libraries():
    got = loaded_after(
        "from ampy.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0\n"
    )
    assert got["out"] == "ampy 0.1.0\n"
    assert got["heavy"] == []
    assert got["functions"] == []
    assert got["engine"] == []


def test_import_ampy_is_light_and_the_api_loads_on_use():
    got = loaded_after("import ampy\nassert ampy.render('%%=Add(1,2)=%%') == '3'\nprint(ampy.Template.__name__)")
    assert got["out"] == "Template\n"
    assert got["functions"] == ["maths"]
    assert [m for m in got["heavy"] if m != "lark"] == []


def test_one_line_run_loads_only_the_function_modules_it_calls(tmp_path):
    page = tmp_path / "hello.amp"
    page.write_text("Hello %%=Uppercase('world')=%% %%=Add(1, 2)=%%\n", encoding="utf-8")
    got = loaded_after(
        "import sys\nfrom ampy.cli import main\nassert main(['run', sys.argv[1]]) == 0\n", str(page)
    )
    assert got["out"] == "Hello WORLD 3\n"
    # (the parser still reads its tables through Lark)
    assert [m for m in got["heavy"] if m != "lark"] == []
    assert got["functions"] == ["maths", "strings"]


def test_a_lookup_imports_only_the_declaring_module():
    got = loaded_after(
        "from ampy import registry\n"
        "b = registry.lookup('LOOKUPROWS')\n"
        "print(b.name, b.func.__module__)\n"
    )
    assert got["out"] == "LookupRows ampy.functions.data_extensions\n"
    assert got["functions"] == ["data_extensions"]


def test_an_unknown_name_loads_every_module_and_finds_none():
    got = loaded_after(
        "from ampy import registry\n"
        "print(registry.lookup('NoSuchFunction'), registry.closest_names('Uppercse'))\n"
    )
    assert got["out"].startswith("None ['Uppercase'")
    assert set(MODULES) <= set(got["functions"])


@pytest.mark.parametrize("module", MODULES)
def test_every_function_module_loads_on_its_own_and_declares_what_the_index_says(module):
    got = loaded_after(
        "from ampy import registry\n"
        f"import ampy.functions.{module}\n"
        "print(json.dumps(sorted(k for k, m in registry._MODULE_OF.items()"
        f" if m == 'ampy.functions.{module}')))\n"
    )
    declared = json.loads(got["out"])
    assert declared == sorted(k for k, m in MODULE_OF.items() if m == module)
    assert declared, f"{module} declares no builtin"


def test_the_index_covers_every_builtin_and_is_up_to_date():
    done = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_function_index.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, "")
    assert set(MODULE_OF.values()) == set(MODULES)
