"""The one model client: an OpenAI-compatible endpoint, off until an admin turns it on.

``client_for(settings, store)`` is None while ``VEILLE_AI_ENABLED`` is false: nothing is built, nothing
is sent. Otherwise ``ModelClient.complete_json(schema, system, user, purpose=...)`` asks for JSON and
returns it validated by the pydantic ``schema``. Every call has a timeout and retries on 429, 5xx and
timeouts with back-off (the ``openai`` client's own), is answered from the cache when the same model,
prompt version and content were paid for once, stops past the monthly token budget, and is logged in
``ai_calls`` (purpose, tokens, cost estimate) for ``veille ai status``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.errors import ConfigError, VeilleError
from veille.store.models import AiCall

if TYPE_CHECKING:
    from veille.settings import Settings
    from veille.store.db import Store

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
MAX_ANSWER_CHARS = 200_000


class AiError(VeilleError):
    """A model call that gave nothing usable; the message says why in one line."""

    reason = "error"
    tokens: tuple[int, int] = (0, 0)  # (prompt, completion) the failed call still cost


class OverBudget(AiError):
    reason = "over_budget"


class BadAnswer(AiError):
    """The answer is not JSON of the asked shape."""

    reason = "invalid"


class Refused(AiError):
    reason = "refused"


class Unavailable(AiError):
    """Timeout, connection refused, or 429/5xx still after the retries."""

    reason = "error"


@dataclass(frozen=True)
class Completion:
    """A validated answer and what it cost (``cached``: answered from an earlier paid call)."""

    value: BaseModel
    call_id: int
    cached: bool
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


def client_for(settings: Settings, store: Store | None = None) -> ModelClient | None:
    """The model client, or None when AI is off (the default): then nothing is ever sent."""
    if not settings.ai_enabled:
        return None
    if not settings.ai_base_url or not settings.ai_model:
        raise ConfigError("VEILLE_AI_ENABLED is on but VEILLE_AI_BASE_URL or VEILLE_AI_MODEL is unset")
    return ModelClient(settings, store)


def cache_key(model: str, version: str, system: str, user: str, schema: type[BaseModel]) -> str:
    """Model, prompt version and the digest of everything sent: the same page is never paid twice."""
    shape = json.dumps(schema.model_json_schema(), sort_keys=True)
    content = hashlib.sha256("\x1f".join((system, user, shape)).encode()).hexdigest()
    return hashlib.sha256(f"{model}\x1f{version}\x1f{content}".encode()).hexdigest()


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def tokens_this_month(session: Session, now: datetime) -> tuple[int, int]:
    """(calls paid, tokens spent) since the first of ``now``'s month (UTC); cached answers cost none."""
    row = session.execute(
        select(
            func.count(), func.coalesce(func.sum(AiCall.prompt_tokens + AiCall.completion_tokens), 0)
        ).where(
            AiCall.created_at >= month_start(now), AiCall.cached.is_(False), AiCall.status != "over_budget"
        )
    ).one()
    return int(row[0]), int(row[1])


def parse_answer(text: str, schema: type[M]) -> M:
    """``text`` (bare JSON, or JSON in a Markdown fence) validated by ``schema``; BadAnswer otherwise."""
    body = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, re.S)
    if fenced:
        body = fenced.group(1)
    try:
        return schema.model_validate_json(body)
    except PydanticError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the answer"
        raise BadAnswer(f"the model's answer is not the JSON asked for ({where}: {first['msg']})") from None


class ModelClient:
    """Calls to one OpenAI-compatible endpoint, with cache, budget and log in the database."""

    def __init__(self, settings: Settings, store: Store | None, *, openai_client: Any = None) -> None:
        self.settings = settings
        self.store = store
        self.model = settings.ai_model or ""
        self.endpoint = settings.ai_base_url or ""
        self._openai = openai_client

    def complete_json(self, schema: type[M], system: str, user: str, *, purpose: str, **kw: Any) -> M:
        """The model's answer to ``system`` + ``user`` as a validated ``schema``; AiError otherwise."""
        value = self.complete(schema, system, user, purpose=purpose, **kw).value
        assert isinstance(value, schema)
        return value

    def complete(
        self,
        schema: type[BaseModel],
        system: str,
        user: str,
        *,
        purpose: str,
        version: str = "1",
        session: Session | None = None,
        source_id: str | None = None,
        run_id: int | None = None,
    ) -> Completion:
        """``complete_json`` with what it cost; ``session``: log in the caller's transaction."""
        key = cache_key(self.model, version, system, user, schema)
        call = AiCall(
            purpose=purpose,
            endpoint=self.endpoint,
            model=self.model,
            prompt_version=version,
            cache_key=key,
            sent_chars=len(system) + len(user),
            source_id=source_id,
            run_id=run_id,
        )
        with self._session(session) as s:
            cached = self._cached(s, key, schema, call)
            if cached is not None:
                return cached
            over = self._over_budget(s, call, len(system) + len(user))
        if over is not None:
            raise OverBudget(over)
        try:
            answer, prompt_tokens, completion_tokens = self._send(schema, system, user)
        except AiError as exc:  # a refusal was still paid for: its tokens count
            call.prompt_tokens, call.completion_tokens = getattr(exc, "tokens", (0, 0))
            call.cost_eur = self._cost(call.prompt_tokens + call.completion_tokens)
            self._log(session, call, exc.reason, detail={"error": str(exc)})
            raise
        call.prompt_tokens, call.completion_tokens = prompt_tokens, completion_tokens
        call.cost_eur = self._cost(prompt_tokens + completion_tokens)
        call.answer = answer[:MAX_ANSWER_CHARS]
        try:
            value = parse_answer(answer, schema)
        except BadAnswer as exc:
            self._log(session, call, exc.reason, detail={"error": str(exc)})
            raise
        call_id = self._log(session, call, "ok")
        return Completion(value, call_id, False, self.model, prompt_tokens, completion_tokens)

    def note(self, call_id: int, detail: dict[str, Any], session: Session | None = None) -> None:
        """Record what the caller made of an answer (e.g. the offers it rejected, and why)."""
        with self._session(session) as s:
            row = s.get(AiCall, call_id)
            if row is not None:
                row.detail = {**(row.detail or {}), **detail}

    # --- inside ------------------------------------------------------------------------------------

    @contextmanager
    def _session(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
            return
        if self.store is None:
            raise ConfigError("the model client has neither a session nor a store to log its calls in")
        with self.store.session() as own:
            yield own

    def _cached(self, s: Session, key: str, schema: type[BaseModel], call: AiCall) -> Completion | None:
        answer = s.scalars(
            select(AiCall.answer)
            .where(AiCall.cache_key == key, AiCall.status == "ok", AiCall.cached.is_(False))
            .order_by(AiCall.id)
            .limit(1)
        ).first()
        if answer is None:
            return None
        value = parse_answer(answer, schema)
        call.cached, call.status, call.created_at, call.answer = True, "ok", _now(), None
        s.add(call)
        s.flush()
        return Completion(value, call.id, True, self.model)

    def _over_budget(self, s: Session, call: AiCall, chars: int) -> str | None:
        """Why the call may not be sent (logged as ``over_budget``), or None."""
        budget = self.settings.ai_monthly_tokens
        _, spent = tokens_this_month(s, _now())
        estimate = chars // 4  # a token is about four characters: the prompt alone must fit
        if spent + estimate <= budget:
            return None
        call.status, call.created_at = "over_budget", _now()
        message = (
            f"the monthly model budget is spent: {spent} of {budget} tokens used this month "
            f"(this call needs about {estimate}); calls resume next month or with a larger "
            "VEILLE_AI_MONTHLY_TOKENS"
        )
        call.detail = {"error": message}
        s.add(call)
        s.flush()
        return message

    def _cost(self, tokens: int) -> Decimal:
        return self.settings.ai_eur_per_million_tokens * tokens / Decimal(1_000_000)

    def _log(
        self, session: Session | None, call: AiCall, status: str, detail: dict[str, Any] | None = None
    ) -> int:
        call.status, call.created_at = status, _now()
        if detail is not None:
            call.detail = detail
        with self._session(session) as s:
            s.add(call)
            s.flush()
            return call.id

    def _client(self) -> Any:
        if self._openai is None:
            import openai

            key = self.settings.ai_api_key.get_secret_value() if self.settings.ai_api_key else ""
            self._openai = openai.OpenAI(
                base_url=self.endpoint,
                api_key=key or "none",  # local servers (Ollama, llama.cpp) take any key
                timeout=self.settings.ai_timeout,
                max_retries=self.settings.ai_retries,
            )
        return self._openai

    def _send(self, schema: type[BaseModel], system: str, user: str) -> tuple[str, int, int]:
        """The raw answer and its (prompt, completion) tokens; one AiError for every failure."""
        import openai

        try:
            response = self._client().chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                response_format={"type": "json_object"},
                temperature=0,
            )
        except openai.APITimeoutError:
            raise Unavailable(
                f"the model at {self.endpoint} did not answer within {self.settings.ai_timeout:g} s"
            ) from None
        except openai.APIConnectionError as exc:
            raise Unavailable(f"cannot reach the model at {self.endpoint}: {exc}") from None
        except openai.APIStatusError as exc:
            raise Unavailable(
                f"the model at {self.endpoint} answered HTTP {exc.status_code}: {_short(exc.message)}"
            ) from None
        return _content(response, self.endpoint)


def _content(response: Any, endpoint: str) -> tuple[str, int, int]:
    usage = getattr(response, "usage", None)
    tokens = (int(getattr(usage, "prompt_tokens", 0) or 0), int(getattr(usage, "completion_tokens", 0) or 0))
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise BadAnswer(f"the model at {endpoint} answered with no choice")
    message = choices[0].message
    refusal = getattr(message, "refusal", None)
    if refusal or choices[0].finish_reason == "content_filter":
        refused = Refused(f"the model refused: {_short(refusal or 'content filter')}")
        refused.tokens = tokens
        raise refused
    if not message.content:
        raise BadAnswer(f"the model at {endpoint} answered with no content")
    return message.content, *tokens


def _short(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()[:200]


def _now() -> datetime:
    return datetime.now(UTC)


def latest_calls(session: Session) -> dict[str, dict[str, Any]]:
    """Each source's latest model call: when, which model, status, offers kept and rejected, error."""
    newest = select(func.max(AiCall.id)).where(AiCall.source_id.is_not(None)).group_by(AiCall.source_id)
    out: dict[str, dict[str, Any]] = {}
    for row in session.scalars(select(AiCall).where(AiCall.id.in_(newest))):
        detail = row.detail or {}
        out[str(row.source_id)] = {
            "at": row.created_at.isoformat(),
            "run_id": row.run_id,
            "model": row.model,
            "status": row.status,
            "cached": row.cached,
            "accepted": detail.get("accepted"),
            "rejected": detail.get("rejected", []),
            "error": detail.get("error"),
        }
    return out


def usage(session: Session, settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """What ``veille ai status`` shows: on or off, where, and what this month's calls sent and cost."""
    now = now or _now()
    rows = session.execute(
        select(
            AiCall.purpose, AiCall.status, AiCall.cached, AiCall.prompt_tokens,
            AiCall.completion_tokens, AiCall.cost_eur, AiCall.sent_chars,
        ).where(AiCall.created_at >= month_start(now))
    ).all()  # fmt: skip
    purposes: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = purposes.setdefault(row.purpose, {"purpose": row.purpose, "calls": 0, "cached": 0, "tokens": 0,
                                                  "sent_chars": 0, "failed": 0})  # fmt: skip
        entry["cached" if row.cached else "calls"] += 1
        entry["tokens"] += row.prompt_tokens + row.completion_tokens
        entry["sent_chars"] += 0 if row.cached else row.sent_chars
        entry["failed"] += row.status != "ok"
    tokens = sum(p["tokens"] for p in purposes.values())
    cost = sum((r.cost_eur or Decimal(0) for r in rows), Decimal(0))
    budget = settings.ai_monthly_tokens
    return {
        "enabled": settings.ai_enabled,
        "endpoint": settings.ai_base_url,
        "model": settings.ai_model,
        "month": f"{now:%Y-%m}",
        "calls": sum(p["calls"] for p in purposes.values()),
        "cached_calls": sum(p["cached"] for p in purposes.values()),
        "tokens": tokens,
        "budget_tokens": budget,
        "budget_left": max(budget - tokens, 0),
        "cost_eur": format(cost, "f"),
        "by_purpose": sorted(purposes.values(), key=lambda p: p["purpose"]),
    }


def recent_calls(session: Session, source_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """The latest model calls made for ``source_id``, newest first (the dashboard's source page)."""
    rows = session.scalars(
        select(AiCall).where(AiCall.source_id == source_id).order_by(AiCall.id.desc()).limit(limit)
    )
    return [
        {
            "at": row.created_at,
            "model": row.model,
            "status": row.status,
            "cached": row.cached,
            "tokens": row.prompt_tokens + row.completion_tokens,
            "accepted": (row.detail or {}).get("accepted"),
            "rejected": (row.detail or {}).get("rejected", []),
            "error": (row.detail or {}).get("error"),
        }
        for row in rows
    ]
