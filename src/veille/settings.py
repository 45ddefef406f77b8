"""One settings object, read from the environment (prefix ``VEILLE_``) and the workspace."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from veille.netguard import AddressGuard, guard_for

CONTACT_URL = "https://github.com/veille-ci/veille"


class Settings(BaseSettings):
    """Everything veille can be configured with.

    Credentials are ``SecretStr`` so they never print; a source whose credential is unset is disabled.
    """

    model_config = SettingsConfigDict(env_prefix="VEILLE_", extra="ignore")

    home: Path = Field(
        default=Path("veille-data"), description="Workspace folder (database, captures, reports)."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in the workspace."
    )
    user_agent: str = Field(
        default=f"veille/0.1 (+{CONTACT_URL}; competitive-intelligence watch)",
        description="User-Agent sent with every request.",
    )
    http_timeout: float = Field(default=30.0, description="Seconds before a request times out.")
    http_retries: int = Field(default=3, description="Retries on 429, 5xx and network errors.")
    http_deadline: float = Field(
        default=60.0,
        description="Seconds one request may take in all, retries and Retry-After waits included.",
    )
    http_deadline_streamed: float = Field(
        default=1800.0, description="The same deadline for streamed documents (AWS offer files)."
    )
    http_max_bytes: int = Field(
        default=64 * 1024 * 1024, description="Largest response body accepted (bytes)."
    )
    http_max_bytes_streamed: int = Field(
        default=2 * 1024 * 1024 * 1024, description="Largest body accepted for streamed documents (bytes)."
    )
    http_per_host: int = Field(default=2, description="Concurrent requests per host.")
    http_host_interval: float = Field(
        default=0.0,
        ge=0.0,
        description="Seconds at least between two request starts to one host, across every worker "
        "(PostgreSQL workers).",
    )
    http_concurrency: int = Field(default=10, description="Concurrent sources in a watch cycle.")
    lease_heartbeat_timeout: float = Field(
        default=90.0,
        gt=0,
        description="Seconds without a heartbeat after which a source's lease is taken over "
        "(its holder refreshes it every quarter of this).",
    )
    url_map: dict[str, str] = Field(
        default_factory=dict,
        description='URL prefix rewrites, JSON {"https://api.hetzner.cloud": "http://127.0.0.1:8080"}: '
        "tests and the demo point real endpoints at loopback servers.",
    )
    allowed_internal_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma list of host names, IP addresses or CIDR networks on loopback, private or "
        "other internal addresses that veille may nevertheless reach (sources, redirects, webhooks).",
    )
    alert_file_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Comma list of folders, besides the workspace, where file alert channels may write.",
    )
    retention_days: int = Field(default=365, description="Days personal data (mentions, reviews) is kept.")
    secret_key: SecretStr | None = Field(
        default=None, description="Signs dashboard sessions; generated if unset."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text for people, or `json`: one JSON object per line."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="Least severe log level written: DEBUG, INFO, WARNING or ERROR."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that Prometheus sends to `/metrics`; without it, an API token is required.",
    )
    web_cache_mb: int = Field(
        default=64,
        description="Memory for rendered dashboard and API responses, per server process (MiB); 0 turns it off.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        description="Largest request body the web server reads (bytes); larger answers 413 unread.",
    )
    max_import_bytes: int = Field(
        default=32 * 1024 * 1024,
        description="Largest knowledge-base import an editor may send to /api/v1/kb/import (bytes).",
    )
    web_body_timeout: float = Field(
        default=60.0, description="Seconds a client has to send a whole request body (408 after)."
    )
    web_header_timeout: float = Field(
        default=10.0,
        description="Seconds a connection has to send a request's headers (closed after), the first or the next.",
    )
    web_keep_alive_timeout: float = Field(
        default=5.0, description="Seconds an idle keep-alive connection stays open."
    )
    web_max_connections: int = Field(
        default=500,
        description="Connections and requests a server process holds at once (more answer 503).",
    )
    web_connections_per_client: int = Field(
        default=64,
        description="Open connections per client address and process (more are closed); trusted proxies are exempt.",
    )
    web_requests_per_client: int = Field(
        default=32,
        description="Requests in progress per client address and process (more answer 429).",
    )

    # The model client (``veille.ai``): off until an admin turns it on and names the endpoint.
    ai_enabled: bool = Field(default=False, description="Send anything to a model at all (off by default).")
    ai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama)."
    )
    ai_model: str | None = Field(default=None, description="Model name the endpoint serves.")
    ai_api_key: SecretStr | None = Field(
        default=None, description="Key of the endpoint (local servers need none)."
    )
    ai_timeout: float = Field(default=60.0, description="Seconds before a model call times out.")
    ai_retries: int = Field(default=2, description="Retries of a model call on 429, 5xx and timeouts.")
    ai_monthly_tokens: int = Field(
        default=2_000_000,
        description="Tokens (prompt + answer) a calendar month may spend; past it calls stop.",
    )
    ai_eur_per_million_tokens: Decimal = Field(
        default=Decimal(0), description="What a million tokens cost (EUR), for the cost estimate."
    )
    ai_max_page_chars: int = Field(
        default=24_000, description="Characters of cleaned page text sent to the model at most."
    )

    # Credentials of sources that need one.
    hetzner_token: SecretStr | None = None
    digitalocean_token: SecretStr | None = None
    lambda_api_key: SecretStr | None = None
    gcp_api_key: SecretStr | None = None
    hostinger_token: SecretStr | None = None
    infomaniak_token: SecretStr | None = None
    reddit_client_id: SecretStr | None = None
    reddit_client_secret: SecretStr | None = None
    scaleway_token: SecretStr | None = None
    x_bearer_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of the X API v2 (recent search): the X mention sources stay off without it.",
    )

    @field_validator("allowed_internal_hosts", "alert_file_dirs", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def address_guard(self) -> AddressGuard:
        """The check of the addresses veille connects to (``veille.netguard``)."""
        return guard_for(tuple(self.allowed_internal_hosts))

    @cached_property
    def db_url(self) -> str:
        """The database URL in force: ``database_url`` or the workspace's SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'veille.db').resolve()}"

    @property
    def captures_dir(self) -> Path:
        return self.home / "captures"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    def credential(self, name: str) -> str | None:
        """The value of credential ``name`` (a field name such as ``hetzner_token``), or None."""
        value = getattr(self, name, None)
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            return secret or None
        return None


CREDENTIAL_FIELDS = tuple(
    name
    for name, field in Settings.model_fields.items()
    if field.annotation == (SecretStr | None) and name not in ("secret_key", "ai_api_key")
)


def load_settings(home: Path | None = None) -> Settings:
    """The settings in force (``home`` overrides ``VEILLE_HOME``); one clear ConfigError for a bad value."""
    from pydantic import ValidationError

    from veille.errors import ConfigError

    try:
        return Settings(home=home) if home is not None else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        secret = (
            "SecretStr" in str(Settings.model_fields[field].annotation)
            if field in Settings.model_fields
            else True
        )
        got = "" if secret else f" (got {first.get('input')!r})"
        raise ConfigError(f"setting VEILLE_{field.upper()}: {first['msg']}{got}") from None
