"""Repair text whose UTF-8 bytes were read as a Windows code page and saved again ("mojibake").

``"â—â—â—‹"`` was ``"●●○"``: each UTF-8 byte became one Windows-1252 (or 1254) character. The bytes those
code pages leave undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D, and 0x8E, 0x9E in 1254) were dropped, and an
invisible soft hyphen (0xAD) is often stripped too, so some sequences come back short: ``●`` (E2 97 8F)
appears as ``â—`` (E2 97). The repair:

1. maps every character back to its byte (both code pages, and the C1 controls of "sloppy" decoders);
2. reads each run of non-ASCII characters as UTF-8; where a sequence is short, it tries every way of
   putting back the lost bytes and keeps the candidates that decode to an assigned character;
3. picks among candidates by context: what the rest of the text decodes to unambiguously (same Unicode
   block, words shared with the neighbours' character names), letter case, emoji sequences (flags come
   in pairs, a zero-width joiner sits between pictographs, a variation selector follows a symbol), and a
   prior of characters common in documents; ties go to the lowest code point, so the result is stable;
4. leaves alone any run that is not valid UTF-8 once re-encoded (genuine accented text), and the whole
   text when it does not look like mojibake at all (``ftfy``'s badness measure helps decide).

Nothing here knows any particular document: it works on any text damaged this way.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from ftfy.badness import is_bad

# --- character <-> byte ------------------------------------------------------------------------------

_CODEPAGES = ("cp1252", "cp1254")


def _defined(byte: int, codepage: str) -> bool:
    try:
        bytes([byte]).decode(codepage)
    except UnicodeDecodeError:
        return False
    return True


UNDEFINED = {cp: frozenset(b for b in range(0x80, 0x100) if not _defined(b, cp)) for cp in _CODEPAGES}
SOFT_HYPHEN = 0xAD


def _byte_map() -> tuple[dict[str, int], dict[str, str]]:
    """Character -> byte for the high half of both code pages (plus C1 controls), and which code page
    only defines it."""
    to_byte: dict[str, int] = {}
    only: dict[str, str] = {}
    for byte in range(0x80, 0x100):
        chars = {}
        for cp in _CODEPAGES:
            if _defined(byte, cp):
                chars[cp] = bytes([byte]).decode(cp)
        for cp, ch in chars.items():
            to_byte.setdefault(ch, byte)
            if list(chars.values()).count(ch) == 1:  # the other code page has another or no character
                only[ch] = cp
        to_byte.setdefault(chr(byte), byte)  # latin-1 / C1 control, as sloppy decoders write them
    return to_byte, only


_TO_BYTE, _ONLY_IN = _byte_map()

# Characters common in documents, preferred when context cannot tell candidates apart.
_COMMON_ORDER = (
    "’‘“”«»–—…•·€™°‰†‡′″‹›„‚"
    "─│┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬"
    "→←↑↓↔⇒⇐⇔➜➡⬅⬆⬇↗↘"
    "●○■□▪▫▲△▼▽◆◇►◄▶◀★☆"
    "✓✔✗✘✅❌❎⚠⛔✨⭐⚡☁♻❤✏"
    "🔴🟠🟡🟢🔵🟣⚫⚪🟥🟧🟨🟩🟦🟪"
    "🏢🏠🏭🏗🎯📊📈📉📌📍📝📄📋📁📂📅📆📰📣📢💡💪💰💶💵💸💻🖥📱🔧🔨🛠⚙🔒🔓🔑🚀🤖🧑👤👥"
    "👍👎👉👀🙏🤝💼🙂😀😃😊😉😅😰😱🤔🔥🎉⏱⏰🌍🌐🏆🥇📦🔍🔎🔔💬🗓🧠🧪🧩🧭🌱🔗📎🖊💯🛡📚📖"
)
# Accented letters of French, the documents' first language (English needs none).
_PREFERRED_LETTERS = frozenset("àâæçéèêëîïôœùûüÿ" + "àâæçéèêëîïôœùûüÿ".upper())
# Earlier in the list = more common.
_COMMON_RANK = {ch: rank for rank, ch in enumerate(dict.fromkeys(_COMMON_ORDER))}


@dataclass
class _Seq:
    """One decoded character: the text it came from and its candidates (one when unambiguous)."""

    source: str
    candidates: list[tuple[str, frozenset[int]]] = field(default_factory=list)  # (char, inserted bytes)
    choice: str = ""

    @property
    def repaired(self) -> bool:
        return any(inserted for _ch, inserted in self.candidates)


def _seq_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _usable(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category not in ("Cn", "Co", "Cs") and category != "Cc"


def _decode_run(run: str, lost: frozenset[int]) -> list[_Seq] | None:
    """Decode one run of non-ASCII characters; None when it is not (repairable) UTF-8."""
    data = [_TO_BYTE[ch] for ch in run]
    seqs: list[_Seq] = []
    i = 0
    while i < len(data):
        lead = data[i]
        length = _seq_length(lead)
        if not length:
            return None
        present: list[int] = []
        j = i + 1
        while j < len(data) and 0x80 <= data[j] <= 0xBF and len(present) < length - 1:
            present.append(data[j])
            j += 1
        missing = length - 1 - len(present)
        if missing and missing >= max(length - 1, 2):
            return None  # nothing of the sequence but its lead byte: too little to rebuild from
        candidates: list[tuple[str, frozenset[int]]] = []
        if not missing:
            try:
                ch = bytes([lead, *present]).decode("utf-8")
            except UnicodeDecodeError:
                return None
            if _usable(ch):
                candidates.append((ch, frozenset()))
        else:
            for slots in itertools.combinations(range(length - 1), missing):
                for fill in itertools.product(sorted(lost), repeat=missing):
                    tail = list(present)
                    for slot, byte in zip(slots, fill, strict=True):
                        tail.insert(slot, byte)
                    try:
                        ch = bytes([lead, *tail]).decode("utf-8")
                    except UnicodeDecodeError:
                        continue
                    if _usable(ch) and ch not in {c for c, _ in candidates}:
                        candidates.append((ch, frozenset(fill)))
        if not candidates:
            return None
        seqs.append(_Seq(run[i:j], candidates))
        i = j
    return seqs


@dataclass
class _Context:
    blocks: Counter[str]
    chars: set[str]
    name_words: set[str]
    lost_penalty: dict[int, float]


def _block(ch: str) -> str:
    """A coarse block key: the code point divided into 128-wide pages."""
    return f"{ord(ch) >> 7:x}"


_FUNCTION_WORDS = frozenset({"AND", "WITH", "OF", "FOR", "THE", "TO", "A", "IN"})


def _name_words(ch: str) -> set[str]:
    return set(unicodedata.name(ch, "").split()) - _FUNCTION_WORDS


_EMOJI_BMP = frozenset("©®‼⁉™ℹ↔↕↖↗↘↙↩↪⌚⌛⌨⏏⏩⏪⏫⏬⏭⏮⏯⏰⏱⏲⏳⏸⏹⏺Ⓜ▪▫▶◀◻◼◽◾⤴⤵⬅⬆⬇⬛⬜⭐⭕〰〽㊗㊙")


def _is_pictographic(ch: str) -> bool:
    """Roughly Unicode's Extended_Pictographic: what emoji sequences (ZWJ, VS16) are made of."""
    code = ord(ch)
    return code >= 0x1F000 or 0x2600 <= code <= 0x27BF or ch in _EMOJI_BMP


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _word_score(words: set[str], distinctive: set[str], context: set[str]) -> float:
    """Distinctive words of a candidate's name found in the context, minus those that are not."""
    mine = words & distinctive
    return len(mine & context) - 0.5 * len(mine - context)


def _score(ch: str, inserted: frozenset[int], near: _Near, ctx: _Context, distinctive: set[str]) -> float:
    score = 0.0
    before, after = near.before, near.after
    category = unicodedata.category(ch)
    if ch == "\u200d":  # zero-width joiner: only between pictographs
        score += 60 if _is_pictographic(before[-1:] or " ") and _is_pictographic(after[:1] or " ") else -50
    elif 0xFE00 <= ord(ch) <= 0xFE0F:  # variation selector: only after a symbol
        score += (
            (60 if ch == "\ufe0f" else 59)
            if before and (_is_pictographic(before[-1]) or before[-1] in "#*0123456789")
            else -50
        )
    elif category in ("Cf", "Mn", "Me", "Zs", "Zl", "Zp"):
        score -= 40
    if _is_regional(ch):
        run = len(before) - len(before.rstrip("".join(chr(c) for c in range(0x1F1E6, 0x1F200))))
        score += 60 if run % 2 == 1 or (after[:1] and _is_regional(after[0])) else -10
    if category.startswith("L"):
        previous, following = before[-1:], after[:1]
        if previous.isalpha():  # inside a word: the case goes on
            score += 4 if previous.isupper() == ch.isupper() else -4
        elif following.isalpha() and following.isupper():  # an upper-case word starts
            score += 4 if ch.isupper() else -4
        script = unicodedata.name(ch, "").split(" ")[0]
        score += sum(
            3 for n in previous + following if n.isalpha() and unicodedata.name(n, "").startswith(script)
        )
        if ch.swapcase() in ctx.chars:  # the same letter in the other case is in the text
            score += 5
        if ch in _PREFERRED_LETTERS:
            score += 3
        if fold_base(ch) in "ie" and "DIAERESIS" in unicodedata.name(ch, ""):
            # a diaeresis on i/e marks a vowel said apart from the vowel before it (naïf, Noël)
            score += 2 if fold_base(previous) in "aeiouy" and previous else -2
    words = _name_words(ch) if not category.startswith("L") else set()  # letters: case and script only
    if any(_block(c) == _block(ch) for c in near.chars):  # words count only among related characters
        score += 10 + 2 * _word_score(words, distinctive, near.name_words)
    total = sum(ctx.blocks.values()) or 1
    if ctx.blocks[_block(ch)]:
        score += 6 * ctx.blocks[_block(ch)] / total + _word_score(words, distinctive, ctx.name_words)
    if ch in ctx.chars:
        score += 4
    rank = _COMMON_RANK.get(ch)
    if rank is not None:
        score += 20 - rank / len(_COMMON_RANK)
    score -= sum(ctx.lost_penalty.get(b, 0.0) for b in inserted)
    score -= 0.02 * len(unicodedata.name(ch, "x" * 60))
    return score


@dataclass
class _Near:
    before: str
    after: str
    chars: set[str]  # unambiguous non-ASCII characters close by
    name_words: set[str]


def fold_base(ch: str) -> str:
    """The base letter of ``ch`` in lower case (Ï -> i); empty for the empty string."""
    return unicodedata.normalize("NFKD", ch)[:1].lower()


def _codepage_losses(runs: list[str]) -> dict[int, float]:
    """Which bytes were probably lost, and a penalty for restoring each (0 = expected to be lost)."""
    seen = {_ONLY_IN.get(ch) for run in runs for ch in run} - {None}
    penalty: dict[int, float] = {}
    if seen == {"cp1252"}:
        lost = UNDEFINED["cp1252"]
    elif seen == {"cp1254"}:
        lost = UNDEFINED["cp1254"]
    else:
        lost = UNDEFINED["cp1252"] | UNDEFINED["cp1254"]
    for byte in UNDEFINED["cp1252"] | UNDEFINED["cp1254"]:
        penalty[byte] = 0.0 if byte in lost else 20.0
    if not seen:  # no telling which code page: Windows-1252 is by far the more common one
        for byte in UNDEFINED["cp1254"] - UNDEFINED["cp1252"]:
            penalty[byte] = 1.0
    if not any("\u00ad" in run for run in runs):  # soft hyphens that survived were not stripped
        penalty[SOFT_HYPHEN] = 6.0
    return penalty


def repair_text(text: str) -> tuple[str, int]:
    """The repaired text and how many characters were rebuilt (0 when it was not mojibake)."""
    pieces: list[tuple[bool, str]] = []  # (is a run of mappable non-ASCII characters, text)
    current: list[str] = []
    for ch in text:
        if ord(ch) >= 0x80 and ch in _TO_BYTE:
            current.append(ch)
            continue
        if current:
            pieces.append((True, "".join(current)))
            current = []
        pieces.append((False, ch))
    if current:
        pieces.append((True, "".join(current)))
    runs = [piece for is_run, piece in pieces if is_run]
    if not runs:
        return text, 0
    penalty = _codepage_losses(runs)
    lost = frozenset(penalty)
    decoded = {run: _decode_run(run, lost) for run in set(runs)}
    # Evidence of mojibake: sequences read back whole from two characters (1 point) or from three or
    # more (2 points: an accident is then very unlikely). Runs that are not UTF-8 speak against it.
    evidence = sum(
        (2 if len(seq.source) >= 3 else 1)
        for run in runs
        for seq in decoded[run] or []
        if len(seq.source) >= 2
    )
    invalid = sum(1 for run in runs if decoded[run] is None)
    if evidence == 0 or not (is_bad(text) or (evidence >= 2 and evidence > invalid)):
        return text, 0
    flat: list[str | _Seq] = []
    for is_run, piece in pieces:
        seqs = decoded[piece] if is_run else None
        if seqs is None:
            flat.append(piece)
        else:
            flat.extend(_Seq(s.source, s.candidates) for s in seqs)
    return _choose(flat, _context(decoded, penalty))


def _context(decoded: dict[str, list[_Seq] | None], penalty: dict[int, float]) -> _Context:
    """What the unambiguous characters of the whole text say: their blocks, themselves, their names."""
    blocks: Counter[str] = Counter()
    chars: set[str] = set()
    for seqs in decoded.values():
        for seq in seqs or []:
            if len(seq.candidates) == 1:
                blocks[_block(seq.candidates[0][0])] += 1
                chars.add(seq.candidates[0][0])
    name_words = {w for ch in chars for w in _name_words(ch)}
    return _Context(blocks, chars, name_words, penalty)


NEAR = 24  # how many characters on each side count as the neighbourhood


def _choose(flat: list[str | _Seq], ctx: _Context) -> tuple[str, int]:
    out: list[str] = []
    rebuilt = 0
    for index, item in enumerate(flat):
        if isinstance(item, str):
            out.extend(item)  # one character, or a run left as it was
            continue
        rebuilt += 1
        if len(item.candidates) == 1:
            out.append(item.candidates[0][0])
            continue
        following = [
            x.candidates[0][0]
            for x in flat[index + 1 : index + 1 + NEAR]
            if isinstance(x, _Seq) and len(x.candidates) == 1
        ]
        chars = {c for c in out[-NEAR:] if ord(c) >= 0x80} | set(following)
        near = _Near(
            "".join(out[-4:]), _peek(flat, index + 1), chars, {w for c in chars for w in _name_words(c)}
        )
        names = [_name_words(c) for c, _ins in item.candidates]
        distinctive = set().union(*names) - set(names[0]).intersection(*names[1:])
        best = max(item.candidates, key=lambda c: (_score(c[0], c[1], near, ctx, distinctive), -ord(c[0])))
        out.append(best[0])
    return "".join(out), rebuilt


def _peek(flat: list[str | _Seq], start: int) -> str:
    """The next few characters, using the first candidate of ambiguous ones."""
    out = []
    for item in flat[start : start + 3]:
        out.append(item if isinstance(item, str) else item.candidates[0][0])
    return "".join(out)
