"""Adding, editing and retiring competitor records on the dashboard (editors; forms carry the CSRF token).

Every change is a revision of the record (who: the signed-in editor; why: the form's message), the
same as ``veille competitors``; the edit page shows that history and the competitor's sources with
their health.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from veille.kb import competitors as records
from veille.kb.ids import PLATFORMS
from veille.web.cache import CachedRoute
from veille.web.data import sources
from veille.web.deps import PageEditor, db
from veille.web.pages._util import back
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)
TIERS = ("direct", "gpu", "hyperscaler", "low_cost", "other", "self")
THREATS = ("high", "medium", "low")

LongText = Annotated[str, Form(max_length=20_000)]


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


def _identifiers(text: str) -> dict[str, list[str]]:
    """``platform=value`` lines (repeatable), as record identifiers."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        platform, sep, value = line.strip().partition("=")
        if sep and platform.strip() and value.strip():
            out.setdefault(platform.strip(), []).append(value.strip())
    return out


class RecordForm(BaseModel):
    """A competitor record's fields as the add and edit forms post them (the CSRF field is read apart)."""

    name: str = Field(max_length=300)
    country: str = Field("", max_length=300)
    website: str = Field("", max_length=300)
    domains: str = Field("", max_length=20_000)
    tier: str = Field("other", max_length=300)
    threat: str = Field("", max_length=300)
    segment: str = Field("", max_length=300)
    aliases: str = Field("", max_length=20_000)
    identifiers: str = Field("", max_length=20_000)
    message: str = Field("", max_length=20_000)

    def fields(self) -> dict[str, Any]:
        """The record's fields, cleaned (empty text is no value)."""
        return {
            "name": self.name.strip(),
            "country": self.country.strip().upper() or None,
            "website": self.website.strip() or None,
            "domains": _lines(self.domains),
            "tier": self.tier,
            "threat": self.threat or None,
            "segment": self.segment.strip() or None,
            "aliases": [a.strip() for a in self.aliases.splitlines() if a.strip()],
            "identifiers": _identifiers(self.identifiers),
        }


def _form(request: Request, record: dict[str, Any] | None, **more: Any) -> Response:
    context = {"r": record or {}, "tiers": TIERS, "threats": THREATS, "platforms": PLATFORMS, **more}
    return render(request, "competitor_edit.html", context)


@router.get("/competitors/new")
def new_form(request: Request, user: PageEditor) -> Response:
    return _form(request, None, history=[], health=[])


@router.post("/competitors/new")
def create(
    request: Request,
    user: PageEditor,
    competitor_id: Annotated[str, Form(alias="id", max_length=40)],
    form: Annotated[RecordForm, Form()],
) -> Response:
    with db(request) as session:
        record = records.add(session, {"id": competitor_id.strip(), **form.fields()}, user.name, form.message)
    records.sync(request.app.state.store)
    return back(request, f"/competitors/{record.id}")


@router.get("/competitors/{competitor_id}/edit")
def edit_form(request: Request, competitor_id: str, user: PageEditor) -> Response:
    records.sync(request.app.state.store)  # a change made from the command line shows at once
    with db(request) as session:
        record = records.get(session, competitor_id)
        history = records.history(session, competitor_id)
        health = [
            v for v in sources.views(session, request.app.state.settings) if v.competitor == competitor_id
        ]
    return _form(request, record.data(), history=history, health=health)


@router.post("/competitors/{competitor_id}/edit")
def update(
    request: Request, competitor_id: str, user: PageEditor, form: Annotated[RecordForm, Form()]
) -> Response:
    with db(request) as session:
        changed = records.edit(session, competitor_id, form.fields(), user.name, form.message)
    records.sync(request.app.state.store)
    return back(request, f"/competitors/{competitor_id}", "saved" if changed else "unchanged")


@router.post("/competitors/{competitor_id}/retire")
def retire(request: Request, competitor_id: str, user: PageEditor, message: LongText = "") -> Response:
    with db(request) as session:
        records.retire(session, competitor_id, user.name, message)
    records.sync(request.app.state.store)
    return RedirectResponse(f"/competitors/{competitor_id}/edit?done=retired", status_code=303)


@router.post("/competitors/{competitor_id}/restore")
def restore(request: Request, competitor_id: str, user: PageEditor, message: LongText = "") -> Response:
    with db(request) as session:
        records.edit(session, competitor_id, {"retired": False}, user.name, message)
    records.sync(request.app.state.store)
    return RedirectResponse(f"/competitors/{competitor_id}/edit?done=restored", status_code=303)
