"""The dashboard's pages (server-rendered; every one but /login needs a signed-in user)."""

from fastapi import APIRouter

from veille.web.pages import (
    alerts,
    apidocs,
    auth,
    claims,
    competitor_edit,
    competitors,
    events,
    manual,
    matrix,
    overview,
    positioning,
    reports,
    source_edit,
    sources,
    users,
)

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    overview,
    events,
    claims,
    competitor_edit,  # before competitors: /competitors/new is not a competitor's page
    competitors,
    positioning,
    matrix,
    source_edit,  # before sources: /sources/new is not a source id
    sources,
    alerts,
    reports,
    manual,
    users,
    apidocs,
):
    router.include_router(module.router)
