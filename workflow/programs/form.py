"""The rules for what a program proposal must contain (a musrenbang form)."""
from sqlmodel import Session

from workflow.communities.models import Dusun
from workflow.core import limits
from workflow.core.fields import NOT_AN_OPTION, Fields
from workflow.engine.reasons import N_
from workflow.engine.text import clean, is_number

SECTORS = {
    "infrastructure": N_("Roads, water and buildings"),
    "health": N_("Health"),
    "education": N_("Education"),
    "economy": N_("Livelihoods and economy"),
    "social": N_("Social care"),
    "environment": N_("Environment"),
    "governance": N_("Village government"),
}
FUNDING_SOURCES = {
    "dana_desa": N_("Village Fund (Dana Desa)"),
    "add": N_("Village Allocation Fund (ADD)"),
    "swadaya": N_("Community self-help (swadaya)"),
    "other": N_("Other"),
}
LIMITS = limits.PROGRAM
MAX_COST = 10 ** 13  # Rp 10 trillion: more than any village budget
MAX_PEOPLE = 10 ** 7  # more than live in any district
REQUIRED = {"title": N_("Give the program a short name."),
            "problem": N_("Describe the problem the program answers."),
            "goal": N_("Say what the program should achieve.")}


def clean_program(session: Session, community_id: int, form: dict) -> dict:
    """Checked values for a Program, or Refusal('invalid') naming each bad field."""
    fields = Fields(form)
    for name, limit in LIMITS.items():
        fields.text(name, limit, required=REQUIRED.get(name),
                    one_line=name in ("title", "beneficiaries"))
    fields.whole_number("beneficiaries_count", MAX_PEOPLE)
    fields.whole_number("estimated_cost", MAX_COST, rupiah=True)
    for name in ("rt", "rw"):
        fields.digits(name, 3, N_("Write the number only, for example 03."))
    fields.choice("sector", SECTORS)
    fields.choice("funding_source", FUNDING_SOURCES)
    fields.values["dusun_id"] = None
    raw_dusun = clean(form.get("dusun_id"))
    if raw_dusun:
        dusun = session.get(Dusun, int(raw_dusun)) if is_number(raw_dusun, 9) else None
        if dusun is None or dusun.community_id != community_id:
            fields.problem("dusun_id", NOT_AN_OPTION)
        else:
            fields.values["dusun_id"] = dusun.id
    return fields.checked()
