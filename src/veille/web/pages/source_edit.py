"""The watch list's write pages (editors only, CSRF): add a source with a preview, edit its cadence and
options, enable or disable it, run it now. The list of sources is ``pages/sources.py``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from veille.errors import NotFoundError, ValidationError
from veille.web import analysis_doc
from veille.web.cache import CachedRoute
from veille.web.deps import PageEditor, db
from veille.web.i18n import request_locale
from veille.web.pages._util import back
from veille.web.templating import render

router = APIRouter(route_class=CachedRoute)

Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=120)]


def _options(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (blank lines ignored) -> a mapping."""
    out: dict[str, str] = {}
    for line in text.splitlines()[:50]:
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"option {line.strip()[:80]!r}: write KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _form_specs(request: Request, form: dict[str, str]) -> list[Any]:
    from veille.kb.ids import resolve_competitor
    from veille.sources import get_source
    from veille.sources.kinds import build
    from veille.sources.watchlist import parse_cadence

    cadence = parse_cadence(form["cadence"]) if form["cadence"].strip() else None
    specs = build(form["kind"], resolve_competitor(form["competitor"]), form["target"], _options(form["options"]),
                  source_id=form["source_id"].strip() or None, cadence=cadence)  # fmt: skip
    for spec in specs:
        try:
            get_source(spec.id)
        except NotFoundError:
            continue
        raise ValidationError(f"source {spec.id} exists already")
    return specs


def _new_page(request: Request, form: dict[str, str], **extra: Any) -> Response:
    from veille.sources.kinds import JOB_PLATFORMS, KINDS

    with db(request) as session:
        kb = analysis_doc.current(session, request_locale(request))
    context = {"form": form, "kinds": list(KINDS), "platforms": list(JOB_PLATFORMS),
               "competitors": analysis_doc.competitors(kb), **extra}  # fmt: skip
    return render(request, "source_new.html", context, status_code=400 if extra.get("error") else 200)


EMPTY = {"kind": "feed", "target": "", "competitor": "", "cadence": "", "options": "", "source_id": ""}


@router.get("/sources/new")
def new_source(request: Request, user: PageEditor) -> Response:
    return _new_page(request, dict(EMPTY))


@router.post("/sources/new")
def add_source(
    request: Request,
    user: PageEditor,
    kind: Short,
    target: Text,
    competitor: Short,
    cadence: Short = "",
    options: Annotated[str, Form(max_length=5000)] = "",
    source_id: Short = "",
    action: Short = "preview",
) -> Response:
    """``action=preview`` fetches and parses once and shows what would be recorded; ``save`` saves."""
    from veille.collect.preview import check_address, preview
    from veille.source_records import install, save

    form = {"kind": kind, "target": target, "competitor": competitor, "cadence": cadence, "options": options,
            "source_id": source_id}  # fmt: skip
    settings = request.app.state.settings
    try:
        specs = _form_specs(request, form)
        if action != "save":
            return _new_page(request, form, previews=preview(specs, settings))
        for spec in specs:
            check_address(spec.url, settings)
    except (ValidationError, NotFoundError) as error:
        return _new_page(request, form, error=str(error))
    with db(request) as session:
        for spec in specs:
            save(session, spec, action="add", author=user.name, message=f"add {kind} {target}"[:500])
            _set_enabled(session, spec.id, True)
        session.flush()
        install(session)
    return back(request, f"/sources/{specs[0].id}/edit", "added")


def _set_enabled(session: Any, source_id: str, enabled: bool) -> None:
    from veille.store.models import SourceState

    state = session.get(SourceState, source_id)
    if state is None:
        session.add(SourceState(source_id=source_id, enabled=enabled, consecutive_failures=0))
    else:
        state.enabled = enabled


def _edit_page(request: Request, source_id: str, **extra: Any) -> Response:
    from veille.source_records import history
    from veille.sources import get_source
    from veille.sources.watchlist import format_cadence
    from veille.store.models import SourceState

    spec = get_source(source_id)
    with db(request) as session:
        state = session.get(SourceState, source_id)
        revisions = list(reversed(history(session, source_id)))[:30]
        names = analysis_doc.names(analysis_doc.current(session, request_locale(request)))
        enabled = (
            state.enabled
            if state and state.enabled is not None
            else spec.enabled_by_default and spec.verified
        )
    context = {
        "s": spec,
        "cadence": format_cadence(spec.cadence),
        "options": "\n".join(f"{k}={v}" for k, v in spec.options.items()),
        "enabled": enabled,
        "revisions": revisions,
        "competitor_name": names.get(spec.competitor or "", spec.competitor),
        **extra,
    }
    return render(request, "source_edit.html", context, status_code=400 if extra.get("error") else 200)


@router.get("/sources/{source_id}/edit")
def edit_source(request: Request, source_id: str, user: PageEditor) -> Response:
    return _edit_page(request, source_id)


@router.post("/sources/{source_id}/edit")
def save_source(
    request: Request,
    source_id: str,
    user: PageEditor,
    cadence: Short,
    options: Annotated[str, Form(max_length=5000)] = "",
    message: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    from veille.source_records import install, save
    from veille.sources import get_source
    from veille.sources.watchlist import entry_of, parse_cadence, spec_from_entry

    spec = get_source(source_id)
    try:
        changed = replace(spec, cadence=parse_cadence(cadence), options=_options(options), origin="workspace")
        spec_from_entry(entry_of(changed))
    except ValidationError as error:
        return _edit_page(request, source_id, error=str(error))
    with db(request) as session:
        save(session, changed, action="edit", author=user.name, message=message or "edit")
        session.flush()
        install(session)
    return back(request, f"/sources/{source_id}/edit", "saved")


@router.post("/sources/{source_id}/switch")
def switch_source(
    request: Request, source_id: str, user: PageEditor, enabled: Annotated[bool, Form()]
) -> Response:
    from veille.source_records import revise
    from veille.sources import get_source

    spec = get_source(source_id)
    settings = request.app.state.settings
    if enabled and spec.credential and not settings.credential(spec.credential):
        return _edit_page(request, source_id, error=f"needs VEILLE_{spec.credential.upper()}")
    action = "enable" if enabled else "disable"
    with db(request) as session:
        _set_enabled(session, source_id, enabled)
        revise(session, source_id, action=action, author=user.name, message=action, entry=None)
    return back(request, f"/sources/{source_id}/edit", "enabled" if enabled else "disabled")


@router.post("/sources/{source_id}/run")
def run_source_now(request: Request, source_id: str, user: PageEditor) -> Response:
    """Run the source once now (as ``veille watch --once --source ID``) and show the result."""
    from veille.collect import run_sources
    from veille.sources import get_source

    spec = get_source(source_id)
    summary = run_sources(request.app.state.workspace, [spec])
    result = summary.results[0] if summary.results else None
    return _edit_page(request, source_id, ran=result)
