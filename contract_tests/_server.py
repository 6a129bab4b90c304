"""Find or start the server under test.

Order of preference: ``--base-url``, then ``AIONIS_BASE_URL``, then a reference server spawned
for this pytest session on an ephemeral loopback port with a fresh SQLite file. The spawn uses
the reference server's own ``spawn_server`` helper when it is importable, else a small launcher
of the ``aionis-server`` CLI defined here.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx

LISTEN_RE = re.compile(r"listening on (https?://\S+)")
STARTUP_TIMEOUT_S = 60.0


def _their_spawner() -> Any | None:
    """The reference server's ``spawn_server`` context manager, if the package provides one."""
    for module_name in ("aionis_server.testing", "aionis_server"):
        try:
            module = __import__(module_name, fromlist=["spawn_server"])
        except ImportError:
            continue
        spawner = getattr(module, "spawn_server", None)
        if callable(spawner):
            return spawner
    return None


def _cli_command() -> list[str]:
    script = Path(sys.executable).with_name("aionis-server")
    if script.exists():
        return [str(script)]
    found = shutil.which("aionis-server")
    if found:
        return [found]
    return [sys.executable, "-m", "aionis_server.cli"]


def _flag_args(flags: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in flags.items():
        option = "--" + name.replace("_", "-")
        if value is True:
            args.append(option)
        elif value not in (None, False):
            args.extend([option, str(value)])
    return args


@contextlib.contextmanager
def _launch_cli(db_path: Path, **flags: Any) -> Iterator[str]:
    """Run ``aionis-server --db PATH --host 127.0.0.1 --port 0`` and yield its base URL."""
    cmd = [
        *_cli_command(),
        "--db",
        str(db_path),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        *_flag_args(flags),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    stdout = cast("Any", proc.stdout)

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen: list[str] = []
    base_url: str | None = None
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while base_url is None:
            if time.monotonic() > deadline:
                raise RuntimeError("aionis-server did not report its URL:\n" + "".join(seen))
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"aionis-server exited with {proc.returncode}:\n" + "".join(seen)
                    ) from None
                continue
            seen.append(line)
            match = LISTEN_RE.search(line)
            if match:
                base_url = match.group(1).rstrip("/")
        wait_healthy(base_url)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        reader.join(timeout=5)
        stdout.close()


def wait_healthy(base_url: str, timeout: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    with httpx.Client(base_url=base_url, timeout=5.0) as http:
        while time.monotonic() < deadline:
            try:
                if http.get("/health").status_code == 200:
                    return
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.1)
    raise RuntimeError(f"server at {base_url} never became healthy: {last!r}")


@contextlib.contextmanager
def spawn_reference_server(db_path: Path, **flags: Any) -> Iterator[str]:
    """Spawn the reference server (their helper if present, else the CLI) and yield its URL."""
    spawner = _their_spawner()
    if spawner is not None:
        with spawner(str(db_path), **flags) as base_url:
            url = str(base_url).rstrip("/")
            wait_healthy(url)
            yield url
        return
    with _launch_cli(db_path, **flags) as base_url:
        yield base_url
