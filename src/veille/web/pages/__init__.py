"""The dashboard's pages (server-rendered; every one but /login needs a signed-in user)."""

from fastapi import APIRouter

from veille.web.pages import (
    alerts,
    auth,
    claims,
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
    competitors,
    positioning,
    matrix,
    source_edit,  # before sources: /sources/new is not a source id
    sources,
    alerts,
    reports,
    manual,
    users,
):
    router.include_router(module.router)
