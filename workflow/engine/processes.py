"""The three Rothman & Tropman process models as data.

A. locality development: consensus through musyawarah, residents decide.
B. social planning: the facilitator gathers facts, residents are consulted.
C. social action: residents organise and press demands on an outside body.
"""
from workflow.engine import guards as g
from workflow.engine.machine import Template, Transition
from workflow.engine.reasons import N_

RESIDENT, FACILITATOR, OFFICIAL, ADMIN, AUTHOR = (
    "resident", "facilitator", "official", "admin", "author")
MEMBER_ROLES = (RESIDENT, FACILITATOR, OFFICIAL, ADMIN)


# Steps that cannot be undone: the web asks for a confirmation before firing them.
CONFIRM_FIRST = frozenset({"withdraw", "reject", "approve"})


def t(name, source, target, roles, guards=(), needs_reason=False, effects=(), asks=()):
    return Transition(name, source, target, frozenset(roles), tuple(guards),
                      needs_reason, tuple(effects), tuple(asks), name in CONFIRM_FIRST)


def common_tail(approval=True):
    """Every template ends the same way once a program is approved or adopted.

    Social action has no approval: the target's response starts the work instead.
    """
    start = (t("start_implementation", "approved", "implementation",
               {FACILITATOR, OFFICIAL}),) if approval else ()
    return start + (
        t("complete", "implementation", "completed", {FACILITATOR}),
        t("evaluate", "completed", "evaluated", {FACILITATOR}),
    )


def withdrawals(*sources):
    """An author may withdraw a program until a vote has been opened on it."""
    return tuple(t("withdraw", source, "withdrawn", {AUTHOR}, [g.no_vote_opened])
                 for source in sources)


LOCALITY = Template(
    name="locality",
    initial="draft",
    states=("draft", "proposed", "discussion", "voting", "agreed", "approved",
            "implementation", "completed", "evaluated", "rejected", "withdrawn"),
    final=frozenset({"evaluated", "rejected", "withdrawn"}),
    transitions=(
        t("submit", "draft", "proposed", {AUTHOR}),
        t("open_discussion", "proposed", "discussion", {FACILITATOR}),
        t("open_voting", "discussion", "voting", {FACILITATOR},
          [g.discussion_long_enough], effects=["open_consent_ballot"]),
        t("open_majority_vote", "discussion", "voting", {FACILITATOR},
          [g.consent_round_failed], effects=["open_majority_ballot"]),
        # A vote stays open the round's minimum time. Not carried (fallen short, or
        # without quorum) it goes back to discussion; only a failure with quorum counts
        # as a failed consensus (see consent_round_failed).
        t("close_voting", "voting", "agreed", {FACILITATOR},
          [g.voting_long_enough, g.ballot_passed], effects=["close_ballot"]),
        t("close_voting", "voting", "discussion", {FACILITATOR},
          [g.voting_long_enough, g.ballot_failed], effects=["close_ballot"]),
        t("reject", "discussion", "rejected", {FACILITATOR}, needs_reason=True),
        t("approve", "agreed", "approved", {OFFICIAL}),
        t("return", "agreed", "discussion", {OFFICIAL}, needs_reason=True),
        t("reject", "agreed", "rejected", {OFFICIAL}, needs_reason=True),
        *common_tail(),
        *withdrawals("draft", "proposed", "discussion"),
    ),
)

PLANNING = Template(
    name="planning",
    initial="draft",
    states=("draft", "proposed", "assessment", "consultation", "agreed", "approved",
            "implementation", "completed", "evaluated", "rejected", "withdrawn"),
    final=frozenset({"evaluated", "rejected", "withdrawn"}),
    transitions=(
        t("submit", "draft", "proposed", {AUTHOR}),
        t("start_assessment", "proposed", "assessment", {FACILITATOR}),
        t("publish_findings", "assessment", "consultation", {FACILITATOR},
          [g.findings_with_source], effects=["open_advisory_poll"]),
        t("recommend", "consultation", "agreed", {FACILITATOR}, needs_reason=True,
          effects=["close_ballot"]),
        t("approve", "agreed", "approved", {OFFICIAL}),
        t("return", "agreed", "assessment", {OFFICIAL}, needs_reason=True),
        t("reject", "agreed", "rejected", {OFFICIAL}, needs_reason=True),
        *common_tail(),
        *withdrawals("draft", "proposed", "assessment"),
    ),
)

ACTION = Template(
    name="action",
    initial="draft",
    states=("draft", "proposed", "organizing", "voting", "agreed", "action",
            "implementation", "completed", "evaluated", "withdrawn"),
    final=frozenset({"evaluated", "withdrawn"}),
    transitions=(
        t("submit", "draft", "proposed", {AUTHOR}),
        t("start_organizing", "proposed", "organizing", {FACILITATOR}),
        t("open_voting", "organizing", "voting", {FACILITATOR},
          [g.enough_supporters], effects=["open_majority_ballot"]),
        t("close_voting", "voting", "agreed", {FACILITATOR},
          [g.voting_long_enough, g.ballot_passed], effects=["close_ballot"]),
        t("close_voting", "voting", "organizing", {FACILITATOR},
          [g.voting_long_enough, g.ballot_failed], effects=["close_ballot"]),
        t("deliver", "agreed", "action", {FACILITATOR},
          asks=("target", "channel", "delivered_on")),
        t("record_response", "action", "implementation", {FACILITATOR},
          [g.response_granted], asks=("outcome", "note")),
        t("record_response", "action", "organizing", {FACILITATOR}, [g.response_refused],
          asks=("outcome", "note")),
        *common_tail(approval=False),
        *withdrawals("draft", "proposed", "organizing"),
    ),
)

TEMPLATES = {tpl.name: tpl for tpl in (LOCALITY, PLANNING, ACTION)}

# Words shown to people; the web layer translates them.
STATE_LABELS = {
    "draft": N_("Draft"), "proposed": N_("Proposed"), "discussion": N_("In discussion"),
    "voting": N_("Voting"), "agreed": N_("Agreed"), "approved": N_("Approved"),
    "implementation": N_("Being carried out"), "completed": N_("Completed"),
    "evaluated": N_("Evaluated"), "rejected": N_("Rejected"), "withdrawn": N_("Withdrawn"),
    "assessment": N_("Gathering facts"), "consultation": N_("Consultation"),
    "organizing": N_("Organising"), "action": N_("Demand delivered"),
}
TRANSITION_LABELS = {
    "submit": N_("Submit the proposal"), "open_discussion": N_("Open the discussion"),
    "open_voting": N_("Open the vote"), "open_majority_vote": N_("Open a majority vote"),
    "close_voting": N_("Close the vote"), "reject": N_("Reject"), "approve": N_("Approve"),
    "return": N_("Send back for discussion"), "withdraw": N_("Withdraw"),
    "start_implementation": N_("Start carrying it out"), "complete": N_("Mark as completed"),
    "evaluate": N_("Record the evaluation"), "start_assessment": N_("Start gathering facts"),
    "publish_findings": N_("Publish the findings"), "recommend": N_("Recommend"),
    "start_organizing": N_("Start organising"), "deliver": N_("Deliver the demand"),
    "record_response": N_("Record the response"),
}
TEMPLATE_LABELS = {
    "locality": N_("Village deliberation (musyawarah)"),
    "planning": N_("Planning from the facts"),
    "action": N_("Joint action for a demand"),
}
# How the history tells a step that happened: "Budi Santoso submitted the proposal".
EVENT_LABELS = {
    "submit": N_("submitted the proposal"), "open_discussion": N_("opened the discussion"),
    "open_voting": N_("opened the vote"), "open_majority_vote": N_("opened a majority vote"),
    "close_voting": N_("closed the vote"), "reject": N_("rejected the program"),
    "approve": N_("approved the program"), "return": N_("sent the program back"),
    "withdraw": N_("withdrew the program"), "start_implementation": N_("started the work"),
    "complete": N_("marked the work as completed"), "evaluate": N_("recorded the evaluation"),
    "start_assessment": N_("started gathering facts"),
    "publish_findings": N_("published the findings"), "recommend": N_("made the recommendation"),
    "start_organizing": N_("started organising"), "deliver": N_("delivered the demand"),
    "record_response": N_("recorded the response"),
    # Not steps of the process: who writes the program (drafting/coauthors.py).
    "invite_coauthor": N_("invited a member to write the program too"),
    "accept_coauthor": N_("became an author of the program"),
    "decline_coauthor": N_("declined to write the program"),
    "leave_authors": N_("stopped being an author of the program"),
    "pin_summary": N_("pinned the summary of the discussion"),
    "hide_comment": N_("hid a comment"), "address_objection": N_("marked an objection as addressed"),
}
ROLE_LABELS = {
    RESIDENT: N_("resident"), FACILITATOR: N_("facilitator"), OFFICIAL: N_("village official"),
    ADMIN: N_("administrator"), AUTHOR: N_("an author of the program"),
}
# What the flash says once a step is done: what happened, not the button's imperative.
DONE_LABELS = {
    "submit": N_("The proposal is submitted."),
    "open_discussion": N_("The discussion is open."),
    "open_voting": N_("The vote is open."),
    "open_majority_vote": N_("The majority vote is open."),
    "close_voting": N_("The vote is closed."),
    "reject": N_("The program is rejected."),
    "approve": N_("The program is approved."),
    "return": N_("The program is sent back."),
    "withdraw": N_("The program is withdrawn."),
    "start_implementation": N_("The work has started."),
    "complete": N_("The work is marked as completed."),
    "evaluate": N_("The evaluation is recorded."),
    "start_assessment": N_("Gathering the facts has started."),
    "publish_findings": N_("The findings are published."),
    "recommend": N_("The recommendation is made."),
    "start_organizing": N_("Organising has started."),
    "deliver": N_("The demand is recorded as delivered."),
    "record_response": N_("The response is recorded."),
}
