"""The local Marketing Cloud: an account on disk (CSV data extensions, content) in SQLite."""
