"""Start-up time of the command line: medians (wall and CPU time) of ``ampy --version`` and ``ampy run`` of a one-line
file, next to ``python -c pass`` (each a fresh process, as a user types it, with byte-code
cached as in an installed package).

    python benchmarks/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the ``ampy`` console script runs, started the same way whether or not it is installed.
AMPY = [sys.executable, "-c", "import sys; from ampy.cli import main; sys.exit(main())"]


def median_ms(argv: list[str], runs: int, env: dict) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the process, in ms. On a busy
    machine the wall time includes waiting for a core; the CPU time does not."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Byte-code cached as an installed package has it (pip compiles it), kept out of the tree.
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   PYTHONPYCACHEPREFIX=os.path.join(tmp, "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        one_line = os.path.join(tmp, "hello.amp")
        with open(one_line, "w", encoding="utf-8") as f:
            f.write("Hello %%=Add(1, 2)=%%\n")
        subprocess.run(AMPY + ["run", one_line], check=True, stdout=subprocess.DEVNULL, env=env)  # warm caches
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("ampy --version", AMPY + ["--version"]),
            ("ampy run hello.amp", AMPY + ["run", one_line]),
        ]
        print(f"{'command':<20} | {'wall ms':>7} | {'CPU ms':>6}")
        print(f"{'-' * 20}-|-{'-' * 7}-|-{'-' * 6}")
        for label, argv in rows:
            wall, cpu = median_ms(argv, args.runs, env)
            print(f"{label:<20} | {wall:>7.0f} | {cpu:>6.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
