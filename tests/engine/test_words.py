from datetime import date

from workflow.engine import words


def test_a_date_is_written_out_in_formal_indonesian():
    assert words.date_in_words(date(2026, 12, 21)) == (
        "Senin tanggal dua puluh satu bulan Desember tahun dua ribu dua puluh enam")


def test_each_weekday_and_month_has_its_indonesian_name():
    assert words.day_name(date(2027, 1, 1)) == "Jumat"
    assert words.day_name(date(2027, 1, 3)) == "Minggu"
    assert words.month_name(date(2027, 8, 17)) == "Agustus"
    assert words.short_date(date(2027, 8, 17)) == "17 Agustus 2027"


def test_numbers_in_words():
    assert words.number(0) == "nol"
    assert words.number(11) == "sebelas"
    assert words.number(100) == "seratus"
    assert words.number(9) == "sembilan"
