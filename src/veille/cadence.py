"""How often a source runs, said as people say it: "every 5 min", "hourly", "daily", "weekly"."""

from __future__ import annotations

_WORDS = {
    "en": {
        "seconds": "every {n} s",
        "minute": "every minute",
        "minutes": "every {n} min",
        "hour": "hourly",
        "hours": "every {n} h",
        "day": "daily",
        "days": "every {n} days",
        "week": "weekly",
        "weeks": "every {n} weeks",
        "quarter": "quarterly",
        "half": "twice a year",
        "year": "yearly",
    },
    "fr": {
        "seconds": "toutes les {n} s",
        "minute": "toutes les minutes",
        "minutes": "toutes les {n} min",
        "hour": "toutes les heures",
        "hours": "toutes les {n} h",
        "day": "quotidienne",
        "days": "tous les {n} jours",
        "week": "hebdomadaire",
        "weeks": "toutes les {n} semaines",
        "quarter": "trimestrielle",
        "half": "semestrielle",
        "year": "annuelle",
    },
}
_UNITS = (("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))
_WEEK = 7 * 86400
_LONG = {13 * _WEEK: "quarter", 26 * _WEEK: "half", 52 * _WEEK: "year"}  # the plan's review periods


def describe(seconds: float, lang: str = "en") -> str:
    """``seconds`` in words of ``lang`` (fr or en): the largest whole unit, e.g. 300 -> "every 5 min",
    3600 -> "hourly", 21600 -> "every 6 h", 86400 -> "daily", 604800 -> "weekly", 13 weeks -> "quarterly"."""
    words = _WORDS.get(lang, _WORDS["en"])
    whole = int(seconds)
    if whole in _LONG:
        return words[_LONG[whole]]
    for unit, size in _UNITS:
        if whole >= size and whole % size == 0:
            n = whole // size
            return words[unit] if n == 1 else words[unit + "s"].format(n=n)
    return words["seconds"].format(n=whole)
