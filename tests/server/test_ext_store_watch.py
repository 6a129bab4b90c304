"""``POST /v1/ext/store/watch`` (``ext.store_index``): the long poll behind the store's read
cache. A write wakes a waiting poll, which names the changed items the consumer can see;
positions from elsewhere (another epoch, ahead, or older than what is kept) get a reset;
hostile input is a 4xx; a stopping server answers waiting polls instead of waiting for them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_support import error_code, live_client
from test_ext_store_index import DIM, version

from aionis_server.config import ApiKeyPrincipal
from aionis_server.services import ext_store_index
from aionis_server.testing import serve_in_thread

WATCH = "/v1/ext/store/watch"


def _scope() -> str:
    return "w-" + uuid.uuid4().hex[:12]


def watch(c: httpx.Client, scope: str, **body: Any) -> dict[str, Any]:
    r = c.post(WATCH, json={"scope": scope, **body}, timeout=40)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def changed(answer: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((ch["item"], tuple(ch["namespace"])) for ch in answer["changes"])


class Later:
    """Run ``fn`` on a thread after ``delay`` seconds; ``join()`` re-raises its error."""

    def __init__(self, delay: float, fn: Any) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            time.sleep(delay)
            try:
                fn()
            except BaseException as exc:
                self.error = exc

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


@pytest.fixture(scope="module")
def c() -> Iterator[httpx.Client]:
    with live_client(embedding_dim=DIM) as client:
        yield client


def test_a_write_wakes_a_waiting_poll_with_the_changed_items(c: httpx.Client) -> None:
    s = _scope()
    start = watch(c, s, consumer_agent_id="alice")
    assert start["changes"] == []
    assert start["reset"] is False
    writer = Later(0.2, lambda: version(c, s, "a", 1, ["users", "u1"], value={"v": 1}))
    answer = watch(c, s, after=start["position"], epoch=start["epoch"], timeout_ms=20_000,
                   consumer_agent_id="alice")  # fmt: skip
    writer.join()
    assert changed(answer) == [("a", ("users", "u1"))]
    assert answer["position"] > start["position"]
    assert answer["epoch"] == start["epoch"]
    assert answer["reset"] is False
    # From the new position nothing has changed: the poll waits out its timeout.
    quiet = watch(c, s, after=answer["position"], timeout_ms=200, consumer_agent_id="alice")
    assert quiet["changes"] == []
    assert quiet["position"] == answer["position"]


def test_changes_already_committed_are_answered_at_once(c: httpx.Client) -> None:
    s = _scope()
    start = watch(c, s, consumer_agent_id="alice")
    version(c, s, "a", 1, ["n"], value={"v": 1})
    version(c, s, "a", 2, ["n"], value={"v": 2})  # one item, reported once
    version(c, s, "b", 1, ["n", "deep"], op="delete")
    answer = watch(c, s, after=start["position"], timeout_ms=30_000, consumer_agent_id="alice")
    assert changed(answer) == [("a", ("n",)), ("b", ("n", "deep"))]
    # Each item's newest version is named, so a client holding it knows it is current.
    versions = {ch["item"]: ch["version"] for ch in answer["changes"]}
    assert versions == {"a": "lgstore:a:2", "b": "lgstore:b:1"}


def test_only_versions_the_consumer_can_see_are_reported(c: httpx.Client) -> None:
    s = _scope()
    other = _scope()
    start = watch(c, s, consumer_agent_id="bob")
    version(c, s, "secret", 1, ["n"], value={"v": 1}, owner="alice")  # alice's private item
    version(c, other, "elsewhere", 1, ["n"], value={"v": 1}, owner="bob")  # another scope
    bob = watch(c, s, after=start["position"], timeout_ms=300, consumer_agent_id="bob")
    assert bob["changes"] == []  # waited out its timeout: nothing bob can see changed
    alice = watch(c, s, after=start["position"], timeout_ms=300, consumer_agent_id="alice")
    assert changed(alice) == [("secret", ("n",))]
    version(c, s, "open", 1, ["n"], value={"v": 1}, owner="alice", lane="shared")
    bob = watch(c, s, after=start["position"], timeout_ms=30_000, consumer_agent_id="bob")
    assert changed(bob) == [("open", ("n",))]


def test_positions_that_cannot_be_answered_get_a_reset(c: httpx.Client) -> None:
    s = _scope()
    start = watch(c, s, consumer_agent_id="alice")
    ahead = watch(c, s, after=start["position"] + 1000, consumer_agent_id="alice")
    assert ahead["reset"] is True
    assert ahead["changes"] == []
    assert ahead["position"] == start["position"]
    elsewhere = watch(c, s, after=start["position"], epoch="f" * 32, consumer_agent_id="alice")
    assert elsewhere["reset"] is True
    for n in range(3):
        version(c, s, f"i{n}", 1, ["n"], value={"v": n})
    too_many = watch(c, s, after=start["position"], limit=2, consumer_agent_id="alice")
    assert too_many["reset"] is True
    assert too_many["changes"] == []
    enough = watch(c, s, after=start["position"], limit=3, consumer_agent_id="alice")
    assert [item for item, _ in changed(enough)] == ["i0", "i1", "i2"]


def test_a_position_older_than_the_kept_changes_gets_a_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ext_store_index, "CHANGES_KEPT", 2)
    with live_client(embedding_dim=DIM) as c:
        s = _scope()
        start = watch(c, s, consumer_agent_id="alice")
        version(c, s, "a", 1, ["n"], value={"v": 1})
        middle = watch(c, s, after=start["position"], consumer_agent_id="alice")
        assert changed(middle) == [("a", ("n",))]
        version(c, s, "b", 1, ["n"], value={"v": 2})
        version(c, s, "c", 1, ["n"], value={"v": 3})  # "a" falls out of the two kept
        assert watch(c, s, after=start["position"], consumer_agent_id="alice")["reset"] is True
        recent = watch(c, s, after=middle["position"], consumer_agent_id="alice")
        assert recent["reset"] is False
        assert changed(recent) == [("b", ("n",)), ("c", ("n",))]


@pytest.mark.parametrize(
    "body",
    [
        {"after": -1},
        {"after": "x"},
        {"after": 1.5},
        {"timeout_ms": 30_001},
        {"timeout_ms": -1},
        {"limit": 0},
        {"limit": 10_001},
        {"epoch": ""},
        {"epoch": "e" * 65},
        {"consumer_agent_id": ""},
    ],
)
def test_hostile_input_is_a_4xx_in_the_envelope(c: httpx.Client, body: dict[str, Any]) -> None:
    r = c.post(WATCH, json=body)
    assert r.status_code == 400, r.text
    assert error_code(r) == "invalid_request"


def test_a_stopping_server_answers_waiting_polls() -> None:
    answers: list[httpx.Response] = []
    with serve_in_thread(embedding_dim=DIM) as url:
        with httpx.Client(base_url=url) as c:
            start = watch(c, "stop", consumer_agent_id="alice")

        def wait() -> None:
            body = {"scope": "stop", "after": start["position"], "timeout_ms": 30_000}
            with httpx.Client(base_url=url) as own:
                answers.append(own.post(WATCH, json=body, timeout=60))

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(1.0)  # the poll is waiting on the server by now
        began = time.monotonic()
    waiter.join(timeout=60)
    # The shutdown did not wait for the poll's 30 s: it answered it, with no changes.
    assert time.monotonic() - began < 20
    assert answers
    assert answers[0].status_code == 200
    assert answers[0].json()["changes"] == []


def test_identity_comes_from_the_credential() -> None:
    keys_ = {
        "ka": ApiKeyPrincipal(tenant_id="t1", agent_id="alice"),
        "kb": ApiKeyPrincipal(tenant_id="t1", agent_id="bob"),
    }
    with live_client(auth_mode="api_key", api_keys=keys_, embedding_dim=DIM) as c:
        s = "shared-scope"

        def ask(key: str, **body: Any) -> httpx.Response:
            return c.post(WATCH, json={"scope": s, **body}, headers={"x-api-key": key})

        start = ask("ka").json()
        version(c, s, "a", 1, ["n"], value={"v": 1}, headers={"x-api-key": "ka"})
        alice = ask("ka", after=start["position"], timeout_ms=10_000).json()
        assert changed(alice) == [("a", ("n",))]
        bob = ask("kb", after=start["position"], timeout_ms=200).json()
        assert bob["changes"] == []  # alice's private item is not bob's to hear about
        assert ask("kb", after=0, consumer_agent_id="alice").status_code == 403
        assert c.post(WATCH, json={"scope": s}).status_code == 401
