"""Turn pydantic validation failures into the spec's ``invalid_request`` issues (§3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ApiError, invalid_request

M = TypeVar("M", bound=BaseModel)


def issue_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the spec's dotted path (``nodes.0.type``)."""
    return ".".join(
        str(part) for part in loc if not (isinstance(part, str) and part.startswith("function-"))
    )


def issues_from(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"path": issue_path(tuple(e["loc"])), "message": e["msg"]}
        for e in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def parse_body(model: type[M], body: Mapping[str, Any]) -> M:
    """Validate ``body`` against ``model``; raise 400 ``invalid_request`` with issues if it fails."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise invalid_request(issues_from(exc)) from None


def require(condition: bool, path: str, message: str) -> None:
    """Raise ``invalid_request`` with one issue unless ``condition`` holds."""
    if not condition:
        raise ApiError(
            400, "invalid_request", "invalid request", issues=[{"path": path, "message": message}]
        )
