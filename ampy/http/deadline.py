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
        self.limit = limit          # "timeout" or "budget"

    def remaining(self) -> float:
        return self.end - time.monotonic()


class HttpBudget:
    """The outbound HTTP time of one render, all requests together (``[limits] http_total_time``)."""

    __slots__ = ("total", "spent")

    def __init__(self, total: float, spent: float = 0.0):
        self.total = total
        self.spent = spent

    def left(self) -> float:
        return self.total - self.spent


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
