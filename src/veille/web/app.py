"""The application factory: ``create_app(workspace)`` builds the dashboard and the REST API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from veille import __version__
from veille.store.changes import DataVersion
from veille.web import errors
from veille.web.cache import ResponseCache
from veille.web.security import LoginLimiter, SecurityHeaders, Sessions, secret_key
from veille.workspace import Workspace

STATIC = Path(__file__).with_name("static")

API_DESCRIPTION = """The REST API of veille: the competitive analysis, live offers and prices, positioning,
events, incidents, alerts, sources, reports and notes.

Every route needs an API token (`veille users token NAME`) sent as `Authorization: Bearer TOKEN`.
Viewers read; editors and admins also write. Errors are `application/problem+json` (RFC 9457).
Lists are paginated: pass the `next_cursor` of a page as `cursor` to get the next one."""


def create_app_from_env() -> FastAPI:
    """The app of the workspace named by the environment (``VEILLE_HOME``...): uvicorn's factory for workers."""
    return create_app(Workspace())


def create_app(workspace: Workspace) -> FastAPI:
    """The dashboard and API of ``workspace`` (which must be initialised)."""
    from veille.web.api import router as api_router
    from veille.web.pages import router as pages_router

    app = FastAPI(
        title="veille API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    store = workspace.store
    app.state.workspace = workspace
    app.state.settings = workspace.settings
    app.state.store = store
    configured = workspace.settings.secret_key.get_secret_value() if workspace.settings.secret_key else None
    app.state.sessions = Sessions(secret_key(store, configured))
    app.state.limiter = LoginLimiter()
    app.state.responses = ResponseCache(
        DataVersion(store.engine), workspace.settings.web_cache_mb * 1024 * 1024
    )
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router)
    app.include_router(pages_router)
    return app
