"""Alerts and rules, sources, reports, notes, ratings, matrix scores and knowledge-base import."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse

from veille.act import rules
from veille.errors import NotFoundError
from veille.store.models import AlertRule
from veille.web import analysis_doc
from veille.web.api import convert
from veille.web.api import models as m
from veille.web.cache import CachedRoute
from veille.web.data import events, notes, reports, signals, sources
from veille.web.data.paging import RowId
from veille.web.deps import ApiAdmin, ApiEditor, ApiViewer, db

router = APIRouter(route_class=CachedRoute)
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]


def _rule(r: AlertRule) -> m.Rule:
    return m.Rule(
        id=r.id,
        name=r.name,
        kinds=[str(k) for k in r.kinds or []] if isinstance(r.kinds, list) else [],
        competitors=[str(c) for c in r.competitors or []] if isinstance(r.competitors, list) else [],
        min_importance=str(r.min_importance),
        conditions=dict(r.conditions) if isinstance(r.conditions, dict) else {},
        channels=[str(c) for c in r.channels or []] if isinstance(r.channels, list) else [],
        mode=str(r.mode),
        enabled=r.enabled,
        last_error=r.last_error,
        last_error_at=r.last_error_at,
    )


def _invalid(exc: rules.RuleError) -> RequestValidationError:
    """A rule's errors as FastAPI's own: a 422 problem naming each field under ``body``."""
    return RequestValidationError(
        [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": "value_error"} for e in exc.errors]
    )


@router.get("/alerts", response_model=m.AlertPage, tags=["alerts"])
def list_alerts(
    request: Request, user: ApiViewer, open: bool = False, limit: Limit = 50, cursor: Cursor = None
) -> m.AlertPage:
    """Alerts (the outbox), newest first; ``open=true``: only those nobody has acknowledged yet."""
    with db(request) as session:
        page = events.alerts_page(session, open_only=open, limit=limit, cursor=cursor)
        return m.AlertPage(items=[convert.alert(a) for a in page.items], next_cursor=page.next_cursor)


@router.post("/alerts/{alert_id}/acknowledge", response_model=m.AlertOut, tags=["alerts"])
def acknowledge_alert(request: Request, alert_id: RowId, user: ApiEditor) -> m.AlertOut:
    """Acknowledge an alert (editors): it is no longer open. Acknowledging it again changes nothing
    (who and when stay those of the first time); its delivery goes on as before."""
    with db(request) as session:
        events.acknowledge(session, [alert_id], user.name)
        session.flush()
        row = events.alert(session, alert_id)
        if row is None:
            raise NotFoundError(f"no alert {alert_id}")
        return convert.alert(row)


@router.get("/alert-rules", response_model=list[m.Rule], tags=["alerts"])
def list_rules(request: Request, user: ApiViewer) -> list[m.Rule]:
    with db(request) as session:
        return [_rule(r) for r in events.rules(session)]


@router.post("/alert-rules", response_model=m.Rule, status_code=201, tags=["alerts"])
def create_rule(request: Request, user: ApiEditor, rule: m.RuleIn) -> m.Rule:
    """Add a rule; its kinds, competitors, conditions and channels are checked (422 names the field)."""
    with db(request) as session:
        try:
            checked = rules.validate_rule(session, rule.model_dump())
            row = rules.save_rule(session, checked, replace=False)
        except rules.RuleError as exc:
            raise _invalid(exc) from None
        return _rule(row)


@router.patch("/alert-rules/{rule_id}", response_model=m.Rule, tags=["alerts"])
def update_rule(request: Request, rule_id: RowId, user: ApiEditor, patch: m.RulePatch) -> m.Rule:
    with db(request) as session:
        row = session.get(AlertRule, rule_id)
        if row is None:
            raise NotFoundError(f"no rule {rule_id}")
        try:
            rules.update_rule(session, row, patch.model_dump(exclude_none=True))
        except rules.RuleError as exc:
            raise _invalid(exc) from None
        return _rule(row)


@router.delete("/alert-rules/{rule_id}", status_code=204, tags=["alerts"])
def delete_rule(request: Request, rule_id: RowId, user: ApiEditor) -> Response:
    with db(request) as session:
        row = session.get(AlertRule, rule_id)
        if row is None:
            raise NotFoundError(f"no rule {rule_id}")
        session.delete(row)
    return Response(status_code=204)


@router.get("/sources", response_model=list[m.Source], tags=["sources"])
def list_sources(request: Request, user: ApiViewer) -> list[m.Source]:
    """Every source with its state; a credential is only said present or missing."""
    with db(request) as session:
        return [convert.source(v) for v in sources.views(session, request.app.state.settings)]


@router.patch("/sources/{source_id}", response_model=m.Source, tags=["sources"])
def update_source(request: Request, source_id: str, user: ApiAdmin, patch: m.SourcePatch) -> m.Source:
    """Enable or disable a source (admins)."""
    with db(request) as session:
        sources.set_enabled(session, source_id, patch.enabled)
    with db(request) as session:
        view = next(v for v in sources.views(session, request.app.state.settings) if v.id == source_id)
    return convert.source(view)


def _report(f: reports.ReportFile) -> m.Report:
    return m.Report(
        name=f.name, format=f.format, size=f.size, modified=f.modified, url=f"/api/v1/reports/{f.name}"
    )


@router.get("/reports", response_model=list[m.Report], tags=["reports"])
def list_reports(request: Request, user: ApiViewer) -> list[m.Report]:
    return [_report(f) for f in reports.files(request.app.state.workspace)]


@router.post("/reports", response_model=m.Report, status_code=201, tags=["reports"])
def create_report(request: Request, user: ApiEditor, spec: m.ReportIn) -> m.Report:
    """Generate a report into the workspace's reports folder."""
    made = reports.generate(request.app.state.workspace, spec.kind, spec.lang, spec.format, spec.competitor)
    return _report(made)


@router.get(
    "/reports/{name}",
    tags=["reports"],
    response_class=FileResponse,
    responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/pdf": {}}}},
)
def download_report(request: Request, name: str, user: ApiViewer) -> FileResponse:
    path = reports.path_of(request.app.state.workspace, name)
    return FileResponse(
        path, media_type=reports.MEDIA[path.suffix], filename=name, content_disposition_type="attachment"
    )


@router.get("/notes", response_model=m.NotePage, tags=["notes"])
def list_notes(
    request: Request,
    user: ApiViewer,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    competitor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> m.NotePage:
    """Manual intelligence: quarterly reviews, secret-shopping logs, analyst-report notes."""
    with db(request) as session:
        page = notes.page(session, kind=kind, competitor=competitor, limit=limit, cursor=cursor)
        return m.NotePage(items=[convert.note(n) for n in page.items], next_cursor=page.next_cursor)


@router.post("/notes", response_model=m.Note, status_code=201, tags=["notes"])
def create_note(request: Request, user: ApiEditor, note: m.NoteIn) -> m.Note:
    with db(request) as session:
        row = notes.add_note(
            session,
            kind=note.kind,
            competitor=note.competitor,
            title=note.title,
            body=note.body,
            author=user.name,
            score=Decimal(note.score) if note.score is not None else None,
            happened_on=note.happened_on,
            data=note.data,
        )
        return convert.note(row)


@router.delete("/notes/{note_id}", status_code=204, tags=["notes"])
def delete_note(request: Request, note_id: RowId, user: ApiEditor) -> Response:
    with db(request) as session:
        notes.delete_note(session, note_id)
    return Response(status_code=204)


@router.get("/ratings", response_model=m.RatingPage, tags=["notes"])
def list_ratings(
    request: Request,
    user: ApiViewer,
    competitor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> m.RatingPage:
    """Aggregate ratings (G2, Capterra, Trustpilot), scraped or entered by hand, newest first."""
    with db(request) as session:
        page = signals.ratings_page(session, competitor=competitor, limit=limit, cursor=cursor)
        return m.RatingPage(items=[convert.rating(r) for r in page.items], next_cursor=page.next_cursor)


@router.post("/ratings", response_model=m.Rating, status_code=201, tags=["notes"])
def create_rating(request: Request, user: ApiEditor, rating: m.RatingIn) -> m.Rating:
    """Record a G2 or Capterra rating read by hand."""
    with db(request) as session:
        row = notes.add_rating(
            session,
            competitor=rating.competitor,
            platform=rating.platform,
            score=Decimal(rating.score),
            scale=Decimal(rating.scale),
            count=rating.count,
            as_of=rating.as_of,
            url=rating.url,
            author=user.name,
        )
        return convert.rating(row)


@router.put("/matrix/{competitor_id}/{criterion}", response_model=m.ScoreOut, tags=["knowledge base"])
def set_score(
    request: Request, competitor_id: str, criterion: str, user: ApiEditor, score: m.ScoreIn
) -> m.ScoreOut:
    """Set one score of the comparison matrix, with its evidence."""
    with db(request) as session:
        analysis_doc.set_score(
            session, competitor_id, criterion, score.score, score.evidence, score.url or "", user.name
        )
    with db(request) as session:
        found = analysis_doc.evidence(session, competitor_id, criterion)
    return m.ScoreOut(competitor=competitor_id, criterion=criterion, score=score.score, evidence=found)


@router.post("/kb/import", response_model=m.ImportResult, status_code=201, tags=["knowledge base"])
def import_kb(
    request: Request,
    user: ApiEditor,
    document: Annotated[
        dict[str, Any], Body(description="An export document (`veille kb export --format json`).")
    ],
    lang: Annotated[
        m.Lang, Query(description="The language of the texts, unless the document says (`lang`).")
    ] = "fr",
) -> m.ImportResult:
    """Import a knowledge base in the export shape over the current one; a new revision is written."""
    with db(request) as session:
        imported = analysis_doc.import_document(session, document, user.name, lang)
    count = len(document.get("competitors") or [])
    return m.ImportResult(revision=imported.revision, competitors=count, warnings=imported.warnings)
