"""The Aionis reference server: the Memory API v1 on an embedded SQLite database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ApiKeyPrincipal, ServerConfig

if TYPE_CHECKING:
    from .app import create_app
    from .testing import serve_in_thread, spawn_server

__all__ = ["ApiKeyPrincipal", "ServerConfig", "create_app", "serve_in_thread", "spawn_server"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `import aionis_server` stays cheap (no FastAPI/uvicorn import).
    if name == "create_app":
        from .app import create_app

        return create_app
    if name in ("serve_in_thread", "spawn_server"):
        from . import testing

        return getattr(testing, name)
    raise AttributeError(name)
