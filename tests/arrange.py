"""Arranging a program's state through the same commands the web uses.

``arrange`` brings a demo locality program (program 1 by default) to a state; ``draft_by``
makes a new locality draft; ``planning`` and ``action`` make a new social-planning or
social-action program (authored by ``AUTHOR``) and bring it to a state; ``withdrawable``
does either for any template. The table of every route and role (tests/system/test_matrix.py)
brings its programs here too, through ``bring``.
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
                commands.cast_vote(db, voter, program_id, step[1], "", utcnow())
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


def fire(db, people, program_id, name, username="pendamping", reason="", form=None):
    """Fire one step through the command the web uses."""
    return commands.fire_transition(db, people[username], program_id, name, utcnow(),
                                    reason=reason, form=form)


def add_finding(db, people, program_id, **changes):
    return assessment.record_finding(db, people["pendamping"], program_id,
                                     {**GOOD_FINDING, **changes}, utcnow())


def vote_all(db, people, program_id, choices):
    """warga1, warga2… cast ``choices`` in order through the command."""
    for voter, choice in zip(residents(people), choices):
        commands.cast_vote(db, voter, program_id, choice, "", utcnow())


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
