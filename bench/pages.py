"""Measure the main pages on a village with many programs, comments and votes.

Run with `make bench`. Prints, per page, the median time over repeated requests
and the number of SQL statements one request runs (which must not grow with rows).
"""
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import event
from sqlmodel import Session, select

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from app import create_app
from workflow import demo
from workflow.comments import commands as comment_commands
from workflow.core import migrate
from workflow.core.db import ENGINE_KEY
from workflow.models import User
from workflow.programs import commands
from workflow.voting import commands as voting_commands

PROGRAMS, COMMENTS, REPEAT = 300, 200, 30
NOW = datetime.now(UTC)


def build(url: str):
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with Session(app.extensions[ENGINE_KEY], expire_on_commit=False) as session, \
            app.app_context():
        demo.load(session)
        users = {u.username: u for u in session.exec(select(User))}
        for i in range(PROGRAMS):
            commands.create_program(session, users[f"warga{1 + i % 12}"], 1 + i % 3, {
                "title": f"Program {i}", "problem": "Masalah", "goal": "Tujuan"}, "", NOW)
        commands.fire_transition(session, users["pendamping"], 1, "open_discussion", NOW)
        commands.fire_transition(session, users["pendamping"], 1, "open_voting", NOW)
        for i in range(COMMENTS):
            comment_commands.add_comment(session, users[f"warga{1 + i % 12}"], 1, "question",
                                 f"Komentar {i}", NOW)
        for i in range(1, 13):
            voting_commands.cast_vote(session, users[f"warga{i}"], 1, "agree", "", NOW)
    return app


def measure(app, client, url: str, headers=None):
    statements = []
    engine = app.extensions[ENGINE_KEY]
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(url, headers=headers)
    event.remove(engine, "before_cursor_execute", listener)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
    return response.status_code, statistics.median(times) * 1000, len(statements), len(response.data)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = build(f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}")
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"username": "pendamping", "password": demo.PASSWORD,
                                    "csrf_token": token})
        print(f"{PROGRAMS} programs, {COMMENTS} comments, 12 votes on program 1")
        print(f"{'page':28} {'status':>6} {'median ms':>10} {'queries':>8} {'bytes':>8}")
        for url, headers in (("/", None), ("/rounds/1", None), ("/programs/1", None),
                             ("/programs/1/tally (htmx)", {"HX-Request": "true"}),
                             ("/api/v1/programs/1", None)):
            status, ms, queries, size = measure(app, client, url.split()[0], headers)
            print(f"{url:28} {status:>6} {ms:>10.1f} {queries:>8} {size:>8}")


if __name__ == "__main__":
    main()
