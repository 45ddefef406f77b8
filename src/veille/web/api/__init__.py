"""The REST API under /api/v1: bearer tokens, problem+json errors, paginated lists."""

from fastapi import APIRouter, Depends

from veille.web.api import read, write
from veille.web.api.models import Problem
from veille.web.deps import api_user

PROBLEM_RESPONSES = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in (
        (401, "No valid API token."),
        (403, "The token's user lacks the role."),
        (404, "Not found."),
        (422, "Invalid request."),
    )
}

router = APIRouter(prefix="/api/v1", dependencies=[Depends(api_user)], responses=PROBLEM_RESPONSES)  # type: ignore[arg-type]
router.include_router(read.router)
router.include_router(write.router)
