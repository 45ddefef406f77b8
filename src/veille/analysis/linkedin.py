"""LinkedIn posts as notes on a competitor: hiring and strategy signals, from files people give veille.

LinkedIn has no public API for company posts or people's moves, and its terms forbid scraping, so
veille never fetches LinkedIn. What it reads instead:

- LinkedIn's own data export ("Get a copy of your data"): ``Shares.csv``, with the columns ``Date``,
  ``ShareLink``, ``ShareCommentary``, ``SharedUrl``, ``MediaUrl``, ``Visibility`` (one row per post;
  texts may span lines);
- pasted posts: plain text, posts separated by a line holding only ``---``.

Each post becomes a ``strategy`` note on the competitor, tagged ``hiring`` when it speaks of recruiting
(``data.signal``), with ``data.source = "linkedin"``. A post imported before (same link, else same
text) is skipped, so importing a newer export again adds only the new posts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import ValidationError
from veille.store.models import Note

MAX_BYTES = 16 * 1024 * 1024
EXPORT_COLUMNS = ("Date", "ShareLink", "ShareCommentary")
_HIRING = re.compile(
    r"\b(hiring|we'?re hiring|join (?:our|the) team|open (?:role|position)s?|job opening|recruit\w*|"
    r"recrut\w*|rejoignez|poste à pourvoir|nous cherchons|wir suchen|stellenangebot|careers?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Post:
    text: str
    posted_on: str | None = None  # YYYY-MM-DD
    link: str | None = None

    @property
    def key(self) -> str:
        return self.link or "sha1:" + hashlib.sha1(" ".join(self.text.split()).encode()).hexdigest()

    @property
    def signal(self) -> str:
        return "hiring" if _HIRING.search(self.text) else "strategy"


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise ValidationError(f"the file is over {MAX_BYTES // (1024 * 1024)} MB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("the file is not UTF-8 text (LinkedIn's export is)") from None


def _day(value: str) -> str | None:
    try:
        return datetime.fromisoformat(value.strip()).date().isoformat()
    except ValueError:
        return None


def read_export(text: str) -> list[Post]:
    """The posts of a ``Shares.csv`` of LinkedIn's data export; ValidationError naming the row."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in EXPORT_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValidationError(f"not LinkedIn's Shares.csv: no column {', '.join(missing)}")
    posts = []
    try:
        for row in reader:
            body = (row.get("ShareCommentary") or "").strip()
            if body:
                link = (row.get("ShareLink") or "").strip()
                link = link if link.startswith("https://www.linkedin.com/") else None
                posts.append(Post(body[:20000], _day(row.get("Date") or ""), link))
    except csv.Error as exc:
        raise ValidationError(f"line {reader.line_num}: {exc}") from None
    return posts


def read_pasted(text: str) -> list[Post]:
    """Posts pasted as text, separated by lines of ``---``."""
    blocks = re.split(r"(?m)^\s*---\s*$", text)
    return [Post(block.strip()[:20000]) for block in blocks if block.strip()]


def read_file(raw: bytes) -> list[Post]:
    """A ``Shares.csv`` when its header says so, else pasted text."""
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    return read_export(text) if all(c in first for c in EXPORT_COLUMNS) else read_pasted(text)


def import_posts(session: Session, posts: list[Post], competitor: str, author: str) -> tuple[int, int]:
    """Store each post not imported before as a note on ``competitor``; (added, already there)."""
    query = select(Note.data).where(Note.competitor == competitor, Note.kind == "strategy")
    known = {
        d.get("key") for d in session.scalars(query) if isinstance(d, dict) and d.get("source") == "linkedin"
    }
    added = 0
    for post in posts:
        if post.key in known:
            continue
        known.add(post.key)
        first = " ".join(post.text.split())
        session.add(
            Note(
                kind="strategy",
                competitor=competitor,
                title=f"LinkedIn ({post.signal}): {first[:160]}",
                body=post.text,
                happened_on=post.posted_on,
                author=author[:120],
                created_at=datetime.now(UTC),
                data={"source": "linkedin", "signal": post.signal, "key": post.key, "url": post.link},
            )
        )
        added += 1
    session.flush()
    return added, len(posts) - added
