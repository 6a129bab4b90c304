"""Run a real server for tests and notebooks: in a background thread, or as a subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx
import uvicorn

from .app import create_app
from .config import ServerConfig
from .services.ext_store_watch import close_watchers

_URL_LINE = re.compile(r"Aionis reference server listening on (http://\S+)")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(
    base_url: str, timeout: float = 30.0, process: subprocess.Popen[str] | None = None
) -> None:
    """Poll ``GET /health`` until it answers 200, or raise ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"server process exited with code {process.returncode}")
            try:
                if client.get(base_url + "/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server at {base_url} did not become healthy in {timeout}s")
            time.sleep(0.05)


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the host process keeps its own handlers
        return

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        close_watchers(getattr(self.config.app, "state", None))  # answer long polls now
        await super().shutdown(sockets=sockets)


@contextmanager
def serve_in_thread(
    db_path: str = ":memory:",
    *,
    embedder: Any = None,
    vectors: Any = None,
    startup_timeout: float = 60.0,
    **config: Any,
) -> Iterator[str]:
    """Serve the reference server on a free loopback port in a background thread.

    Yields the base URL (``http://127.0.0.1:PORT``) once ``/health`` answers, and shuts the
    server down cleanly (closing the database) when the block ends. Extra keyword arguments
    are :class:`ServerConfig` fields.
    """
    host = config.pop("host", "127.0.0.1")
    port = config.pop("port", 0) or free_port(host)
    cfg = ServerConfig(db_path=db_path, host=host, port=port, **config)
    cfg.check_bind()
    app = create_app(cfg, embedder=embedder, vectors=vectors)
    server = _ThreadServer(
        uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="on", loop="asyncio"
        )
    )
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve())
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"aionis-server-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if errors or not thread.is_alive():
                raise RuntimeError(f"server failed to start: {errors[0] if errors else 'exited'}")
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start in time")
            time.sleep(0.02)
        wait_healthy(base_url, timeout=startup_timeout)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def spawn_server(
    db_path: str = ":memory:",
    *,
    env: dict[str, str] | None = None,
    startup_timeout: float = 60.0,
    **flags: Any,
) -> Iterator[str]:
    """Run ``aionis-server`` as a real subprocess on a free port and yield its base URL.

    Keyword arguments become CLI flags (``auth_mode="api_key"`` → ``--auth-mode api_key``;
    ``True`` → a bare flag). The process gets SIGTERM on exit (SIGKILL if it hangs). The
    ``Popen`` object is available as ``spawn_server.last_process`` for crash tests.
    """
    args = [sys.executable, "-m", "aionis_server.cli", "--db", db_path, "--port", "0"]
    for name, value in flags.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not None and value is not False:
            args.extend([flag, str(value)])
    proc_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=proc_env,
    )
    _processes.append(proc)
    try:
        base_url = _await_url(proc, startup_timeout)
        wait_healthy(base_url, timeout=startup_timeout, process=proc)
        # Keep draining output so the child never blocks on a full pipe.
        threading.Thread(target=_drain, args=(proc,), daemon=True).start()
        yield base_url
    finally:
        _stop(proc)
        _processes.remove(proc)


_processes: list[subprocess.Popen[str]] = []


def current_processes() -> list[subprocess.Popen[str]]:
    """The server subprocesses currently running under :func:`spawn_server` (newest last)."""
    return list(_processes)


def _await_url(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    lines: list[str] = []
    found: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            match = _URL_LINE.search(line)
            if match:
                found.append(match.group(1))
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    if not found:
        _stop(proc)
        raise RuntimeError("server did not report its URL:\n" + "".join(lines[-40:]))
    return found[0]


def _drain(proc: subprocess.Popen[str]) -> None:
    if proc.stdout is None:
        return
    try:
        for _ in proc.stdout:
            pass
    except (OSError, ValueError):
        return


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc.stdout is not None:
        with suppress(OSError):
            proc.stdout.close()
