"""Cadences said as people say them, in English and French."""

from __future__ import annotations

import pytest

from veille.cadence import describe


@pytest.mark.parametrize(
    ("seconds", "en", "fr"),
    [
        (300, "every 5 min", "toutes les 5 min"),
        (600, "every 10 min", "toutes les 10 min"),
        (60, "every minute", "toutes les minutes"),
        (3600, "hourly", "toutes les heures"),
        (6 * 3600, "every 6 h", "toutes les 6 h"),
        (90 * 60, "every 90 min", "toutes les 90 min"),
        (86400, "daily", "quotidienne"),
        (3 * 86400, "every 3 days", "tous les 3 jours"),
        (7 * 86400, "weekly", "hebdomadaire"),
        (14 * 86400, "every 2 weeks", "toutes les 2 semaines"),
        (45, "every 45 s", "toutes les 45 s"),
        (13 * 7 * 86400, "quarterly", "trimestrielle"),
        (26 * 7 * 86400, "twice a year", "semestrielle"),
    ],
)
def test_cadences_in_words(seconds: int, en: str, fr: str) -> None:
    assert describe(seconds, "en") == en
    assert describe(seconds, "fr") == fr
    assert describe(float(seconds), "de") == en  # an unknown language reads English
