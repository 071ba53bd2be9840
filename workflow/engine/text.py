"""Cleaning text that people type before it is checked or stored."""
import re
import unicodedata

from workflow.engine.reasons import N_, Reason

# Control characters (NUL among them) are never meant; PostgreSQL refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_DIGITS = re.compile(r"[0-9]+")
# Every invisible format character (Unicode category Cf: zero-width space, joiners, word
# joiner, byte-order mark, soft hyphen, bidirectional controls, tags...). A name made only of
# them looks empty and must count as empty; a bidirectional override can make a text display
# as something else. tests/system/test_inputs.py checks this class against Python's Unicode data.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")
# ...except where they are part of real text:
# - the signs that stand in front of Arabic numbers (visible marks, not spacing tricks);
_PREPENDED_MARKS = set("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2"
                       "\U000110bd\U000110cd")
# - the joiners inside a word or an emoji sequence (Arabic script, Javanese in Pegon,
#   "family" emoji), kept only between two visible characters;
_JOINERS = "\u200c\u200d"
# - the direction marks, kept only in a text that has right-to-left letters to place;
_DIRECTION_MARKS = "\u200e\u200f\u061c"
# - the tags that spell a regional flag after the black flag (England, Scotland, Wales).
_FLAG = re.compile("\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F")


def _visible(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char) not in ("Cf", "Cc")


def _drop_invisible(text: str) -> str:
    """The text without the invisible format characters that carry no meaning in it."""
    if not _FORMAT.search(text):
        return text
    right_to_left = any(unicodedata.bidirectional(c) in ("R", "AL") for c in text
                        if c not in _DIRECTION_MARKS)  # the right-to-left mark is "R" itself
    flags = {i for m in _FLAG.finditer(text) for i in range(m.start(), m.end())}

    def keep(match) -> str:
        char, at = match.group(), match.start()
        if (unicodedata.category(char) != "Cf" or char in _PREPENDED_MARKS or at in flags
                or (char in _DIRECTION_MARKS and right_to_left)
                or (char in _JOINERS and 0 < at < len(text) - 1
                    and _visible(text[at - 1]) and _visible(text[at + 1]))):
            return char
        return ""
    return _FORMAT.sub(keep, text)


def clean(value) -> str:
    """The text as typed, minus what nobody means by it ('' for None).

    No control or invisible format characters, line ends as "\\n" (so a length counts
    what the browser's maxlength counts), composed (NFC: "é" typed two ways is stored one
    way), no surrounding white space.
    """
    text = value if isinstance(value, str) else ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", _drop_invisible(text)).strip()


def is_number(value: str, max_digits: int = 18) -> bool:
    """Plain digits 0-9 only (not '²' or '٣', which str.isdigit accepts)."""
    return bool(_ASCII_DIGITS.fullmatch(value)) and len(value) <= max_digits


# --- whole numbers typed the Indonesian way ---------------------------------------------
# Indonesian writes 15.000.000 (a dot between groups of three digits) and 2,5 (a comma
# before the decimals). A number is read only when it has one reading; anything else is
# refused with the expected form, never guessed at.
RUPIAH_FORM = N_("Write the amount in whole Rupiah, for example 15.000.000 or 15000000 "
                 "(a dot between each group of three digits).")
WHOLE_RUPIAH = N_("Write whole Rupiah, for example 15.000.000.")
PEOPLE_FORM = N_("Write how many people as a whole number, for example 120 or 1.200.")
TOO_LARGE = N_("That number is too large.")
_CURRENCY = re.compile(r"(?:rp\.?|idr)\s*", re.I)
# Groups of three after the first: "15.000.000" or "15 000 000", one separator throughout.
_GROUPED = {sep: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in ". "}
_LONGEST = 40  # characters: more is no amount anybody means


def _grouped(text: str) -> int | None:
    """'15000000', '15.000.000' or '15 000 000' as a number; None for any other form."""
    if is_number(text, _LONGEST):
        return int(text)
    for sep, pattern in _GROUPED.items():
        if pattern.fullmatch(text):
            return int(text.replace(sep, ""))
    return None


def read_whole_number(raw, rupiah: bool, maximum: int) -> tuple[int | None, Reason | None]:
    """(the number, None), (None, None) when blank, or (None, why it cannot be read).

    ``rupiah``: an amount of money, which may carry "Rp" in front and ",00" or ",-" at the
    end (Rupiah have no cents); otherwise a count of people, which is whole by nature.
    Pure: the one place that decides how a typed number is read.
    """
    text = " ".join(clean(raw).split())  # any white space (a no-break space too) is one space
    if rupiah:
        text = text.removeprefix(m.group()) if (m := _CURRENCY.match(text)) else text
    if not text:
        return None, None
    form = Reason(RUPIAH_FORM if rupiah else PEOPLE_FORM)
    if len(text) > _LONGEST:
        return None, form
    whole, comma, decimals = text.partition(",")
    if rupiah and not comma and whole.endswith(".-"):
        whole = whole[:-2]  # "15.000.000.-": also written for "no cents"
    if comma:
        if not rupiah:
            return None, form  # "1,5" people: a count has no decimals
        if decimals not in ("-", "0", "00"):
            # ",50" is cents, which Rupiah do not have. ",000" or a second comma is the
            # English way of grouping ("15,000,000"): refused, not read as English.
            # "15,000" means fifteen in Indonesian and fifteen thousand in English, and
            # accepting "1,500,000" while refusing "150,000" would teach a habit that
            # fails at random; the form and the pages write 15.000.000, so one way it is.
            cents = re.fullmatch(r"[0-9]{1,2}", decimals) and _grouped(whole) is not None
            return None, Reason(WHOLE_RUPIAH) if cents else form
    number = _grouped(whole)
    if number is None:
        # "1.5", "12.34.567", "15.000.000.00" (cents or one group too short?): dots
        # group exactly three digits, or the number is ambiguous.
        return None, form
    if number > maximum:
        return None, Reason(TOO_LARGE)
    return number, None


def ascii_words(text: str) -> list[str]:
    """The words of ``text`` in small ASCII letters and digits, accents dropped ("Pak Ëndang
    Sutisna" -> ["pak", "endang", "sutisna"]): for names people type on any phone."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", plain.lower())


def number_list(text: str, max_digits: int = 3) -> str | None:
    """A list of short numbers as typed ("01, 02 03;4") made one way ("01, 02, 03, 4"), each
    once, in the order given; None when an item is not a number of at most ``max_digits``
    digits (an RW or RT number)."""
    items = [item for item in re.split(r"[\s,;/]+", clean(text)) if item]
    if not all(is_number(item, max_digits) for item in items):
        return None
    return ", ".join(dict.fromkeys(items))
