"""Text that names a row id, or nothing (never an overflow inside the database driver)."""

import pytest

from xinfang.core.ids import MAX_ID, id_from_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 40, None),
        ("0", None),
        ("-3", None),
        ("+3", None),
        ("1e3", None),
        ("١٢", None),  # Arabic-Indic digits: str.isdigit() says yes, an id they are not
        ("", None),
        (None, None),
        (5, 5),
        (True, None),
        (2**70, None),
    ],
)
def test_id_from_text(value, expected):
    assert id_from_text(value) == expected
