"""The application factory: ``create_app(workspace)`` builds the dashboard and the REST API."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from veille import __version__
from veille.auth import Principal
from veille.runtime import collect_less
from veille.settings import Settings
from veille.store.changes import DataVersion
from veille.web import errors, health
from veille.web.cache import ResponseCache
from veille.web.deps import PrincipalCache, any_user
from veille.web.limits import BodyLimit, ClientLimit
from veille.web.security import LoginLimiter, SecurityHeaders, Sessions, SignedOut, secret_key
from veille.workspace import Workspace

STATIC = Path(__file__).with_name("static")

API_DESCRIPTION = """The REST API of veille: the competitive analysis, live offers and prices, positioning,
events, incidents, alerts, sources, reports and notes.

Every route needs an API token (`veille users token NAME`) sent as `Authorization: Bearer TOKEN`.
Viewers read; editors and admins also write. Errors are `application/problem+json` (RFC 9457).
Lists are paginated: pass the `next_cursor` of a page as `cursor` to get the next one."""


def create_app_from_env() -> FastAPI:
    """The app of the workspace named by the environment (``VEILLE_HOME``...): uvicorn's factory for workers."""
    from veille.web.serving import configure

    collect_less()
    workspace = Workspace()
    configure(workspace.settings)
    return create_app(workspace, warm=True)


def warm_up() -> None:
    """Load, once per process, what the first page would otherwise wait for (about a second in all):
    the source registry (every parser module), the bundled ECB rates and the compiled templates."""
    from veille.sources import sources
    from veille.store.fx import bundled_quote
    from veille.web.i18n import LOCALES
    from veille.web.templating import TEMPLATES, environment

    sources()
    bundled_quote("USD", date.today())
    for locale in LOCALES:
        for template in TEMPLATES.glob("*.html"):
            environment(locale).get_template(template.name)


@asynccontextmanager
async def _warming(app: FastAPI) -> AsyncIterator[None]:
    threading.Thread(target=warm_up, name="veille-warm-up", daemon=True).start()
    yield


def create_app(workspace: Workspace, *, warm: bool = False) -> FastAPI:
    """The dashboard and API of ``workspace`` (which must be initialised).

    ``warm``: when the server starts, load in the background what the first requests would wait for.
    """
    from veille.web.api import router as api_router
    from veille.web.pages import router as pages_router

    app = FastAPI(
        title="veille API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url=None,  # served below, to signed-in users and token holders only
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=_warming if warm else None,
    )
    store = workspace.store
    app.state.workspace = workspace
    app.state.settings = workspace.settings
    app.state.store = store
    configured = workspace.settings.secret_key.get_secret_value() if workspace.settings.secret_key else None
    version = DataVersion(store.engine)
    app.state.sessions = Sessions(secret_key(store, configured), SignedOut(store, version))
    app.state.principals = PrincipalCache(version)
    app.state.limiter = LoginLimiter()
    app.state.responses = ResponseCache(version, workspace.settings.web_cache_mb * 1024 * 1024)
    errors.install(app)
    _limit(app, workspace.settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(health.router)
    app.include_router(api_router)
    app.include_router(pages_router)
    app.add_api_route("/openapi.json", _openapi, include_in_schema=False)
    return app


def _limit(app: FastAPI, settings: Settings) -> None:
    """The middleware, outermost last: headers on every answer, then per-client and body limits."""
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        import_bytes=settings.max_import_bytes,
        timeout=settings.web_body_timeout,
    )
    app.add_middleware(ClientLimit, limit=settings.web_requests_per_client)
    app.add_middleware(SecurityHeaders)


def _openapi(request: Request, user: Annotated[Principal, Depends(any_user)]) -> JSONResponse:
    """The OpenAPI document, for a signed-in user or a token holder (401 otherwise)."""
    return JSONResponse(request.app.openapi())
