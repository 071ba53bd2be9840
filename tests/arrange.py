"""Arranging a program's state through the same commands the web uses: the one place the
tests bring programs to a state.

- ``arrange``: the demo's locality program (program 1, by warga2) to a state, ten of the
  twelve residents voting; ``draft_by``: a new locality draft;
- ``planning``, ``action``: a new social-planning or social-action program by ``AUTHOR``
  (warga1) to a state; ``withdrawable``: any template, up to where it may be withdrawn;
- ``bring``: any template to any stage (``STAGES``), a program by warga2 and the 2/3
  quorum exactly (eight voters): the programs of the matrix (tests/system/test_matrix.py).

Their details (who votes, who supports, the forms) are what the tests built on them count
on, so each keeps its own.
"""
from tests.helpers import (
    ACTION_ROUND,
    LOCALITY_ROUND,
    PLANNING_ROUND,
    PROGRAM,
    VALID_PROGRAM,
    residents,
    state_of,
    utcnow,
)
from workflow.assessment import commands as assessment
from workflow.organizing import commands as organizing
from workflow.programs import commands
from workflow.voting import commands as voting_commands

# Who fires what in the demo village, to arrange a program's state through the commands.
FIRER = {"submit": "warga2", "open_discussion": "pendamping", "open_voting": "pendamping",
         "close_voting": "pendamping", "open_majority_vote": "pendamping",
         "approve": "kades", "start_implementation": "pendamping", "complete": "pendamping",
         "withdraw": "warga2"}
PATHS = {
    "proposed": [],
    "discussion": ["open_discussion"],
    "voting": ["open_discussion", "open_voting"],
    "agreed": ["open_discussion", "open_voting", ("vote", "agree"), "close_voting"],
    "approved": ["open_discussion", "open_voting", ("vote", "agree"), "close_voting",
                 "approve"],
    "withdrawn": ["withdraw"],
}


def arrange(db, users, state: str, program_id: int = PROGRAM) -> int:
    """Bring a demo program to ``state`` through the same commands the web uses."""
    for step in PATHS[state]:
        if isinstance(step, tuple):
            for voter in residents(users, 10):
                voting_commands.cast_vote(db, voter, program_id, step[1], "", utcnow())
        else:
            commands.fire_transition(db, users[FIRER[step]], program_id, step, utcnow())
    assert state_of(db, program_id) == state
    return program_id


def draft_by(db, users, username: str = "warga1", **fields) -> int:
    """A new draft program in the locality round, authored by ``username``."""
    program = commands.create_program(db, users[username], LOCALITY_ROUND,
                                      {**VALID_PROGRAM, **fields}, "", utcnow())
    return program.id


AUTHOR = "warga1"            # the author of every program these tests create
ROUND_OF = {"locality": LOCALITY_ROUND, "planning": PLANNING_ROUND, "action": ACTION_ROUND}
GOOD_FINDING = {"indicator": "Rumah tangga tanpa akses air bersih", "value": "45",
                "unit": "%", "source": "Survei kader posyandu", "observed_on": "2025-10-01"}
RECOMMENDATION = "Bangun dua sumur bor di Dusun Cibodas."
DEMAND = {"target": "Dinas PUPR Kabupaten", "channel": "audiensi", "delivered_on": "2025-11-03"}


def fire(db, people, program_id, name, username="pendamping", reason="", form=None, now=None):
    """Fire one step through the command the web uses (at ``now``, or the clock's time)."""
    return commands.fire_transition(db, people[username], program_id, name, now or utcnow(),
                                    reason=reason, form=form)


def add_finding(db, people, program_id, **changes):
    return assessment.record_finding(db, people["pendamping"], program_id,
                                     {**GOOD_FINDING, **changes}, utcnow())


def vote_all(db, people, program_id, choices):
    """warga1, warga2… cast ``choices`` in order through the command (a block with a reason)."""
    for voter, choice in zip(residents(people), choices):
        voting_commands.cast_vote(db, voter, program_id, choice,
                           "Belum jelas." if choice == "block" else "", utcnow())


def new_program(db, people, template, author=AUTHOR) -> int:
    return commands.create_program(db, people[author], ROUND_OF[template], VALID_PROGRAM, "",
                                   utcnow()).id


PLANNING_ORDER = ("draft", "proposed", "assessment", "consultation", "agreed", "approved")


def planning(db, people, state="assessment") -> int:
    """A new planning program (by warga1) brought to ``state`` through the commands."""
    program_id = new_program(db, people, "planning")
    steps = {
        "proposed": lambda: fire(db, people, program_id, "submit", AUTHOR),
        "assessment": lambda: fire(db, people, program_id, "start_assessment"),
        "consultation": lambda: (add_finding(db, people, program_id),
                                 fire(db, people, program_id, "publish_findings")),
        "agreed": lambda: fire(db, people, program_id, "recommend", reason=RECOMMENDATION),
        "approved": lambda: fire(db, people, program_id, "approve", "kades"),
    }
    for step in PLANNING_ORDER[1:PLANNING_ORDER.index(state) + 1]:
        steps[step]()
    assert state_of(db, program_id) == state
    return program_id


ACTION_ORDER = ("draft", "proposed", "organizing", "voting", "agreed", "action",
                "implementation")


def action(db, people, state="organizing") -> int:
    """A new social-action program (by warga1) brought to ``state`` through the commands."""
    program_id = new_program(db, people, "action")
    steps = {
        "proposed": lambda: fire(db, people, program_id, "submit", AUTHOR),
        "organizing": lambda: fire(db, people, program_id, "start_organizing"),
        "voting": lambda: (join(db, people, program_id, 6),
                           fire(db, people, program_id, "open_voting")),
        "agreed": lambda: (vote_all(db, people, program_id, ["yes"] * 9),
                           fire(db, people, program_id, "close_voting")),
        "action": lambda: fire(db, people, program_id, "deliver", form=DEMAND),
        "implementation": lambda: fire(db, people, program_id, "record_response",
                                       form={"outcome": "granted"}),
    }
    for step in ACTION_ORDER[1:ACTION_ORDER.index(state) + 1]:
        steps[step]()
    assert state_of(db, program_id) == state
    return program_id


def join(db, people, program_id, n, first=1):
    """warga<first>… warga<first+n-1> join as supporters through the command."""
    for i in range(first, first + n):
        organizing.join_supporters(db, people[f"warga{i}"], program_id, utcnow())


def withdrawable(db, people, template, state) -> int:
    if template == "planning":
        return planning(db, people, state)
    if template == "action":
        return action(db, people, state)
    program_id = new_program(db, people, "locality")
    for name in ("submit", "open_discussion"):
        if state_of(db, program_id) == state:
            break
        fire(db, people, program_id, name, AUTHOR if name == "submit" else "pendamping")
    assert state_of(db, program_id) == state
    return program_id


# --- any template to any stage, from a fresh draft by warga2: the matrix's programs ---------

STAGE_FIRER = {"submit": "warga2", "approve": "kades"}   # everything else: pendamping
STEP_FORM = {
    "reject": {"reason": "Biayanya terlalu besar untuk tahun ini."},
    "return": {"reason": "Rincian biaya perlu dibahas lagi."},
    "recommend": {"reason": RECOMMENDATION},
    "deliver": {"target": "Dinas PUPR Kabupaten", "channel": "audiensi"},
    "record_response": {"outcome": "granted", "note": "Perbaikan dijadwalkan bulan depan."},
}
VOTE_AGREE, VOTE_YES = ("vote", "agree"), ("vote", "yes")
ADD_FINDING = ("finding",)
SUPPORTERS = ("support", range(3, 9))      # warga3..warga8: enough to open the vote
ACTORS_SUPPORT = ("support", range(1, 3))  # warga1 and warga2 (the resident and the author)


def cumulative(*stages) -> dict:
    """{stage: every step from a fresh draft}, each stage continuing the one before."""
    paths, steps = {}, []
    for stage, more in stages:
        steps = steps + list(more)
        paths[stage] = steps
    return paths


STAGES = {
    "locality": {
        **cumulative(("draft", []), ("proposed", ["submit"]),
                     ("discussion", ["open_discussion"]), ("voting", ["open_voting"]),
                     ("agreed", [VOTE_AGREE, "close_voting"]), ("approved", ["approve"]),
                     ("implementation", ["start_implementation"]),
                     ("completed", ["complete"])),
        # Eight disagree: the quorum is reached and agreement falls short, a failed consent
        # round (one closed without quorum would unlock nothing).
        "failed": ["submit", "open_discussion", "open_voting", ("vote", "disagree"),
                   "close_voting"],
    },
    "planning": cumulative(("draft", []), ("proposed", ["submit"]),
                           ("assessment", ["start_assessment", ADD_FINDING]),
                           ("consultation", ["publish_findings"]),
                           ("agreed", ["recommend"])),
    "action": {
        **cumulative(("draft", []), ("proposed", ["submit"]),
                     ("organizing", ["start_organizing", SUPPORTERS]),
                     ("voting", ["open_voting"]), ("agreed", [VOTE_YES, "close_voting"]),
                     ("action", ["deliver"])),
        "supported": ["submit", "start_organizing", SUPPORTERS, ACTORS_SUPPORT],
    },
}
STATE_OF_STAGE = {"failed": "discussion", "supported": "organizing"}


def bring(db, people, template: str, stage: str) -> int:
    """A program of ``template`` by warga2 at ``stage``; locality uses the demo's program 1."""
    steps = STAGES[template][stage]
    if template == "locality" and steps[:1] == ["submit"]:
        program_id, steps = PROGRAM, steps[1:]  # program 1 is already proposed, by warga2
    else:
        program_id = commands.create_program(db, people["warga2"], ROUND_OF[template],
                                             VALID_PROGRAM, "", utcnow()).id
    for step in steps:
        if step == ADD_FINDING:
            assessment.record_finding(db, people["pendamping"], program_id, GOOD_FINDING, utcnow())
        elif step[0] == "vote":
            for voter in residents(people, 8):   # 8 of the 12 residents: the 2/3 quorum
                voting_commands.cast_vote(db, voter, program_id, step[1], "", utcnow())
        elif step[0] == "support":
            for i in step[1]:
                organizing.join_supporters(db, people[f"warga{i}"], program_id, utcnow())
        else:
            form = STEP_FORM.get(step, {})
            commands.fire_transition(db, people[STAGE_FIRER.get(step, "pendamping")], program_id,
                                     step, utcnow(), reason=form.get("reason", ""), form=form)
    assert state_of(db, program_id) == STATE_OF_STAGE.get(stage, stage)
    return program_id
