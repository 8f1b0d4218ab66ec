"""Pygments lexers for AMPscript (Pygments ships none).

``AmpscriptLexer`` highlights whole templates: the text between AMPscript blocks is HTML (handed
to Pygments' HtmlLexer), ``%%[ ]%%`` blocks, ``%%= =%%`` inline expressions, ``%%attr%%`` and
``<script runat="server" language="ampscript">`` tags are AMPscript code, server-side JavaScript
blocks (``<script runat="server">``) are JavaScript, and Guide Template Language tags
(``{{name}}``, ``{{#each x}}``, ``%%{ }%%``) are highlighted too. It is registered under
the ``pygments.lexers`` entry point, so ``pygmentize -l ampscript file.amp`` works.

``AmpscriptCodeLexer`` highlights bare code, as typed at the REPL prompt.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pygments.lexer import DelegatingLexer, RegexLexer, bygroups, include, using
from pygments.lexers.html import HtmlLexer
from pygments.lexers.javascript import JavascriptLexer
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Other,
    Punctuation,
    String,
    Whitespace,
)

_FLAGS = re.IGNORECASE | re.MULTILINE

_KEYWORDS = r"(?:var|set|if|then|elseif|else|endif|for|to|downto|do|next)\b"
_WORD_OPERATORS = r"(?:and|or|not)\b"
_CONSTANTS = r"(?:true|false)\b"

# The tokens of code, shared by every state that holds code. Strings may be left open at the end
# of the input so that a half-typed string at the prompt still reads as a string.
_CODE_RULES = [
    (r"[ \t\r\n\f\v\u00a0]+", Whitespace),
    (r"/\*[\s\S]*?(?:\*/|\Z)", Comment.Multiline),
    (r'"(?:[^"]|"")*"?', String.Double),
    (r"'(?:[^']|'')*'?", String.Single),
    (r"-?\d+\.\d*|-?\.\d+", Number.Float),
    (r"-?\d+", Number.Integer),
    (r"@@?\w+", Name.Variable),
    (_KEYWORDS, Keyword),
    (_WORD_OPERATORS, Operator.Word),
    (_CONSTANTS, Keyword.Constant),
    (r"[A-Za-z_]\w*(?=\s*\()", Name.Function),
    (r"[A-Za-z_]\w*", Name.Attribute),
    (r"\[[^\]\r\n]*\](?!%%)", Name.Attribute),
    (r"==|!=|<=|>=|<|>|=", Operator),
    (r"[(),]", Punctuation),
]

_SCRIPT_OPEN = (r"<script\b(?=[^>]*\brunat\s*=\s*[\"']?server\b)"
                r"(?=[^>]*\blanguage\s*=\s*[\"']?ampscript\b)[^>]*>")
# A server-side JavaScript block: the tag, its JavaScript body, the closing tag (or the end of input).
_SSJS_BLOCK = (r"(<script\b(?=[^>]*\brunat\s*=\s*[\"']?server\b)[^>]*>)([\s\S]*?)(</script\s*>|\Z)")


class AmpscriptCodeLexer(RegexLexer):
    """AMPscript code on its own, as inside ``%%[ ]%%`` (what the REPL's prompt holds)."""

    name = "AMPscript code"
    aliases: ClassVar[list[str]] = ["ampscript-code"]
    filenames: ClassVar[list[str]] = []
    flags = _FLAGS

    tokens: ClassVar[dict] = {
        "root": [
            include("code"),
            (r".", Error),
        ],
        "code": _CODE_RULES,
    }


class _AmpscriptTemplateLexer(RegexLexer):
    """The AMPscript parts of a template; everything else is ``Other`` for the HTML lexer."""

    name = "AMPscript template (code only)"
    aliases: ClassVar[list[str]] = []
    flags = _FLAGS

    tokens: ClassVar[dict] = {
        "root": [
            (r"\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}", Comment.Multiline),  # GTL comments
            (r"\{\{~?=\S+ \S+=~?\}\}", Comment.Preproc),  # GTL set delimiters {{=<% %>=}}
            (r"%%\{|\{\{\{?~?(?:[#^/&>=]|\.(?!\./))?", Comment.Preproc, "gtl"),
            (r"%%\[", Comment.Preproc, "block"),
            (r"%%=", Comment.Preproc, "inline"),
            (r"(%%)([A-Za-z_][\w\-]*)(%%)", bygroups(Comment.Preproc, Name.Attribute, Comment.Preproc)),
            (_SCRIPT_OPEN, Comment.Preproc, "script"),
            (_SSJS_BLOCK, bygroups(Comment.Preproc, using(JavascriptLexer), Comment.Preproc)),
            (r"[^%<{]+", Other),
            (r"[%<{]", Other),
        ],
        "gtl": [  # a Guide Template Language tag
            (r"~?\}\}\}?|\}%%", Comment.Preproc, "#pop"),
            (r"[ \t\r\n]+", Whitespace),
            (r"(?:if|unless|each|with|switch|else|when|datasource|dataobject|data|slot|block|meta|default)\b",
             Keyword),
            (r"\.\./|\.", Punctuation),
            (r'"[^"]*"|\'[^\']*\'', String),
            (r"-?\d+(?:\.\d+)?", Number),
            (r"@\w+", Name.Variable),
            (r"[A-Za-z_][\w\-]*(?=\s*\()", Name.Function),
            (r"[A-Za-z_][\w\-]*|\[(?:[^\]]|\]\])*\]", Name.Attribute),
            (r"==|!=|<=|>=|<|>|=|&", Operator),
            (r"[(),{}:]", Punctuation),
            (r".", Error),
        ],
        "block": [
            (r"\]%%", Comment.Preproc, "#pop"),
            include("code"),
            (r".", Error),
        ],
        "inline": [
            (r"=%%", Comment.Preproc, "#pop"),
            include("code"),
            (r".", Error),
        ],
        "script": [
            (r"</script\s*>", Comment.Preproc, "#pop"),
            include("code"),
            (r".", Error),
        ],
        "code": _CODE_RULES,
    }


class AmpscriptLexer(DelegatingLexer):
    """AMPscript templates: HTML text with ``%%[ ]%%``, ``%%= =%%``, ``%%attr%%``, server-side
    ``<script language="ampscript">`` code and server-side JavaScript blocks."""

    name = "AMPscript"
    aliases: ClassVar[list[str]] = ["ampscript", "amp"]
    filenames: ClassVar[list[str]] = ["*.amp", "*.ampscript"]
    mimetypes: ClassVar[list[str]] = ["text/x-ampscript"]
    url = "https://developer.salesforce.com/docs/marketing/marketing-cloud-ampscript/overview"

    def __init__(self, **options):
        super().__init__(HtmlLexer, _AmpscriptTemplateLexer, **options)

    @staticmethod
    def analyse_text(text):
        if re.search(r"%%\[|%%=", text):
            return 0.5
        return 0.0
