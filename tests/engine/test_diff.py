"""The word-level difference: exact on both sides, word by word, and small where the texts
are alike."""
from hypothesis import given
from hypothesis import strategies as st

from workflow.engine import diff
from workflow.engine.diff import DELETE, EQUAL, INSERT, side, words

# Indonesian-looking words, spaces, signs, line breaks and letters outside ASCII.
TEXT = st.lists(st.sampled_from(["jalan", "desa", "Dusun", "Krajan", " ", "  ", ",", ".",
                                 "\n", "RT 05", "é", "🙂", "air", "bersih"]),
                max_size=30).map("".join) | st.text(max_size=80)


@given(TEXT, TEXT)
def test_the_parts_give_back_both_texts(a, b):
    parts = words(a, b)
    assert side(parts, INSERT) == b
    assert side(parts, DELETE) == a
    assert "".join(text for op, text in parts if op in (EQUAL, INSERT)) == b
    assert "".join(text for op, text in parts if op in (EQUAL, DELETE)) == a


@given(TEXT, TEXT)
def test_parts_are_never_empty_and_neighbours_differ(a, b):
    parts = words(a, b)
    assert all(text for _, text in parts)
    assert all(x[0] != y[0] for x, y in zip(parts, parts[1:]))
    assert {op for op, _ in parts} <= {EQUAL, DELETE, INSERT}


@given(TEXT)
def test_the_same_text_is_all_equal(a):
    assert words(a, a) == ([(EQUAL, a)] if a else [])


def test_a_changed_word_is_marked_alone():
    assert words("Perbaikan saluran air Dusun Krajan", "Perbaikan saluran air Dusun Cibodas") == [
        (EQUAL, "Perbaikan saluran air Dusun "), (DELETE, "Krajan"), (INSERT, "Cibodas")]


def test_words_put_in_and_taken_out():
    assert words("Sumur bor di RT 05.", "Dua sumur bor di RT 05, dekat masjid.") == [
        (DELETE, "Sumur "), (INSERT, "Dua sumur "), (EQUAL, "bor di RT 05"),
        (INSERT, ", dekat masjid"), (EQUAL, ".")]


def test_a_word_is_the_same_whatever_space_follows_it():
    assert words("Ditimbang sebulan sekali.", "Ditimbang dua kali sebulan.") == [
        (EQUAL, "Ditimbang "), (INSERT, "dua kali "), (EQUAL, "sebulan"), (DELETE, " sekali"),
        (EQUAL, ".")]
    assert words("a  b", "a b") == [(EQUAL, "a"), (DELETE, "  "), (INSERT, " "), (EQUAL, "b")]


def test_a_lone_space_does_not_tie_two_different_texts():
    assert words("di Dusun Cibodas", "dari tab satu") == [
        (DELETE, "di Dusun Cibodas"), (INSERT, "dari tab satu")]


def test_tokens_cover_the_text():
    text = "  Jalan rusak,\tparah!  🙂"
    assert "".join(diff.tokens(text)) == text


def test_changed_fields_in_their_order():
    assert diff.changed_fields({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "c": None},
                               ("c", "b", "a")) == ["c", "b"]
