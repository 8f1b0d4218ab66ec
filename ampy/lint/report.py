"""Findings as text (compiler style, with a caret), JSON, or SARIF 2.1.0."""

from __future__ import annotations

import json

from ..errors import AmpscriptError
from .diagnostic import Diagnostic
from .rules import RULES

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def text(results: list[tuple[str, str, list[Diagnostic]]]) -> str:
    """``file:line:col: message`` with the line and a caret, as an AmpscriptError prints; warnings
    say ``warning AMP1xx:`` before the message."""
    out = []
    for name, source, found in results:
        for d in found:
            message = d.message if d.severity == "error" else f"warning {d.code}: {d.message}"
            err = AmpscriptError(message).locate(name, source, d.line, d.column)
            out.append(str(err) + "\n")
    return "".join(out)


def as_json(results) -> str:
    rows = [{"file": name, "code": d.code, "severity": d.severity, "message": d.message, "line": d.line,
             "column": d.column, "end_line": d.end_line, "end_column": d.end_column}
            for name, _, found in results for d in found]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def sarif(results, version: str) -> str:
    codes = sorted(RULES)
    rules = [{"id": code, "name": RULES[code][0].title().replace(" ", ""),
              "shortDescription": {"text": RULES[code][0]}, "fullDescription": {"text": RULES[code][1]},
              "defaultConfiguration": {"level": "error" if code in _errors() else "warning"}} for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    out = []
    for name, _, found in results:
        uri = "stdin" if name == "<stdin>" else name.replace("\\", "/")
        for d in found:
            out.append({
                "ruleId": d.code, "ruleIndex": index[d.code], "level": d.severity,
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": d.line, "startColumn": d.column,
                               "endLine": d.end_line, "endColumn": d.end_column}}}],
            })
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "ampy", "version": version, "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "results": out}]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _errors():
    from .rules import ERRORS

    return ERRORS
