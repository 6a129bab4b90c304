"""``client.sessions``: create, list (+ auto-paging), append_event, events (+ auto-paging)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from .._operations import APPEND_EVENT, CREATE_SESSION, LIST_EVENTS, LIST_SESSIONS
from ..types import (
    AppendEventRequest,
    AppendEventResponse,
    CreateSessionRequest,
    CreateSessionResponse,
    ListEventsRequest,
    ListEventsResponse,
    ListSessionsRequest,
    ListSessionsResponse,
    SessionEvent,
    SessionSummary,
)
from ._resource import AsyncResource, SyncResource, aiter_pages, iter_pages, page_params

__all__ = ["AsyncSessions", "Sessions"]


def _sessions(response: ListSessionsResponse) -> list[SessionSummary]:
    return list(response.sessions)


def _events(response: ListEventsResponse) -> list[SessionEvent]:
    return list(response.events)


class Sessions(SyncResource):
    def create(
        self, request: CreateSessionRequest | None = None, /, **params: Any
    ) -> CreateSessionResponse:
        """POST /v1/memory/sessions (idempotent: the session id is the caller's)."""
        return self._client._call(CREATE_SESSION, request, params)

    def list(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> ListSessionsResponse:
        """GET /v1/memory/sessions: one page, most recently active first."""
        return self._client._call(LIST_SESSIONS, request, params)

    def list_all(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> Iterator[SessionSummary]:
        """Every visible session, fetching pages lazily."""
        return iter_pages(lambda p: self.list(**p), page_params(request, params), _sessions)

    def append_event(
        self, request: AppendEventRequest | None = None, /, **params: Any
    ) -> AppendEventResponse:
        """POST /v1/memory/events. Without ``event_id`` the client generates one (uuid4),
        so the call is idempotent and safe to retry."""
        return self._client._call(APPEND_EVENT, request, params)

    def events(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> ListEventsResponse:
        """GET /v1/memory/sessions/{session_id}/events: one page, newest first."""
        return self._client._call(LIST_EVENTS, request, params)

    def events_all(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> Iterator[SessionEvent]:
        """Every event of a session, newest first, fetching pages lazily."""
        return iter_pages(lambda p: self.events(**p), page_params(request, params), _events)


class AsyncSessions(AsyncResource):
    async def create(
        self, request: CreateSessionRequest | None = None, /, **params: Any
    ) -> CreateSessionResponse:
        """POST /v1/memory/sessions (idempotent: the session id is the caller's)."""
        return await self._client._call(CREATE_SESSION, request, params)

    async def list(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> ListSessionsResponse:
        """GET /v1/memory/sessions: one page, most recently active first."""
        return await self._client._call(LIST_SESSIONS, request, params)

    def list_all(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> AsyncIterator[SessionSummary]:
        """Every visible session (``async for``), fetching pages lazily."""
        return aiter_pages(lambda p: self.list(**p), page_params(request, params), _sessions)

    async def append_event(
        self, request: AppendEventRequest | None = None, /, **params: Any
    ) -> AppendEventResponse:
        """POST /v1/memory/events; see :meth:`Sessions.append_event`."""
        return await self._client._call(APPEND_EVENT, request, params)

    async def events(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> ListEventsResponse:
        """GET /v1/memory/sessions/{session_id}/events: one page, newest first."""
        return await self._client._call(LIST_EVENTS, request, params)

    def events_all(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> AsyncIterator[SessionEvent]:
        """Every event of a session (``async for``), fetching pages lazily."""
        return aiter_pages(lambda p: self.events(**p), page_params(request, params), _events)
