"""Text folding: the one way words are compared across languages and accents."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents (``Nouveautés`` -> ``nouveautes``, ``Straße`` -> ``strasse``): for
    keyword matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")
