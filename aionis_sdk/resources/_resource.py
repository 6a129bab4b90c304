"""Resource base classes and the auto-paging helpers shared by the resource modules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .._request import OPTION_NAMES
from ..types import RequestModel

if TYPE_CHECKING:
    from .._async_client import AsyncAionisClient
    from .._client import AionisClient

__all__ = ["AsyncResource", "SyncResource", "aiter_pages", "iter_pages", "page_params"]

T = TypeVar("T")


class SyncResource:
    def __init__(self, client: AionisClient) -> None:
        self._client = client


class AsyncResource:
    def __init__(self, client: AsyncAionisClient) -> None:
        self._client = client


def page_params(request: RequestModel | None, params: dict[str, Any]) -> dict[str, Any]:
    """Keyword fields for a paged call, from a request model or the given keywords."""
    if request is None:
        return dict(params)
    if params.keys() - OPTION_NAMES:
        raise TypeError("pass either a request model or keyword fields, not both")
    return {**request.model_dump(exclude_none=True), **params}


def _next_offset(response: Any, offset: int, count: int) -> int | None:
    """The offset of the next page, or None when this page was the last one."""
    page = getattr(response, "page", None)
    if page is None or not page.has_more or count == 0:
        return None
    return int(page.offset) + int(page.returned or count)


def iter_pages(
    fetch: Callable[[dict[str, Any]], Any], params: dict[str, Any], items: Callable[[Any], list[T]]
) -> Iterator[T]:
    """Yield every item of every page, following ``page.has_more``."""
    offset = int(params.pop("offset", 0) or 0)
    while True:
        response = fetch({**params, "offset": offset})
        batch = items(response)
        yield from batch
        next_offset = _next_offset(response, offset, len(batch))
        if next_offset is None:
            return
        offset = next_offset


async def aiter_pages(
    fetch: Callable[[dict[str, Any]], Awaitable[Any]],
    params: dict[str, Any],
    items: Callable[[Any], list[T]],
) -> AsyncIterator[T]:
    """Async twin of :func:`iter_pages`."""
    offset = int(params.pop("offset", 0) or 0)
    while True:
        response = await fetch({**params, "offset": offset})
        batch = items(response)
        for item in batch:
            yield item
        next_offset = _next_offset(response, offset, len(batch))
        if next_offset is None:
            return
        offset = next_offset
