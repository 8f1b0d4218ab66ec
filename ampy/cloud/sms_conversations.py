"""MobileConnect conversations kept in the workspace store, so they outlive one render.

A conversation is keyed by (short/long code, mobile number). While it is active, the next
inbound message from that number to that code is routed to its next keyword (see
``ampy.functions.sms``). The table is created the first time a conversation is read or written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..runtime.sms import SmsConversation

TABLE = "ampy_sms_conversation"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (from_code TEXT NOT NULL, to_number TEXT NOT NULL,"
           " next_keyword TEXT NOT NULL, app TEXT NOT NULL, active INTEGER NOT NULL,"
           " updated TEXT NOT NULL, PRIMARY KEY (from_code, to_number))")


def _ensure(store) -> None:
    if not getattr(store, "_sms_table_ready", False):
        with store.transaction() as db:
            db.execute(_CREATE)
        store._sms_table_ready = True


def load(store, from_code: str, to_number: str) -> SmsConversation | None:
    """The stored conversation of this pair (active or ended), or None."""
    _ensure(store)
    with store._lock:
        row = store.db.execute(f"SELECT next_keyword, app, active FROM {TABLE} WHERE from_code = ?"
                               " AND to_number = ?", (from_code, to_number)).fetchone()
    if row is None:
        return None
    return SmsConversation(from_code, to_number, row[0], app=row[1], active=bool(row[2]))


def save(store, conv: SmsConversation) -> None:
    """Write a conversation's state (one row per pair; the latest state wins)."""
    _ensure(store)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction() as db:
        db.execute(f"INSERT INTO {TABLE} (from_code, to_number, next_keyword, app, active, updated)"
                   " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (from_code, to_number) DO UPDATE SET"
                   " next_keyword = excluded.next_keyword, app = excluded.app, active = excluded.active,"
                   " updated = excluded.updated",
                   (conv.from_code, conv.to_number, conv.next_keyword, conv.app, int(conv.active), stamp))
