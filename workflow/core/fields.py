"""The field kit: one way for every form a command checks.

A ``Fields`` reads a submitted form field by field, keeps each cleaned value, and gives
each bad field its own message (a ``Reason``, translated by the web layer beside the
field). ``checked()`` then returns the values, or refuses the whole form at once, so a
person sees every problem on the first try and nothing is written.
"""
from datetime import date

from workflow.engine.ballots import read_fraction
from workflow.engine.dates import parse_date
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean, is_number, number_list, read_whole_number

TOO_LONG = N_("Too long: at most %(n)s letters.")
NOT_AN_OPTION = N_("Choose one of the options in the list.")
CORRECT_THE_FIELDS = N_("Please correct the marked fields.")


class Fields:
    """The cleaned values of one form, and the problem of each field that has one."""

    def __init__(self, form):
        self.form = form or {}
        self.values: dict = {}
        self.errors: dict = {}

    def problem(self, name: str, message: str, **params) -> None:
        """Mark ``name`` as wrong (the first problem found for a field is the one told)."""
        self.errors.setdefault(name, Reason(message, params))

    def text(self, name: str, limit: int, required: str | None = None,
             one_line: bool = False) -> str:
        """Typed text, cleaned (``one_line``: runs of spaces and line breaks made one space);
        refused when longer than ``limit``, or empty when ``required`` (its message)."""
        value = clean(self.form.get(name))
        if one_line:
            value = " ".join(value.split())
        self.values[name] = value
        if len(value) > limit:
            self.problem(name, TOO_LONG, n=limit)
        elif required and not value:
            self.problem(name, required)
        return value

    def choice(self, name: str, allowed, required: str | None = None,
               message: str = NOT_AN_OPTION) -> str:
        """One of ``allowed`` (blank is allowed unless ``required``, its message)."""
        value = clean(self.form.get(name))
        self.values[name] = value
        if value and value not in allowed:
            self.problem(name, message)
        elif required and not value:
            self.problem(name, required)
        return value

    def whole_number(self, name: str, maximum: int, rupiah: bool = False) -> int | None:
        """A whole number as people write it ("Rp 2.500.000"); blank means unknown."""
        number, reason = read_whole_number(self.form.get(name), rupiah, maximum)
        self.values[name] = number
        if reason is not None:
            self.errors.setdefault(name, reason)
        return number

    def fraction(self, name: str) -> str | None:
        """A share written like "2/3", more than 0 and at most 1 (kept in lowest terms)."""
        share, reason = read_fraction(self.form.get(name))
        self.values[name] = share
        if reason is not None:
            self.errors.setdefault(name, reason)
        return share

    def digits(self, name: str, max_digits: int, message: str) -> str:
        """A short code of digits only (an RT or RW number); blank is allowed."""
        value = clean(self.form.get(name))
        self.values[name] = value
        if value and not is_number(value, max_digits):
            self.problem(name, message)
        return value

    def numbers(self, name: str, message: str) -> str:
        """A list of RW or RT numbers ("01, 02, 03"), written one way; blank is allowed."""
        value = number_list(self.form.get(name))
        self.values[name] = value or ""
        if value is None:
            self.problem(name, message)
        return self.values[name]

    def date(self, name: str, default: date | None, latest: date) -> date | None:
        """A date no later than ``latest`` (blank gives ``default``)."""
        value = parse_date(self.form.get(name), self.errors, name, default, latest=latest)
        self.values[name] = value
        return value

    def checked(self) -> dict:
        """The values, or Refusal('invalid') with every field's problem."""
        if self.errors:
            raise Refusal("invalid", Reason(CORRECT_THE_FIELDS), self.errors)
        return self.values
