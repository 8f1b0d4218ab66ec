"""Impression regions recorded with a send: for each delivered message, the regions its render
opened with ``BeginImpressionRegion`` (in order), kept in the store table ``ampy_impression``."""

from __future__ import annotations

TABLE = "ampy_impression"


def _ensure(db) -> None:
    db.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (send_id INTEGER NOT NULL, subscriber_key TEXT NOT NULL,"
               " ordinal INTEGER NOT NULL, region TEXT NOT NULL)")
    db.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_send ON {TABLE} (send_id)")


def record(store, send_id: int, rows: list[tuple[str, list[str]]]) -> None:
    """Store ``(subscriber key, [region, ...])`` pairs of one send."""
    flat = [(send_id, key, i, region) for key, regions in rows for i, region in enumerate(regions, 1)]
    if not flat:
        return
    with store.transaction() as db:
        _ensure(db)
        db.executemany(f"INSERT INTO {TABLE} (send_id, subscriber_key, ordinal, region) VALUES (?, ?, ?, ?)",
                       flat)


def for_send(store, send_id: int) -> list[tuple[str, str]]:
    """``(subscriber key, region)`` of a send, in delivery order and region order."""
    with store.transaction() as db:
        _ensure(db)
        return [tuple(r) for r in db.execute(
            f"SELECT subscriber_key, region FROM {TABLE} WHERE send_id = ? ORDER BY rowid", (send_id,))]
