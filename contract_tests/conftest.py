"""Fixtures of the Aionis Memory API v1 contract suite.

Run against any server with ``pytest contract_tests --base-url http://host:port`` (or set
``AIONIS_BASE_URL``). With neither, a reference server is spawned for the session on an
ephemeral loopback port with a fresh database. Every test works in its own scope
(``ct-<hex>``), so the suite can share a server with other tenants' data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests._server import spawn_reference_server
from contract_tests._support import CORE_CAPABILITIES, Api, Wire


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aionis", "Aionis contract suite")
    group.addoption(
        "--base-url",
        default=None,
        help="server under test (default: $AIONIS_BASE_URL, else spawn the reference server)",
    )
    group.addoption("--api-key", default=None, help="X-Api-Key to send (api_key auth modes)")
    group.addoption("--bearer-token", default=None, help="bearer JWT to send (jwt auth modes)")
    group.addoption("--admin-token", default=None, help="X-Admin-Token to send")
    group.addoption(
        "--local-actor-id",
        default="local-user",
        help="the server's local identity in auth mode off (§4.3)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "capability(name): skip unless /health advertises this capability"
    )
    config.addinivalue_line(
        "markers",
        "auth_off: needs auth_mode off: observes the local identity (§4.3) or sends identities "
        "and tenants of its own choosing, which an authenticated server answers with 403",
    )


# --- the server -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    explicit = request.config.getoption("--base-url") or os.environ.get("AIONIS_BASE_URL")
    if explicit:
        yield str(explicit).rstrip("/")
        return
    db_dir: Path = tmp_path_factory.mktemp("aionis-contract")
    with spawn_reference_server(db_dir / "contract.db") as url:
        yield url


@pytest.fixture(scope="session")
def credentials(request: pytest.FixtureRequest) -> dict[str, str]:
    headers: dict[str, str] = {}
    api_key = request.config.getoption("--api-key")
    bearer = request.config.getoption("--bearer-token")
    admin = request.config.getoption("--admin-token")
    if api_key:
        headers["X-Api-Key"] = api_key
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if admin:
        headers["X-Admin-Token"] = admin
    return headers


@pytest.fixture(scope="session")
def http(base_url: str, credentials: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=credentials, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="session")
def health(http: httpx.Client) -> dict[str, Any]:
    resp = http.get("/health")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert isinstance(body, dict)
    return body


@pytest.fixture(scope="session")
def capabilities(health: dict[str, Any]) -> set[str]:
    """Advertised capabilities; without a list, every core group is assumed (§7.2 "probe").

    An empty list is treated like an absent one: a server that serves no core group cannot be
    tested at all, and an empty list is more likely an advertising bug than the truth.
    """
    caps = health.get("capabilities")
    if not isinstance(caps, list) or not caps:
        return set(CORE_CAPABILITIES)
    return {str(c) for c in caps}


@pytest.fixture(scope="session")
def dim(health: dict[str, Any]) -> int:
    """The server's embedding dimension: ``embedding.dim`` from /health, else 1536 (§8.7)."""
    embedding = health.get("embedding")
    if isinstance(embedding, dict) and isinstance(embedding.get("dim"), int):
        return int(embedding["dim"])
    return 1536


@pytest.fixture(scope="session")
def auth_mode(health: dict[str, Any]) -> str:
    return str(health.get("auth_mode", "off"))


@pytest.fixture(scope="session")
def local_id(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--local-actor-id"))


@pytest.fixture(autouse=True)
def _capability_gate(request: pytest.FixtureRequest) -> None:
    wanted = [m.args[0] for m in request.node.iter_markers("capability")]
    if wanted:
        caps: set[str] = request.getfixturevalue("capabilities")
        for name in wanted:
            if name not in caps:
                pytest.skip(f"server does not advertise capability {name!r} in /health")
    if request.node.get_closest_marker("auth_off"):
        mode = request.getfixturevalue("auth_mode")
        if mode != "off":
            pytest.skip(
                f"needs auth_mode off (local identity or self-chosen identities); server runs {mode!r}"
            )


# --- per-test scope and clients -----------------------------------------------------------


@pytest.fixture
def scope() -> str:
    return f"ct-{uuid.uuid4().hex}"


@pytest.fixture
def raw(http: httpx.Client) -> httpx.Client:
    """The session's plain httpx client (credentials preset), for wire-level checks."""
    return http


@pytest.fixture
def wire(http: httpx.Client, scope: str) -> Wire:
    """Raw JSON calls that fill the test's scope into every body."""
    return Wire(http, scope)


def _sdk_kwargs(base_url: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "api_key": request.config.getoption("--api-key"),
        "bearer_token": request.config.getoption("--bearer-token"),
        "admin_token": request.config.getoption("--admin-token"),
        "timeout": 30.0,
        "max_retries": 0,
        "strict_validation": True,
    }


@pytest.fixture(scope="session")
def sync_client(base_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    from aionis_sdk import AionisClient

    with AionisClient(**_sdk_kwargs(base_url, request)) as client:
        yield client


@pytest.fixture
async def async_client(base_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    from aionis_sdk import AsyncAionisClient

    async with AsyncAionisClient(**_sdk_kwargs(base_url, request)) as client:
        yield client


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest, scope: str) -> Api:
    """The SDK in both modes behind one adapter; each test runs once per mode."""
    if request.param == "sync":
        return Api(request.getfixturevalue("sync_client"), "sync", scope)
    return Api(request.getfixturevalue("async_client"), "async", scope)
