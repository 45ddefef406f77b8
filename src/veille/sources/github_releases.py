"""GitHub release feeds of the providers' CLIs and Terraform providers (parser ``github.releases``).

``https://github.com/<owner>/<repo>/releases.atom`` (standard GitHub Atom, no auth): one entry per
release, ``id`` ``tag:github.com,2008:Repository/<n>/<tag>``, the release notes as HTML content.
A new CLI or provider release is a dated, precise feature signal (new resources, regions, GPU types).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from veille.analysis.tagging import tag_item
from veille.errors import ParseError
from veille.observations import FeedItem, Observation
from veille.sources._feedparse import guarded, html_to_text, parse_feed
from veille.sources._registry import ParseContext, parser
from veille.sources.feeds import entry_id, newest

PID = "github.releases"
SUMMARY_LIMIT = 1500


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


# (competitor, owner/repo)
REPOSITORIES: tuple[tuple[str, str], ...] = (
    ("scaleway", "scaleway/scaleway-cli"),
    ("scaleway", "scaleway/terraform-provider-scaleway"),
    ("hetzner", "hetznercloud/cli"),
    ("hetzner", "hetznercloud/terraform-provider-hcloud"),
    ("digitalocean", "digitalocean/doctl"),
    ("digitalocean", "digitalocean/terraform-provider-digitalocean"),
    ("ovhcloud", "ovh/terraform-provider-ovh"),
    ("vultr", "vultr/vultr-cli"),
    ("vultr", "vultr/terraform-provider-vultr"),
    ("runpod", "runpod/runpodctl"),
)
