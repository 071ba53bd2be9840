"""The rules for what a program proposal must contain (a musrenbang form)."""
import re

from sqlmodel import Session, select

from .models import Dusun
from .reasons import N_, Reason, Refusal
from .text import clean, is_number

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
LIMITS = {"title": 200, "problem": 4000, "goal": 4000, "beneficiaries": 200}
MAX_COST = 10 ** 13  # Rp 10 trillion: more than any village budget


def _whole_number(raw: str, field: str, errors: dict, maximum: int, example: str) -> int | None:
    """Read '15.000.000' or '15000000' as a whole number; blank means unknown."""
    text = re.sub(r"[\s.,]", "", clean(raw).removeprefix("Rp"))
    if not text:
        return None
    if not is_number(text, 40):
        errors[field] = Reason(N_("Write a number only, for example %(example)s."),
                               {"example": example})
        return None
    if int(text) > maximum:
        errors[field] = Reason(N_("That number is too large."))
        return None
    return int(text)


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
        form.get("beneficiaries_count"), "beneficiaries_count", errors, 10 ** 7, "120")
    values["estimated_cost"] = _whole_number(
        form.get("estimated_cost"), "estimated_cost", errors, MAX_COST, "15.000.000")
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
