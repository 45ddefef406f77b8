"""A source is disabled until every credential its auth reads is set, and says which are missing."""

from __future__ import annotations

from pydantic import SecretStr

from veille.settings import Settings
from veille.sources import get_source
from veille.sources._http import credential_problem


def test_reddit_needs_both_its_client_id_and_secret() -> None:
    spec = get_source("ovhcloud.mentions.reddit")
    assert (
        credential_problem(spec, Settings())
        == "needs VEILLE_REDDIT_CLIENT_SECRET and VEILLE_REDDIT_CLIENT_ID"
    )
    only_secret = Settings(reddit_client_secret=SecretStr("s"))
    assert credential_problem(spec, only_secret) == "needs VEILLE_REDDIT_CLIENT_ID"
    both = Settings(reddit_client_secret=SecretStr("s"), reddit_client_id=SecretStr("i"))
    assert credential_problem(spec, both) is None


def test_single_credential_sources() -> None:
    spec = get_source("hetzner.server_types")
    assert credential_problem(spec, Settings()) == "needs VEILLE_HETZNER_TOKEN"
    assert credential_problem(spec, Settings(hetzner_token=SecretStr("t"))) is None
