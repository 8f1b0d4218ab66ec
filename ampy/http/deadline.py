"""Time limits on outbound HTTP: one deadline per request, one budget per render.

A socket timeout alone bounds each *read*, so a server that trickles one byte just inside it can
hold a request open for ever. Here every send and every read first sets the socket timeout to
the time left before the deadline, and reads are small, so a request ends at its deadline
whatever the server does — while connecting, before the headers, or in the body.
"""

from __future__ import annotations

import io
import time

_PIECE = 16384   # the most one read takes off the socket


class Deadline:
    """The moment a request must be over, and which limit set it (for the message)."""

    __slots__ = ("end", "limit")

    def __init__(self, end: float, limit: str):
        self.end = end
        self.limit = limit          # "timeout", "http_total_time" or "wall_time"

    def remaining(self) -> float:
        return self.end - time.monotonic()


class HttpBudget:
    """The outbound HTTP time of one render, all requests together (``[limits] http_total_time``),
    and the moment the whole render must end (``[limits] wall_time``), when there is one."""

    __slots__ = ("total", "spent", "wall_end", "wall_time")

    def __init__(self, total: float, spent: float = 0.0, wall_end: float | None = None,
                 wall_time: float | None = None):
        self.total = total
        self.spent = spent
        self.wall_end = wall_end      # time.monotonic() value
        self.wall_time = wall_time    # the limit it came from, for messages

    def left(self) -> float:
        return self.total - self.spent

    def used_up(self) -> str | None:
        """The limit that leaves no time for another request, or None."""
        if self.left() <= 0:
            return "http_total_time"
        if self.wall_end is not None and self.wall_end <= time.monotonic():
            return "wall_time"
        return None

    def deadline(self, timeout: float) -> Deadline:
        """The deadline of a request starting now: its own timeout, or earlier when the render's
        HTTP time or wall time runs out first."""
        now = time.monotonic()
        best = Deadline(now + timeout, "timeout")
        if now + self.left() < best.end:
            best = Deadline(now + self.left(), "http_total_time")
        if self.wall_end is not None and self.wall_end < best.end:
            best = Deadline(self.wall_end, "wall_time")
        return best

    def message(self, method: str, url: str, limit: str) -> str:
        """Why a request was stopped by one of the render's limits, and how to raise it."""
        if limit == "wall_time":
            what = f"the render ran longer than {self.wall_time:g} seconds"
        else:
            what = f"this render used up its {self.total:g} seconds of outbound HTTP time"
        return (f"{method} {url} stopped: {what} (limit {limit}; raise it in ampy.toml [limits] {limit} "
                f"or --limit {limit}=N)")


class DeadlineSocket:
    """The face of a connected socket that ``http.client`` sees: every send and read is bounded
    by the deadline."""

    def __init__(self, sock, deadline: Deadline):
        self.sock = sock
        self.deadline = deadline

    def _arm(self) -> None:
        remaining = self.deadline.remaining()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        self.sock.settimeout(remaining)

    def sendall(self, data) -> None:
        self._arm()
        self.sock.sendall(data)   # the timeout covers the whole send (Python >= 3.5)

    def recv_into(self, buffer) -> int:
        self._arm()
        return self.sock.recv_into(memoryview(buffer)[:_PIECE])

    def makefile(self, mode="rb", *args, **kwargs):
        return io.BufferedReader(_Reader(self), _PIECE)

    def close(self) -> None:
        # http.client closes the connection while the response may still be read from it; the
        # owner of the real socket closes it once the exchange is over.
        pass


class _Reader(io.RawIOBase):
    def __init__(self, sock: DeadlineSocket):
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._sock.recv_into(buffer)
