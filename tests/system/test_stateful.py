"""Stateful property tests: random sequences of commands on one program, one machine per template.

Hypothesis drives the COMMANDS layer (no HTTP) with random steps by random people of the
demo village (admin, pendamping, kades, warga1..warga12) and by two outsiders from a
second community (a resident and a facilitator there): any transition name, with or
without a reason and a stale or current ``expected_state``, random valid or invalid step
inputs (deliver, record_response), votes online and in the room, supporters joining and
leaving, findings recorded, corrected and removed, comments.

Each command must either succeed or raise ``Refusal``; anything else fails the test. The
machine keeps its own model of the program (state, events, ballots and their votes,
supporters, findings, comments), predicts the outcome of every command from it (the
transition through the pure engine, ``machine.fire``, with a context built from the
model, not from the database) and checks after every step that the database agrees with
the model and with the template:

- the state belongs to the template and equals the last event's target (or the initial state);
- every event follows a record of the template that the actor's role (membership role, or
  author) allowed, and the events form one path; their number is the number of successful
  transitions, and the program's version counts them too;
- ``audit.verify`` accepts the chain;
- at most one open ballot, open exactly while the program is voting (consultation for
  planning); the rows of every ballot are the votes cast, one per person, and a closed
  ballot's rows are the tally its closing event recorded, and its stored verdict is True
  (carried), False (fell short with quorum) or None (closed without quorum, or an
  advisory poll, which binds nobody); only a consent ballot with the verdict False
  unlocks the majority fallback, and no vote closes before the round's minimum time;
- supporters, findings and comments are the rows the model expects; and
- a refused command left every table and the program row as they were.

Every hypothesis example gets a fresh copy of the seeded demo database (conftest's
``databases``), made in the machine's constructor and given back in its teardown.
"""
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, update
from sqlmodel import Session, select

from tests.helpers import db_state, examples
from workflow import demo
from workflow.assessment import commands as assessment
from workflow.comments import commands as comment_commands
from workflow.core import audit, limits
from workflow.core.db import make_engine
from workflow.engine import ballots as voting
from workflow.engine import dates, machine
from workflow.engine import guards as g
from workflow.engine.guards import Context
from workflow.engine.processes import AUTHOR, FACILITATOR, RESIDENT, TEMPLATES
from workflow.engine.reasons import Refusal
from workflow.engine.text import clean
from workflow.models import (
    Ballot,
    Comment,
    Community,
    Dusun,
    Event,
    Finding,
    Membership,
    Program,
    ProgramAuthor,
    Round,
    Supporter,
    User,
    Vote,
)
from workflow.organizing import commands as organizing
from workflow.organizing import demand
from workflow.programs import commands
from workflow.programs import steps as step_inputs
from workflow.programs.form import clean_program
from workflow.voting import commands as voting_commands

# --- people -----------------------------------------------------------------------------------

RESIDENTS = tuple(f"warga{i}" for i in range(1, 13))
STAFF = ("admin", "pendamping", "kades")
OUTSIDERS = (("orangluar", RESIDENT), ("pendampingluar", FACILITATOR))  # in Desa Seberang
ACTORS = STAFF + RESIDENTS + tuple(name for name, _ in OUTSIDERS)
PROPOSERS = ("pendamping", "kades") + RESIDENTS
ROUND_OF = {"locality": 1, "planning": 2, "action": 3}
# The state in which a ballot is open, per template.
BALLOT_STATES = {"locality": {"voting"}, "planning": {"consultation"}, "action": {"voting"}}
MISSING_ID = 987654

PROGRAM_FORM = {
    "title": "Posyandu keliling", "problem": "Balita di Dusun Cibodas jarang ditimbang.",
    "goal": "Setiap balita ditimbang sebulan sekali.", "rt": "04", "rw": "02",
    "sector": "health", "estimated_cost": "Rp 2.500.000", "funding_source": "dana_desa",
}
TABLES = (Program, ProgramAuthor, Event, Ballot, Vote, Comment, Finding, Supporter)

# --- strategies -------------------------------------------------------------------------------

SHORT_TEXT = st.text(max_size=12)
ACTOR = st.sampled_from(ACTORS)
ALL_NAMES = sorted({t.name for tpl in TEMPLATES.values() for t in tpl.transitions}) + ["fly"]
ALL_STATES = sorted({s for tpl in TEMPLATES.values() for s in tpl.states})
CURRENT = "<current state>"  # resolved to the model's state when the rule runs
EXPECTED_STATE = st.sampled_from([None, CURRENT, *ALL_STATES])
REASON = st.one_of(st.sampled_from(["", "   ", "Biaya terlalu besar untuk dana desa",
                                    "\x00\t\x01", "r" * 2100]), SHORT_TEXT)
# "@+1" is the UTC date a day after the simulated clock's, filled in when the rule runs.
RELATIVE_DATES = ("@-1", "@+0", "@+1", "@+2")
SECRET = st.sampled_from(["on", "true", "1", "", "off", "yes"])
SECRET_WORDS = ("on", "true", "1")  # what a ticked box may send
STEP_FORM = st.one_of(st.none(), st.fixed_dictionaries({}, optional={
    "target": st.one_of(st.sampled_from(["Dinas PUPR Kabupaten", "", "   ", "T" * 201]),
                        SHORT_TEXT),
    "channel": st.sampled_from([*demand.CHANNELS, "", "fax"]),
    "delivered_on": st.sampled_from(["", "2026-03-01", "2026-02-30", "1/3/2026",
                                     "2999-01-01", *RELATIVE_DATES]),
    "outcome": st.sampled_from([*demand.OUTCOMES, "", "maybe", " refused "]),
    "note": st.sampled_from(["", "Jalan diperbaiki tahun depan", "n" * 2001]),
    "secret": SECRET,
}))
VALID_STEP_FORM = {
    "deliver": st.fixed_dictionaries(
        {"target": st.sampled_from(["Dinas PUPR Kabupaten", "Bupati"]),
         "channel": st.sampled_from(sorted(demand.CHANNELS))},
        optional={"delivered_on": st.sampled_from(["", "2026-03-01", "@-1", "@+0"])}),
    "record_response": st.fixed_dictionaries(
        {"outcome": st.sampled_from(sorted(demand.OUTCOMES))},
        optional={"note": st.sampled_from(["", "Dijanjikan tahun depan"])}),
}
ANY_CHOICE = st.sampled_from(sorted({c for cs in voting.CHOICES.values() for c in cs})
                             + ["", "maybe"])
VOTE_REASON = st.one_of(st.sampled_from(["", "  ", "Lokasinya rawan banjir"]), SHORT_TEXT)
FINDING_FORM = st.one_of(
    st.fixed_dictionaries(
        {"indicator": st.sampled_from(["Balita gizi kurang", "Rumah tanpa air bersih"]),
         "value": st.sampled_from(["45", "12,5"]),
         "source": st.sampled_from(["Data Posyandu 2026", "Survei pendamping"])},
        optional={"unit": st.sampled_from(["", "%", "jiwa"]),
                  "observed_on": st.sampled_from(["", "2000-01-01"])}),
    st.fixed_dictionaries({}, optional={
        "indicator": st.one_of(st.sampled_from(["Balita gizi kurang", "", "i" * 201]),
                               SHORT_TEXT),
        "value": st.sampled_from(["45", "", "   ", "v" * 65]),
        "unit": st.sampled_from(["", "%", "u" * 65]),
        "source": st.one_of(st.sampled_from(["", "   ", "Data Posyandu 2026", "s" * 301]),
                            SHORT_TEXT),
        "observed_on": st.sampled_from(["", "2000-01-01", "2999-01-01", "kemarin",
                                        *RELATIVE_DATES]),
    }))
OTHER_DUSUN = "<a dusun of Desa Seberang>"  # resolved to its id when the rule runs
COST = st.one_of(st.sampled_from(["", "Rp 2.500.000", "15000000", "Rp 3.000.000.000",
                                  "10000000000000"]), st.integers(0, 10 ** 13).map(str))
VALID_PROGRAM_FORM = st.fixed_dictionaries({
    "title": st.sampled_from(["Posyandu keliling", "Perbaikan jalan Dusun Krajan"]),
    "problem": st.just("Balita di Dusun Cibodas jarang ditimbang."),
    "goal": st.just("Setiap balita ditimbang sebulan sekali."),
}, optional={
    "beneficiaries_count": st.integers(0, 10 ** 7).map(str),
    "estimated_cost": COST,
    "sector": st.sampled_from(["", "health", "infrastructure"]),
    "funding_source": st.sampled_from(["", "dana_desa", "swadaya"]),
    "dusun_id": st.sampled_from(["", "1", "3"]),
})
ANY_PROGRAM_FORM = st.fixed_dictionaries({
    "title": st.one_of(st.sampled_from(["Posyandu keliling", "", "t" * 201]), SHORT_TEXT),
    "problem": st.sampled_from(["Balita di Dusun Cibodas jarang ditimbang.", "", " "]),
    "goal": st.sampled_from(["Setiap balita ditimbang sebulan sekali.", ""]),
}, optional={
    "beneficiaries": st.sampled_from(["", "Ibu dan balita", "b" * 201]),
    "beneficiaries_count": st.one_of(
        st.sampled_from(["", "120", "1.200", "10000001", "dua", "\u00b2"]),
        st.integers(0, 10 ** 7).map(str)),
    "estimated_cost": st.one_of(COST, st.sampled_from(["abc", "10000000000001", "-5"])),
    "rt": st.sampled_from(["", "04", "1234", "\u0663"]),
    "rw": st.sampled_from(["", "02", "x"]),
    "sector": st.sampled_from(["", "health", "infrastructure", "space"]),
    "funding_source": st.sampled_from(["", "dana_desa", "swadaya", "lottery"]),
    "dusun_id": st.sampled_from(["", "1", "3", str(MISSING_ID), "x", OTHER_DUSUN]),
})
PROGRAM_FORMS = st.one_of(VALID_PROGRAM_FORM, ANY_PROGRAM_FORM)
SUBMISSION_KEY = st.sampled_from(["", "form-a", "form-b"])
STANCE = st.sampled_from([*comment_commands.COMMENT_STANCES, "", "angry"])
BODY = st.one_of(st.sampled_from(["Setuju, ini penting", "", " \n ", "b" * 4001]), SHORT_TEXT)

# --- fresh databases --------------------------------------------------------------------------

class Copies:
    """Fresh copies of the seeded demo database (conftest's ``backend``), one per example,
    from conftest's factory ``databases``."""

    def __init__(self, databases, template):
        self.databases = databases
        self.template = template

    def make(self):
        """(url, drop) of a new copy."""
        url = self.databases.copy(self.template)
        return url, lambda: self.databases.release(url)


@pytest.fixture
def copies(backend, databases):
    return Copies(databases, backend[1])


# --- the model --------------------------------------------------------------------------------

@dataclass
class BallotModel:
    kind: str
    secret: bool = False
    opened_at: datetime | None = None
    open: bool = True
    # The verdict once closed: True carried, False fell short with quorum, None decided
    # nothing (closed without quorum, or an advisory poll).
    passed: bool | None = None
    # user id -> (choice, reason, in_room, recorded_by), in the order the rows were made
    votes: dict = field(default_factory=dict)

    def choices(self) -> list:
        return [v[0] for v in self.votes.values()]

    def objections(self) -> list:
        return [v[1] for v in self.votes.values() if v[0] in voting.NEEDS_REASON]


REFUSED = object()


def _no_fsync(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA synchronous=OFF")


class ProgramMachine(RuleBasedStateMachine):
    """Random commands on one program of the round of ``TEMPLATE``; see the module doc."""

    TEMPLATE = None   # set by the factory below
    COPIES = None

    def __init__(self):
        super().__init__()
        self.url, self._drop = self.COPIES.make()
        self.engine = make_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            # A throw-away copy needs no fsync on every commit; nothing else changes.
            sqlalchemy_event.listen(self.engine, "connect", _no_fsync)
        self.now = datetime.now(UTC)
        self.program_id = None
        try:
            self._arrange()
        except BaseException:
            self.teardown()
            raise

    def _arrange(self):
        """The round under test, and Desa Seberang with its two outsiders and a dusun."""
        with Session(self.engine, expire_on_commit=False) as s:
            village = s.exec(select(Community).where(Community.slug == demo.SLUG)).one()
            self.round = s.exec(select(Round).where(
                Round.community_id == village.id,
                Round.template == self.TEMPLATE.name)).one()
            assert self.round.id == ROUND_OF[self.TEMPLATE.name]
            other = Community(name="Desa Seberang", slug="seberang", kind="desa")
            s.add(other)
            s.flush()
            other_dusun = Dusun(community_id=other.id, name="Dusun Pesisir")
            s.add(other_dusun)
            for username, role in OUTSIDERS:
                user = User(username=username, display_name=username, password_hash="!",
                            created_at=self.now)
                s.add(user)
                s.flush()
                s.add(Membership(user_id=user.id, community_id=other.id, role=role))
            s.commit()
            self.users = {u.username: u for u in s.exec(select(User))}
            self.role = dict(s.exec(select(User.username, Membership.role).join(
                Membership, Membership.user_id == User.id).where(
                Membership.community_id == village.id)).all())
            self.village_id = village.id
            self.other_dusun_id = other_dusun.id
        self.name_of = {u.id: name for name, u in self.users.items()}
        self.eligible = sum(1 for role in self.role.values() if role == RESIDENT)

    def teardown(self):
        self.engine.dispose()
        self._drop()

    # --- helpers -------------------------------------------------------------------------------

    def tick(self):
        """Time passes between two commands (each command and its prediction share a clock)."""
        self.now += timedelta(seconds=37)

    @precondition(lambda self: self.program_id is not None)
    @rule(minutes=st.sampled_from([20, 61, 150]))
    def time_passes(self, minutes):
        """A while passes with nobody doing anything (a vote may reach its minimum time)."""
        self.now += timedelta(minutes=minutes)

    def dated(self, form):
        """The form with its relative dates ("@+1") made absolute against the clock."""
        if not form:
            return form
        return {key: (self.now + timedelta(days=int(value[1:]))).date().isoformat()
                if value in RELATIVE_DATES else value
                for key, value in form.items()}

    def roles_of(self, actor: str) -> frozenset:
        """The actor's roles on the program; none where it does not exist for them (not a
        member, or a draft that is neither theirs nor in their care as facilitator)."""
        role = self.role.get(actor)
        if role is None:
            return frozenset()
        roles = frozenset({role, AUTHOR} if actor == self.author else {role})
        if self.state == "draft" and not roles & {AUTHOR, FACILITATOR}:
            return frozenset()
        return roles

    def same_draft(self, actor: str, values: dict) -> bool:
        """Whether ``actor`` already has a draft in the round that says exactly ``values``."""
        if actor == self.author and self.state == "draft" and values == self.values:
            return True
        return (actor, tuple(sorted(values.items()))) in self.other_drafts

    def open_ballot(self) -> BallotModel | None:
        found = [b for b in self.ballots if b.open]
        return found[-1] if found else None

    def tally(self, ballot: BallotModel) -> voting.Tally:
        return voting.tally(ballot.kind, ballot.choices(), self.eligible, self.round.quorum,
                            self.round.consent_threshold)

    def context(self, roles, reason) -> Context:
        ballot = self.open_ballot()
        return Context(
            roles=roles, now=self.now, state_since=self.state_since,
            min_discussion_days=self.round.min_discussion_days,
            ballot=self.tally(ballot) if ballot else None,
            ballot_opened_at=ballot.opened_at if ballot else None,
            min_voting_hours=self.round.min_voting_hours,
            ballots_opened=len(self.ballots),
            # Only a consent round that reached quorum and fell short unlocks the fallback.
            consent_failed=any(b.kind == voting.CONSENT and b.passed is False
                               for b in self.ballots),
            supporters=len(self.supporters), supporter_threshold=self.round.supporter_threshold,
            sourced_findings=sum(1 for f in self.findings.values() if f["source"]),
            reason=reason)

    def snapshot(self) -> tuple:
        """Rows per table, and the program's (state, version)."""
        with Session(self.engine) as s:
            counts = s.exec(select(*[select(func.count()).select_from(model).scalar_subquery()
                                     for model in TABLES])).one()
            program = s.exec(select(Program.state, Program.version).where(
                Program.id == self.program_id)).first()
        return tuple(counts), tuple(program) if program else None

    def rows(self) -> dict:
        """Every row of every table (helpers.db_state): all a command could change."""
        with Session(self.engine) as s:
            return db_state(s)

    def attempt(self, expected, call, label):
        """Run one command in a session of its own, as a web request would.

        ``expected`` is the kind of refusal the model predicts, or None for success.
        Returns the command's result, or REFUSED.
        """
        before = self.rows()
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                result = call(session)
        except Refusal as refusal:
            event(f"{label}: refused {refusal.kind}")
            assert expected == refusal.kind, (
                f"{label}: the model expected {expected or 'success'}, "
                f"the command refused ({refusal.kind}: {refusal})")
            assert self.rows() == before, f"{label}: a refused command left rows behind"
            return REFUSED
        event(f"{label}: ok")
        assert expected is None, f"{label}: the model expected a refusal ({expected}), it succeeded"
        return result

    def last_event_payload(self) -> dict:
        with Session(self.engine) as s:
            payload = s.exec(select(Event.payload).where(Event.program_id == self.program_id)
                             .order_by(Event.id.desc()).limit(1)).one()
        return json.loads(payload)

    # --- program -------------------------------------------------------------------------------

    @initialize(author=st.sampled_from(PROPOSERS), hour=st.integers(0, 23),
                min_voting_hours=st.sampled_from([0, 0, 1]))
    def create_program(self, author, hour, min_voting_hours):
        # The clock starts today at ``hour`` UTC: late enough, tomorrow's UTC date is
        # already today in Indonesia.
        self.now = self.now.replace(hour=hour)
        with Session(self.engine, expire_on_commit=False) as s:
            # Some rounds keep a vote open an hour before it may close (see time_passes).
            s.exec(update(Round).where(Round.id == self.round.id).values(
                min_voting_hours=min_voting_hours))
            s.commit()
            self.round.min_voting_hours = min_voting_hours
            program = commands.create_program(s, self.users[author], self.round.id,
                                              PROGRAM_FORM, "", self.now)
            self.values = clean_program(s, self.village_id, PROGRAM_FORM)
        assert program.state == self.TEMPLATE.initial
        self.program_id, self.author = program.id, author
        self.state, self.state_since = self.TEMPLATE.initial, self.now
        self.events = []        # (name, from, to, actor)
        self.ballots = []       # BallotModel, in the order they were opened
        self.supporters = set()  # user ids
        self.findings = {}      # id -> the cleaned fields
        self.comments = []      # (user id, stance, body)
        self.others = set()     # ids of the other programs proposed meanwhile
        self.keys = {}          # submission key -> the program it made
        self.other_drafts = set()  # (author, values) of the other programs (all drafts)
        counts, _ = self.snapshot()
        self.base = dict(zip([m.__name__ for m in TABLES], counts))

    @precondition(lambda self: self.program_id is not None)
    @rule(actor=ACTOR, form=PROGRAM_FORMS, key=SUBMISSION_KEY)
    def propose_another(self, actor, form, key):
        """Another proposal in the same round, by anyone, with any form (the program under
        test stays the one followed; the others only count as rows)."""
        self.tick()
        if form.get("dusun_id") == OTHER_DUSUN:
            form = {**form, "dusun_id": str(self.other_dusun_id)}
        role = self.role.get(actor)
        expected, made = None, False
        if role is None:
            expected = "not_found"
        elif role not in commands.PROPOSERS:
            expected = "forbidden"
        elif key not in self.keys:
            with Session(self.engine) as s:
                try:
                    values = clean_program(s, self.village_id, form)
                    made = True
                except Refusal as refusal:
                    expected = refusal.kind
            if made and self.same_draft(actor, values):
                # The same words again under a new key (Back, then Save): no second draft.
                expected, made = "conflict", False
        result = self.attempt(expected, lambda s: commands.create_program(
            s, self.users[actor], self.round.id, form, key, self.now).id, "create_program")
        if result is REFUSED:
            return
        if made:
            assert result not in self.others and result != self.program_id
            self.others.add(result)
            self.other_drafts.add((actor, tuple(sorted(values.items()))))
            if key:
                self.keys[key] = result
        else:
            assert result == self.keys[key], "the same form sent twice makes one program"

    # --- transitions ---------------------------------------------------------------------------

    def predict_fire(self, actor, name, reason, expected_state, form):
        """(refusal kind or None or "noop", the transition record that will fire)."""
        roles = self.roles_of(actor)
        if not roles:
            return "not_found", None
        if expected_state and expected_state != self.state:
            last = self.events[-1] if self.events else None
            # A double click: the same step by the same person from the state the form showed.
            if last and last[0] == name and last[3] == actor and last[1] == expected_state:
                return "noop", None  # the first click did it
            return "conflict", None
        ctx = self.context(roles, clean(reason))
        try:
            machine.permitted(self.TEMPLATE, self.state, name, ctx)
            limits.within(clean(reason), limits.REASON, "reason")  # refused whole, never cut
            inputs = step_inputs.clean_inputs(name, form, self.now)
            return None, machine.fire(self.TEMPLATE, self.state, name,
                                      replace(ctx, outcome=inputs.get("outcome", "")))
        except Refusal as refusal:
            return refusal.kind, None

    def fire(self, actor, name, reason, expected_state, form):
        if expected_state == CURRENT:
            expected_state = self.state
        self.tick()
        form = self.dated(form)
        prediction, transition = self.predict_fire(actor, name, reason, expected_state, form)
        before = self.rows()
        result = self.attempt(None if prediction == "noop" else prediction,
                              lambda s: commands.fire_transition(
                                  s, self.users[actor], self.program_id, name, self.now,
                                  reason=reason, expected_state=expected_state, form=form),
                              f"fire {name}")
        if result is REFUSED:
            return
        source = self.state
        if prediction == "noop":
            assert result.state == source
            assert self.rows() == before, "a repeated click wrote something"
            return
        # The step went where the template says this name goes from here.
        targets = {t.target for t in self.TEMPLATE.transitions
                   if t.name == name and t.source == source}
        assert result.state in targets, (name, source, result.state, targets)
        assert result.state == transition.target, (name, source, result.state, transition)
        payload = self.last_event_payload()
        for effect in transition.effects:
            if effect.startswith("open_"):
                kind = {"open_consent_ballot": voting.CONSENT,
                        "open_majority_ballot": voting.MAJORITY,
                        "open_advisory_poll": voting.ADVISORY}[effect]
                secret = (form or {}).get("secret") in SECRET_WORDS
                assert (payload["ballot"], payload["secret"]) == (kind, secret)
                self.ballots.append(BallotModel(kind, secret, self.now))
            elif effect == "close_ballot":
                ballot = self.open_ballot()
                if ballot is None:
                    assert "tally" not in payload
                    continue
                result_tally = self.tally(ballot)
                ballot.open, ballot.passed = False, result_tally.verdict
                if ballot.kind == voting.ADVISORY:
                    assert ballot.passed is None and "passed" not in payload["tally"]
                elif ballot.kind == voting.CONSENT and not result_tally.quorum_met:
                    event("consent vote closed without quorum")
                assert payload["tally"] == result_tally.as_dict(), (payload, result_tally)
                assert payload["objections"] == ballot.objections()
        inputs = step_inputs.clean_inputs(name, form, self.now)
        assert {key: payload.get(key) for key in inputs} == inputs
        if clean(reason):
            assert payload["reason"] == clean(reason)
        else:
            assert "reason" not in payload
        self.events.append((name, source, transition.target, actor))
        self.state, self.state_since = transition.target, self.now
        event(f"reached {self.state}")

    @precondition(lambda self: self.program_id is not None)
    @rule(actor=ACTOR, name=st.sampled_from(ALL_NAMES), reason=REASON,
          expected_state=EXPECTED_STATE, form=STEP_FORM)
    def fire_anything(self, actor, name, reason, expected_state, form):
        """Any step name, by anyone, with any reason and inputs."""
        self.fire(actor, name, reason, expected_state, form)

    def plausible_steps(self, data, steps):
        """Steps of the current state by someone whose role may take them (guards may refuse).

        Steps into a dead end (withdrawn, rejected) are drawn less often than the others,
        so that sequences reach the far states of the template too.
        """
        for _ in range(steps):
            records = self.TEMPLATE.from_state(self.state)
            if not records:
                return
            weighted = [r for r in records for _ in range(
                1 if r.target in self.TEMPLATE.final - {"evaluated"} else 4)]
            record = data.draw(st.sampled_from(weighted), label="transition")
            holders = [a for a in ACTORS if self.roles_of(a) & record.roles]
            actor = data.draw(st.sampled_from(holders), label="actor")
            reason = data.draw(st.sampled_from(
                ["Perlu dibahas lagi dengan warga", ""] if record.needs_reason else ["", "ok"]),
                label="reason")
            form = data.draw(VALID_STEP_FORM.get(record.name, st.one_of(
                st.none(), st.fixed_dictionaries({"secret": SECRET}))), label="form")
            expected = data.draw(st.sampled_from([None, CURRENT]), label="expected_state")
            self.prepare(data, record)
            self.fire(actor, record.name, reason, expected, form)

    def prepare(self, data, record):
        """Some of what the step's guards wait for: votes, a finding, supporters."""
        def some_residents(label):
            count = data.draw(st.integers(0, len(RESIDENTS)), label=f"how many {label}")
            return data.draw(st.permutations(RESIDENTS), label=label)[:count]
        if "close_ballot" in record.effects and self.open_ballot() is not None:
            self.vote_wave(data, some_residents("voters"))
        if g.findings_with_source in record.guards and self.state == "assessment":
            self.finding_by("pendamping", "record", data.draw(FINDING_FORM, label="finding"),
                            MISSING_ID)
        if g.enough_supporters in record.guards and self.state == "organizing":
            self.join_wave(some_residents("supporters"))

    @precondition(lambda self: self.program_id is not None)
    @rule(data=st.data(), steps=st.integers(1, 4))
    def fire_plausible_steps(self, data, steps):
        self.plausible_steps(data, steps)

    @precondition(lambda self: self.program_id is not None)
    @rule(data=st.data())
    def fire_one_plausible_step(self, data):
        self.plausible_steps(data, 1)

    # --- votes ---------------------------------------------------------------------------------

    def cast(self, actor, choice, reason):
        self.tick()
        roles, ballot = self.roles_of(actor), self.open_ballot()
        if not roles:
            expected = "not_found"
        elif RESIDENT not in roles:
            expected = "forbidden"
        elif ballot is None:
            expected = "conflict"
        elif voting.check_choice(ballot.kind, choice, clean(reason)):
            expected = "invalid"
        else:
            expected = None
        result = self.attempt(expected, lambda s: voting_commands.cast_vote(
            s, self.users[actor], self.program_id, choice, reason, self.now), "cast_vote")
        if result is not REFUSED:
            ballot.votes[self.users[actor].id] = (choice, clean(reason), False, None)

    def record_in_room(self, actor, voter, choice, reason):
        self.tick()
        roles, ballot = self.roles_of(actor), self.open_ballot()
        voter_id = self.users[voter].id if voter else MISSING_ID
        if not roles:
            expected = "not_found"
        elif FACILITATOR not in roles:
            expected = "forbidden"
        elif ballot is None:
            expected = "conflict"
        elif self.role.get(voter) != RESIDENT or voting.check_choice(ballot.kind, choice, clean(reason)):
            expected = "invalid"
        elif voter_id in ballot.votes and not ballot.votes[voter_id][2]:
            expected = "conflict"  # voted online: that vote counts
        else:
            expected = None
        result = self.attempt(expected, lambda s: voting_commands.record_room_vote(
            s, self.users[actor], self.program_id, voter_id, choice, reason, self.now),
            "record_room_vote")
        if result is not REFUSED:
            ballot.votes[voter_id] = (choice, clean(reason), True, self.users[actor].id)

    @precondition(lambda self: self.program_id is not None)
    @rule(actor=ACTOR, choice=ANY_CHOICE, reason=VOTE_REASON, in_room=st.booleans(),
          voter=st.sampled_from([*ACTORS, None]))
    def vote(self, actor, choice, reason, in_room, voter):
        """One ballot paper, online by the actor or recorded in the room by the actor."""
        if in_room:
            self.record_in_room(actor, voter, choice, reason)
        else:
            self.cast(actor, choice, reason)

    @precondition(lambda self: self.program_id is not None and self.open_ballot() is not None)
    @rule(data=st.data(), voters=st.lists(st.sampled_from(RESIDENTS), min_size=1, max_size=12,
                                          unique=True))
    def vote_together(self, data, voters):
        self.vote_wave(data, voters)

    def vote_wave(self, data, voters):
        """Many residents vote, most of them the same way, online or in the room."""
        choices = voting.CHOICES[self.open_ballot().kind]
        lean = data.draw(st.sampled_from(choices), label="lean")
        for voter in voters:
            choice = data.draw(st.sampled_from([lean] * 6 + list(choices)), label="choice")
            reason = data.draw(st.sampled_from(["Belum jelas anggarannya", ""]),
                               label="reason") if choice == "block" else ""
            if data.draw(st.booleans(), label="in_room"):
                self.record_in_room("pendamping", voter, choice, reason)
            else:
                self.cast(voter, choice, reason)

    # --- supporters ----------------------------------------------------------------------------

    def support(self, actor, join):
        self.tick()
        roles = self.roles_of(actor)
        if not roles:
            expected = "not_found"
        elif RESIDENT not in roles:
            expected = "forbidden"
        elif self.state != organizing.GATHERING:
            expected = "conflict"
        else:
            expected = None
        command = organizing.join_supporters if join else organizing.leave_supporters
        result = self.attempt(expected, lambda s: command(
            s, self.users[actor], self.program_id, self.now), command.__name__)
        if result is not REFUSED:
            (self.supporters.add if join else self.supporters.discard)(self.users[actor].id)

    @precondition(lambda self: self.program_id is not None)
    @rule(actor=ACTOR, join=st.booleans())
    def join_or_leave(self, actor, join):
        self.support(actor, join)

    @precondition(lambda self: self.program_id is not None and self.state == "organizing")
    @rule(people=st.lists(st.sampled_from(RESIDENTS), min_size=1, max_size=12, unique=True))
    def join_together(self, people):
        self.join_wave(people)

    def join_wave(self, people):
        for person in people:
            self.support(person, True)

    # --- findings ------------------------------------------------------------------------------

    @precondition(lambda self: self.program_id is not None)
    @rule(data=st.data(), actor=st.sampled_from([*ACTORS, "pendamping", "pendamping"]),
          op=st.sampled_from(["record", "record", "update", "remove"]), form=FINDING_FORM)
    def finding(self, data, actor, op, form):
        """Record, correct or remove a finding of the assessment (with or without a source)."""
        known = sorted(self.findings) + [MISSING_ID]
        self.finding_by(actor, op, form, data.draw(st.sampled_from(known), label="finding_id"))

    def finding_by(self, actor, op, form, finding_id):
        self.tick()
        form = self.dated(form)
        roles = self.roles_of(actor)
        try:
            values = assessment.clean_finding(
                form, dates.latest_allowed(self.now, dates.DEFAULT_ZONE))
            invalid = False
        except Refusal:
            values, invalid = None, True
        if not roles:
            expected = "not_found"
        elif FACILITATOR not in roles:
            expected = "forbidden"
        elif self.state != assessment.ASSESSING:
            expected = "conflict"
        elif op != "record" and finding_id not in self.findings:
            expected = "not_found"
        elif op != "remove" and invalid:
            expected = "invalid"
        else:
            expected = None
        user = self.users[actor]
        if op == "record":
            result = self.attempt(expected, lambda s: assessment.record_finding(
                s, user, self.program_id, form, self.now).id, "record_finding")
            if result is not REFUSED:
                self.findings[result] = values
        elif op == "update":
            result = self.attempt(expected, lambda s: assessment.update_finding(
                s, user, self.program_id, finding_id, form, self.now).id, "update_finding")
            if result is not REFUSED:
                assert result == finding_id
                self.findings[finding_id] = values
        else:
            result = self.attempt(expected, lambda s: assessment.remove_finding(
                s, user, self.program_id, finding_id, self.now), "remove_finding")
            if result is not REFUSED:
                del self.findings[finding_id]

    # --- comments ------------------------------------------------------------------------------

    @precondition(lambda self: self.program_id is not None)
    @rule(actor=ACTOR, stance=STANCE, body=BODY)
    def comment(self, actor, stance, body):
        self.tick()
        roles = self.roles_of(actor)
        if not roles:
            expected = "not_found"
        elif self.state in self.TEMPLATE.final:
            expected = "conflict"
        elif not clean(body) or len(clean(body)) > comment_commands.MAX_COMMENT or (
                stance not in comment_commands.COMMENT_STANCES):
            expected = "invalid"
        else:
            expected = None
        result = self.attempt(expected, lambda s: comment_commands.add_comment(
            s, self.users[actor], self.program_id, stance, body, self.now), "add_comment")
        if result is not REFUSED:
            self.comments.append((self.users[actor].id, stance, clean(body)))

    # --- invariants ----------------------------------------------------------------------------

    @precondition(lambda self: self.program_id is not None)
    @invariant()
    def database_agrees(self):
        tpl, pid = self.TEMPLATE, self.program_id
        with Session(self.engine) as s:
            state, version = s.exec(select(Program.state, Program.version).where(
                Program.id == pid)).one()
            events = s.exec(select(Event).where(Event.program_id == pid)
                            .order_by(Event.id)).all()
            roles = dict(s.exec(select(Membership.user_id, Membership.role).where(
                Membership.community_id == self.village_id)).all())
            authors = set(s.exec(select(ProgramAuthor.user_id).where(
                ProgramAuthor.program_id == pid)).all())
            verdict = audit.verify(s)
            all_events = s.exec(select(func.count()).select_from(Event)).one()
            ballots = s.exec(select(Ballot.id, Ballot.kind, Ballot.closed_at.is_(None),
                                    Ballot.passed, Ballot.secret).where(
                Ballot.program_id == pid).order_by(Ballot.id)).all()
            votes = s.exec(select(Vote.ballot_id, Vote.user_id, Vote.choice, Vote.reason,
                                  Vote.in_room, Vote.recorded_by).join(
                Ballot, Ballot.id == Vote.ballot_id).where(Ballot.program_id == pid)
                .order_by(Vote.id)).all()
            doubles = s.exec(select(Vote.ballot_id, Vote.user_id, func.count()).group_by(
                Vote.ballot_id, Vote.user_id).having(func.count() > 1)).all()
            supporters = s.exec(select(Supporter.user_id).where(
                Supporter.program_id == pid)).all()
            supporters_count = s.exec(select(func.count()).select_from(Supporter).where(
                Supporter.program_id == pid)).one()
            findings = s.exec(select(Finding).where(Finding.program_id == pid)
                              .order_by(Finding.id)).all()
            comments = s.exec(select(Comment.user_id, Comment.stance, Comment.body).where(
                Comment.program_id == pid).order_by(Comment.id)).all()
            counts = s.exec(select(*[select(func.count()).select_from(model).scalar_subquery()
                                     for model in TABLES])).one()

        # The state belongs to the template, and is what the model expects.
        assert state in tpl.states, state
        assert state == self.state, (state, self.state)

        # Events: one per successful transition, each allowed by a record of the template
        # for the actor's role, forming one path from the initial state to the current one.
        assert len(events) == len(self.events), (len(events), self.events)
        assert version == 1 + len(events)
        at = tpl.initial
        for row, expected in zip(events, self.events):
            assert (row.transition, row.from_state, row.to_state,
                    self.name_of[row.actor_id]) == expected
            records = [t for t in tpl.transitions if (t.name, t.source, t.target) == (
                row.transition, row.from_state, row.to_state)]
            assert records, f"no record {row.transition}: {row.from_state} -> {row.to_state}"
            actor_roles = {roles.get(row.actor_id)} | (
                {AUTHOR} if row.actor_id in authors else set())
            assert records[0].roles & actor_roles, (row.transition, actor_roles)
            assert row.from_state == at
            at = row.to_state
        assert state == at
        assert authors == {self.users[self.author].id}

        # The hash chain holds.
        assert verdict.ok, verdict
        assert verdict.checked == all_events

        # Ballots: at most one open, open exactly while the program votes; as modelled.
        open_ballots = [b for b in ballots if b[2]]
        assert len(open_ballots) <= 1, ballots
        assert bool(open_ballots) == (state in BALLOT_STATES[tpl.name]), (state, ballots)
        assert [tuple(b[1:]) for b in ballots] == [
            (b.kind, b.open, b.passed, b.secret) for b in self.ballots]

        # Votes: one row per person per ballot, the rows the model expects; a closed
        # ballot's rows are what its closing event counted.
        assert not doubles, doubles
        closing = [json.loads(e.payload)["tally"] for e in events
                   if "tally" in json.loads(e.payload)]
        closed = [(b, m) for b, m in zip(ballots, self.ballots) if not b[2]]
        assert len(closing) == len(closed)
        for (ballot_id, *_), model in zip(ballots, self.ballots):
            rows = [(user, (choice, reason, in_room, by))
                    for b, user, choice, reason, in_room, by in votes if b == ballot_id]
            assert rows == list(model.votes.items()), (rows, model.votes)
        for tally, ((ballot_id, kind, _, passed, _), model) in zip(closing, closed):
            counts_now = voting.tally(kind, model.choices(), self.eligible, self.round.quorum,
                                      self.round.consent_threshold).counts
            assert tally["counts"] == counts_now
            assert tally["cast"] == sum(1 for v in votes if v[0] == ballot_id)
            if kind == voting.ADVISORY:
                # A poll binds nobody: no verdict stored, none in its event.
                assert passed is None
                assert "passed" not in tally and "quorum_met" not in tally
            else:
                # Carried, fell short with quorum, or (no quorum) decided nothing.
                assert passed == (tally["passed"] if tally["quorum_met"] else None), (
                    passed, tally)

        # Supporters, findings and comments are the rows the model expects.
        assert supporters_count == len(supporters) == len(set(supporters))
        assert set(supporters) == self.supporters
        assert {f.id: {"indicator": f.indicator, "value": f.value, "unit": f.unit,
                       "source": f.source, "observed_on": f.observed_on}
                for f in findings} == self.findings
        assert all(f.source for f in findings)
        assert [tuple(c) for c in comments] == self.comments

        # Nothing else was written anywhere.
        expected = dict(self.base)
        expected["Program"] += len(self.others)
        expected["ProgramAuthor"] += len(self.others)
        expected["Event"] += len(self.events)
        expected["Ballot"] += len(self.ballots)
        expected["Vote"] += sum(len(b.votes) for b in self.ballots)
        expected["Supporter"] += len(self.supporters)
        expected["Finding"] += len(self.findings)
        expected["Comment"] += len(self.comments)
        assert dict(zip([m.__name__ for m in TABLES], counts)) == expected


# 25 runs of 30 steps per template under the ci profile (see conftest).
SETTINGS = settings(max_examples=examples(25), stateful_step_count=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.mark.parametrize("template", ["locality", "planning", "action"])
def test_random_commands_keep_the_invariants(copies, template):
    """Random command sequences on a program of ``template``: only Refusal, invariants hold."""
    machine_class = type(f"{template.title()}ProgramMachine", (ProgramMachine,),
                         {"TEMPLATE": TEMPLATES[template], "COPIES": copies})
    run_state_machine_as_test(machine_class, settings=SETTINGS)
