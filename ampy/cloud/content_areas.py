"""TreatAsContentArea's registrations for one send job, in the store: the first content registered
under a key is the one every later render of the job gets, also across worker processes."""

from __future__ import annotations

TABLE = "ampy_content_area"


def register(store, job_id: int, key: str, content: str) -> str:
    """The content that holds for ``key`` in the job: ``content`` when it is the first."""
    with store.transaction() as db:
        db.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (job_id INTEGER NOT NULL, area_key TEXT NOT NULL,"
                   " content TEXT NOT NULL, PRIMARY KEY (job_id, area_key))")
        db.execute(f"INSERT OR IGNORE INTO {TABLE} (job_id, area_key, content) VALUES (?, ?, ?)",
                   (job_id, key.lower(), content))
        (held,) = db.execute(f"SELECT content FROM {TABLE} WHERE job_id = ? AND area_key = ?",
                             (job_id, key.lower())).fetchone()
    return held
