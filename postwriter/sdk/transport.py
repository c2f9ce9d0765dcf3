"""HTTP under the client: one aiohttp session, auth, JSON, error mapping and retries."""

from __future__ import annotations

import asyncio
import json as jsonlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from .errors import ApiError, TransportError, UnexpectedResponse, error_for
from .retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after, retryable_status

T = TypeVar("T")
USER_AGENT = "postwriter-sdk/1"
# Failures that leave no HTTP answer: the request may or may not have reached the server.
CONNECTION_ERRORS = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError)
ERROR_BODY_LIMIT = 64 * 1024


def path_part(value: str) -> str:
    """One path segment, escaped so an id can never step into another route."""
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")


def query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def query(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Query pairs without the parameters left at None; lists repeat their name."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((name, query_value(v)) for v in value)
        else:
            pairs.append((name, query_value(value)))
    return pairs


def describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class Transport:
    """Sends requests with the key, maps error answers to exceptions, retries what is safe.

    The session is made on first use, inside the running loop, unless one is given; a
    given session is the caller's to close.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float,
        retry: RetryPolicy,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self._api_key = api_key
        self._session = session
        self._owns_session = session is None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise RuntimeError("the session given to the client is closed")
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()

    def url(self, path: str) -> str:
        return self.base_url + path

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        repeat_safe: bool | None = None,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> Any:
        """The decoded JSON answer (None for an empty one), after the retries allowed.

        `repeat_safe` overrides the method's own idempotency (e.g. a POST with an
        idempotency key); `ok_statuses` are error statuses read as answers, not raised.
        """
        safe = method in IDEMPOTENT_METHODS if repeat_safe is None else repeat_safe

        async def attempt() -> Any:
            async with self.session.request(
                method,
                self.url(path),
                params=query(params),
                json=json,
                headers={**self.auth_headers(), **(headers or {})},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as resp:
                if resp.status >= 400 and resp.status not in ok_statuses:
                    raise await _error_of(resp)
                return await _json_of(resp, f"{method} {path}")

        return await self.with_retries(f"{method} {path}", safe, attempt)

    @asynccontextmanager
    async def stream(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A response whose body is read by the caller; retried only until it starts.

        The timeout bounds the connection and each wait for more bytes, not the whole
        download, so a long export is not cut while it keeps flowing.
        """
        timeout = aiohttp.ClientTimeout(
            total=None, connect=self.timeout, sock_connect=self.timeout, sock_read=self.timeout
        )

        async def attempt() -> aiohttp.ClientResponse:
            resp = await self.session.request(
                method,
                self.url(path),
                params=query(params),
                headers=self.auth_headers(),
                timeout=timeout,
            )
            if resp.status >= 400:
                try:
                    raise await _error_of(resp)
                finally:
                    resp.release()
            return resp

        resp = await self.with_retries(f"{method} {path}", method in IDEMPOTENT_METHODS, attempt)
        try:
            yield resp
        except CONNECTION_ERRORS as exc:
            raise TransportError(f"{method} {path}: the stream broke: {describe(exc)}") from exc
        finally:
            resp.release()

    async def with_retries(
        self, label: str, repeat_safe: bool, attempt: Callable[[], Awaitable[T]]
    ) -> T:
        """Run `attempt` until it answers, raises what may not be retried, or retries run out."""
        retry = 0
        while True:
            try:
                return await attempt()
            except ApiError as error:
                if not retryable_status(error.status, repeat_safe=repeat_safe):
                    raise
                wait = self.retry.delay(retry, parse_retry_after(error.headers.get("Retry-After")))
                if wait is None:
                    raise
            except CONNECTION_ERRORS as exc:
                wait = self.retry.delay(retry) if repeat_safe else None
                if wait is None:
                    raise TransportError(f"{label}: {describe(exc)}") from exc
            await asyncio.sleep(wait)
            retry += 1


async def _error_of(resp: aiohttp.ClientResponse) -> ApiError:
    body: Any = None
    try:
        text = (await resp.content.read(ERROR_BODY_LIMIT)).decode("utf-8", "replace")
        body = jsonlib.loads(text)
    except (ValueError, *CONNECTION_ERRORS):
        body = None
    return error_for(resp.status, body, resp.headers, resp.reason or "")


async def _json_of(resp: aiohttp.ClientResponse, label: str) -> Any:
    raw = await resp.read()
    if not raw:
        return None
    try:
        return jsonlib.loads(raw)
    except ValueError as exc:
        kind = resp.headers.get("Content-Type", "?")
        raise UnexpectedResponse(f"{label}: the answer is not JSON ({kind})") from exc
