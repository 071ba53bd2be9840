"""A meeting as an iCalendar file (RFC 5545), for an invitee to add to a phone's calendar."""
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from workflow.engine import dates
from workflow.meetings.models import Meeting

LENGTH = timedelta(hours=2)  # a musyawarah's usual length: the calendar needs an end


def ics(meeting: Meeting, zone_name: str, host: str, now: datetime) -> bytes:
    """One VEVENT: the title, the place, the start on the community's clocks; DTSTAMP ``now``."""
    calendar = Calendar()
    calendar.add("prodid", "-//Musyawarah//meetings//ID")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("summary", meeting.title)
    event.add("location", meeting.place)
    start = dates.local_time(meeting.starts_at, zone_name)
    event.add("dtstart", start)
    event.add("dtend", start + LENGTH)
    event.add("dtstamp", dates.as_utc(now))
    calendar.add_component(event)
    return calendar.to_ical()
