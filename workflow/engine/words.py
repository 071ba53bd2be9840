"""Numbers and dates in words, as an official Indonesian document writes them.

A berita acara opens with "Pada hari ini, Senin tanggal dua puluh satu bulan Desember tahun
dua ribu dua puluh enam": the date is spelled out so that it cannot be altered by a stroke
of the pen. num2words does the numbers; the names of days and months are fixed here, because
a formal document is in Indonesian whatever language the person reading the screen chose.
"""
from datetime import date

from num2words import num2words

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")


def number(n: int) -> str:
    """A whole number in Indonesian words: 21 -> "dua puluh satu"."""
    return num2words(n, lang="id")


def day_name(day: date) -> str:
    return DAYS[day.weekday()]


def month_name(day: date) -> str:
    return MONTHS[day.month - 1]


def date_in_words(day: date) -> str:
    """"Senin tanggal dua puluh satu bulan Desember tahun dua ribu dua puluh enam"."""
    return (f"{day_name(day)} tanggal {number(day.day)} bulan {month_name(day)} "
            f"tahun {number(day.year)}")


def short_date(day: date) -> str:
    """"21 Desember 2026", for the place and date above the signatures."""
    return f"{day.day} {month_name(day)} {day.year}"
