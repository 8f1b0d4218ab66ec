"""Progress on stderr: a bar with rate and ETA on a terminal (tqdm), nothing while running otherwise;
row errors are printed above the bar and never lost; a one-line summary at the end."""

from __future__ import annotations

import sys


class Progress:
    def __init__(self, total: int | None, *, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None
        if getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="row", file=self.stream, dynamic_ncols=True, smoothing=0.1)

    def advance(self, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(rows)

    def error(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream)

    def finish(self, done: int, failed: int) -> None:
        if self.bar is not None:
            self.bar.close()
        print(f"rendered {done - failed} of {done} row(s)" + (f", {failed} failed" if failed else ""),
              file=self.stream)
