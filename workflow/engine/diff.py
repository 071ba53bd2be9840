"""The word-level difference between two texts, as data for a template to show.

``words(a, b)`` returns ``[(op, text)]`` with op ``equal``, ``delete`` (only in ``a``) or
``insert`` (only in ``b``): the equal and deleted parts joined give ``a`` back, the equal
and inserted parts give ``b``. Texts are cut into words, runs of spaces and single
signs, each with the spaces after it (so two texts never match on a lone space), and a
changed comma does not mark its whole sentence.
"""
import re
from difflib import SequenceMatcher

EQUAL, DELETE, INSERT = "equal", "delete", "insert"
_TOKEN = re.compile(r"\w+\s*|[^\w\s]\s*|\s+")


def tokens(text: str) -> list:
    """``text`` cut into words and single signs with their spaces (all of it, in order)."""
    return _TOKEN.findall(text)


def words(a: str, b: str) -> list:
    """[(op, text)] turning ``a`` into ``b``, neighbouring parts of one op merged."""
    ta, tb = tokens(a), tokens(b)
    parts = []

    def add(op, chunk):
        if not chunk:
            return
        if parts and parts[-1][0] == op:
            parts[-1] = (op, parts[-1][1] + chunk)
        else:
            parts.append((op, chunk))

    # Matched on the word alone: "kali " at a sentence's end is still "kali". autojunk
    # off: in a long text a common word must not be skipped as noise.
    keys_a, keys_b = [t.rstrip() or t for t in ta], [t.rstrip() or t for t in tb]
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != EQUAL:
            add(DELETE, "".join(ta[i1:i2]))
            add(INSERT, "".join(tb[j1:j2]))
            continue
        for x, y, key in zip(ta[i1:i2], tb[j1:j2], keys_a[i1:i2]):
            if x == y:
                add(EQUAL, x)
            else:  # the same word, other spaces after it
                add(EQUAL, key)
                add(DELETE, x[len(key):])
                add(INSERT, y[len(key):])
    return parts


def side(parts: list, op: str) -> str:
    """One side of a difference: ``side(parts, DELETE)`` is a, ``side(parts, INSERT)`` is b."""
    return "".join(text for kind, text in parts if kind in (EQUAL, op))


def changed_fields(before: dict, after: dict, order: tuple) -> list:
    """The names in ``order`` whose values differ between two versions of a record."""
    return [name for name in order if before.get(name) != after.get(name)]
