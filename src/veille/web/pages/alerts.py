"""Alerts (the outbox) and the rules that raise them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from veille.act import rules
from veille.errors import NotFoundError
from veille.events import EVENT_KINDS as ALL_KINDS
from veille.store.models import AlertRule
from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.data import events
from veille.web.data.paging import RowId
from veille.web.deps import PageEditor, PageViewer, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back, safe_next
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)
EVENT_KINDS = list(ALL_KINDS)
NextPage = Annotated[str, Form(max_length=300)]
"""The page a form came from, to go back to (a local path only: ``safe_next``)."""


@router.get("/alerts")
def alerts(
    request: Request,
    user: PageViewer,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    open: bool = False,
) -> Response:
    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
        page = events.alerts_page(session, open_only=open, limit=30, cursor=cursor)
        context = {
            "alerts": page.items,
            "next_cursor": page.next_cursor,
            "open_only": open,
            "counts": events.alert_counts(session),
            "rules": events.rules(session),
            "channels": events.channels(session),
            "kinds": EVENT_KINDS,
            "modes": rules.MODES,
            "impacts": rules.IMPACT_ORDER[2:],
            "competitors": analysis_doc.competitors(kb),
            "names": analysis_doc.names(kb),
        }
    return render(request, "alerts.html", context)


def _split(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v.strip()]


def _conditions(min_change_pct: str, min_impact: str, min_failures: str) -> dict[str, str]:
    """The form's thresholds that were filled in (checked by the rule's schema, not here)."""
    given = {
        "min_change_pct": min_change_pct.strip(),
        "min_impact": min_impact.strip(),
        "min_consecutive_failures": min_failures.strip(),
    }
    return {k: v for k, v in given.items() if v}


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert(request: Request, alert_id: RowId, user: PageEditor, next: NextPage = "") -> Response:
    """Acknowledge one alert (editors): it leaves the open alerts."""
    with db(request) as session:
        if events.alert(session, alert_id) is None:
            raise NotFoundError(f"no alert {alert_id}")
        events.acknowledge(session, [alert_id], user.name)
    return back(request, safe_next(next, "/alerts"), "acknowledged")


@router.post("/alerts/acknowledge")
def acknowledge_all(request: Request, user: PageEditor, next: NextPage = "") -> Response:
    """Acknowledge every open alert (editors)."""
    with db(request) as session:
        events.acknowledge(session, None, user.name)
    return back(request, safe_next(next, "/alerts"), "acknowledged")


@router.post("/alerts/rules")
def add_rule(
    request: Request,
    user: PageEditor,
    name: Annotated[str, Form(min_length=1, max_length=120)],
    kinds: Annotated[list[str], Form()] = [],  # noqa: B006
    competitors: Annotated[list[str], Form()] = [],  # noqa: B006
    min_importance: Annotated[str, Form(max_length=20)] = "low",
    channels: Annotated[list[str], Form()] = [],  # noqa: B006
    mode: Annotated[str, Form(max_length=20)] = "immediate",
    min_change_pct: Annotated[str, Form(max_length=40)] = "",
    min_impact: Annotated[str, Form(max_length=20)] = "",
    min_consecutive_failures: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Add a rule through the same schema as the command line and the API (a bad field: an error page)."""
    data = {
        "name": name,
        "kinds": _split(kinds),
        "competitors": _split(competitors),
        "min_importance": min_importance,
        "conditions": _conditions(min_change_pct, min_impact, min_consecutive_failures),
        "channels": _split(channels),
        "mode": mode,
    }
    with db(request) as session:
        rules.save_rule(session, rules.validate_rule(session, data), replace=False)
    return back(request, "/alerts")


@router.post("/alerts/rules/{rule_id}/enabled")
def toggle_rule(
    request: Request, rule_id: RowId, user: PageEditor, enabled: Annotated[bool, Form()]
) -> Response:
    with db(request) as session:
        rule = session.get(AlertRule, rule_id)
        if rule is None:
            raise NotFoundError(f"no rule {rule_id}")
        rule.enabled = enabled
    return back(request, "/alerts")


@router.post("/alerts/rules/{rule_id}/delete")
def delete_rule(request: Request, rule_id: RowId, user: PageEditor) -> Response:
    with db(request) as session:
        rule = session.get(AlertRule, rule_id)
        if rule is None:
            raise NotFoundError(f"no rule {rule_id}")
        session.delete(rule)
    return back(request, "/alerts", "deleted")
