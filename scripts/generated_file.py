"""Write a generated file, or with --check only say whether it is up to date (the scripts' one rule)."""

from __future__ import annotations

import os
import sys


def write_or_check(path: str, text: str, *, check: bool, regenerate: str) -> int:
    """Exit status: with ``check``, 1 (and a line on stderr naming ``regenerate``, the command that
    rewrites it) when ``path`` is missing or differs from ``text``; otherwise ``path`` is rewritten
    only when it differs, so an unchanged file keeps its timestamp."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if check:
        if current != text:
            print(f"{os.path.basename(path)} is out of date: run {regenerate}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    return 0
