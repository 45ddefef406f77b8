"""Competitor records: stable ids, the names people use for them, and what each platform knows them by.

The competitors are data, not code: a workspace keeps them in its database (``veille.kb.competitors``,
``veille competitors add|edit|retire``) and installs them here when it opens (:func:`install`); until a
workspace does, the records shipped in ``kb/data/competitors.yaml`` apply. Everything that resolves a name
or lists competitors reads the installed records:

``resolve_competitor("OVH") == "ovhcloud"``, ``resolve_competitor("Lambda Labs") == "lambda"``,
``resolve_competitor("DO") == "digitalocean"``. Matching ignores case, accents, spaces and punctuation,
so "Digital Ocean", "digital-ocean" and "DIGITALOCEAN" are the same name. A retired competitor still
resolves (its history stays readable) but is no longer watched: :func:`watched` leaves it out.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from veille.errors import NotFoundError
from veille.kb.types import Level, Tier

SELF_ID = "vmcloud"
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class CompetitorRecord(BaseModel):
    """One competitor as veille watches it.

    ``identifiers`` maps a platform to what its sources search or read for this competitor:
    ``mentions`` (Hacker News, Reddit, Bluesky and X query), ``hn_links`` (domain), ``trustpilot``
    (domain), ``news`` (``lang:query``), ``press`` and ``feeds`` (``name=url`` or a mapping with
    ``name``, ``url``, ``verified``, ``what``), ``github`` (``owner/repo``), and job boards by slug
    (``greenhouse``, ``lever``, ``ashby``, ``smartrecruiters``, ``personio``, ``recruitee``, ``workable``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=120)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    website: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")
    domains: tuple[str, ...] = ()
    tier: Tier = "other"
    threat: Level | None = None
    segment: str | None = Field(default=None, max_length=120)
    aliases: tuple[str, ...] = ()
    identifiers: dict[str, tuple[Any, ...]] = Field(default_factory=dict)
    retired: bool = False

    @field_validator("aliases", "domains")
    @classmethod
    def _clean_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for name in value:
            name = " ".join(str(name).split())
            if not name or len(name) > 120:
                raise ValueError(f"{name!r}: a name must have 1 to 120 characters")
            if name not in out:
                out.append(name)
        return tuple(out)

    @field_validator("identifiers")
    @classmethod
    def _known_platforms(cls, value: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
        for platform, entries in value.items():
            if platform not in PLATFORMS:
                raise ValueError(f"unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
            for entry in entries:
                if not isinstance(entry, str | dict) or not entry:
                    raise ValueError(f"{platform}: {entry!r} is neither a text nor a mapping")
        return {k: tuple(v) for k, v in value.items() if v}

    def identifier(self, platform: str) -> str | None:
        """The first text identifier of ``platform`` (e.g. the Trustpilot domain), or None."""
        return next((e for e in self.identifiers.get(platform, ()) if isinstance(e, str)), None)

    def feeds(self, platform: str) -> list[tuple[str, str, bool, str]]:
        """(name, url, checked live, what it is) of each feed entry of ``platform`` (``feeds``, ``press``):
        ``name=url`` texts (unchecked) or mappings; entries without a name and an http(s) URL are skipped."""
        out: list[tuple[str, str, bool, str]] = []
        for entry in self.identifiers.get(platform, ()):
            if isinstance(entry, str):
                name, _, url = entry.partition("=")
                entry = {"name": name, "url": url}
            name, url = str(entry.get("name", "")).strip(), str(entry.get("url", "")).strip()
            if re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,59}", name) and re.fullmatch(r"https?://\S+", url):
                what = str(entry.get("what") or f"{platform} feed {name}")
                out.append((name, url, bool(entry.get("verified", False)), what))
        return out

    def names(self) -> tuple[str, ...]:
        """The id, the name and the aliases."""
        return (self.id, self.name, *self.aliases)

    def data(self) -> dict[str, Any]:
        """A plain, JSON-ready copy (what the store and ``--json`` keep)."""
        out = self.model_dump(mode="json")
        out["identifiers"] = {k: list(v) for k, v in self.identifiers.items()}
        return out


PLATFORMS: tuple[str, ...] = (
    "mentions", "hn_links", "trustpilot", "news", "press", "feeds", "github", "greenhouse", "lever",
    "ashby", "smartrecruiters", "personio", "recruitee", "workable",
)  # fmt: skip


def key(name: str) -> str:
    """Lower case, no accents, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", plain.casefold())


class Roster:
    """A set of competitor records and the index of their names."""

    def __init__(self, records: Iterable[CompetitorRecord]) -> None:
        self.records: dict[str, CompetitorRecord] = {r.id: r for r in records}
        self.index: dict[str, str] = {}
        for record in self.records.values():  # ids first: an id always wins over another's alias
            self.index[key(record.id)] = record.id
        for record in self.records.values():
            for name in (record.name, *record.aliases):
                if key(name):
                    self.index.setdefault(key(name), record.id)


@lru_cache(maxsize=1)
def default_records() -> tuple[CompetitorRecord, ...]:
    """The competitors shipped with veille (``kb/data/competitors.yaml``)."""
    text = resources.files("veille.kb").joinpath("data/competitors.yaml").read_text(encoding="utf-8")
    return tuple(CompetitorRecord.model_validate(item) for item in yaml.safe_load(text)["competitors"])


_lock = threading.Lock()
_installed: Roster | None = None
_generation = 0


def install(records: Iterable[CompetitorRecord] | None) -> None:
    """Make ``records`` the competitors veille knows (None: back to the shipped ones)."""
    global _installed, _generation
    roster = Roster(records) if records is not None else None
    current = _installed
    if (
        roster is not None
        and current is not None
        and list(roster.records.values()) == list(current.records.values())
    ):
        return  # the same records: caches built from them stay good
    with _lock:
        _installed = roster
        _generation += 1


@lru_cache(maxsize=1)
def _default_roster() -> Roster:
    return Roster(default_records())


def roster() -> Roster:
    """The installed records (the shipped ones while no workspace installed its own)."""
    return _installed if _installed is not None else _default_roster()


def generation() -> int:
    """A number that changes each time records are installed (for caches built from them)."""
    return _generation


def competitor_ids() -> tuple[str, ...]:
    """Every known competitor id, retired ones included, in record order."""
    return tuple(roster().records)


def watched() -> tuple[CompetitorRecord, ...]:
    """The competitors being watched: every record that is not retired."""
    return tuple(r for r in roster().records.values() if not r.retired)


def record(competitor_id: str) -> CompetitorRecord | None:
    return roster().records.get(competitor_id)


def aliases(competitor_id: str) -> tuple[str, ...]:
    """The names besides the id that texts use for ``competitor_id`` (its name and aliases)."""
    found = record(competitor_id)
    if found is None:
        return ()
    return tuple(dict.fromkeys((found.name, *found.aliases)))


def identifiers(platform: str) -> Mapping[str, tuple[Any, ...]]:
    """Competitor id -> its identifiers on ``platform``, for every watched competitor that has some."""
    return {r.id: r.identifiers[platform] for r in watched() if r.identifiers.get(platform)}


def find_competitor(name: str) -> str | None:
    """The id for ``name`` (an id, a name or an alias), or None when nobody is called that."""
    found = key(name)
    if not found:
        return None
    return roster().index.get(found)


def resolve_competitor(name: str) -> str:
    """The stable id for ``name`` (an id, a name or an alias); NotFoundError when unknown."""
    found = find_competitor(name)
    if found is None:
        known = ", ".join(competitor_ids())
        raise NotFoundError(f"unknown competitor {name!r} (known: {known})")
    return found


def is_competitor_id(value: str) -> bool:
    return value in roster().records


_GENERIC_ALIASES = frozenset({"do", "online", "vast", "amazon", "google", "microsoft"})


def competitor_names(competitor: str) -> tuple[str, ...]:
    """The names a text uses for ``competitor``: its id and its aliases, save those that are also
    common words ("DO", "Online", "Vast", "Google")."""
    names = (a for a in aliases(competitor) if a.lower() not in _GENERIC_ALIASES)
    return (competitor, *names)
