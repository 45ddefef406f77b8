"""A fake model for the tests: it answers from a script and remembers what it was asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from veille.errors import VeilleError

M = TypeVar("M", bound=BaseModel)


@dataclass
class FakeModel:
    """Implements ``veille.ai.grounding.Model``; ``answer(schema, user)`` gives the JSON it returns."""

    answer: Callable[[type[BaseModel], str], dict[str, Any]]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def complete_json(self, schema: type[M], system: str, user: str, *, purpose: str) -> M:
        self.calls.append({"schema": schema, "system": system, "user": user, "purpose": purpose})
        return schema.model_validate(self.answer(schema, user))


def saying(**answer: Any) -> FakeModel:
    """A model that always gives ``answer``."""
    return FakeModel(lambda schema, user: answer)


def failing(message: str = "the endpoint timed out") -> FakeModel:
    def fail(schema: type[BaseModel], user: str) -> dict[str, Any]:
        raise VeilleError(message)

    return FakeModel(fail)
