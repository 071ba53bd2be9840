"""The read API: JSON for integrations, for members of the program's community."""
from flask import Blueprint, g, jsonify

from workflow.core.db import get_session
from workflow.engine.processes import TEMPLATES
from workflow.programs import queries
from workflow.programs.access import readable_program
from workflow.voting import queries as voting

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _iso(moment) -> str:
    return moment.isoformat()


@bp.get("/programs/<id:program_id>")
def program(program_id: int):
    """One program with its state, tally and history."""
    if g.user is None:
        return jsonify(error="login required"), 401
    session = get_session()
    found = readable_program(session, g.user, program_id)
    if found is None:
        return jsonify(error="not found"), 404
    program, rnd, community, _ = found
    ballot = voting.open_ballot(session, program.id) or voting.last_closed_ballot(
        session, program.id)
    return jsonify(
        id=program.id, title=program.title, state=program.state, template=rnd.template,
        round={"id": rnd.id, "title": rnd.title}, community=community.name,
        problem=program.problem, goal=program.goal, version=program.version,
        final=program.state in TEMPLATES[rnd.template].final,
        tally=dict(voting.ballot_tally(session, ballot, rnd).as_dict(),
                   open=ballot.closed_at is None) if ballot else None,
        events=[{"transition": e.transition, "from": e.from_state, "to": e.to_state,
                 "actor": name, "at": _iso(e.at), "payload": queries.event_payload(e)}
                for e, name in queries.history(session, program.id)])
