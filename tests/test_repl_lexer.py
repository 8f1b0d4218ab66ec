"""The Pygments lexers for AMPscript: exact tokens, HTML delegation, the entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib import import_module
from pathlib import Path

from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from ampy.repl.lexer import AmpscriptCodeLexer, AmpscriptLexer

ROOT = Path(__file__).resolve().parent.parent


def tokens(lexer, text):
    return [(t, v) for t, v in lexer.get_tokens(text) if v != ""]


def test_template_tokens_with_html_text():
    src = '<b>Hi %%=v(@name)=%%</b>%%FirstName%%'
    assert tokens(AmpscriptLexer(), src) == [
        (Punctuation, "<"), (Name.Tag, "b"), (Punctuation, ">"),
        (Text, "Hi "),
        (Comment.Preproc, "%%="), (Name.Function, "v"), (Punctuation, "("), (Name.Variable, "@name"),
        (Punctuation, ")"), (Comment.Preproc, "=%%"),
        (Punctuation, "<"), (Punctuation, "/"), (Name.Tag, "b"), (Punctuation, ">"),
        (Comment.Preproc, "%%"), (Name.Attribute, "FirstName"), (Comment.Preproc, "%%"),
        (Text, "\n"),
    ]


def test_block_tokens():
    src = "%%[ /* note */ IF @n >= 1.5 and not false THEN SET @s = Concat('it''s', [First Name]) ENDIF ]%%"
    assert tokens(AmpscriptLexer(), src) == [
        (Comment.Preproc, "%%["), (Whitespace, " "), (Comment.Multiline, "/* note */"),
        (Whitespace, " "), (Keyword, "IF"), (Whitespace, " "), (Name.Variable, "@n"), (Whitespace, " "),
        (Operator, ">="), (Whitespace, " "), (Number.Float, "1.5"), (Whitespace, " "),
        (Operator.Word, "and"), (Whitespace, " "), (Operator.Word, "not"), (Whitespace, " "),
        (Keyword.Constant, "false"), (Whitespace, " "), (Keyword, "THEN"), (Whitespace, " "),
        (Keyword, "SET"), (Whitespace, " "), (Name.Variable, "@s"), (Whitespace, " "), (Operator, "="),
        (Whitespace, " "), (Name.Function, "Concat"), (Punctuation, "("), (String.Single, "'it''s'"),
        (Punctuation, ","), (Whitespace, " "), (Name.Attribute, "[First Name]"), (Punctuation, ")"),
        (Whitespace, " "), (Keyword, "ENDIF"), (Whitespace, " "), (Comment.Preproc, "]%%"), (Text, "\n"),
    ]


def test_server_script_tag_is_code():
    src = '<script runat="server" language="ampscript">SET @a = 1</script>'
    toks = tokens(AmpscriptLexer(), src)
    assert toks[0] == (Comment.Preproc, '<script runat="server" language="ampscript">')
    assert toks[1:8] == [(Keyword, "SET"), (Whitespace, " "), (Name.Variable, "@a"), (Whitespace, " "),
                         (Operator, "="), (Whitespace, " "), (Number.Integer, "1")]
    assert toks[8] == (Comment.Preproc, "</script>")


def test_code_lexer_for_the_prompt():
    assert tokens(AmpscriptCodeLexer(), 'SET @x = Add(-2, 3) "open') == [
        (Keyword, "SET"), (Whitespace, " "), (Name.Variable, "@x"), (Whitespace, " "), (Operator, "="),
        (Whitespace, " "), (Name.Function, "Add"), (Punctuation, "("), (Number.Integer, "-2"),
        (Punctuation, ","), (Whitespace, " "), (Number.Integer, "3"), (Punctuation, ")"), (Whitespace, " "),
        (String.Double, '"open\n'),
    ]
    assert tokens(AmpscriptCodeLexer(), "%")[0] == (Error, "%")


def test_lexers_give_back_every_character():
    src = "<p>%%[ IF @a THEN ]%%x%%[ ENDIF ]%% 100% <i>%%=Now()=%%</i></p>\n"
    assert "".join(v for _, v in AmpscriptLexer().get_tokens(src)) == src


def test_entry_point_names_the_lexer_and_pygmentize_finds_it(tmp_path):
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = meta["project"]["entry-points"]["pygments.lexers"]["ampscript"]
    module, _, attr = target.partition(":")
    cls = getattr(import_module(module), attr)
    assert cls is AmpscriptLexer
    assert "ampscript" in cls.aliases
    # The installed package's entry point makes `pygmentize -l ampscript` resolve to it; run
    # Pygments' own command line with this checkout first on the path.
    sample = tmp_path / "hello.amp"
    sample.write_text("%%[ SET @a = 1 ]%%", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "pygments", "-l", "ampscript", "-f", "raw", str(sample)],
                          check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == ["Token.Comment.Preproc\t'%%['", "Token.Text.Whitespace\t' '",
                                            "Token.Keyword\t'SET'"]
