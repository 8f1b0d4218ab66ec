"""to_db_text: how a value is written into a data-extension cell or an API property."""

from datetime import datetime

from ampy.runtime.values import DB_NULL, to_db_text


def test_null_stays_null_and_everything_else_is_its_text_form():
    assert to_db_text(None) is None
    assert to_db_text(DB_NULL) is None
    assert to_db_text("") == ""
    assert to_db_text(True) == "True"
    assert to_db_text(2.50) == "2.5"
    assert to_db_text(datetime(2024, 3, 5, 14, 7)) == "3/5/2024 2:07:00 PM"
