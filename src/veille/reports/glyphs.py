"""Pictographs of the knowledge base, printed with the fonts a server has.

The analysis marks threat levels with coloured circles (🔴 🟡 🟢), countries with flags and sections
with icons; a machine with only DejaVu prints those as empty boxes. In HTML and PDF the levels become
coloured badges that keep their word, flags become their country code, ✅/❌ become DejaVu's ✔/✘,
and the other icons (decoration only) are left out. Markdown keeps the characters as written.
"""

from __future__ import annotations

import re

LEVELS = {"🔴": "high", "🟠": "high", "🟡": "medium", "🟢": "low"}
MARKS = {"✅": ("ok", "✔"), "✔": ("ok", "✔"), "❌": ("ko", "✘"), "✖": ("ko", "✘")}

_VS = "\ufe0f?"
_LEVEL = re.compile(f"([{''.join(LEVELS)}]){_VS}[ \u00a0]*([^\\s|<>()\\[\\],;:.]*)")
_FLAG = re.compile("([\U0001f1e6-\U0001f1ff])([\U0001f1e6-\U0001f1ff])([ \u00a0]+[A-Z]{2}\\b)?")
_MARK = re.compile(f"([{''.join(MARKS)}]){_VS}")
# Emoji outside DejaVu: the supplementary pictographs, plus variation selectors and joiners left over.
_PICTO = re.compile("[\U0001f000-\U0001faff][\u200d\ufe0f]*[ \u00a0]?|[\u200d\ufe0f]")
_BLOCKS = re.compile(r"(<pre\b.*?</pre>|<svg\b.*?</svg>)", re.DOTALL)


def _country(match: re.Match[str]) -> str:
    return "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in match.groups()[:2])


def _flag(match: re.Match[str]) -> str:
    """A flag as its country code; a flag followed by its code already (``🇺🇸 US``) as the code alone."""
    code, after = _country(match), match.group(3)
    return (
        after.strip() if after and after.strip() == code else f"<span class='cc'>{code}</span>{after or ''}"
    )


def _plain_flag(match: re.Match[str]) -> str:
    code, after = _country(match), match.group(3)
    return after.strip() if after and after.strip() == code else code + (after or "")


def _badge(match: re.Match[str]) -> str:
    level = LEVELS[match.group(1)]
    word = match.group(2) or "●"
    return f"<span class='badge lvl-{level}'>{word}</span>"


def _text(html: str) -> str:
    html = _LEVEL.sub(_badge, html)
    html = _FLAG.sub(_flag, html)
    html = _MARK.sub(lambda m: f"<span class='{MARKS[m.group(1)][0]}'>{MARKS[m.group(1)][1]}</span>", html)
    return _PICTO.sub("", html)


def _preformatted(html: str) -> str:
    """Inside ``<pre>`` the columns must hold: one coloured character per level, no padding."""
    html = re.sub(
        f"([{''.join(LEVELS)}]){_VS}",
        lambda m: f"<span class='dot lvl-{LEVELS[m.group(1)]}'>●</span>",
        html,
    )
    html = _FLAG.sub(_plain_flag, html)
    html = _MARK.sub(lambda m: f"<span class='{MARKS[m.group(1)][0]}'>{MARKS[m.group(1)][1]}</span>", html)
    return _PICTO.sub("", html)


def _drawing(svg: str) -> str:
    """In an SVG chart no markup may be added: levels become ●, flags their code."""
    svg = re.sub(f"[{''.join(LEVELS)}]{_VS}", "●", svg)
    return _PICTO.sub("", _FLAG.sub(_plain_flag, svg))


def printable(html: str) -> str:
    """``html`` (rendered by us, text escaped) with every pictograph in a form DejaVu prints."""
    out = []
    for part in _BLOCKS.split(html):
        if part.startswith("<pre"):
            out.append(_preformatted(part))
        elif part.startswith("<svg"):
            out.append(_drawing(part))
        else:
            out.append(_text(part))
    return "".join(out)
