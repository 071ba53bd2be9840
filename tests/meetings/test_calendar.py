"""The meeting's iCalendar file parses, with its title, place and start on the village's clocks;
invitees find the meeting on their home page."""
from datetime import datetime

from icalendar import Calendar

from tests.helpers import freeze_web_clock, login_as
from tests.meetings.conftest import MORNING


def test_the_calendar_file_parses(client, users, meeting, monkeypatch):
    freeze_web_clock(monkeypatch, MORNING)
    login_as(client, users["warga1"])
    response = client.get(f"/meetings/{meeting}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == "Musyawarah Dusun Krajan"
    assert str(event["LOCATION"]) == "Balai Desa"
    start = event.decoded("DTSTART")
    assert (start.isoformat(), str(start.tzinfo)) == ("2027-03-10T19:30:00+07:00", "Asia/Jakarta")
    assert event.decoded("DTSTAMP") == MORNING


def test_outsiders_get_no_calendar(client, users):
    login_as(client, users["warga1"])
    assert client.get("/meetings/4242.ics").status_code == 404


def test_invitees_see_the_meeting_at_home(client, users, meeting):
    login_as(client, users["warga1"])
    page = client.get("/").get_data(as_text=True)
    assert f'data-meeting="{meeting}"' in page and f'href="/meetings/{meeting}.ics"' in page
    login_as(client, users["kades"])   # not invited
    assert f'data-meeting="{meeting}"' not in client.get("/").get_data(as_text=True)


def test_the_start_is_shown_on_the_village_clocks(client, users, meeting):
    login_as(client, users["warga1"])
    page = client.get(f"/meetings/{meeting}").get_data(as_text=True)
    assert datetime(2027, 3, 10, 19, 30).isoformat() + "+07:00" in page
