"""Runtime: AMPscript values, coercions, dates, rowsets and the render context."""
