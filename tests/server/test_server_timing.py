"""The opt-in Server-Timing header: off by default; when on, every response says where its time
went, and a write's phases are consistent with each other."""

from __future__ import annotations

import argparse
import re
import threading
from pathlib import Path

import httpx
import pytest
from server_support import live_client

from aionis_sdk import AionisClient, Hooks, ResponseInfo
from aionis_server.cli import add_arguments, config_from_args
from aionis_server.testing import spawn_server
from aionis_server.timing import Timing

ENTRY = re.compile(r"^([a-z]+);dur=(\d+\.\d{3})$")


def phases(response: httpx.Response) -> dict[str, float]:
    """The header's entries as ``{name: milliseconds}``; every entry must be well formed."""
    header = response.headers["server-timing"]
    out: dict[str, float] = {}
    for entry in header.split(", "):
        match = ENTRY.match(entry)
        assert match is not None, header
        assert match.group(1) not in out, header
        out[match.group(1)] = float(match.group(2))
    return out


def write_body(client_id: str) -> dict[str, object]:
    return {
        "input_text": "timed",
        "memory_lane": "shared",
        "nodes": [{"client_id": client_id, "type": "event", "text_summary": "timed"}],
    }


def test_off_by_default() -> None:
    with live_client() as client:
        assert "server-timing" not in client.get("/health").headers
        assert "server-timing" not in client.post("/v1/memory/write", json=write_body("a")).headers


def test_a_write_reports_each_phase_consistently(tmp_path: Path) -> None:
    with live_client(db_path=str(tmp_path / "t.db"), server_timing=True) as client:
        for i in range(5):
            r = client.post("/v1/memory/write", json=write_body(f"w{i}"))
            assert r.status_code == 200
            p = phases(r)
            assert list(p) == ["app", "handoff", "work", "db", "commit"]
            assert p["db"] > 0
            assert p["commit"] > 0
            # db and commit happen inside work, work and the hand-off inside app (each value
            # is rounded to a microsecond).
            assert p["db"] + p["commit"] <= p["work"] + 0.002
            assert p["work"] + p["handoff"] <= p["app"] + 0.002


def test_reads_errors_and_unknown_routes_are_timed() -> None:
    with live_client(server_timing=True) as client:
        find = phases(client.post("/v1/memory/find", json={}))
        assert set(find) == {"app", "handoff", "work"}  # a read stores nothing
        bad = client.post("/v1/memory/write", content=b"{oops", headers={"content-type": "x"})
        assert bad.status_code == 415
        assert set(phases(bad)) == {"app"}
        missing = client.post("/nope")
        assert missing.status_code == 404
        assert set(phases(missing)) == {"app"}
        assert missing.headers["x-request-id"]


def test_group_commit_shares_the_commit_among_its_requests(tmp_path: Path) -> None:
    """Concurrent writes: each response carries its own statements' time and the commit of
    the transaction it rode in; nothing leaks between requests."""
    with live_client(db_path=str(tmp_path / "g.db"), server_timing=True) as client:
        results: list[dict[str, float]] = []
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                with httpx.Client(base_url=str(client.base_url)) as own:
                    for i in range(10):
                        r = own.post("/v1/memory/write", json=write_body(f"g{n}-{i}"))
                        assert r.status_code == 200
                        results.append(phases(r))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert len(results) == 40
        for p in results:
            assert p["db"] > 0
            assert p["commit"] > 0
            assert p["db"] + p["commit"] <= p["work"] + 0.002


def test_timing_header_format() -> None:
    timing = Timing()
    assert timing.header() == ""
    timing.add("commit", 0.0004)
    timing.add("zeta", 0.001)
    timing.add("app", 0.00123)
    timing.add("app", 0.001)
    timing.add("db", -1.0)  # a clock step back never shows as negative
    assert timing.header() == "app;dur=2.230, db;dur=0.000, commit;dur=0.400, zeta;dur=1.000"


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], {}, False),
        (["--server-timing"], {}, True),
        ([], {"AIONIS_SERVER_TIMING": "1"}, True),
        ([], {"AIONIS_SERVER_TIMING": "off"}, False),
    ],
)
def test_cli_flag_and_environment(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str], expected: bool
) -> None:
    monkeypatch.delenv("AIONIS_SERVER_TIMING", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    add_arguments(parser)  # reads the environment for its defaults
    assert config_from_args(parser.parse_args(argv)).server_timing is expected


def test_cli_process_sends_the_header(tmp_path: Path) -> None:
    with spawn_server(str(tmp_path / "cli.db"), server_timing=True) as url:
        r = httpx.post(url + "/v1/memory/write", json=write_body("cli"))
        assert {"db", "commit"} <= set(phases(r))


def test_the_sdk_hands_the_phases_to_its_response_hook(tmp_path: Path) -> None:
    seen: list[ResponseInfo] = []
    with (
        live_client(db_path=str(tmp_path / "sdk.db"), server_timing=True) as http,
        AionisClient(base_url=str(http.base_url), hooks=Hooks(on_response=seen.append)) as sdk,
    ):
        sdk.memory.write(**write_body("sdk"))  # type: ignore[arg-type]
    (info,) = seen
    assert info.server_timing is not None
    assert {"app", "handoff", "work", "db", "commit"} <= set(info.server_timing)
    assert info.server_timing["app"] <= info.elapsed * 1e3  # inside the client's round trip
