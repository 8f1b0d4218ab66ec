"""The text of a Lark grammar shipped with ampy (AMPscript's and GTL's)."""

from __future__ import annotations

import os


def grammar_text(filename: str) -> str:
    """Installed wheel: ampy/grammar/<filename>; source checkout: <repo>/grammar/<filename>."""
    from importlib import resources

    packaged = resources.files("ampy").joinpath("grammar", filename)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(here, "grammar", filename), encoding="utf-8") as f:
        return f.read()
