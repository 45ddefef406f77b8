"""The assistant interface: an MCP server whose read-only tools answer from the workspace.

An assistant (any MCP client) asks for the positioning table, events, a competitor's battlecard or a search
over feed items and mentions. The server acts for the owner of one API token, with a viewer's rights: the
token is checked when it starts and again on every call, so a revoked token stops answering at once.
Over streamable HTTP every request must carry a valid token (``Authorization: Bearer TOKEN``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from veille.auth import Principal, user_for_token
from veille.errors import ConfigError, VeilleError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from sqlalchemy.orm import Session

    from veille.kb.schema import Lang
    from veille.workspace import Workspace

MAX_LIMIT = 500
SNIPPET = 280
READ_ROLE = "viewer"

INSTRUCTIONS = (
    "veille watches VMCloud's competitors (cloud providers): prices, offers, incidents, features, funding, "
    "hiring, mentions. Every tool is read-only. Prices are EUR per month unless a row says otherwise."
)


def principal_for(ws: Workspace, token: str | None) -> Principal:
    """The owner of ``token`` if it is a valid API token with at least a viewer's rights; ConfigError else."""
    if not token or not token.strip():
        raise ConfigError(
            "veille mcp needs an API token: set VEILLE_MCP_TOKEN or pass --token-file "
            "(create one with `veille users token NAME`)"
        )
    with ws.store.session() as session:
        who = user_for_token(session, token.strip())
    if who is None or not who.can(READ_ROLE):
        raise ConfigError("the API token is not valid: create one with `veille users token NAME`")
    return who


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def find_events(
    session: Session,
    kind: list[str] | None = None,
    competitor: str | None = None,
    since: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Events newest first, in the shape of ``veille events --json``."""
    from sqlalchemy import select

    from veille.events import known_kinds
    from veille.kb.ids import resolve_competitor
    from veille.normalise.dates import parse_when
    from veille.store.events import event_dict
    from veille.store.models import EventRow

    query = select(EventRow).order_by(EventRow.detected_at.desc(), EventRow.id.desc())
    if kind:
        query = query.where(EventRow.kind.in_(known_kinds(kind)))
    if competitor:
        query = query.where(EventRow.competitor == resolve_competitor(competitor))
    if since:
        query = query.where(EventRow.detected_at >= parse_when(since))
    return [event_dict(r) for r in session.scalars(query.limit(_clamp(limit)))]


def _snippet(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def search_text(session: Session, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Feed items and mentions whose title or text contains ``text`` (case-insensitive), newest first."""
    from sqlalchemy import or_, select

    from veille.store.models import FeedItemRow, MentionRow

    words = text.strip()
    if not words:
        raise VeilleError("search needs some text")
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cap = _clamp(limit)

    def like(column: Any) -> Any:
        return column.ilike(pattern, escape="\\")

    items = session.scalars(
        select(FeedItemRow)
        .where(or_(like(FeedItemRow.title), like(FeedItemRow.summary)))
        .order_by(FeedItemRow.first_seen_at.desc())
        .limit(cap)
    )
    mentions = session.scalars(
        select(MentionRow)
        .where(or_(like(MentionRow.title), like(MentionRow.text)))
        .order_by(MentionRow.first_seen_at.desc())
        .limit(cap)
    )
    found = [
        {
            "type": "item",
            "id": r.id,
            "source_id": r.source_id,
            "competitor": r.competitor,
            "title": r.title,
            "url": r.url,
            "when": _when(r.published_at or r.first_seen_at),
            "tags": list(r.tags or []),
            "snippet": _snippet(r.summary),
        }
        for r in items
    ] + [
        {
            "type": "mention",
            "id": r.id,
            "source_id": r.platform,
            "competitor": r.competitor,
            "title": r.title,
            "url": r.url,
            "when": _when(r.created_at or r.first_seen_at),
            "tags": [],
            "snippet": _snippet(r.text),
        }
        for r in mentions
    ]
    found.sort(key=lambda row: row["when"] or "", reverse=True)
    return found[:cap]


def battlecard_markdown(session: Session, competitor: str, lang: Lang = "fr") -> str:
    """The Markdown of ``veille report battlecard --competitor ID``; records nothing."""
    from veille import reports
    from veille.kb.ids import resolve_competitor

    if lang not in ("fr", "en"):
        raise VeilleError(f"unknown language {lang!r}: fr or en")
    now = datetime.now(UTC)
    doc = reports.produce(
        session, "battlecard", lang, "md", now, resolve_competitor(competitor), edition=False
    )
    return doc.content.decode()


def positioning_table(session: Session, at: str | None = None) -> dict[str, Any]:
    """The document of ``veille positioning --json`` (optionally as it stood at ``at``)."""
    from veille.analysis.positioning import positioning
    from veille.normalise.dates import parse_when

    return positioning(session, at=parse_when(at) if at else None)


def build_server(ws: Workspace, token: str) -> MCPServer[Any]:
    """The MCP server over workspace ``ws``, answering for the owner of ``token`` (checked on every call)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp_types import ToolAnnotations

    from veille import __version__

    server: MCPServer[Any] = MCPServer("veille", version=__version__, instructions=INSTRUCTIONS)
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)

    @contextmanager
    def reading() -> Iterator[Session]:
        """A session for one call, after checking the token still stands; veille's errors become tool errors."""
        try:
            principal_for(ws, token)
            with ws.store.session() as session:
                yield session
        except VeilleError as exc:
            raise ToolError(str(exc)) from None

    @server.tool(annotations=read_only)
    def positioning(at: str | None = None) -> dict[str, Any]:
        """Reference products against every competitor's cheapest matching offer, EUR/month.
        ``at``: an ISO date to see the table as it stood then."""
        with reading() as session:
            return positioning_table(session, at)

    @server.tool(annotations=read_only)
    def events(
        kind: list[str] | None = None,
        competitor: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Detected events newest first (price_change, offer_added, incident, feature, funding, hiring...).
        Filters: kinds, a competitor id or name, detected on or after an ISO date ``since``; limit 1-500."""
        with reading() as session:
            return find_events(session, kind, competitor, since, limit)

    @server.tool(annotations=read_only)
    def battlecard(competitor: str, lang: Literal["fr", "en"] = "fr") -> str:
        """One competitor's battlecard in Markdown: strategy, live price gaps, incidents, ratings, where we win."""
        with reading() as session:
            return battlecard_markdown(session, competitor, lang)

    @server.tool(annotations=read_only)
    def search(text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Feed items (blogs, changelogs, news) and mentions whose title or text contains ``text``."""
        with reading() as session:
            return search_text(session, text, limit)

    return server


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def bearer_guard(ws: Workspace, app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so every HTTP request needs a valid API token (401 otherwise)."""
    import anyio.to_thread
    from starlette.responses import JSONResponse

    def valid(token: str) -> bool:
        try:
            principal_for(ws, token)
        except ConfigError:
            return False
        return True

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            header = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not await anyio.to_thread.run_sync(valid, token):
                response = JSONResponse(
                    {"error": "A valid API token is required."},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded


def serve_http(ws: Workspace, token: str, host: str, port: int) -> None:
    """Serve the tools over streamable HTTP at ``/mcp``; each request needs a valid bearer token."""
    import uvicorn

    app = build_server(ws, token).streamable_http_app(host=host)
    uvicorn.run(bearer_guard(ws, app), host=host, port=port, log_level="warning", server_header=False)


def serve_stdio(ws: Workspace, token: str) -> None:
    """Serve the tools over stdin/stdout (the assistant starts ``veille mcp`` itself)."""
    build_server(ws, token).run("stdio")
