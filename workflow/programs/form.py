"""The rules for what a program proposal must contain (a musrenbang form)."""
from sqlmodel import Session

from workflow.core import limits
from workflow.engine.reasons import N_, Reason, Refusal
from workflow.engine.text import clean, is_number, read_whole_number
from workflow.rounds.models import Dusun

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


def _whole_number(raw, field: str, errors: dict, maximum: int, rupiah: bool) -> int | None:
    """The number typed in ``field`` (text.read_whole_number); blank means unknown."""
    number, problem = read_whole_number(raw, rupiah, maximum)
    if problem is not None:
        errors[field] = problem
    return number


def clean_program(session: Session, community_id: int, form: dict) -> dict:
    """Checked values for a Program, or Refusal('invalid') naming each bad field."""
    errors, values = {}, {}
    for field, limit in LIMITS.items():
        values[field] = " ".join(clean(form.get(field)).split()) if field in (
            "title", "beneficiaries") else clean(form.get(field))
        if len(values[field]) > limit:
            errors[field] = Reason(N_("Too long: at most %(n)s letters."), {"n": limit})
    for field, message in (("title", N_("Give the program a short name.")),
                           ("problem", N_("Describe the problem the program answers.")),
                           ("goal", N_("Say what the program should achieve."))):
        if not values[field]:
            errors[field] = Reason(message)
    values["beneficiaries_count"] = _whole_number(
        form.get("beneficiaries_count"), "beneficiaries_count", errors, MAX_PEOPLE, False)
    values["estimated_cost"] = _whole_number(
        form.get("estimated_cost"), "estimated_cost", errors, MAX_COST, True)
    for field in ("rt", "rw"):
        values[field] = clean(form.get(field))
        if values[field] and not is_number(values[field], 3):
            errors[field] = Reason(N_("Write the number only, for example 03."))
    for field, allowed in (("sector", SECTORS), ("funding_source", FUNDING_SOURCES)):
        values[field] = clean(form.get(field))
        if values[field] and values[field] not in allowed:
            errors[field] = Reason(N_("Choose one of the options in the list."))
    values["dusun_id"] = None
    raw_dusun = clean(form.get("dusun_id"))
    if raw_dusun:
        dusun = session.get(Dusun, int(raw_dusun)) if (
            is_number(raw_dusun, 9)) else None
        if dusun is None or dusun.community_id != community_id:
            errors["dusun_id"] = Reason(N_("Choose one of the options in the list."))
        else:
            values["dusun_id"] = dusun.id
    if errors:
        raise Refusal("invalid", Reason(N_("Please correct the marked fields.")), errors)
    return values
