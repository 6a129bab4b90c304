"""Run the contract suite against a reference server in ``api_key`` auth mode with an admin token.

The default run (``pytest contract_tests``) spawns a server with auth off, so the suite's
authentication tests (401, 403 ``identity_mismatch``, principal injection, admin token) skip
there with their reason. This runs the suite a second time against an authenticated server so
those tests run too; tests that need auth off skip instead. ``scripts/test`` calls it.

    python -m contract_tests.run_authenticated [extra pytest args]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from aionis_server.testing import spawn_server

API_KEY = "ct-key-contract-agent"
ADMIN_TOKEN = "ct-admin-token-0123456789abcdef"
KEYS = {API_KEY: {"tenant_id": "default", "agent_id": "contract-agent", "team_id": "contract-team"}}


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="aionis-ct-auth-") as tmp:
        keys_file = Path(tmp) / "keys.json"
        keys_file.write_text(json.dumps(KEYS), encoding="utf-8")
        with spawn_server(
            str(Path(tmp) / "auth.db"),
            auth_mode="api_key",
            api_keys_file=str(keys_file),
            admin_token=ADMIN_TOKEN,
        ) as base_url:
            args = [
                sys.executable,
                "-m",
                "pytest",
                str(Path(__file__).parent),
                "--base-url",
                base_url,
                "--api-key",
                API_KEY,
                "--admin-token",
                ADMIN_TOKEN,
                "-q",
                "-p",
                "no:cacheprovider",
                *argv,
            ]
            return subprocess.call(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
