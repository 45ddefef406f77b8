"""The fetcher connects only to public addresses, or to the internal hosts a setting names.

Address classes are checked through resolution only (IP literals, or a resolver put in the system one's
place); the only servers connected to listen on 127.0.0.1 (allowed by name in the tests' settings) and
127.0.0.2 (a loopback address NOT allowed: the "internal service" a redirect must not reach).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WRequest
from werkzeug import Response

from veille.errors import FetchError
from veille.netguard import AddressRefused, address_class
from veille.settings import Settings
from veille.sources._http import Fetcher, HostPools, http_client
from veille.sources._registry import Request

REAL = "https://api.example.test"


def make_fetcher(settings: Settings, path: str) -> Fetcher:
    """The fetcher through httpx's transport (``client``) or through the watch's pools (``watch``)."""
    if path == "client":
        return Fetcher(settings, sleep=_no_sleep)
    pools = HostPools(2, guard=settings.address_guard)
    fetcher = Fetcher(settings, client=http_client(settings, pools), sleep=_no_sleep)
    fetcher.direct = pools
    return fetcher


async def _no_sleep(seconds: float) -> None:
    return None


def fetch(fetcher: Fetcher, url: str) -> Any:
    async def go() -> Any:
        try:
            return await fetcher.fetch(Request(url), direct=True)
        finally:
            await fetcher.client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.127.255.254", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "cloud metadata"),  # 6to4 of 169.254.169.254
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_classes(address: str, kind: str | None) -> None:
    import ipaddress

    assert address_class(ipaddress.ip_address(address)) == kind


def test_the_setting_allows_names_addresses_and_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEILLE_ALLOWED_INTERNAL_HOSTS", " svc.internal., 10.0.0.0/8 ,127.0.0.2,fd00::/8")
    guard = Settings().address_guard
    assert guard.literal("SVC.internal") == ["SVC.internal"]  # a named host: all its addresses
    assert guard.checked("x", ["10.9.8.7", "127.0.0.2", "fd00::5", "::ffff:10.1.1.1"])
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.3: a loopback address"):
        guard.literal("127.0.0.3")
    with pytest.raises(AddressRefused, match="VEILLE_ALLOWED_INTERNAL_HOSTS"):
        guard.checked("db.internal", ["192.168.0.9"])


@pytest.mark.parametrize("path", ["client", "watch"])
def test_a_redirect_to_an_internal_address_is_refused(
    path: str, httpserver: HTTPServer, internal: HTTPServer
) -> None:
    hidden = f"http://127.0.0.2:{internal.port}/secret"
    httpserver.expect_request("/feed").respond_with_response(
        Response(status=302, headers={"Location": hidden})
    )
    settings = Settings(http_retries=2, url_map={REAL: httpserver.url_for("/").rstrip("/")})
    with pytest.raises(FetchError) as err:
        fetch(make_fetcher(settings, path), REAL + "/feed")
    assert "refused to connect to 127.0.0.2: a loopback address" in str(err.value)
    # refused, not retried (the watch's direct path asks once more through the client, which follows)
    assert len(httpserver.log) == (1 if path == "client" else 2)
    assert internal.log == []  # the internal service never saw a request


@pytest.mark.parametrize("path", ["client", "watch"])
def test_a_user_given_url_on_an_internal_address_is_refused_before_connecting(
    path: str, internal: HTTPServer
) -> None:
    with pytest.raises(FetchError, match="a loopback address"):
        fetch(make_fetcher(Settings(), path), f"http://127.0.0.2:{internal.port}/secret")
    assert internal.log == []


@pytest.mark.parametrize("path", ["client", "watch"])
@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (["169.254.169.254"], "(169.254.169.254): a cloud metadata address"),
        (["93.184.215.14", "10.0.0.7"], "(10.0.0.7): a private address"),  # every address is checked
        (["fd00:ec2::254"], "(fd00:ec2::254): a cloud metadata address"),
        (["100.64.3.2"], "(100.64.3.2): a shared (CGNAT) address"),
    ],
)
def test_names_are_checked_on_what_they_resolve_to(
    path: str, answer: list[str], named: str, resolver: dict[str, list[str]]
) -> None:
    resolver["hooks.example.test"] = answer
    with pytest.raises(FetchError) as err:
        fetch(make_fetcher(Settings(), path), "http://hooks.example.test/latest/meta-data/")
    assert f"refused to connect to hooks.example.test {named}" in str(err.value)


@pytest.mark.parametrize("path", ["client", "watch"])
def test_the_connection_goes_to_the_address_checked(
    path: str, httpserver: HTTPServer, resolver: dict[str, list[str]]
) -> None:
    """``svc.test`` is unknown to the system: reaching the server proves the checked address was used."""
    seen: list[str] = []

    def answer(request: WRequest) -> Response:
        seen.append(request.headers["Host"])
        return Response("ok")

    httpserver.expect_request("/ping").respond_with_handler(answer)
    resolver["svc.test"] = ["127.0.0.1"]
    page = fetch(
        make_fetcher(Settings(allowed_internal_hosts=["127.0.0.1"]), path),
        f"http://svc.test:{httpserver.port}/ping",
    )
    assert page.body == b"ok" and seen == [f"svc.test:{httpserver.port}"]


def test_behind_a_proxy_every_hop_is_checked_beforehand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")

    async def go() -> None:
        async with http_client(Settings(allowed_internal_hosts=[])) as client:
            with pytest.raises(AddressRefused, match="a private address"):
                await client.get("https://10.20.30.40/")

    asyncio.run(go())
