"""§4.1, §4.2, §4.6 authentication, principal injection and the admin token.

These tests need a server running an authenticated mode and the matching credentials passed
with ``--api-key`` / ``--bearer-token`` / ``--admin-token``. Otherwise they skip, saying why.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract_tests._support import Wire, assert_envelope, uid


@pytest.fixture
def authed(
    auth_mode: str, credentials: dict[str, str], request: pytest.FixtureRequest
) -> dict[str, str]:
    if auth_mode == "off":
        pytest.skip("server advertises auth_mode 'off'; 401/403 identity checks do not apply")
    wanted = {"api_key": "X-Api-Key", "jwt": "Authorization"}.get(auth_mode)
    have = {k for k in credentials if k in ("X-Api-Key", "Authorization")}
    if (wanted and wanted not in have) or not have:
        pytest.skip(f"server runs auth_mode {auth_mode!r}; pass its credentials to run these")
    return credentials


def test_auth_mode_is_advertised(health: dict[str, Any]) -> None:
    assert health.get("auth_mode", "off") in ("off", "api_key", "jwt", "api_key_or_jwt")


def test_missing_credentials_are_401(base_url: str, authed: dict[str, str]) -> None:
    with httpx.Client(base_url=base_url) as bare:
        assert_envelope(bare.post("/v1/memory/find", json={}), 401, "unauthorized")
        assert bare.get("/health").status_code == 200


def test_wrong_credentials_are_401(base_url: str, authed: dict[str, str]) -> None:
    with httpx.Client(base_url=base_url) as bare:
        resp = bare.post("/v1/memory/find", json={}, headers={"X-Api-Key": "ct-wrong-" + uid()})
        assert_envelope(resp, 401, "unauthorized")
        resp = bare.post("/v1/memory/find", json={}, headers={"Authorization": "Bearer not.a.jwt"})
        assert_envelope(resp, 401, "unauthorized")


def test_tenant_mismatch_is_403(wire: Wire, authed: dict[str, str]) -> None:
    principal_tenant = wire.ok("/v1/memory/find", {})["tenant_id"]
    other = "ct-other-" + uid()[-6:]
    body = wire.err("/v1/memory/find", {"tenant_id": other}, 403, "identity_mismatch")
    assert body["details"]["field"] == "tenant_id"
    assert body["details"]["provided"] == other
    assert body["details"]["expected"] == principal_tenant


def test_principal_fills_owner_and_consumer(wire: Wire, authed: dict[str, str]) -> None:
    written = wire.write([{"client_id": "p", "type": "event", "title": "mine"}])
    found = wire.find(include_meta=True)["nodes"]
    if not found:
        pytest.skip("the credential carries no agent or team id, so private data stays hidden")
    assert found[0]["id"] == written["nodes"][0]["id"]
    agent = found[0]["owner_agent_id"]
    if agent:
        body = wire.err(
            "/v1/memory/find", {"consumer_agent_id": agent + "-x"}, 403, "identity_mismatch"
        )
        assert body["details"]["field"] == "consumer_agent_id"


@pytest.fixture
def admin_token(request: pytest.FixtureRequest) -> str:
    token = request.config.getoption("--admin-token")
    if not token:
        pytest.skip("no --admin-token given; cannot tell whether the server requires one")
    return str(token)


def test_packs_need_the_admin_token(
    base_url: str, scope: str, admin_token: str, credentials: dict[str, str]
) -> None:
    without = {k: v for k, v in credentials.items() if k != "X-Admin-Token"}
    with httpx.Client(base_url=base_url, headers=without) as http:
        resp = http.post("/v1/memory/packs/export", json={"scope": scope})
        assert_envelope(resp, 401, "unauthorized_admin")
        resp = http.post(
            "/v1/memory/packs/export",
            json={"scope": scope},
            headers={"X-Admin-Token": admin_token + "x"},
        )
        assert_envelope(resp, 401, "unauthorized_admin")
        ok = http.post(
            "/v1/memory/packs/export", json={"scope": scope}, headers={"X-Admin-Token": admin_token}
        )
        assert ok.status_code == 200
