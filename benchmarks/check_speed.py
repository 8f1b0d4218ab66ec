"""How fast ``ampy check`` lints: the samples plus 500 generated templates of about 5 KB each.

Run: ``python benchmarks/check_speed.py``. Prints files/s for one ``ampy check`` process over
everything (start-up included) and for ``lint_source`` in this process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = 500
TARGET_SIZE = 5000

CHUNK = """%%[
SET @rows{i} = LookupRows("Orders", "SubscriberKey", _subscriberkey)
IF RowCount(@rows{i}) > 0 THEN
  SET @row{i} = Row(@rows{i}, 1)
  SET @name{i} = ProperCase(Field(@row{i}, "SubscriberKey"))
  SET @amount{i} = Field(@row{i}, "Amount")
ELSE
  SET @name{i} = "friend" SET @amount{i} = 0 /* nothing ordered yet */
ENDIF
]%%
<tr><td>%%=v(@name{i})=%%</td><td>%%=FormatCurrency(@amount{i}, "en-US")=%%</td></tr>
"""


def template(n: int) -> str:
    parts, i = [f"<html><body><h1>Order summary {n}</h1><table>\n"], 0
    while sum(map(len, parts)) < TARGET_SIZE:
        parts.append(CHUNK.format(i=i))
        i += 1
    if n % 10 == 0:  # some templates carry mistakes, so the error paths are measured too
        parts.append("%%[ SET @x = ) ]%% %%=PropperCase('x')=%% {{gtl}}\n")
    parts.append("</table></body></html>\n")
    return "".join(parts)


def main() -> None:
    from ampy.lint import lint_source

    with tempfile.TemporaryDirectory() as folder:
        sources = []
        for n in range(TEMPLATES):
            path = os.path.join(folder, f"t{n:03}.html")
            text = template(n)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            sources.append((path, text))
        samples = os.path.join(ROOT, "samples")
        count = TEMPLATES + sum(1 for _, _, files in os.walk(samples)
                                for f in files if f.endswith((".amp", ".ampscript", ".html", ".txt")))
        size = sum(len(t) for _, t in sources) / TEMPLATES
        start = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "ampy", "check", "--format", "json", samples, folder],
                           capture_output=True, text=True, cwd=ROOT)
        cli = time.perf_counter() - start
        if p.returncode not in (0, 1):
            raise SystemExit(p.stderr)
        start = time.perf_counter()
        findings = sum(len(lint_source(t, path)) for path, t in sources)
        inproc = time.perf_counter() - start
    print(f"ampy check: {count} files (500 generated of {size / 1000:.1f} KB + samples) in {cli:.2f} s "
          f"= {count / cli:.0f} files/s (one process, start-up included)")
    print(f"lint_source: {TEMPLATES} generated files in {inproc:.2f} s = {TEMPLATES / inproc:.0f} files/s "
          f"({findings} findings)")


if __name__ == "__main__":
    main()
