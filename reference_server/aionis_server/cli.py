"""``aionis-server`` / ``aionis serve``: run the reference server from the command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import warnings
from collections.abc import Coroutine, Sequence
from typing import Any

import uvicorn

from .app import create_app
from .config import AUTH_MODES, ServerConfig, load_api_keys
from .services.ext_store_watch import close_watchers

log = logging.getLogger("aionis_server")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's command-line options (shared by ``aionis-server`` and ``aionis serve``)."""
    env = os.environ.get
    parser.add_argument(
        "--db", default=env("AIONIS_DB", "./aionis.db"), help="SQLite file (or :memory:)"
    )
    parser.add_argument("--host", default=env("AIONIS_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(env("AIONIS_PORT", "3321")), help="0 picks a free port"
    )
    parser.add_argument("--auth-mode", choices=AUTH_MODES, default=env("AIONIS_AUTH_MODE", "off"))
    parser.add_argument(
        "--api-keys-file", default=None, help="JSON {key: {tenant_id, agent_id?, team_id?, role?}}"
    )
    parser.add_argument(
        "--jwt-secret",
        default=env("AIONIS_JWT_SECRET"),
        help="HS256 secret (env AIONIS_JWT_SECRET)",
    )
    parser.add_argument("--jwt-require-exp", action="store_true", help="reject JWTs without exp")
    parser.add_argument("--jwt-clock-skew", type=int, default=30, help="seconds of exp/nbf leeway")
    parser.add_argument(
        "--admin-token", default=env("AIONIS_ADMIN_TOKEN"), help="X-Admin-Token for packs/debug"
    )
    parser.add_argument(
        "--embedding-provider", default=env("AIONIS_EMBEDDING_PROVIDER", "deterministic-hash")
    )
    parser.add_argument(
        "--embedding-dim", type=int, default=int(env("AIONIS_EMBEDDING_DIM", "1536"))
    )
    parser.add_argument("--no-auto-embed", action="store_true", help="do not embed nodes on /write")
    parser.add_argument(
        "--pii-redaction", action="store_true", help="redact e-mails, SSNs, IPs, phones"
    )
    parser.add_argument("--synchronous", default="FULL", choices=["OFF", "NORMAL", "FULL", "EXTRA"])
    parser.add_argument("--vector-index-path", default=None)
    parser.add_argument("--local-actor-id", default="local-user")
    parser.add_argument(
        "--no-ext-store-index",
        action="store_true",
        default=env("AIONIS_EXT_STORE_INDEX", "1").strip().lower() in ("0", "false", "off", "no"),
        help="do not serve the ext.store_index extension (env AIONIS_EXT_STORE_INDEX=0)",
    )
    parser.add_argument(
        "--server-timing",
        action="store_true",
        default=env("AIONIS_SERVER_TIMING", "0").strip().lower() in ("1", "true", "on", "yes"),
        help="add a Server-Timing header (app, handoff, work, db, commit ms) to every response"
        " (env AIONIS_SERVER_TIMING=1)",
    )
    parser.add_argument("--rate-limit-recall-rps", type=float, default=None)
    parser.add_argument("--rate-limit-write-rps", type=float, default=None)
    parser.add_argument("--rate-limit-debug-rps", type=float, default=None)
    parser.add_argument(
        "--log-level",
        default=env("AIONIS_LOG_LEVEL", "info"),
        choices=["critical", "error", "warning", "info", "debug"],
    )
    parser.add_argument(
        "--allow-insecure-bind",
        action="store_true",
        help="allow auth mode off on a non-loopback address",
    )


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        db_path=args.db,
        host=args.host,
        port=args.port,
        auth_mode=args.auth_mode,
        api_keys=load_api_keys(args.api_keys_file),
        jwt_secret=args.jwt_secret or None,
        jwt_require_exp=args.jwt_require_exp,
        jwt_clock_skew_s=args.jwt_clock_skew,
        admin_token=args.admin_token or None,
        allow_insecure_bind=args.allow_insecure_bind,
        local_actor_id=args.local_actor_id,
        embedding_provider=args.embedding_provider,
        embedding_dim=args.embedding_dim,
        auto_embed=not args.no_auto_embed,
        pii_redaction=args.pii_redaction,
        synchronous=args.synchronous,
        vector_index_path=args.vector_index_path,
        ext_store_index=not args.no_ext_store_index,
        server_timing=args.server_timing,
        rate_limit_recall_rps=args.rate_limit_recall_rps,
        rate_limit_write_rps=args.rate_limit_write_rps,
        rate_limit_debug_rps=args.rate_limit_debug_rps,
    )


def _display_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def _run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run the server on uvloop when it is installed (the ``server`` extra, not on Windows)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints its URL once it is bound and the app has started."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self._url = url

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Long polls (``/v1/ext/store/watch``) answer now instead of holding the shutdown,
        # which waits for every request in flight.
        close_watchers(getattr(self.config.app, "state", None))
        await super().shutdown(sockets=sockets)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(f"Aionis reference server listening on {self._url}", flush=True)


def serve(config: ServerConfig, *, log_level: str = "info") -> int:
    """Bind, serve until SIGINT/SIGTERM, shut down cleanly (the WAL is checkpointed)."""
    config.check_bind()
    if config.jwt_secret and len(config.jwt_secret.encode()) < 32:
        log.warning("the JWT secret is shorter than 32 bytes; use a longer one in production")
        warnings.filterwarnings("ignore", message=".*HMAC key.*")
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it Nagle delays each response body by the peer's delayed ACK (~40 ms on Linux).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((config.host.strip("[]"), config.port))
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    app = create_app(config.with_overrides(port=port))
    server = _AnnouncingServer(
        # ``http="auto"`` picks httptools (installed with the ``server`` extra) over h11.
        uvicorn.Config(app, log_level=log_level, lifespan="on", access_log=False, http="auto"),
        _display_url(config.host, port),
    )
    try:
        _run_event_loop(server.serve(sockets=[sock]))
    finally:
        sock.close()
    return 0 if server.started else 1


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = config_from_args(args)
        config.check_bind()
    except (ValueError, OSError) as exc:
        print(f"aionis-server: {exc}", file=sys.stderr, flush=True)
        return 2
    return serve(config, log_level=args.log_level)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``serve`` to another CLI's subparsers (used by ``aionis serve``)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the Aionis reference server",
        description="Run the Aionis reference server.",
    )
    add_arguments(parser)
    parser.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aionis-server", description="Run the Aionis reference server."
    )
    add_arguments(parser)
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
