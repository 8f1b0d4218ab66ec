"""Write docs/functions.md from ampy's builtin registry.

    python scripts/gen_function_docs.py           # (re)write the page
    python scripts/gen_function_docs.py --check   # exit 1 if the page is missing or stale
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC_PATH = os.path.join(ROOT, "docs", "functions.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the page is up to date")
    parser.add_argument("--path", default=DOC_PATH, help="the page to write or check (default: docs/functions.md)")
    args = parser.parse_args(argv)
    path = args.path
    sys.path.insert(0, ROOT)   # the repository's ampy, also when it is not installed
    from ampy.commands.functions import reference_markdown

    text = reference_markdown()
    try:
        with open(path, encoding="utf-8", newline="") as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if args.check:
        if current != text:
            print(f"{os.path.basename(path)} is out of date: run python scripts/gen_function_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    if current != text:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
