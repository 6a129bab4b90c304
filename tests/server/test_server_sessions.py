"""Sessions and events (§7.7)."""

from __future__ import annotations

from server_support import error_code, live_client


def test_session_lifecycle() -> None:
    with live_client() as c:
        s = c.post(
            "/v1/memory/sessions", json={"session_id": "s1", "metadata": {"topic": "demo"}}
        ).json()
        assert s["session_id"] == "s1"
        assert s["session_uri"].endswith(s["session_node_id"])
        e1 = c.post(
            "/v1/memory/events", json={"session_id": "s1", "event_id": "e1", "input_text": "first"}
        ).json()
        again = c.post(
            "/v1/memory/events", json={"session_id": "s1", "event_id": "e1", "input_text": "first"}
        ).json()
        assert again["commit_id"] == e1["commit_id"]  # idempotent with event_id
        c.post("/v1/memory/events", json={"session_id": "s1", "event_id": "e2", "title": "second"})
        # Private session: invisible without the owner as consumer.
        assert c.get("/v1/memory/sessions").json()["sessions"] == []
        listed = c.get("/v1/memory/sessions", params={"consumer_agent_id": "local-user"}).json()
        assert listed["sessions"][0]["event_count"] == 2
        events = c.get(
            "/v1/memory/sessions/s1/events",
            params={"consumer_agent_id": "local-user", "limit": "1"},
        ).json()
        assert events["events"][0]["event_id"] == "e2"  # newest first
        assert events["page"]["has_more"] is True
        assert events["events"][0]["edge_weight"] == 1.0
        hidden = c.get("/v1/memory/sessions/s1/events").json()
        assert hidden["session"] is None
        assert hidden["events"] == []


def test_owner_mismatch_and_auto_create() -> None:
    with live_client() as c:
        c.post("/v1/memory/sessions", json={"session_id": "mine"})
        r = c.post(
            "/v1/memory/events",
            json={"session_id": "mine", "input_text": "x", "owner_agent_id": "bob"},
        )
        assert r.status_code == 403
        assert error_code(r) == "session_owner_mismatch"
        auto = c.post(
            "/v1/memory/events",
            json={"session_id": "auto", "text_summary": "hi", "memory_lane": "shared"},
        )
        assert auto.status_code == 200
        assert len(auto.json()["nodes"]) == 2
        listed = c.get("/v1/memory/sessions", params={"include_meta": "true"}).json()["sessions"]
        assert [s["session_id"] for s in listed] == ["auto"]
        assert listed[0]["memory_lane"] == "shared"


def test_query_and_body_validation() -> None:
    with live_client() as c:
        for params in ({"limit": "0"}, {"limit": "x"}, {"include_meta": "maybe"}, {"offset": "-1"}):
            r = c.get("/v1/memory/sessions", params=params)
            assert r.status_code == 400
            assert error_code(r) == "invalid_request"
        assert c.get("/v1/memory/sessions", params={"include_meta": "OFF"}).status_code == 200
        r = c.post("/v1/memory/events", json={"session_id": "s"})
        assert r.status_code == 400
        r = c.post("/v1/memory/sessions", json={"session_id": "x" * 129})
        assert error_code(r) == "invalid_request"


def test_path_like_session_ids_are_data() -> None:
    with live_client() as c:
        sid = "../../etc/passwd"
        r = c.post(
            "/v1/memory/events",
            json={"session_id": sid, "input_text": "p", "memory_lane": "shared"},
        )
        assert r.status_code == 200
        listed = c.get("/v1/memory/sessions/..%2F..%2Fetc%2Fpasswd/events")
        assert listed.status_code == 200
        assert listed.json()["session"]["session_id"] == sid
