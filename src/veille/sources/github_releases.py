"""GitHub release feeds of the providers' CLIs and Terraform providers (parser ``github.releases``).

``https://github.com/<owner>/<repo>/releases.atom`` (standard GitHub Atom, no auth): one entry per
release, ``id`` ``tag:github.com,2008:Repository/<n>/<tag>``, the release notes as HTML content.
A new CLI or provider release is a dated, precise feature signal (new resources, regions, GPU types).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from veille.errors import ParseError
from veille.kb.ids import CompetitorRecord
from veille.normalise.tagging import tag_item
from veille.observations import FeedItem, Observation
from veille.sources._feedparse import guarded, html_to_text, parse_feed
from veille.sources._registry import ParseContext, SourceSpec, parser
from veille.sources.feeds import entry_id, newest

PID = "github.releases"
SUMMARY_LIMIT = 1500
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}/[A-Za-z0-9_.-]{1,100}")


def repo_of(url: str) -> str | None:
    """``owner/repo`` of a ``github.com/owner/repo/...`` URL."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return f"{parts[0]}/{parts[1]}" if len(parts) >= 2 else None


@parser(PID, reads="GitHub https://github.com/<owner>/<repo>/releases.atom")
@guarded(PID)
def parse_releases(body: bytes, ctx: ParseContext) -> list[Observation]:
    feed = parse_feed(body, PID, ctx.url)
    if feed.kind != "atom":
        raise ParseError(PID, f"GitHub release feeds are Atom, got {feed.kind}")
    repo = repo_of(ctx.url) or repo_of(feed.link or "")
    out: list[Observation] = []
    for entry in newest(feed.entries):
        notes = html_to_text(entry.content or entry.summary, limit=SUMMARY_LIMIT)
        title = f"{repo} {entry.title}".strip() if repo else entry.title
        out.append(
            FeedItem(
                id=entry_id(entry),
                title=title,
                url=entry.link,
                published_at=entry.updated or entry.published,
                tags=tag_item(entry.title, notes),
                summary=notes,
                competitor=ctx.competitor,
            )
        )
    return out


def release_feed(competitor: str, repo: str) -> SourceSpec:
    """The release feed of one ``owner/repo``."""
    return SourceSpec(
        id=f"{competitor}.releases.{repo.split('/')[1]}",
        competitor=competitor,
        kind="changelog",
        parser=PID,
        url=f"https://github.com/{repo}/releases.atom",
        cadence=timedelta(hours=6),
        description=f"GitHub releases of {repo}",
    )


def for_competitor(record: CompetitorRecord) -> list[SourceSpec]:
    """The release feeds of a competitor's repositories (identifier ``github``: ``owner/repo``)."""
    repos = (str(r) for r in record.identifiers.get("github", ()))
    return [release_feed(record.id, repo) for repo in repos if _REPO.fullmatch(repo)]
