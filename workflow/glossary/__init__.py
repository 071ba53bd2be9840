"""The glossary: each technical word of village planning, the word the pages use, and a
one-line plain explanation, shown as help where the word appears. Pure data.

``word`` and ``explanation`` are English message ids (Bahasa Indonesia in the catalog,
in everyday words); ``term`` is the word as the domain writes it in Indonesian.
``docs/glossary.md`` is made from this module:

    .venv/bin/python -m workflow.glossary > docs/glossary.md
"""
import os
import re
from dataclasses import dataclass

from workflow.engine.reasons import N_


@dataclass(frozen=True)
class Term:
    key: str          # the anchor on the glossary page and the data-term of the help
    term: str         # the technical word in Indonesian
    word: str         # msgid: the word the pages use for it
    explanation: str  # msgid: one plain line


TERMS = (
    Term("musyawarah", "musyawarah", N_("deliberation (musyawarah)"), N_(
        "Residents meet and talk a plan over together until they find a way everyone "
        "can accept.")),
    Term("mufakat", "mufakat", N_("agreement (mufakat)"), N_(
        "Everyone agrees together: enough people vote, nobody objects, and most choose "
        "Agree.")),
    Term("keberatan", "keberatan", N_("objection (keberatan)"), N_(
        "Saying “I cannot accept this”, with the reason. One objection stops the agreement "
        "until it is talked over again.")),
    Term("abstain", "abstain", N_("Abstain"), N_(
        "You take part in the vote but choose neither Agree nor Disagree.")),
    Term("kuorum", "kuorum", N_("quorum"), N_(
        "The least number of residents who must vote for the result to count.")),
    Term("suara-terbanyak", "suara terbanyak", N_("majority vote (suara terbanyak)"), N_(
        "The answer chosen by the most people wins. It is used only when agreement "
        "(mufakat) was not reached.")),
    Term("pemungutan-suara", "pemungutan suara", N_("vote"), N_(
        "Each resident chooses one answer and the answers are counted. You can change "
        "yours until the vote is closed.")),
    Term("suara-rahasia", "pemungutan suara rahasia", N_("secret ballot"), N_(
        "Nobody can see what each person chose; only the totals are shown.")),
    Term("jajak-pendapat", "jajak pendapat", N_("advisory poll"), N_(
        "Residents say what they think. The result helps the facilitator, but it decides "
        "nothing by itself.")),
    Term("warga", "warga", N_("resident"), N_(
        "A person who lives in the village and is a member here: they can propose, "
        "talk, vote and support.")),
    Term("pendamping", "pendamping", N_("facilitator"), N_(
        "The social worker who guides the process: opens each step, keeps the records and "
        "helps residents speak.")),
    Term("kepala-desa", "kepala desa / perangkat desa", N_("village official"), N_(
        "The village head or village staff, who approve an agreed program or send it back "
        "with a reason.")),
    Term("usulan", "usulan", N_("proposal"), N_(
        "A plan written by residents: the problem, what should change and who benefits.")),
    Term("draf", "draf", N_("Draft"), N_(
        "A proposal that is not sent yet; its writers can still change it.")),
    Term("dusun", "dusun", N_("Dusun"), N_(
        "A part of the village, led by a kepala dusun.")),
    Term("rt-rw", "RT / RW", N_("RT / RW"), N_(
        "Neighbourhood groups: an RT is a group of nearby houses; several RT make one RW.")),
    Term("bidang", "bidang", N_("Field (bidang)"), N_(
        "What kind of work the program is: roads, health, schooling, livelihoods…")),
    Term("dana-desa", "Dana Desa", N_("Village Fund (Dana Desa)"), N_(
        "Money the central government sends every village each year to build the village.")),
    Term("add", "ADD (Alokasi Dana Desa)", N_("Village Allocation Fund (ADD)"), N_(
        "Money the district (kabupaten) gives the village from its own budget.")),
    Term("swadaya", "swadaya", N_("Community self-help (swadaya)"), N_(
        "Residents pay for it themselves, with money, work or materials.")),
    Term("kajian", "kajian", N_("fact-finding (kajian)"), N_(
        "Before deciding, the facilitator collects facts about the problem: counts, "
        "measurements and where they come from.")),
    Term("temuan", "temuan", N_("finding"), N_(
        "One fact that was found, with its source: who or what says so.")),
    Term("konsultasi", "konsultasi", N_("consultation"), N_(
        "Residents see the findings and say what they think before the recommendation "
        "is made.")),
    Term("rekomendasi", "rekomendasi", N_("recommendation"), N_(
        "The facilitator's written advice on what to do, based on the facts and the "
        "residents' views.")),
    Term("pengorganisasian", "pengorganisasian", N_("organising"), N_(
        "Residents gather others behind a demand, so that many speak together.")),
    Term("pendukung", "pendukung", N_("supporter"), N_(
        "A resident who puts their name behind the demand. Enough supporters are needed "
        "before the vote.")),
    Term("tuntutan", "tuntutan", N_("demand"), N_(
        "What residents ask from the office or person who can change things.")),
    Term("sasaran", "sasaran", N_("target"), N_(
        "The office or person who receives the demand and must answer it, for example "
        "the Bupati.")),
    Term("persetujuan", "persetujuan", N_("approval"), N_(
        "The village official says yes to an agreed program, so the work can start.")),
    Term("pelaksanaan", "pelaksanaan", N_("carrying out (pelaksanaan)"), N_(
        "The agreed program is being done; the work and the money are followed.")),
    Term("evaluasi", "evaluasi", N_("evaluation"), N_(
        "Looking back after the work is done: did the program reach its goal?")),
    Term("riwayat", "riwayat", N_("History"), N_(
        "Every step taken on the program: who did it, when, and why.")),
)
BY_KEY = {t.key: t for t in TERMS}

# The word behind each stage a program can be in, told beside the stage's badge.
STATE_TERMS = {
    "draft": "draf", "proposed": "usulan", "discussion": "musyawarah",
    "voting": "pemungutan-suara", "agreed": "mufakat", "approved": "persetujuan",
    "implementation": "pelaksanaan", "completed": "pelaksanaan", "evaluated": "evaluasi",
    "assessment": "kajian", "consultation": "konsultasi", "organizing": "pengorganisasian",
    "action": "tuntutan",
}
# Where a process reaches a stage its own way (a recommendation, a demand adopted).
TEMPLATE_STATE_TERMS = {("planning", "agreed"): "rekomendasi",
                        ("action", "agreed"): "tuntutan"}
ROLE_TERMS = {"resident": "warga", "facilitator": "pendamping", "official": "kepala-desa"}
FUNDING_TERMS = {"dana_desa": "dana-desa", "add": "add", "swadaya": "swadaya"}


def state_term(template: str, state: str) -> str | None:
    """The glossary key that explains a stage of a process, if any."""
    return TEMPLATE_STATE_TERMS.get((template, state), STATE_TERMS.get(state))


def _tokens(text: str) -> list:
    return re.findall(r"\w+", text.lower())


def _contains(outer: str, inner: str) -> bool:
    """``inner``'s words appear in ``outer``, in a row ("ADD" in "Village ... Fund (ADD)")."""
    words, part = _tokens(outer), _tokens(inner)
    return bool(part) and any(words[i:i + len(part)] == part
                              for i in range(len(words) - len(part) + 1))


def headword(word: str, term: str) -> tuple[str, str | None]:
    """(the heading, the Indonesian added in brackets or None) for the translated ``word``.

    The term is added only where it says something the word does not, and once: "vote"
    gets "(pemungutan suara)", "pemungutan suara" nothing, "perangkat desa" becomes the
    whole "kepala desa / perangkat desa"; never "pemungutan suara (pemungutan suara)".
    """
    parts = [part.strip() for part in re.split(r"[()/]", term) if part.strip()]
    missing = [part for part in parts if not _contains(word, part)]
    if not missing:
        return word, None  # "deliberation (musyawarah)", "Alokasi Dana Desa (ADD)"
    if _contains(term, word):
        return term, None  # the word is part of the term
    return word, " / ".join(missing)  # "Village Allocation Fund (ADD)" + "Alokasi Dana Desa"


def terms(*keys) -> list:
    """The terms for these keys, skipping None (a stage or role without an entry)."""
    return [BY_KEY[key] for key in keys if key is not None]


HEADER = ("# Glossary (daftar istilah)\n\n"
          "The technical words of village planning, the word the pages use for each, and the\n"
          "one-line explanation the pages show as help beside it. Made from\n"
          "`workflow/glossary/__init__.py` and the Indonesian catalog:\n"
          "`.venv/bin/python -m workflow.glossary > docs/glossary.md`\n\n"
          "| Istilah | Kata di layar | Penjelasan | English |\n"
          "|---|---|---|---|\n")


def markdown(indonesian) -> str:
    """The glossary as a Markdown table; ``indonesian(msgid)`` gives the translation."""
    rows = [f"| {t.term} | {indonesian(t.word)} | {indonesian(t.explanation)} | "
            f"{t.word}: {t.explanation} |" for t in TERMS]
    return HEADER + "\n".join(rows) + "\n"


def catalog_translator():
    """Read Bahasa Indonesia straight from the catalog (no app needed)."""
    from babel.messages.pofile import read_po
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "translations", "id", "LC_MESSAGES", "messages.po"),
              "rb") as fh:
        catalog = read_po(fh)
    return lambda msgid: catalog.get(msgid).string if catalog.get(msgid) else msgid

