"""People as the community records them: genders, representation groups, login names.

Pure: no Flask, no database, no clock.
"""
from workflow.engine.reasons import N_
from workflow.engine.text import ascii_words

GENDERS = {"f": N_("Woman"), "m": N_("Man")}
# The groups a musyawarah must hear (Permendesa: women, poor households, people with
# disabilities...); the meetings count who is present from each.
TAGS = {
    "women": N_("Women"), "poor": N_("Poor households"), "disability": N_("People with disabilities"),
    "youth": N_("Youth"), "elder": N_("Elders"), "farmer": N_("Farmers"), "fisher": N_("Fishers"),
    "craft": N_("Craftspeople"), "tokoh_adat": N_("Customary leaders (tokoh adat)"),
    "tokoh_agama": N_("Religious leaders (tokoh agama)"),
    "tokoh_masyarakat": N_("Community leaders (tokoh masyarakat)"),
    "educator": N_("Educators"), "child_protection": N_("Child protection"),
}


def username_from(name: str, taken) -> str:
    """A login name made from a person's name ("Siti Aminah" -> "siti.aminah"), not one of
    ``taken``: a number is added when it is ("siti.aminah2")."""
    base = ".".join(ascii_words(name))[:60].strip(".") or "warga"
    if len(base) < 3:
        base = f"warga.{base}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def joined_tags(values) -> str:
    """The tags as stored: known ones only, each once, sorted, joined with ";"."""
    return ";".join(sorted({value for value in values if value in TAGS}))
