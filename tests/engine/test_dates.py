"""The calendar rules (workflow/engine/dates.py): pure, the clock and the zone passed in.

The HTTP side (the default delivery date, the date limits, how pages show dates) is tested
with the steps in tests/assessment/test_planning.py and tests/organizing/test_action.py.
"""
from datetime import date, datetime, timedelta

import pytest

from workflow.engine import dates
from workflow.engine.reasons import Refusal
from workflow.programs import steps as step_inputs

DAY = date(2026, 12, 1)


def at(clock: str, day: date = DAY) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{clock}+00:00")


# (UTC clock, zone, the community's date): 07:00 WIB, 08:00 WITA and 09:00 WIT are the
# offsets; 15:30 UTC is after midnight only in WIT, 23:30 UTC after it everywhere.
TODAY = [
    ("00:30", "Asia/Jakarta", DAY), ("00:30", "Asia/Makassar", DAY),
    ("00:30", "Asia/Jayapura", DAY),
    ("15:30", "Asia/Jakarta", DAY), ("15:30", "Asia/Makassar", DAY),
    ("15:30", "Asia/Jayapura", DAY + timedelta(days=1)),
    ("23:30", "Asia/Jakarta", DAY + timedelta(days=1)),
    ("23:30", "Asia/Makassar", DAY + timedelta(days=1)),
    ("23:30", "Asia/Jayapura", DAY + timedelta(days=1)),
]


@pytest.mark.parametrize(("clock", "zone", "today"), TODAY)
def test_community_today(clock, zone, today):
    assert dates.community_today(at(clock), zone) == today


@pytest.mark.parametrize(("clock", "latest"), [
    ("00:30", DAY), ("14:59", DAY), ("15:00", DAY + timedelta(days=1)),
    ("15:30", DAY + timedelta(days=1)), ("23:30", DAY + timedelta(days=1))])
def test_latest_date_in_indonesia_is_the_date_in_wit(clock, latest):
    assert dates.latest_date_in_indonesia(at(clock)) == latest
    # A village in WIB may record the WIT date too, never a later one.
    assert dates.latest_allowed(at(clock), "Asia/Jakarta") == latest


def test_a_naive_moment_is_utc_as_stored():
    """The database gives moments back without a zone; they were written in UTC."""
    naive = datetime(2026, 12, 1, 15, 30)
    assert dates.community_today(naive, "Asia/Jayapura") == date(2026, 12, 2)
    assert dates.local_time(naive, "Asia/Jakarta").isoformat() == "2026-12-01T22:30:00+07:00"


@pytest.mark.parametrize("name", ["", None, "Mars/Olympus", "../../etc/passwd"])
def test_an_unknown_zone_falls_back_to_the_default(name):
    assert dates.zone(name).key == dates.DEFAULT_ZONE


PARSED = [
    ("", None, None), ("  ", None, None),
    ("2025-11-03", date(2025, 11, 3), None),
    (" 1900-01-01 ", date(1900, 1, 1), None),
    ("2026-12-02", date(2026, 12, 2), None),  # the latest allowed itself
    ("2026-12-03", None, "The date cannot be in the future."),
    ("0001-01-01", None,
     "The date is too early: write a date from %(year)s on, for example 2027-03-31."),
    ("1899-12-31", None,
     "The date is too early: write a date from %(year)s on, for example 2027-03-31."),
    ("2025-02-30", None, "Write the date as year-month-day, for example 2027-03-31."),
    ("3/11/2025", None, "Write the date as year-month-day, for example 2027-03-31."),
    ("20251103", None, "Write the date as year-month-day, for example 2027-03-31."),
]


@pytest.mark.parametrize(("raw", "value", "message"), PARSED)
def test_parse_date(raw, value, message):
    errors = {}
    assert dates.parse_date(raw, errors, "when", None, latest=date(2026, 12, 2)) == value
    assert (errors["when"].msgid if errors else None) == message
    if message and "%(year)s" in message:
        assert errors["when"].params == {"year": 1900}


def test_a_blank_date_is_the_default():
    errors = {}
    assert dates.parse_date("", errors, "when", DAY, latest=DAY) == DAY and errors == {}


@pytest.mark.parametrize(("clock", "zone", "today"), TODAY)
def test_deliver_defaults_to_the_communitys_today(clock, zone, today):
    inputs = step_inputs.clean_inputs("deliver", {"target": "Camat", "channel": "letter"},
                                      at(clock), zone)
    assert inputs["delivered_on"] == today.isoformat()


@pytest.mark.parametrize("clock", ["00:30", "15:30", "23:30"])
def test_deliver_refuses_a_date_later_than_anywhere_in_indonesia(clock):
    later = dates.latest_date_in_indonesia(at(clock)) + timedelta(days=1)
    with pytest.raises(Refusal) as refused:
        step_inputs.clean_inputs("deliver", {"target": "Camat", "channel": "letter",
                                             "delivered_on": later.isoformat()},
                                 at(clock), "Asia/Jakarta")
    assert refused.value.kind == "invalid"
    assert refused.value.errors["delivered_on"].msgid == "The date cannot be in the future."


def test_stored_date():
    assert dates.stored_date("2025-11-03") == date(2025, 11, 3)
    assert dates.stored_date(date(2025, 11, 3)) == date(2025, 11, 3)
    assert dates.stored_date(None) is None and dates.stored_date("3 Nov") is None
