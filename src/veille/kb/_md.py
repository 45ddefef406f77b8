"""Small readers for the pieces of the analysis' Markdown: sections, tables, code blocks, trees, dots,
levels and prices. Each raises :class:`~veille.errors.ImportFormatError` with the line it stopped at."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from veille.errors import ImportFormatError
from veille.kb.types import amount_problem

FENCE = "```"
TREE_BRANCH = re.compile(r"^(?P<indent>(?:[│ ] {3})*)(?:├──|└──) ?(?P<text>.*)$")


@dataclass
class Block:
    """A run of lines: ``kind`` is ``code``, ``table``, ``list``, ``quote``, ``rule`` or ``para``."""

    kind: str
    lines: list[str]
    line_no: int  # 1-based line of the first line in the document


@dataclass
class Section:
    """A ``##`` or ``###`` heading and what follows it up to the next heading of the same level or above."""

    level: int
    heading: str
    line_no: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def text(self) -> str:
        """The section's own blocks back as Markdown (children excluded), without the rules and the
        document footer that close it."""
        blocks = list(self.blocks)
        while blocks and (blocks[-1].kind == "rule" or is_footer(blocks[-1])):
            blocks.pop()
        return "\n\n".join("\n".join(b.lines) for b in blocks)

    def markdown(self) -> str:
        """The section with its heading and every sub-section, as Markdown."""
        out = ["#" * self.level + " " + self.heading]
        if self.text():
            out.append(self.text())
        out.extend(child.markdown() for child in self.children)
        return "\n\n".join(out)


@dataclass
class Document:
    title: str
    preamble: list[Block]
    sections: list[Section]


def split_blocks(lines: list[str], first_line_no: int) -> list[Block]:
    """Group lines into blocks separated by blank lines; fenced code is one block."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        start = i
        if line.strip().startswith(FENCE):
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(FENCE):
                i += 1
            if i >= len(lines):
                raise ImportFormatError(f"line {first_line_no + start}: code block is never closed")
            blocks.append(Block("code", lines[start + 1 : i], first_line_no + start + 1))
            i += 1
            continue
        kind = _line_kind(line)
        while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(FENCE):
            if _line_kind(lines[i]) != kind and kind not in ("para",):
                break
            if kind == "para" and _line_kind(lines[i]) not in ("para",):
                break
            i += 1
        blocks.append(Block(kind, lines[start:i], first_line_no + start))
    return blocks


def _line_kind(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith("|"):
        return "table"
    if re.match(r"^[-*] ", stripped):
        return "list"
    if stripped.startswith(">"):
        return "quote"
    if re.fullmatch(r"-{3,}|\*{3,}|_{3,}", stripped):
        return "rule"
    return "para"


def parse_document(text: str) -> Document:
    """Split a Markdown analysis into its title, preamble and ``##`` sections (with ``###`` children)."""
    lines = text.split("\n")
    title = ""
    heading_at: list[tuple[int, int, str]] = []  # (index, level, heading)
    in_code = False
    for idx, line in enumerate(lines):
        if line.strip().startswith(FENCE):
            in_code = not in_code
            continue
        if in_code:
            continue
        match = re.match(r"^(#{1,3}) +(.*?)\s*#*\s*$", line)
        if match:
            level = len(match.group(1))
            if level == 1 and not title and not heading_at:
                title = match.group(2).strip()
                heading_at.append((idx, 1, title))
            elif level >= 2:
                heading_at.append((idx, level, match.group(2).strip()))
    if not title:
        raise ImportFormatError("not an analysis document: it has no '# title' line")
    bounds = [*heading_at, (len(lines), 0, "")]
    preamble = split_blocks(lines[bounds[0][0] + 1 : bounds[1][0]], bounds[0][0] + 2)
    sections: list[Section] = []
    for (start, level, heading), (end, _lvl, _h) in itertools.pairwise(bounds[1:]):
        blocks = split_blocks(lines[start + 1 : end], start + 2)
        section = Section(level, heading, start + 1, blocks)
        if level == 2 or not sections:
            sections.append(section)
        else:
            sections[-1].children.append(section)
    return Document(title, preamble, sections)


_FOOTER = re.compile(r"^\*(?:Document confidentiel|Confidential document)\b.*\*$")


def is_footer(block: Block) -> bool:
    """The closing line of the document (*Document confidentiel. Dernière mise à jour : ...*)."""
    return block.kind == "para" and bool(_FOOTER.match(" ".join(block.lines).strip()))


# --- tables ------------------------------------------------------------------------------------------


def split_row(line: str) -> list[str]:
    """The cells of a table row; ``\\|`` inside a cell is a literal bar."""
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def parse_table(
    block: Block, expect_columns: int | None = None, what: str = "table"
) -> tuple[list[str], list[list[str]]]:
    """Header cells and data rows of a pipe table; every row must have as many cells as the header."""
    if block.kind != "table" or len(block.lines) < 2:
        raise ImportFormatError(f"line {block.line_no}: expected the {what} here")
    header = split_row(block.lines[0])
    separator = split_row(block.lines[1])
    if not all(re.fullmatch(r":?-{3,}:?", cell) for cell in separator):
        raise ImportFormatError(f"line {block.line_no + 1}: {what}: the second line is not a |---| separator")
    if len(separator) != len(header):
        raise ImportFormatError(
            f"line {block.line_no + 1}: {what}: separator has {len(separator)} columns, header {len(header)}"
        )
    if expect_columns is not None and len(header) != expect_columns:
        raise ImportFormatError(
            f"line {block.line_no}: {what}: expected {expect_columns} columns, found {len(header)}"
        )
    rows: list[list[str]] = []
    for offset, line in enumerate(block.lines[2:], start=2):
        cells = split_row(line)
        if len(cells) != len(header):
            raise ImportFormatError(
                f"line {block.line_no + offset}: {what}: row has {len(cells)} cells, the header has {len(header)}"
            )
        rows.append(cells)
    return header, rows


def unbold(cell: str) -> str:
    """``**X**`` -> ``X`` (only when the whole cell is bold)."""
    match = re.fullmatch(r"\*\*(.+?)\*\*", cell.strip())
    return match.group(1).strip() if match else cell.strip()


# --- trees -------------------------------------------------------------------------------------------


@dataclass
class Node:
    text: str
    children: list[Node] = field(default_factory=list)
    line_no: int = 0

    def child(self, predicate: str) -> Node | None:
        """The first child whose text contains ``predicate`` (case-insensitive, accents ignored)."""
        key = fold(predicate)
        return next((c for c in self.children if key in fold(c.text)), None)


def parse_tree(block: Block) -> Node:
    """A box-drawing tree (``├──``/``└──`` branches, 4 columns per level) as nested nodes."""
    lines = [ln.rstrip() for ln in block.lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ImportFormatError(f"line {block.line_no}: empty tree")
    root = Node(lines[0].strip(), line_no=block.line_no)
    stack: list[tuple[int, Node]] = [(-1, root)]
    for offset, line in enumerate(lines[1:], start=1):
        if not line.strip() or set(line.strip()) <= {"│", " "}:
            continue
        match = TREE_BRANCH.match(line)
        if not match:
            raise ImportFormatError(f"line {block.line_no + offset}: not a tree branch: {line.strip()!r}")
        depth = len(match.group("indent")) // 4
        node = Node(match.group("text").strip(), line_no=block.line_no + offset)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if not stack or stack[-1][0] != depth - 1:
            raise ImportFormatError(f"line {block.line_no + offset}: tree branch is indented too far")
        stack[-1][1].children.append(node)
        stack.append((depth, node))
    return root


# --- values ------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents, for matching headings and labels."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def parse_dots(cell: str, where: str) -> int:
    """``●●●○○`` -> 3; five dots in all."""
    dots = cell.replace(" ", "")
    if not dots or set(dots) - {"●", "○"} or len(dots) != 5:
        raise ImportFormatError(f"{where}: expected five score dots (●/○), found {cell!r}")
    return dots.count("●")


_LEVEL_EMOJI = {"🔴": "high", "🟡": "medium", "🟢": "low"}
_LEVEL_WORDS = {
    "eleve": "high",
    "elevee": "high",
    "haut": "high",
    "haute": "high",
    "forte": "high",
    "fort": "high",
    "high": "high",
    "strong": "high",
    "moyen": "medium",
    "moyenne": "medium",
    "medium": "medium",
    "faible": "low",
    "bas": "low",
    "basse": "low",
    "low": "low",
    "weak": "low",
}


def parse_level(cell: str, where: str) -> tuple[str, str | None]:
    """``🔴 ÉLEVÉ`` -> (high, None); ``🟢 Faible (pas EU)`` -> (low, "pas EU")."""
    text = cell.strip()
    emoji_level = None
    for emoji, level in _LEVEL_EMOJI.items():
        if text.startswith(emoji):
            emoji_level = level
            text = text[len(emoji) :].strip()
            break
    note = None
    match = re.fullmatch(r"(?P<word>[^()]*?)\s*\((?P<note>.*)\)", text)
    if match:
        text, note = match.group("word"), match.group("note").strip()
    word_level = _LEVEL_WORDS.get(fold(text).strip())
    if word_level is None and emoji_level is None:
        raise ImportFormatError(f"{where}: {cell!r} is not a level (🔴/🟡/🟢, élevé/moyen/faible)")
    if emoji_level and word_level and emoji_level != word_level:
        raise ImportFormatError(f"{where}: {cell!r}: the emoji and the word disagree")
    return (emoji_level or word_level or "low"), note


_CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "CHF": "CHF", "EUR": "EUR", "USD": "USD"}


def parse_money(cell: str, where: str) -> tuple[Decimal, str] | None:
    """``2 319€`` -> (2319, EUR); ``24$`` -> (24, USD); ``€2,319.50`` works too; ``N/A`` -> None."""
    text = cell.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if fold(text) in ("n/a", "na", "-", "—", ""):
        return None
    match = re.fullmatch(
        r"(?P<pre>€|\$|£|CHF|EUR|USD)?\s*(?P<num>\d[\d ,.]*?)\s*(?P<post>€|\$|£|CHF|EUR|USD)?", text
    )
    if not match or bool(match.group("pre")) == bool(match.group("post")):
        raise ImportFormatError(f"{where}: {cell!r} is not a price like '49€', '24$' or 'N/A'")
    symbol = match.group("pre") or match.group("post")
    number = match.group("num").replace(" ", "")
    if match.group("pre"):  # English style: 2,319.50
        number = number.replace(",", "")
    elif "," in number and "." not in number:  # French decimal comma
        number = number.replace(",", ".")
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise ImportFormatError(f"{where}: {cell[:40]!r} has no valid amount") from None
    problem = amount_problem(amount)
    if problem:
        raise ImportFormatError(f"{where}: {cell[:40]!r}: the amount {problem}")
    return amount, _CURRENCY_SYMBOLS[symbol]


def bold_prefix(block: Block, labels: tuple[str, ...]) -> str | None:
    """The text after ``**Label :**`` when the paragraph starts with one of ``labels`` (folded)."""
    text = " ".join(line.strip() for line in block.lines)
    match = re.match(r"^\*\*(?P<label>[^*]+?)\s*:?\s*\*\*\s*:?\s*(?P<rest>.*)$", text)
    if not match:
        return None
    label = fold(match.group("label")).rstrip(" :")
    if any(label == fold(candidate) for candidate in labels):
        return match.group("rest").strip()
    return None


def list_items(block: Block) -> list[str]:
    if block.kind != "list":
        raise ImportFormatError(f"line {block.line_no}: expected a bulleted list")
    return [re.sub(r"^[-*]\s+", "", line.strip()) for line in block.lines]


def flag_country(text: str) -> str | None:
    """The ISO country code of the first flag emoji in ``text`` (🇫🇷 -> FR)."""
    letters = [ch for ch in text if 0x1F1E6 <= ord(ch) <= 0x1F1FF]
    if len(letters) < 2:
        return None
    return "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in letters[:2])


def country_flag(code: str) -> str:
    """FR -> 🇫🇷."""
    return "".join(chr(0x1F1E6 + ord(ch) - ord("A")) for ch in code.upper())
