"""Read routes: competitors, knowledge base export, offers, price history, positioning, claims, events,
incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from veille.errors import NotFoundError
from veille.web import analysis_doc
from veille.web.api import convert
from veille.web.api import models as m
from veille.web.cache import CachedRoute
from veille.web.data import events, offers, signals
from veille.web.data import positioning as pos
from veille.web.deps import ApiViewer, db

router = APIRouter(route_class=CachedRoute)
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=200, description="The `next_cursor` of the previous page.")]
Id = Annotated[str, Query(max_length=200)]
LangQ = Annotated[m.Lang, Query(description="Language of the texts.")]


@router.get("/me", response_model=m.Me, tags=["account"])
def me(user: ApiViewer) -> m.Me:
    """The token's user."""
    return m.Me(name=user.name, role=user.role)


@router.get("/competitors", response_model=list[m.Competitor], tags=["competitors"])
def list_competitors(request: Request, user: ApiViewer, lang: LangQ = "fr") -> list[dict[str, Any]]:
    """Every competitor of the knowledge base (``vmcloud`` is ourselves)."""
    with db(request) as session:
        kb = analysis_doc.current(session, lang)
    return [
        {k: c.get(k) for k in ("id", "name", "country", "tier", "threat", "threat_reason")}
        | {"name": c.get("name") or c["id"]}
        for c in analysis_doc.competitors(kb)
    ]


@router.get("/competitors/{competitor_id}", response_model=m.CompetitorDetail, tags=["competitors"])
def get_competitor(
    request: Request, competitor_id: str, user: ApiViewer, lang: LangQ = "fr"
) -> dict[str, Any]:
    """One competitor: profile, strengths, weaknesses, strategy, key message, matrix scores."""
    with db(request) as session:
        kb = analysis_doc.current(session, lang)
        c = dict(analysis_doc.competitor(kb, competitor_id))
        live = offers.live_counts(session).get(competitor_id, 0)
    scores = ((kb.get("matrix") or {}).get("scores") or {}).get(competitor_id) or {}
    c["name"] = c.get("name") or c["id"]
    c["profile"] = c.get("profile") or {}
    for key in ("strengths", "weaknesses", "our_advantages"):
        c[key] = [str(x) for x in c.get(key) or []]
    return c | {"live_offers": live, "matrix": scores}


@router.get("/kb", tags=["knowledge base"])
def export_kb(request: Request, user: ApiViewer, lang: LangQ = "fr") -> dict[str, Any]:
    """The knowledge base in the export shape of ``veille kb export --format json --lang LANG``."""
    with db(request) as session:
        kb = analysis_doc.current(session, lang)
    if not kb:
        raise NotFoundError("no knowledge base is loaded: run `veille init` or import one")
    return kb


@router.get("/offers", response_model=m.OfferPage, tags=["offers"])
def list_offers(
    request: Request,
    user: ApiViewer,
    competitor: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(max_length=20)] = None,
    current: bool = True,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> m.OfferPage:
    """Offers (only the current versions unless ``current=false``), newest first; ``monthly_eur`` at the
    ECB rate of today for a current version, of its first day for a closed one (``fx_rate``, ``fx_date``)."""
    with db(request) as session:
        page = offers.page(
            session, competitor=competitor, category=category, current=current, limit=limit, cursor=cursor
        )
        items = [convert.offer(r) for r in offers.in_eur(session, page.items)]
        return m.OfferPage(items=items, next_cursor=page.next_cursor)


@router.get("/offers/history", response_model=m.PriceHistory, tags=["offers"])
def price_history(
    request: Request,
    user: ApiViewer,
    competitor: Annotated[str, Query(max_length=40)],
    sku: Id,
    region: Annotated[str | None, Query(max_length=80)] = None,
    limit: Limit = 200,
    cursor: Cursor = None,
) -> m.PriceHistory:
    """The price history of one offer (every version), newest first; each ``monthly_eur`` at the ECB
    rate of the version's first day (``fx_rate``, ``fx_date``)."""
    with db(request) as session:
        page = offers.history_page(session, competitor, sku, region, limit, cursor)
        items = [convert.version(r) for r in offers.in_eur(session, page.items, history=True)]
    return m.PriceHistory(
        competitor=competitor, sku=sku, region=region, items=items, next_cursor=page.next_cursor
    )


@router.get("/positioning", response_model=m.Positioning, tags=["positioning"])
def positioning(request: Request, user: ApiViewer) -> dict[str, Any]:
    """The price positioning table, as ``veille positioning --json`` prints it."""
    with db(request) as session:
        return pos.table(session)


@router.get("/claims", response_model=list[m.Claim], tags=["claims"])
def list_claims(
    request: Request,
    user: ApiViewer,
    competitor: Annotated[str | None, Query(max_length=40)] = None,
    verdict: Annotated[
        Literal["holds", "contradicted", "weakened", "unverifiable", "stale"] | None, Query()
    ] = None,
    section: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    """The analysis's claims and their latest verdicts, as ``veille claims --json`` prints them."""
    from veille.analysis.claims import stored

    with db(request) as session:
        return stored(session, competitor=competitor, verdict=verdict, section=section)


@router.get("/events", response_model=m.EventPage, tags=["events"])
def list_events(
    request: Request,
    user: ApiViewer,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    competitor: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[datetime | None, Query(description="Detected at or after (ISO 8601).")] = None,
    importance: Annotated[m.Importance | None, Query(description="At least this importance.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> m.EventPage:
    """Detected events, newest first."""
    with db(request) as session:
        page = events.page(
            session,
            kind=kind,
            competitor=competitor,
            since=since,
            importance=importance,
            limit=limit,
            cursor=cursor,
        )
        return m.EventPage(items=[convert.event(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/incidents", response_model=m.IncidentPage, tags=["incidents"])
def list_incidents(
    request: Request,
    user: ApiViewer,
    competitor: Annotated[str | None, Query(max_length=40)] = None,
    open: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> m.IncidentPage:
    """Incidents from the status pages, newest first (``open=true``: unresolved only)."""
    with db(request) as session:
        page = signals.incidents_page(
            session, competitor=competitor, open_only=open, limit=limit, cursor=cursor
        )
        return m.IncidentPage(items=[convert.incident(r) for r in page.items], next_cursor=page.next_cursor)
