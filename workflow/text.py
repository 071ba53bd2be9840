"""Cleaning text that people type before it is checked or stored."""
import re

# Control characters (NUL among them) are never meant; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def clean(value) -> str:
    """The text without control characters and surrounding spaces ('' for None)."""
    return _CONTROL.sub("", value if isinstance(value, str) else "").strip()


def is_number(value: str, max_digits: int = 18) -> bool:
    """Plain digits 0-9 only (not '²' or '٣', which str.isdigit accepts)."""
    return bool(_ASCII_DIGITS.fullmatch(value)) and len(value) <= max_digits
