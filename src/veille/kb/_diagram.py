"""The two drawings of the analysis: the segmentation map (boxes on two axes) and the summary box."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from veille.errors import ImportFormatError

# --- segmentation map --------------------------------------------------------------------------------


@dataclass
class DrawnBox:
    column: int
    row: int
    lines: list[str]


def read_boxes(lines: list[str], line_no: int) -> list[DrawnBox]:
    """Every ``┌──┐ ... └──┘`` box of the map, with its column (0 left, 1 centre, 2 right) and row."""
    found: list[tuple[int, int, int, list[str]]] = []  # (top y, x1, x2, inner lines)
    for y, line in enumerate(lines):
        for match in re.finditer(r"┌[─┴┬]*┐", line):
            x1, x2 = match.start(), match.end() - 1
            inner: list[str] = []
            for below in range(y + 1, len(lines)):
                row = lines[below]
                if len(row) > x1 and row[x1] == "└":
                    break
                if len(row) <= x2 or row[x1] != "│" or row[x2] != "│":
                    raise ImportFormatError(f"line {line_no + below}: segmentation map: box side is broken")
                inner.append(row[x1 + 1 : x2].strip())
            else:
                raise ImportFormatError(f"line {line_no + y}: segmentation map: box is never closed")
            found.append((y, x1, x2, [text for text in inner if text]))
    if not found:
        raise ImportFormatError(f"line {line_no}: segmentation map: no boxes found")
    centres = [(x1 + x2) / 2 for _y, x1, x2, _l in found]
    low, high = min(centres), max(centres)
    middle = (low + high) / 2
    tolerance = max((high - low) / 4, 1)
    tops = sorted({y for y, *_ in found})
    boxes: list[DrawnBox] = []
    for (y, _x1, _x2, inner), centre in zip(found, centres, strict=True):
        column = 1 if abs(centre - middle) <= tolerance else (0 if centre < middle else 2)
        boxes.append(DrawnBox(column, tops.index(y), inner))
    boxes.sort(key=lambda b: (b.row, b.column))
    return boxes


def _center(text: str, width: int) -> str:
    """Centre like the seed does: extra space goes to the right."""
    pad = width - len(text)
    left = pad // 2
    return " " * left + text + " " * (pad - left)


def draw_map(boxes: list[tuple[int, int, list[str]]], axis: dict[str, str]) -> list[str]:
    """Draw the map: ``boxes`` are (column, row, lines); ``axis`` holds the five axis words."""
    side_inner, centre_inner = 14, 11
    left_x, centre_x, right_x = 4, 24, 41  # where each column's box starts
    axis_x = 31
    out = [
        " " * (axis_x - 1) + axis["price"],
        " " * axis_x + "│",
        " " * 8 + axis["premium"].ljust(axis_x - 8 - 1) + "│" + " " * 15 + axis["low_cost"],
        " " * axis_x + "│",
    ]
    rows = sorted({row for _c, row, _l in boxes})
    for index, row in enumerate(rows):
        in_row = {c: lines for c, r, lines in boxes if r == row}
        height = max(len(lines) for lines in in_row.values())
        height = max(height, 2)
        if index:
            for _ in range(2):
                out.append(_joint(" " * 14 + "│" + " " * 16 + "│" + " " * 16 + "│"))
        top = _blank(axis_x - 1, has_centre=1 not in in_row)
        mid_rows = [_blank(axis_x - 1, has_centre=1 not in in_row) for _ in range(height)]
        bottom = _blank(axis_x - 1, has_centre=1 not in in_row)
        for column, lines in in_row.items():
            inner = centre_inner if column == 1 else side_inner
            x = (left_x, centre_x, right_x)[column]
            edge = "─" * inner
            if column == 1:
                edge = "─" * (inner // 2) + "┴" + "─" * (inner - inner // 2 - 1)
            top = _put(top, x, "┌" + edge + "┐")
            bottom = _put(bottom, x, "└" + "─" * inner + "┘")
            for i in range(height):
                text = lines[i] if i < len(lines) else ""
                mid_rows[i] = _put(mid_rows[i], x, "│" + _center(text, inner) + "│")
        out.extend([top.rstrip(), *[m.rstrip() for m in mid_rows], bottom.rstrip()])
    out.append(" " * axis_x + "│")
    spec, gen = axis["specialist"], axis["generalist"]
    out.append(" " * 4 + spec + " " + "─" * (axis_x - 4 - len(spec) - 2) + "─┼" + "─" * 15 + " " + gen)
    return out


def _blank(axis_x: int, has_centre: bool) -> str:
    line = [" "] * 60
    if has_centre:
        line[axis_x] = "│"
    return "".join(line)


def _put(line: str, x: int, text: str) -> str:
    line = line.ljust(x + len(text))
    return line[:x] + text + line[x + len(text) :]


def _joint(line: str) -> str:
    return line.rstrip()


# --- summary box -------------------------------------------------------------------------------------

SUMMARY_WIDTH = 69  # characters between the two │
LABEL_WIDTH = 15


@dataclass
class SummaryEntry:
    label_lines: list[str]
    text_lines: list[str]


def read_summary(lines: list[str], line_no: int) -> tuple[str, list[SummaryEntry]]:
    """The title and rows of the executive-summary box."""
    body: list[str] = []
    for offset, raw in enumerate(lines):
        line = raw.rstrip()
        if not line:
            continue
        if line[0] in "┌├└":
            continue
        if line[0] != "│" or line[-1] != "│":
            raise ImportFormatError(f"line {line_no + offset}: summary box: line is not inside the box")
        body.append(line[1:-1])
    if not body:
        raise ImportFormatError(f"line {line_no}: summary box is empty")
    title = body[0].strip()
    entries: list[SummaryEntry] = []
    current: SummaryEntry | None = None
    for content in body[1:]:
        if not content.strip():
            current = None
            continue
        indent = len(content) - len(content.lstrip(" "))
        stripped = content.strip()
        if indent >= LABEL_WIDTH:  # continuation of the text only
            if current is None:
                raise ImportFormatError(f"line {line_no}: summary box: text without a label: {stripped!r}")
            current.text_lines.append(stripped)
            continue
        label, text = _split_label(stripped)
        if current is None:
            current = SummaryEntry([label], [text] if text else [])
            entries.append(current)
        else:
            current.label_lines.append(label)
            if text:
                current.text_lines.append(text)
    return title, entries


def _split_label(content: str) -> tuple[str, str]:
    """``MENACE #1      Infomaniak (...)`` -> ("MENACE #1", "Infomaniak (...)")."""
    match = re.match(r"^(\S.*?) {2,}(\S.*)$", content)
    if match:
        return match.group(1), match.group(2)
    if len(content) > LABEL_WIDTH and content[LABEL_WIDTH] == " ":
        return content[:LABEL_WIDTH].rstrip(), content[LABEL_WIDTH + 1 :].strip()
    label, _, text = content.partition(" ")
    return label, text.strip()


def draw_summary(title: str, entries: list[SummaryEntry]) -> list[str]:
    width = SUMMARY_WIDTH
    out = ["┌" + "─" * width + "┐", "│" + _center_title(title, width) + "│", "├" + "─" * width + "┤"]
    out.append("│" + " " * width + "│")
    for entry in entries:
        count = max(len(entry.label_lines), len(entry.text_lines))
        for i in range(count):
            label = entry.label_lines[i] if i < len(entry.label_lines) else ""
            text = entry.text_lines[i] if i < len(entry.text_lines) else ""
            cell = "  " + (label.ljust(LABEL_WIDTH) if len(label) < LABEL_WIDTH else label + " ")
            out.append("│" + _pad(cell + text, width) + "│")
        out.append("│" + " " * width + "│")
    out.append("└" + "─" * width + "┘")
    return out


def _center_title(title: str, width: int) -> str:
    left = 14 if len(title) + 14 < width else 1
    return _pad(" " * left + title, width)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 1 if display_width(text) >= width else 0)
