"""Language server completion latency: ``ampy lsp`` as a subprocess over stdio, a 50 KB template
open in a workspace and edited as an editor does (incremental didChange), completion requested at
many places (after ``Look``, after ``@``, inside a
Lookup's data extension argument, in template text after ``%%``); prints p50/p95/max in ms.
Target: p95 under 50 ms.

    python benchmarks/lsp_completion.py [--kb 50] [--requests 300]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' small LSP client

from lsp_client import LspClient  # noqa: E402

UNIT = ('<tr><td>%%=ProperCase(@first)=%%</td><td>%%FirstName%%</td></tr>\n'
        '%%[ SET @rows{n} = LookupRows("Subscribers", "Tier", "Gold")\n'
        'IF RowCount(@rows{n}) > 0 THEN SET @first = Field(Row(@rows{n}, 1), "FirstName") ENDIF ]%%\n')
PROBES = ("%%[ SET @x = Look", "%%[ SET @x = Concat(@fi", '%%[ SET @x = Lookup("Sub', "<p>%%Fir",
          '%%[ SET @y = Lookup("Subscribers", "Fi')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, default=50)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        starter = ROOT / "ampy" / "cloud" / "starter"
        shutil.copy(starter / "ampy.toml", ws / "ampy.toml")
        shutil.copytree(starter / "dataextensions", ws / "dataextensions")
        (ws / "content").mkdir()
        parts, n = [], 0
        while sum(map(len, parts)) < args.kb * 1024:
            parts.append(UNIT.replace("{n}", str(n)))
            n += 1
        body = "".join(parts)
        client = LspClient(cwd=tmp)
        client.initialize(ws.as_uri())
        uri = (ws / "content" / "big.html").as_uri()
        client.open(uri, body)
        starts = [0]
        for part in parts:
            starts.append(starts[-1] + part.count("\n"))
        times: list[float] = []
        version = 1
        try:
            for i in range(args.requests):
                probe = PROBES[i % len(PROBES)] + "\n]%%\n"
                line = starts[(i * 7919) % len(parts)]   # a different place each time
                at = {"line": line, "character": 0}
                version += 1   # type the probe there, as an editor sends it
                client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                         "contentChanges": [{"range": {"start": at, "end": at},
                                                                             "text": probe}]})
                start = time.perf_counter()
                result = client.request("textDocument/completion", {
                    "textDocument": {"uri": uri},
                    "position": {"line": line, "character": len(PROBES[i % len(PROBES)])}})
                elapsed = (time.perf_counter() - start) * 1000
                if not result["items"]:
                    raise SystemExit(f"no completion for {PROBES[i % len(PROBES)]!r}")
                if i >= len(PROBES):   # the first round loads the workspace's data extensions
                    times.append(elapsed)
                version += 1   # and delete it again
                end = {"line": line + 2, "character": 0}
                client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                         "contentChanges": [{"range": {"start": at, "end": end},
                                                                             "text": ""}]})
                # a pause now and then: the debounced lint of the whole document runs meanwhile
                time.sleep(0.3 if i % 10 == 9 else 0.02)
        finally:
            client.close()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"template {len(body) / 1024:.0f} KB, {len(times)} completions over stdio (edits via didChange, "
          "the debounced lint running in between)")
    print(f"p50 {statistics.median(times):.1f} ms   p95 {p95:.1f} ms   max {times[-1]:.1f} ms   (target p95 < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
