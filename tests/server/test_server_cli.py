"""The CLI as a real process: flags, printed URL, auth from a key file, clean SIGTERM shutdown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from aionis_server.testing import current_processes, spawn_server


def test_cli_serves_with_key_file_and_shuts_down_cleanly(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"k1": {"tenant_id": "acme", "agent_id": "bot"}}))
    db = tmp_path / "cli.db"
    with spawn_server(
        str(db), auth_mode="api_key", api_keys_file=str(keys), admin_token="adm"
    ) as url:
        proc = current_processes()[-1]
        assert url.startswith("http://127.0.0.1:")
        health = httpx.get(url + "/health").json()
        assert health["auth_mode"] == "api_key"
        assert health["embedding"] == {"provider": "deterministic-hash", "dim": 1536}
        assert set(health["capabilities"]) >= {
            "write",
            "find",
            "resolve",
            "sessions",
            "events",
            "packs",
        }
        r = httpx.post(
            url + "/v1/memory/write", json={"input_text": "hi"}, headers={"x-api-key": "k1"}
        )
        assert r.json()["tenant_id"] == "acme"
        assert httpx.get(url + "/openapi.json").json()["paths"]["/v1/memory/write"]["post"][
            "requestBody"
        ]
    assert proc.returncode in (0, -15)  # uvicorn re-raises SIGTERM after a graceful shutdown
    assert db.exists()
    wal = Path(str(db) + "-wal")
    assert not wal.exists() or os.path.getsize(wal) == 0  # checkpointed on shutdown


def test_cli_refuses_insecure_bind(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aionis_server.cli",
            "--db",
            ":memory:",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "allow-insecure-bind" in done.stderr
