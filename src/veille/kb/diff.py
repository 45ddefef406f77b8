"""What changed between two versions of the knowledge base, path by path.

Paths name things rather than positions where they can: ``competitors[ovhcloud].threat``,
``matrix.scores.ovhcloud.support``, ``price_table.prices.gpu-t4.ovhcloud.amount``,
``competitors[infomaniak].strengths[2].en``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veille.kb.schema import KnowledgeBase

_KEYS = ("id", "competitor", "key")


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        if self.old is None and self.new is not None:
            return "added"
        if self.new is None and self.old is not None:
            return "removed"
        return "changed"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


def _leaves(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        if not value:
            out[path] = {}
        for key, item in value.items():
            _leaves(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        if not value:
            out[path] = []
        keys = [_item_key(item) for item in value]
        unique = None not in keys and len(set(keys)) == len(keys)
        for index, item in enumerate(value):
            _leaves(item, f"{path}[{keys[index] if unique else index}]", out)
    else:
        out[path] = value


def _item_key(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in _KEYS:
            if isinstance(item.get(key), str) and key in item and not _is_text(item):
                return str(item[key])
    return None


def _is_text(item: dict[str, Any]) -> bool:
    return set(item) == {"fr", "en"}


def diff(old: KnowledgeBase, new: KnowledgeBase) -> list[Change]:
    """Every leaf that differs, in a stable order."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _leaves(old.canonical(), "", before)
    _leaves(new.canonical(), "", after)
    paths = list(before) + [p for p in after if p not in before]
    return [Change(p, before.get(p), after.get(p)) for p in paths if before.get(p) != after.get(p)]


def _show(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, str):
        text = value.replace("\n", "\\n")
        return repr(text if len(text) <= 100 else text[:97] + "...")
    return repr(value)


def format_changes(changes: list[Change]) -> list[str]:
    """One readable line per change: ``~ path: old -> new``, ``+ path: new``, ``- path: old``."""
    lines = []
    for change in changes:
        if change.kind == "added":
            lines.append(f"+ {change.path}: {_show(change.new)}")
        elif change.kind == "removed":
            lines.append(f"- {change.path}: {_show(change.old)}")
        else:
            lines.append(f"~ {change.path}: {_show(change.old)} -> {_show(change.new)}")
    return lines


def summarise(changes: list[Change], limit: int = 3) -> str:
    """A short description of a change set (for revision messages)."""
    if not changes:
        return "no change"
    head = ", ".join(c.path for c in changes[:limit])
    more = f" and {len(changes) - limit} more" if len(changes) > limit else ""
    return f"{len(changes)} change(s): {head}{more}"
