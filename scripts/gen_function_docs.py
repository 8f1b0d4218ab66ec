"""Write docs/functions.md from ampy's builtin registry.

    python scripts/gen_function_docs.py           # (re)write the page
    python scripts/gen_function_docs.py --check   # exit 1 if the page is missing or stale
"""

from __future__ import annotations

import argparse
import os
import sys

from generated_file import write_or_check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC_PATH = os.path.join(ROOT, "docs", "functions.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the page is up to date")
    parser.add_argument("--path", default=DOC_PATH, help="the page to write or check (default: docs/functions.md)")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)   # the repository's ampy, also when it is not installed
    from ampy.commands.functions import reference_markdown

    return write_or_check(args.path, reference_markdown(), check=args.check,
                          regenerate="python scripts/gen_function_docs.py")


if __name__ == "__main__":
    sys.exit(main())
