"""Authentication modes, principal injection, identity_mismatch, rate limits (§3.4, §4)."""

from __future__ import annotations

import time

import jwt
import pytest
from server_support import error_code, live_client

from aionis_server.config import ApiKeyPrincipal

SECRET = "x" * 64
KEYS = {
    "key-a": ApiKeyPrincipal(tenant_id="tenant-a", agent_id="agent-a", team_id="team-a"),
    "key-bare": ApiKeyPrincipal(tenant_id="tenant-a"),
}


def token(**claims: object) -> str:
    return jwt.encode(
        {"tenant_id": "tenant-j", "sub": "agent-j", **claims}, SECRET, algorithm="HS256"
    )


def test_api_key_mode_and_injection() -> None:
    with live_client(auth_mode="api_key", api_keys=KEYS) as c:
        assert c.get("/health").json()["auth_mode"] == "api_key"
        r = c.post("/v1/memory/find", json={})
        assert r.status_code == 401
        assert r.json()["message"] == "valid X-Api-Key or Authorization: Bearer <jwt> is required"
        assert c.post("/v1/memory/find", json={}, headers={"x-api-key": "nope"}).status_code == 401
        h = {"x-api-key": "key-a"}
        w = c.post(
            "/v1/memory/write",
            json={
                "input_text": "t",
                "nodes": [{"client_id": "p", "type": "event", "text_summary": "private"}],
            },
            headers=h,
        )
        assert w.status_code == 200
        assert w.json()["tenant_id"] == "tenant-a"
        commit = c.post(
            "/v1/memory/resolve", json={"uri": w.json()["commit_uri"]}, headers=h
        ).json()["commit"]
        assert commit["diff_json"]["nodes"][0]["owner_agent_id"] == "agent-a"
        # The credential fills the consumer, so the private node is visible to its owner.
        assert (
            len(c.post("/v1/memory/find", json={"client_id": "p"}, headers=h).json()["nodes"]) == 1
        )
        for body, field in (
            ({"tenant_id": "other"}, "tenant_id"),
            ({"consumer_agent_id": "someone"}, "consumer_agent_id"),
        ):
            r = c.post("/v1/memory/find", json=body, headers=h)
            assert r.status_code == 403
            assert error_code(r) == "identity_mismatch"
            assert r.json()["details"]["field"] == field
        r = c.post(
            "/v1/memory/write", json={"input_text": "t", "owner_agent_id": "mallory"}, headers=h
        )
        assert r.json()["details"] == {
            "contract": "error_v1",
            "field": "owner_agent_id",
            "provided": "mallory",
            "expected": "agent-a",
        }
        r = c.post("/v1/memory/find", json={}, headers={**h, "x-tenant-id": "tenant-b"})
        assert error_code(r) == "identity_mismatch"
        # A key with neither agent nor team cannot own a private rule.
        r = c.post(
            "/v1/memory/write",
            json={"input_text": "r", "nodes": [{"type": "rule"}]},
            headers={"x-api-key": "key-bare"},
        )
        assert error_code(r) == "invalid_private_rule_owner"


def test_jwt_mode() -> None:
    with live_client(auth_mode="jwt", jwt_secret=SECRET, jwt_require_exp=True) as c:
        now = int(time.time())
        good = {"authorization": "Bearer " + token(exp=now + 60)}
        r = c.post("/v1/memory/find", json={}, headers=good)
        assert r.status_code == 200
        assert r.json()["tenant_id"] == "tenant-j"
        assert r.json()["filters"]["consumer_agent_id"] == "agent-j"
        bad_tokens = [
            token(exp=now - 3600),  # expired beyond the skew
            token(),  # exp required
            jwt.encode(
                {"tenant_id": "t", "exp": now + 60}, "y" * 64, algorithm="HS256"
            ),  # wrong secret
            jwt.encode({"tenant_id": "t", "exp": now + 60}, SECRET, algorithm="HS512"),  # wrong alg
            jwt.encode({"sub": "a", "exp": now + 60}, SECRET, algorithm="HS256"),  # no tenant
            token(exp=now + 60, nbf=now + 3600),  # not yet valid
            "not.a.jwt",
        ]
        _, payload, _ = token(exp=now + 60).split(".")
        none_header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
        bad_tokens.append(f"{none_header}.{payload}.")
        for bad in bad_tokens:
            r = c.post("/v1/memory/find", json={}, headers={"authorization": "Bearer " + bad})
            assert r.status_code == 401, bad
            assert error_code(r) == "unauthorized"
        skewed = {"authorization": "Bearer " + token(exp=now - 10)}
        assert c.post("/v1/memory/find", json={}, headers=skewed).status_code == 200


def test_api_key_or_jwt() -> None:
    with live_client(auth_mode="api_key_or_jwt", api_keys=KEYS, jwt_secret=SECRET) as c:
        assert (
            c.post("/v1/memory/find", json={}, headers={"x-api-key": "key-a"}).json()["tenant_id"]
            == "tenant-a"
        )
        both = {"x-api-key": "unknown", "authorization": "Bearer " + token()}
        assert c.post("/v1/memory/find", json={}, headers=both).json()["tenant_id"] == "tenant-j"
        assert c.post("/v1/memory/find", json={}).status_code == 401
        assert c.get("/health").status_code == 200


def test_rate_limit_429_with_retry_after() -> None:
    with live_client(rate_limit_recall_rps=0.5, rate_limit_recall_burst=2) as c:
        codes = [c.post("/v1/memory/find", json={}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.post("/v1/memory/find", json={})
        assert r.json()["error"] == "tenant_rate_limited_recall"
        assert int(r.headers["retry-after"]) >= 1
        details = r.json()["details"]
        assert details["retry_after_ms"] > 0
        assert details["waited_ms"] == 0
        assert details["tenant_id"] == "default"
        assert "ext.rate_limit" in c.get("/health").json()["capabilities"]
        # Writes are a separate class (unlimited here).
        assert c.post("/v1/memory/write", json={"input_text": "w"}).status_code == 200


def test_refuses_insecure_bind() -> None:
    from aionis_server.config import ServerConfig

    cfg = ServerConfig(host="0.0.0.0")
    with pytest.raises(ValueError, match="allow-insecure-bind"):
        cfg.check_bind()
    ServerConfig(host="0.0.0.0", allow_insecure_bind=True).check_bind()
