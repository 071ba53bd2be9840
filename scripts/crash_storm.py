#!/usr/bin/env python3
"""Crash storm: kill the production server in the middle of a vote storm, then check that
every acknowledged vote survived.

What it does, in order:

1. Makes a temporary directory and, unless ``--database-url`` names another database
   (a *fresh* PostgreSQL database, say), a SQLite database in it; runs
   ``flask --app app seed-demo`` on it (the demo village: ``pendamping``, ``warga1`` …
   ``warga12``, program 1 in state "proposed").
2. Starts the production server exactly as the README does:
   ``gunicorn --workers 2 --bind 127.0.0.1:<free port> 'app:create_app()'`` with
   ``MUSYAWARAH_ENV=production``, a random ``SECRET_KEY`` and ``DATABASE_URL``, in its own
   process group (``start_new_session=True``), and waits until it answers.
3. Logs in the facilitator and the twelve residents through the real login form (standard
   library ``urllib`` + ``http.cookiejar``, one cookie jar each) and has the facilitator
   fire ``open_discussion`` and ``open_voting`` on program 1 (a consent ballot).
4. The storm: one thread per resident casts and changes its vote over and over
   (``POST /programs/1/votes``, CSRF token in the form), within a budget of ``--requests``
   requests and ``--max-seconds`` seconds. Every attempt carries a unique ``reason``
   ("storm warga3 #17"), so the row left in the database names the attempt that wrote it.
   A response with status 2xx/3xx is an *acknowledgement*; a 4xx is a refusal (nothing
   written); a connection error, a timeout or a 5xx is *unknown* (not acknowledged, but it
   may have been written). Meanwhile a "chain writer" thread (the facilitator) makes draft
   programs and fires ``submit`` / ``withdraw`` on them, so events are being appended to
   the audit hash chain when the crash comes (``--no-chain-writer`` turns it off).
5. Mid-storm (once ``--kill-at`` of the budget is sent, or after ``--kill-after`` seconds)
   sends SIGKILL to the whole process group: the gunicorn master and its workers die at
   once, with requests in flight. The residents stop after their current attempt.
6. Restarts the server on the same database (same ``SECRET_KEY``) and checks:

   * every resident whose vote was acknowledged has exactly one Vote row, and that row is
     their last acknowledged attempt or an attempt sent after it whose fate is unknown
     (the one in flight at the kill); its choice is that attempt's choice;
   * a resident with no acknowledged vote has no row or a row from one of their own
     non-refused attempts; nobody has two rows; nobody outside the storm has a row;
   * program 1 is still in "voting" with exactly one open ballot;
   * the tally the API gives a logged-in member (``GET /api/v1/programs/1``, with a session
     cookie from *before* the crash: sessions live in the database) equals the rows counted
     directly in the database;
   * every program and step the chain writer got acknowledged is in the database;
   * ``flask --app app verify-audit`` exits 0;
   * the restarted server takes a new vote.

Prints a short report and exits 1 on any failed check (2 when the run itself could not be
carried out, e.g. the server did not start). Traffic goes to 127.0.0.1 only. The servers it
started are always stopped (try/finally); nothing else is ever signalled.

    .venv/bin/python scripts/crash_storm.py                    # SQLite in a temp dir
    .venv/bin/python scripts/crash_storm.py --database-url postgresql://u:p@127.0.0.1/fresh_db
"""
import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "musyawarah"
FACILITATOR = "pendamping"
RESIDENTS = [f"warga{i}" for i in range(1, 13)]
PROGRAM = 1
CHOICES = ("agree", "abstain", "disagree", "block")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
TAG_RE = re.compile(r"^storm (\S+) #(\d+)$")
# A connection refused/reset, a response cut off, a timeout: the request's fate is unknown.
CONNECTION_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError)


class RunError(Exception):
    """The run could not be carried out (as opposed to a check that failed)."""


# --------------------------------------------------------------------------- HTTP clients

class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send ``Secure`` cookies over plain HTTP to 127.0.0.1 only.

    In production the session cookie is ``Secure``; browsers treat loopback as a secure
    origin and send it, but ``http.cookiejar`` would not, over http://127.0.0.1.
    """

    def return_ok_secure(self, cookie, request):
        if urllib.parse.urlsplit(request.get_full_url()).hostname == HOST:
            return True
        return super().return_ok_secure(cookie, request)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 302 a form post answers with: it is the acknowledgement."""

    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One person's browser: a cookie jar, the CSRF token of their session."""

    def __init__(self, base: str, username: str, timeout: float):
        self.base, self.username, self.timeout = base, username, timeout
        self.jar = http.cookiejar.CookieJar(policy=LoopbackCookiePolicy())
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never through a proxy: straight to loopback
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.csrf = ""

    def rebase(self, base: str) -> None:
        """Talk to the restarted server (another port); the cookies stay."""
        self.base = base

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers, body text). Raises a CONNECTION_ERRORS member when no answer."""
        url = self.base + path
        if urllib.parse.urlsplit(url).hostname != HOST:
            raise RunError(f"refusing to send traffic anywhere but {HOST}: {url}")
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.headers, response.read().decode("utf-8",
                                                                                  "replace")
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                body = error.read().decode("utf-8", "replace")
            return error.code, error.headers, body

    def post(self, path: str, form: dict | None = None):
        return self.request("POST", path, {"csrf_token": self.csrf, **(form or {})})

    def login(self) -> None:
        status, _, page = self.request("GET", "/login")
        token = CSRF_RE.search(page) if status == 200 else None
        if token is None:
            raise RunError(f"{self.username}: no login form (status {status})")
        status, headers, _ = self.request("POST", "/login", {
            "username": self.username, "password": PASSWORD, "csrf_token": token.group(1)})
        if status != 302:
            raise RunError(f"{self.username}: login answered {status}, not a redirect")
        # The login starts a fresh session: take the CSRF token of that session.
        status, _, page = self.request("GET", f"/programs/{PROGRAM}")
        token = CSRF_RE.search(page) if status == 200 else None
        if token is None:
            raise RunError(f"{self.username}: program page after login answered {status}")
        self.csrf = token.group(1)

    def program_json(self) -> dict:
        status, _, body = self.request("GET", f"/api/v1/programs/{PROGRAM}")
        if status != 200:
            raise RunError(f"{self.username}: GET /api/v1/programs/{PROGRAM} answered {status}")
        return json.loads(body)


# --------------------------------------------------------------------------- processes

def executable(name: str) -> list:
    """The repository's .venv/bin/<name>, else this interpreter's ``-m <name>``."""
    local = REPO / ".venv" / "bin" / name
    return [str(local)] if local.exists() else [sys.executable, "-m", name]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def group_members(pgid: int) -> list:
    """Live (non-zombie) processes in process group ``pgid`` (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def run_flask(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*executable("flask"), "--app", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Server:
    """One gunicorn (master + workers) in a process group of its own."""

    def __init__(self, env: dict, workers: int, log_path: Path):
        self.env, self.workers, self.log_path = env, workers, log_path
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.proc = None
        self.pgid = None
        self.gone = False  # the whole group is confirmed dead: never signal it again

    def start(self, ready_timeout: float) -> float:
        """Start and wait until it answers; return how long that took."""
        started = time.monotonic()
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [*executable("gunicorn"), "--workers", str(self.workers),
             "--bind", f"{HOST}:{self.port}", "app:create_app()"],
            cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.pgid = self.proc.pid  # a new session: the master leads its own group
        probe = Client(self.base, "probe", timeout=2)
        while time.monotonic() - started < ready_timeout:
            if self.proc.poll() is not None:
                raise RunError(f"gunicorn exited with {self.proc.returncode}; "
                               f"see {self.log_path}:\n{self.log_tail()}")
            try:
                if probe.request("GET", "/login")[0] == 200 and \
                        len(group_members(self.pgid)) >= 1 + self.workers:
                    return time.monotonic() - started
            except CONNECTION_ERRORS:
                pass
            time.sleep(0.05)
        raise RunError(f"gunicorn did not answer within {ready_timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _wait_gone(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None and not group_members(self.pgid):
                self.gone = True
                return True
            time.sleep(0.02)
        return False

    def kill_hard(self) -> list:
        """SIGKILL the master and its workers at once; return the pids that were killed."""
        victims = group_members(self.pgid)
        os.killpg(self.pgid, signal.SIGKILL)
        if not self._wait_gone(10):
            raise RunError(f"process group {self.pgid} still alive after SIGKILL: "
                           f"{group_members(self.pgid)}")
        return victims

    def stop(self) -> None:
        """Stop politely (SIGTERM to the group), then by force; only our own group."""
        if self.proc is None or self.gone:
            return
        try:
            if self.proc.poll() is None or group_members(self.pgid):
                os.killpg(self.pgid, signal.SIGTERM)
                if not self._wait_gone(10):
                    os.killpg(self.pgid, signal.SIGKILL)
                    self._wait_gone(10)
            else:
                self.gone = True
        except ProcessLookupError:
            self.gone = True
        finally:
            if self.proc.poll() is None:
                self.proc.wait(timeout=5)
            self.log.close()


# --------------------------------------------------------------------------- the storm

@dataclass
class Attempt:
    seq: int
    choice: str
    started: float
    ended: float = 0.0
    status: int | None = None  # None: no answer (connection error, timeout)
    error: str = ""

    @property
    def outcome(self) -> str:
        if self.status is None:
            return "unknown"
        if self.status < 400:
            return "ack"
        return "refused" if self.status < 500 else "unknown"


@dataclass
class Resident:
    client: Client
    attempts: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.client.username

    def tag(self, attempt: Attempt) -> str:
        return f"storm {self.name} #{attempt.seq}"

    def last_ack(self) -> Attempt | None:
        return next((a for a in reversed(self.attempts) if a.outcome == "ack"), None)

    def acceptable(self) -> dict:
        """seq -> attempt: the attempts whose row may be the one in the database."""
        last = self.last_ack()
        later = [a for a in self.attempts if last is None or a.seq > last.seq]
        allowed = {a.seq: a for a in later if a.outcome != "refused"}
        if last is not None:
            allowed[last.seq] = last
        return allowed


class Storm:
    """Residents voting in threads; the main thread pulls the plug."""

    def __init__(self, residents, budget: int, max_seconds: float, kill_at: int, rng):
        self.residents, self.budget, self.max_seconds = residents, budget, max_seconds
        self.kill_at, self.rng = kill_at, rng
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.trigger = threading.Event()
        self.sent = self.in_flight = 0
        self.started = 0.0
        self.killed_at = None
        self.errors = []

    def _next_choice(self, resident: Resident) -> str:
        previous = resident.attempts[-1].choice if resident.attempts else None
        return self.rng.choice([c for c in CHOICES if c != previous])

    def _run(self, resident: Resident) -> None:
        try:
            while not self.stop.is_set():
                with self.lock:
                    if self.sent >= self.budget or \
                            time.monotonic() - self.started >= self.max_seconds:
                        break
                    self.sent += 1
                    self.in_flight += 1
                    if self.sent >= self.kill_at:
                        self.trigger.set()
                    attempt = Attempt(len(resident.attempts) + 1, self._next_choice(resident),
                                      time.monotonic())
                    resident.attempts.append(attempt)
                try:
                    attempt.status = resident.client.post(
                        f"/programs/{PROGRAM}/votes",
                        {"choice": attempt.choice, "reason": resident.tag(attempt)})[0]
                except CONNECTION_ERRORS as error:
                    attempt.error = type(error).__name__
                finally:
                    attempt.ended = time.monotonic()
                    with self.lock:
                        self.in_flight -= 1
        except Exception as error:  # a bug in this script: report it, do not hang
            self.errors.append(f"{resident.name}: {error!r}")
            self.trigger.set()

    def run(self, server: Server, kill_after: float, extra_threads=()) -> dict:
        """Storm, kill mid-way, wait for every thread; return what the kill saw."""
        self.started = time.monotonic()
        threads = [threading.Thread(target=self._run, args=(r,), daemon=True)
                   for r in self.residents] + list(extra_threads)
        for thread in threads:
            thread.start()
        self.trigger.wait(timeout=kill_after)
        with self.lock:
            snapshot = {"sent": self.sent, "in_flight": self.in_flight,
                        "acked": sum(a.outcome == "ack" for r in self.residents
                                     for a in r.attempts if a.ended)}
            self.killed_at = time.monotonic()
            finished = [t for t in threads if not t.is_alive()]
            victims = server.kill_hard()
        self.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        if any(t.is_alive() for t in threads):
            raise RunError("a storm thread did not finish")
        return {**snapshot, "at": self.killed_at - self.started, "victims": victims,
                "threads_done_before_kill": len(finished),
                "storm_over": snapshot["sent"] >= self.budget}


class ChainWriter:
    """The facilitator appends events to the audit chain during the storm: a draft program,
    then ``submit`` and ``withdraw`` on it, again and again."""

    def __init__(self, client: Client, stop: threading.Event):
        self.client, self.stop = client, stop
        self.acked_programs = {}  # submission key -> program id
        self.acked_steps = []  # (program id, transition)
        self.unknown = 0
        self.errors = []
        status, _, page = client.request("GET", "/rounds/1/programs/new")
        match = re.search(r'name="dusun_id".*?<option value="(\d+)"', page, re.S)
        if status != 200 or match is None:
            raise RunError(f"no proposal form for the chain writer (status {status})")
        self.dusun_id = match.group(1)

    def _step(self, program_id: int, name: str, expected: str) -> bool:
        # confirm=yes: withdraw cannot be undone, so without it the answer is "are you sure?"
        status = self.client.post(f"/programs/{program_id}/transitions/{name}",
                                  {"expected_state": expected, "confirm": "yes"})[0]
        if status < 400:
            self.acked_steps.append((program_id, name))
            return True
        if status < 500:
            raise RunError(f"chain writer: {name} on program {program_id} refused ({status})")
        return False

    def run(self) -> None:
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                key = f"crash-storm-{secrets.token_hex(8)}"
                status, headers, _ = self.client.post("/rounds/1/programs/new", {
                    "submission_key": key, "title": f"Program badai #{n}",
                    "problem": "Diuji saat server dimatikan.", "goal": "Tidak ada yang hilang.",
                    "dusun_id": self.dusun_id, "sector": "infrastructure",
                    "funding_source": "swadaya"})
                if status >= 400:
                    if status < 500:
                        raise RunError(f"chain writer: proposal refused ({status})")
                    self.unknown += 1
                    continue
                program_id = int(re.search(r"/programs/(\d+)", headers["Location"]).group(1))
                self.acked_programs[key] = program_id
                if not self._step(program_id, "submit", "draft") or \
                        not self._step(program_id, "withdraw", "proposed"):
                    self.unknown += 1
        except CONNECTION_ERRORS:
            self.unknown += 1  # the server is gone: the writer's last request is unknown
        except Exception as error:
            self.errors.append(repr(error))


# --------------------------------------------------------------------------- checks

class Checks:
    def __init__(self):
        self.results = []

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, bool(ok), detail))
        return ok

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.results)


def database_rows(url: str):
    """Read the facts straight from the database, without the app's query layer."""
    sys.path.insert(0, str(REPO))
    from sqlalchemy import create_engine, text

    from workflow.core.db import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            q = lambda sql, **p: connection.execute(text(sql), p).all()  # noqa: E731
            program = q("SELECT state FROM program WHERE id = :p", p=PROGRAM)
            ballots = q("SELECT id FROM ballot WHERE program_id = :p AND closed_at IS NULL",
                        p=PROGRAM)
            ballot_ids = [b.id for b in ballots]
            votes = q('SELECT u.username, v.choice, v.reason, v.user_id FROM vote v '
                      'JOIN "user" u ON u.id = v.user_id JOIN ballot b ON b.id = v.ballot_id '
                      'WHERE b.program_id = :p ORDER BY v.id', p=PROGRAM)
            per_user = q("SELECT v.user_id, count(*) AS n FROM vote v JOIN ballot b "
                         "ON b.id = v.ballot_id WHERE b.program_id = :p "
                         "GROUP BY v.ballot_id, v.user_id HAVING count(*) > 1", p=PROGRAM)
            keys = {r.submission_key: r.id for r in q(
                "SELECT id, submission_key FROM program WHERE submission_key IS NOT NULL")}
            events = Counter((r.program_id, r.transition) for r in q(
                "SELECT program_id, transition FROM event"))
    finally:
        engine.dispose()
    return {"state": program[0].state if program else None, "ballots": ballot_ids,
            "votes": votes, "duplicates": per_user, "keys": keys, "events": events}


def check_votes(checks: Checks, residents, rows) -> int:
    """Per resident: the row in the database is an attempt it may be. Returns how many
    acknowledged votes were checked."""
    by_user = {}
    for row in rows["votes"]:
        by_user.setdefault(row.username, []).append(row)
    checks.add("no resident has two rows", not rows["duplicates"] and all(
        len(v) == 1 for v in by_user.values()), f"duplicates: {rows['duplicates']}")
    strangers = sorted(set(by_user) - {r.name for r in residents})
    checks.add("no row from outside the storm", not strangers, ", ".join(strangers))
    acked = kept_last = landed_later = 0
    problems = []
    for resident in residents:
        last = resident.last_ack()
        found = by_user.get(resident.name, [])
        allowed = resident.acceptable()
        if last is not None:
            acked += 1
        if not found:
            if last is not None:
                problems.append(f"{resident.name}: acknowledged #{last.seq} "
                                f"({last.choice}) but no row in the database (LOST)")
            continue
        row = found[0]
        tag = TAG_RE.match(row.reason or "")
        if tag is None or tag.group(1) != resident.name:
            problems.append(f"{resident.name}: row with an unknown reason {row.reason!r}")
            continue
        seq = int(tag.group(2))
        attempt = allowed.get(seq)
        if attempt is None:
            sent = next((a for a in resident.attempts if a.seq == seq), None)
            problems.append(
                f"{resident.name}: row is attempt #{seq} ({row.choice}, "
                f"{sent.outcome if sent else 'never sent'}), but the last acknowledged is "
                f"#{last.seq if last else '-'} ({last.choice if last else '-'}); acceptable: "
                f"{sorted(allowed)}")
        elif row.choice != attempt.choice:
            problems.append(f"{resident.name}: row of attempt #{seq} says {row.choice}, "
                            f"the attempt sent {attempt.choice}")
        elif last is not None and seq == last.seq:
            kept_last += 1
        elif last is not None:
            landed_later += 1
    checks.add("every acknowledged vote is in the database as acknowledged (or a later "
               "in-flight attempt)", not problems, "; ".join(problems))
    checks.add("at least one acknowledged vote to check", acked > 0)
    checks.details = {"acked": acked, "kept_last": kept_last, "landed_later": landed_later}
    return acked


# --------------------------------------------------------------------------- main

def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 all checks passed, 1 a check failed, 2 the run failed.")
    parser.add_argument("--database-url", help="use this (fresh) database instead of a "
                        "temporary SQLite file, e.g. postgresql://user:pass@127.0.0.1/db")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--requests", type=int, default=200,
                        help="vote requests in the storm, all residents together (200)")
    parser.add_argument("--max-seconds", type=float, default=15,
                        help="the storm stops after this long at the latest (15)")
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="SIGKILL once this fraction of --requests is sent (0.5)")
    parser.add_argument("--kill-after", type=float, default=None,
                        help="...or after this many seconds, whichever comes first "
                        "(default: half of --max-seconds)")
    parser.add_argument("--timeout", type=float, default=10,
                        help="seconds one request may take before it counts as unanswered")
    parser.add_argument("--ready-timeout", type=float, default=30,
                        help="seconds to wait for gunicorn to answer")
    parser.add_argument("--no-chain-writer", dest="chain_writer", action="store_false",
                        help="do not append audit events during the storm")
    parser.add_argument("--seed", type=int, default=None, help="seed for the vote choices")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (database, server logs)")
    args = parser.parse_args(argv)
    if args.requests < 2 or not 0 < args.kill_at < 1:
        parser.error("--requests must be at least 2 and --kill-at between 0 and 1")
    if args.kill_after is None:
        args.kill_after = args.max_seconds / 2
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="crash-storm-"))
    url = args.database_url or f"sqlite:///{workdir / 'storm.sqlite3'}"
    shown_url = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
    env = {k: v for k, v in os.environ.items()
           if k not in ("TRUSTED_PROXIES", "FLASK_APP", "FLASK_DEBUG")}
    env.update(DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32), PYTHONUNBUFFERED="1")
    production = {**env, "MUSYAWARAH_ENV": "production"}
    servers = []
    checks = Checks()
    finished = False
    times = {}
    t0 = time.monotonic()
    print(f"crash storm on {shown_url} (seed {seed}, workdir {workdir})")
    try:
        seeded = run_flask({**env, "MUSYAWARAH_ENV": "development"}, "seed-demo")
        if seeded.returncode != 0:
            raise RunError(f"seed-demo failed:\n{seeded.stdout}{seeded.stderr}")
        times["seed"] = time.monotonic() - t0

        first = Server(production, args.workers, workdir / "gunicorn-1.log")
        servers.append(first)
        times["start"] = first.start(args.ready_timeout)
        print(f"  server: gunicorn --workers {args.workers} on {first.base}, process group "
              f"{first.pgid} ({len(group_members(first.pgid))} processes), "
              f"ready in {times['start']:.1f} s")

        facilitator = Client(first.base, FACILITATOR, args.timeout)
        residents = [Resident(Client(first.base, name, args.timeout)) for name in RESIDENTS]
        people = [facilitator] + [r.client for r in residents]
        # Argon2 makes a login slow on purpose: log everyone in side by side.
        with ThreadPoolExecutor(max_workers=2 * args.workers) as pool:
            list(pool.map(Client.login, people))
        state = facilitator.program_json()["state"]
        for step, source in (("open_discussion", "proposed"), ("open_voting", "discussion")):
            if state == source:
                status = facilitator.post(f"/programs/{PROGRAM}/transitions/{step}",
                                          {"expected_state": source})[0]
                if status >= 400:
                    raise RunError(f"{step} answered {status}")
                state = facilitator.program_json()["state"]
        if state != "voting":
            raise RunError(f"program {PROGRAM} is in {state!r}, not voting: is the "
                           f"database fresh?")
        times["logins"] = time.monotonic() - t0 - times["seed"] - times["start"]

        storm = Storm(residents, args.requests, args.max_seconds,
                      max(1, int(args.requests * args.kill_at)), rng)
        writer = None
        extra = []
        if args.chain_writer:
            writer = ChainWriter(facilitator, storm.stop)  # idle during the storm
            extra.append(threading.Thread(target=writer.run, daemon=True))
        kill = storm.run(first, args.kill_after, extra)
        attempts = [a for r in residents for a in r.attempts]
        outcomes = Counter(a.outcome for a in attempts)
        before = [a for a in attempts if a.ended <= storm.killed_at]
        unknown_before = sum(a.outcome == "unknown" for a in before)
        in_flight = sum(1 for a in attempts if a.started < storm.killed_at
                        and (a.ended > storm.killed_at or a.outcome == "unknown"))
        if storm.errors:
            raise RunError("storm thread failed: " + "; ".join(storm.errors))
        if writer is not None and writer.errors:
            raise RunError("chain writer failed: " + "; ".join(writer.errors))
        times["storm"] = kill["at"]
        mid = kill["acked"] > 0 and not kill["storm_over"] and \
            kill["threads_done_before_kill"] == 0
        print(f"  storm: {len(residents)} residents, budget {args.requests} requests / "
              f"{args.max_seconds:g} s; sent {len(attempts)}: {outcomes['ack']} acknowledged, "
              f"{outcomes['refused']} refused, {outcomes['unknown']} unknown "
              f"({unknown_before} of them before the kill)")
        print(f"  kill: SIGKILL to process group {first.pgid} ({len(kill['victims'])} "
              f"processes: master + workers) at {kill['at']:.2f} s, after {kill['sent']} of "
              f"{args.requests} requests sent, {kill['acked']} acknowledged, "
              f"{kill['in_flight']} in flight ({in_flight} attempts cut off)")
        print(f"  killed mid-storm: {'yes' if mid else 'NO'}")
        checks.add("the kill came mid-storm (votes acknowledged before it, budget left, every "
                   "resident still voting)", mid, json.dumps({k: v for k, v in kill.items()
                                                             if k != "victims"}))
        checks.add("the kill took the master and all workers",
                   len(kill["victims"]) >= 1 + args.workers, f"pids {kill['victims']}")

        t_restart = time.monotonic()
        second = Server(production, args.workers, workdir / "gunicorn-2.log")
        servers.append(second)
        times["restart"] = second.start(args.ready_timeout)
        print(f"  restart: same database, {second.base}, ready in {times['restart']:.1f} s")
        for client in [facilitator] + [r.client for r in residents]:
            client.rebase(second.base)

        rows = database_rows(url)
        checks.add(f"program {PROGRAM} still voting with one open ballot",
                   rows["state"] == "voting" and len(rows["ballots"]) == 1,
                   f"state {rows['state']}, open ballots {rows['ballots']}")
        acked = check_votes(checks, residents, rows)
        d = checks.details
        print(f"  acknowledged votes checked: {acked} (last acknowledged kept: "
              f"{d['kept_last']}, a later in-flight attempt landed: {d['landed_later']}); "
              f"rows in the database: {len(rows['votes'])}")

        db_counts = dict(Counter(r.choice for r in rows["votes"]))
        try:
            api = facilitator.program_json()  # the session cookie from before the crash
        except RunError as error:
            api = None
            checks.add("a session from before the crash still works", False, str(error))
        if api is not None:
            counts = {k: v for k, v in (api.get("tally") or {}).get("counts", {}).items() if v}
            checks.add("API tally equals the rows in the database", counts == db_counts,
                       f"API {counts} vs database {db_counts}")
            print(f"  tally: API {counts} vs database {db_counts}")

        if writer is not None:
            missing = [k for k in writer.acked_programs if k not in rows["keys"]]
            missing += [f"{name} on {pid}" for pid, name in writer.acked_steps
                        if rows["events"][(pid, name)] != 1]
            checks.add("every acknowledged program and step of the chain writer is stored "
                       "once", not missing, ", ".join(missing))
            print(f"  chain writer: {len(writer.acked_programs)} programs and "
                  f"{len(writer.acked_steps)} steps acknowledged, {writer.unknown} unknown")

        audit = run_flask(production, "verify-audit")
        verdict = (audit.stdout + audit.stderr).strip()
        checks.add("flask verify-audit exits 0", audit.returncode == 0, verdict)
        print(f"  verify-audit: exit {audit.returncode}: {verdict}")

        # The restarted server keeps working: one more vote, acknowledged and stored.
        voter = residents[0]
        attempt = Attempt(len(voter.attempts) + 1, "agree", time.monotonic())
        voter.attempts.append(attempt)
        try:
            attempt.status = voter.client.post(f"/programs/{PROGRAM}/votes", {
                "choice": attempt.choice, "reason": voter.tag(attempt)})[0]
        except CONNECTION_ERRORS as error:
            attempt.error = repr(error)
        after = [r for r in database_rows(url)["votes"] if r.username == voter.name]
        checks.add("the restarted server takes a new vote", attempt.outcome == "ack" and [
            r.reason for r in after] == [voter.tag(attempt)],
            f"status {attempt.status} {attempt.error}, rows {[tuple(r) for r in after]}")
        times["checks"] = time.monotonic() - t_restart - times["restart"]
        finished = True
    except RunError as error:
        print(f"RUN FAILED: {error}")
        for server in servers:
            print(f"--- {server.log_path.name} (last lines)\n{server.log_tail()}")
        return 2
    finally:
        for server in servers:
            server.stop()
        # Keep the evidence (database, logs) when anything went wrong.
        if finished and checks.ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif not finished or not checks.ok:
            print(f"  kept {workdir} (database and server logs)")
    total = time.monotonic() - t0
    print("  timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
          + f", total {total:.1f} s")
    for name, ok, detail in checks.results:
        print(f"  [{'ok' if ok else 'FAIL'}] {name}" + ("" if ok or not detail else
                                                        f": {detail}"))
    if not checks.ok:
        for server in servers:
            print(f"--- {server.log_path.name} (last lines)\n{server.log_tail()}")
    print(f"RESULT: {'PASS' if checks.ok else 'FAIL'}")
    return 0 if checks.ok else 1


if __name__ == "__main__":
    sys.exit(main())
