"""Base classes for every request and response model of the Aionis API.

Responses tolerate growth (unknown keys are kept, §8.8); requests are strict about
their own keys so that a typo fails client-side instead of being silently ignored
by the server (servers ignore unknown request keys, §2).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

__all__ = [
    "AionisModel",
    "NonEmptyStr",
    "RequestModel",
    "Sha256Hex",
    "StrictRequestModel",
    "UUIDStr",
    "Unit",
]


class AionisModel(BaseModel):
    """Base of every response model: unknown keys are kept, numbers are not range-checked.

    ``request_id`` carries the ``x-request-id`` of the response the model was parsed
    from; the client sets it after validation.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    _request_id: str | None = PrivateAttr(default=None)

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the HTTP response this object came from, if known."""
        return self._request_id

    def _set_request_id(self, rid: str | None) -> None:
        self._request_id = rid


class RequestModel(BaseModel):
    """Base of every request body: unknown keys are rejected client-side.

    Every optional field defaults to ``None`` and ``to_body`` drops ``None`` fields,
    so the server's defaults apply to anything the caller did not set. ``None``
    values *inside* open JSON objects (contexts, slots) are kept.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    #: Fields that travel in the URL path, not in the body or query string.
    path_params: ClassVar[frozenset[str]] = frozenset()

    def to_body(self) -> dict[str, Any]:
        """Every set field by wire name, as JSON data (path params included: the client
        moves the names in ``path_params`` into the URL)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)

    def to_query(self) -> dict[str, str]:
        """The query string of a GET route: set scalar fields as text (booleans
        ``true``/``false``), ``path_params`` left out."""
        query: dict[str, str] = {}
        for key, value in self.to_body().items():
            if key in self.path_params:
                continue
            if isinstance(value, bool):
                query[key] = "true" if value else "false"
            elif isinstance(value, (int, float, str)):
                query[key] = str(value)
            else:
                raise TypeError(f"{key} cannot be sent in a query string")
        return query


class StrictRequestModel(RequestModel):
    """A request sub-object the server itself validates strictly (unknown keys are 400)."""


NonEmptyStr = Annotated[str, Field(min_length=1)]
"""A string the spec documents as ``str``: non-empty (§7.1)."""

UUIDStr = Annotated[
    str,
    Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
]
"""A UUID in 8-4-4-4-12 text form (shape only, any version bits)."""

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
"""A lowercase hex SHA-256 digest."""

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
"""A request number in [0, 1] (weights, confidences, salience)."""
