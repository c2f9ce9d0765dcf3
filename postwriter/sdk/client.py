"""`AsyncClient`: the PostWriter API over aiohttp, one method per operation."""

from __future__ import annotations

from typing import Any

import aiohttp

from .client_admin import AdminArea
from .client_analysis import AnalysisArea
from .client_jobs import JobsArea
from .client_ops import OpsArea
from .retry import RetryPolicy
from .shapes import mapping
from .transport import Transport
from .watch import DEFAULT_RECONNECT, JobWatch, Until

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RETRIES = 3


class AsyncClient(JobsArea, AnalysisArea, OpsArea, AdminArea):
    """The PostWriter API.

    ```
    async with AsyncClient("http://127.0.0.1:8080", api_key) as client:
        job = await client.create_job("https://www.facebook.com/acmecoffee")
    ```

    `timeout` bounds each attempt of a request (seconds); `max_retries` is how many times a
    request that may be repeated is tried again after 429, 503 or a lost connection.
    `retry` replaces the whole retry policy. `session` lets you share an aiohttp session
    (its owner closes it; the client then only adds its own headers per request).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._http = Transport(
            base_url,
            api_key,
            timeout=timeout,
            retry=retry or RetryPolicy(max_retries=max_retries),
            session=session,
        )
        # Watches left open by a caller that stopped iterating early are closed with us
        # (held strongly: a forgotten watch still owns a socket).
        self._watches: set[JobWatch] = set()

    @property
    def base_url(self) -> str:
        return self._http.base_url

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close open watches and the HTTP session (unless it was given)."""
        for watch in list(self._watches):
            await watch.aclose()
        await self._http.close()

    def watch(
        self,
        job_id: str,
        *,
        after_seq: int = 0,
        until: Until = "final",
        timeout: float | None = None,
        reconnect: RetryPolicy = DEFAULT_RECONNECT,
    ) -> JobWatch:
        """Follow a job's events over the WebSocket: `async for event in client.watch(id)`.

        Events come in seq order, each once, from `after_seq + 1` on (stored ones first,
        then live), across reconnects. The iteration ends after the job's final event
        (`job.succeeded`, `job.failed` or `job.cancelled`), or with
        `until="analysis.done"` after the analysis of a succeeded job. `timeout` bounds the
        whole watch (raises WatchTimeout); `reconnect` bounds reconnects in a row without
        progress (raises WatchError).
        """
        watch = JobWatch(
            self._http,
            job_id,
            after_seq=after_seq,
            until=until,
            timeout=timeout,
            reconnect=reconnect,
            on_close=self._watches.discard,
        )
        self._watches.add(watch)
        return watch

    # ------------------------------------------------------------------ system (public)

    async def health(self) -> dict[str, Any]:
        """`{"status": "ok"}` while the API process is up."""
        return mapping(await self._http.request("GET", "/healthz"))

    async def readiness(self) -> dict[str, Any]:
        """Whether the API's broker and database answer: `status` is `ready` or
        `unavailable`, with the `checks`. Answers rather than raises when not ready."""
        data = await self._http.request("GET", "/readyz", ok_statuses=frozenset({503}))
        return mapping(data)

    async def get_open_api(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the server."""
        return mapping(await self._http.request("GET", "/v1/openapi.json"))
