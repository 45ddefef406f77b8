"""The REST API's documentation page: Swagger UI over /openapi.json, behind the same sign-in.

Swagger UI's built files come from the installed ``fastapi-offline`` package (nothing is copied into
this repository, nothing is fetched from elsewhere; its Swagger UI 5 reads OpenAPI 3.1, FastAPI's); the page starts it from our own script, so the
dashboard's Content-Security-Policy holds unchanged.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from veille.errors import NotFoundError
from veille.web.deps import PageViewer
from veille.web.templating import render

router = APIRouter()
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
"""The only files of the package the page needs (its other files, maps and demos, are not served)."""
ASSET_MAX_AGE = 86400


def assets_folder() -> Path:
    """Where the installed package keeps Swagger UI's built files."""
    from importlib.resources import files

    return Path(str(files("fastapi_offline") / "static"))


@router.get("/api-docs")
def api_docs(request: Request, user: PageViewer) -> Response:
    """Swagger UI for the signed-in user (the OpenAPI document it reads needs the same session)."""
    return render(request, "api_docs.html", {})


@router.get("/api-docs/assets/{name}")
def api_docs_asset(name: str, user: PageViewer) -> Response:
    media = ASSETS.get(name)
    if media is None:
        raise NotFoundError(f"no asset {name!r}")
    response = FileResponse(assets_folder() / name, media_type=media)
    response.headers["cache-control"] = f"private, max-age={ASSET_MAX_AGE}"
    return response
