"""The calendar rules: what "today" is in a community, and which dates a form may hold.

Pure: the clock is passed in (``now``, an aware datetime, or a naive one meaning UTC, as the
database gives them back), the zone is the community's IANA name. A village in Papua and
one in Aceh see different dates at the same moment; every command and every page asks
here instead of taking the server's date or the UTC date.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.engine.reasons import N_, Reason
from workflow.engine.text import clean

DEFAULT_ZONE = "Asia/Jakarta"  # WIB: where most villages are, and Community's default
# Indonesia's three time zones, as a community chooses its own.
ZONES = {"Asia/Jakarta": N_("WIB (western Indonesia: Sumatra, Java, West and Central Kalimantan)"),
         "Asia/Makassar": N_("WITA (central Indonesia: Bali, Nusa Tenggara, Sulawesi, "
                             "East and South Kalimantan)"),
         "Asia/Jayapura": N_("WIT (eastern Indonesia: Maluku and Papua)")}
# WIT (UTC+9), Indonesia's easternmost zone: no date later than its date is "today" anywhere
# in the country, so a facilitator who just crossed a zone line is never told "future".
EASTERNMOST_ZONE = "Asia/Jayapura"
# Nothing the service records (a demand, a fact of an assessment) happened before this;
# an earlier year is a slip of the thumb (0001 from a cleared year field, 1025 for 2025).
EARLIEST = date(1900, 1, 1)
DATE_FORMAT = "%Y-%m-%d"  # what <input type="date"> sends


def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name``; the default one for a blank or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is read as UTC (how it was stored)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_time(moment: datetime, zone_name: str | None) -> datetime:
    """``moment`` on the wall clocks of the zone called ``zone_name``."""
    return as_utc(moment).astimezone(zone(zone_name))


def community_today(now: datetime, zone_name: str | None) -> date:
    """The date on the community's calendar at ``now``."""
    return local_time(now, zone_name).date()


def latest_date_in_indonesia(now: datetime) -> date:
    """The latest date it is anywhere in Indonesia at ``now`` (the date in WIT)."""
    return local_time(now, EASTERNMOST_ZONE).date()


def latest_allowed(now: datetime, zone_name: str | None) -> date:
    """The last date a form may hold for something that has already happened."""
    return max(community_today(now, zone_name), latest_date_in_indonesia(now))


def parse_date(raw, errors: dict, field: str, default: date | None,
               latest: date | None = None, earliest: date = EARLIEST) -> date | None:
    """A YYYY-MM-DD date between ``earliest`` and ``latest``, or ``default`` when blank.

    A bad date puts a Reason under ``field`` in ``errors`` and gives None.
    """
    text = clean(raw)
    if not text:
        return default
    try:
        value = datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        errors[field] = Reason(N_("Write the date as year-month-day, for example 2027-03-31."))
        return None
    if value < earliest:
        errors[field] = Reason(N_("The date is too early: write a date from %(year)s on, "
                                  "for example 2027-03-31."), {"year": earliest.year})
        return None
    if latest is not None and value > latest:
        errors[field] = Reason(N_("The date cannot be in the future."))
        return None
    return value


def stored_date(value) -> date | None:
    """A date kept as ISO text (an event's payload), or None when absent or unreadable."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
