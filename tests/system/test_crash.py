"""Crash safety: scripts/crash_storm.py kills the production server (gunicorn, master and
workers, SIGKILL) in the middle of a vote storm and checks, after a restart on the same
database, that every acknowledged vote is there, once, as acknowledged; that the tally
agrees with the rows; and that the audit chain verifies. Run here on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set (a fresh, empty database the script seeds)."""
import importlib.util
import os
import re
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

from tests import ROOT
from tests.helpers import empty_postgresql

REPO = Path(ROOT)
SCRIPT = REPO / "scripts" / "crash_storm.py"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
TIMEOUT = 150  # the script bounds itself (~10-40 s); this only stops a hang


def load_script():
    spec = importlib.util.spec_from_file_location("crash_storm", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fresh_database(request, tmp_path):
    """None for SQLite (the script makes its own temporary file); on PostgreSQL a new empty
    database, created and dropped through an admin connection (seed-demo migrates it)."""
    if request.param == "sqlite":
        yield None
        return
    with empty_postgresql("crash") as url:
        yield url


@pytest.mark.parametrize("fresh_database", BACKENDS, indirect=True)
def test_acknowledged_votes_survive_a_sigkill_mid_storm(fresh_database, tmp_path):
    command = [sys.executable, str(SCRIPT)]
    if fresh_database:
        command += ["--database-url", fresh_database]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True,
                            timeout=TIMEOUT)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "RESULT: PASS" in report, report
    checked = re.search(r"acknowledged votes checked: (\d+)", report)
    assert checked and int(checked.group(1)) > 0, report
    assert "killed mid-storm: yes" in report, report
    assert re.search(r"verify-audit: exit 0: OK", report), report


# The checker itself must not pass vacuously: feed it a lost, a stale and a made-up vote.

Row = namedtuple("Row", "username choice reason user_id")


def _resident(script, name, outcomes):
    """A resident whose attempts #1.. ended with the given statuses (None: no answer)."""
    resident = script.Resident(script.Client("http://127.0.0.1:1", name, 1))
    for seq, status in enumerate(outcomes, start=1):
        resident.attempts.append(script.Attempt(seq, script.CHOICES[seq % 4], 0.0, 1.0,
                                                status))
    return resident


def _verdict(script, residents, rows):
    checks = script.Checks()
    checked = script.check_votes(checks, residents, {"votes": rows, "duplicates": []})
    return checked, checks.ok, " ".join(d for _, ok, d in checks.results if not ok)


def _row(script, resident, seq):
    attempt = resident.attempts[seq - 1]
    return Row(resident.name, attempt.choice, resident.tag(attempt), 0)


def test_the_checker_accepts_the_last_ack_or_a_later_in_flight_attempt():
    script = load_script()
    a = _resident(script, "warga1", [302, 302, None])  # #3 in flight at the kill
    b = _resident(script, "warga2", [302, 409])        # #2 refused
    assert _verdict(script, [a, b], [_row(script, a, 2), _row(script, b, 1)])[:2] == (2, True)
    assert _verdict(script, [a, b], [_row(script, a, 3), _row(script, b, 1)])[:2] == (2, True)


def test_the_checker_catches_lost_stale_and_foreign_votes():
    script = load_script()
    a = _resident(script, "warga1", [302, 302, None])
    b = _resident(script, "warga2", [302, 409])
    checked, ok, why = _verdict(script, [a, b], [_row(script, b, 1)])
    assert not ok and "warga1" in why and "LOST" in why
    checked, ok, why = _verdict(script, [a, b], [_row(script, a, 1), _row(script, b, 1)])
    assert not ok and "attempt #1" in why  # an older vote came back
    checked, ok, why = _verdict(script, [a, b], [_row(script, a, 2), _row(script, b, 2)])
    assert not ok and "warga2" in why  # a refused attempt was written
    wrong_choice = _row(script, a, 2)._replace(choice="block" if a.attempts[1].choice != "block"
                                               else "agree")
    assert not _verdict(script, [a, b], [wrong_choice, _row(script, b, 1)])[1]
    stranger = Row("warga9", "agree", "storm warga9 #1", 0)
    assert not _verdict(script, [a, b], [_row(script, a, 2), _row(script, b, 1), stranger])[1]
