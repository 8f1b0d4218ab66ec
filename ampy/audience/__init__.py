"""Rendering a whole audience: rows streamed from a source (a data extension, a CSV or Parquet file),
rendered in batches by worker processes that each compile the template once, written in audience
order (``.html`` files, JSON lines or complete ``.eml`` messages)."""
