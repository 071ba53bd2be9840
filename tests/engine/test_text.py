"""Typed lists of RW and RT numbers, read one way."""
import pytest

from workflow.engine.text import number_list


@pytest.mark.parametrize(("typed", "read"), [
    ("", ""), ("  ", ""), ("01", "01"), ("01,02", "01, 02"), (" 03 ,04  04", "03, 04"),
    ("1;2/3 4", "1, 2, 3, 4"), ("١٢", None), ("01, dua", None), ("1234", None), ("-1", None),
    ("1.5", None), ("01,,02", "01, 02"),
])
def test_number_list(typed, read):
    assert number_list(typed) == read
