"""The installed distribution carries what it needs (the grammar, the WSDL) and answers from
any directory."""

import importlib.metadata
import os
import subprocess
import sys

import pytest


def _installed_files():
    try:
        files = importlib.metadata.files("ampy")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("ampy is not installed: run the README's install command first")
    return {str(f).replace(os.sep, "/") for f in files or ()}


def test_grammar_ships_inside_the_wheel():
    files = _installed_files()
    if any(f.endswith(".pth") for f in files) and "ampy/grammar/ampscript.lark" not in files:
        pytest.fail("ampy is installed in editable mode; the README installs it with `pip install .`")
    assert "ampy/grammar/ampscript.lark" in files


def test_public_api_answers_from_another_directory(tmp_path):
    code = ("import ampy; print(ampy.render('%%=Concat(\"o\",\"k\")=%%'), ampy.AmpscriptError.__name__, "
            "ampy.AmpscriptSyntaxError.__name__, ampy.AmpscriptRuntimeError.__name__, "
            "type(ampy.compile('x')).__name__)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env,
                       timeout=60)
    assert p.stdout.split() == ["ok", "AmpscriptError", "AmpscriptSyntaxError", "AmpscriptRuntimeError",
                                "Template"], p.stderr
