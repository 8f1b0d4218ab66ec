"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the send tests.

The ``smtp`` fixture (``(collector, port)``) serves every test module (conftest.py); a test may
also open one with ``smtp_server()``."""

from __future__ import annotations

import contextlib
import socket

import pytest
from aiosmtpd.controller import Controller


class Collector:
    """Every message delivered: ``(recipients, content bytes)``."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server():
    """``(collector, port)`` of a running SMTP server; stopped on exit."""
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, port
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server
