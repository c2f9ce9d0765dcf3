"""`Client`: the same API without async, for scripts, notebooks and other threads.

It runs an `AsyncClient` on a private event loop in a background thread of its own; each
call hands its coroutine to that loop and waits for the answer. A thread (rather than
`asyncio.run` per call) keeps one HTTP connection pool for the client's whole life, and
works where an event loop already runs in the caller's thread (Jupyter, an async app
calling a sync library), which `asyncio.run` refuses.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import Future
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from .client import AsyncClient
from .models import JobEvent
from .retry import RetryPolicy
from .watch import DEFAULT_RECONNECT, Until

P = ParamSpec("P")
R = TypeVar("R")
Y = TypeVar("Y")
_DONE = object()
SHUTDOWN_TIMEOUT_S = 10.0


class _LoopThread:
    """A private event loop running in a daemon thread until `stop()`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._serve, name="postwriter-sdk", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError("a Client method was called from its own loop; use AsyncClient")
        if self.loop.is_closed():
            coro.close()
            raise RuntimeError("the client is closed")
        future: Future[R] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            # Ctrl-C in the caller's thread: do not leave the request running behind it.
            future.cancel()
            raise

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(_finish_tasks(), self.loop).result(SHUTDOWN_TIMEOUT_S)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(SHUTDOWN_TIMEOUT_S)
        self.loop.close()


async def _finish_tasks() -> None:
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


async def _step(source: AsyncIterator[Y]) -> Y | object:
    try:
        return await anext(source)
    except StopAsyncIteration:
        return _DONE


class SyncIterator(Iterator[Y], Generic[Y]):
    """A plain iterator over an async one of the client; `close()` (or `with`) when
    leaving early, so its connection is released."""

    def __init__(self, runner: _LoopThread, source: AsyncIterator[Y]) -> None:
        self._runner = runner
        self._source = source
        self._closed = False

    def __iter__(self) -> SyncIterator[Y]:
        return self

    def __next__(self) -> Y:
        if self._closed:
            raise StopIteration
        item = self._runner.run(_step(self._source))
        if item is _DONE:
            self._closed = True
            raise StopIteration
        return item  # type: ignore[return-value]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        aclose = getattr(self._source, "aclose", None)
        if aclose is not None and not self._runner.loop.is_closed():
            self._runner.run(aclose())

    def __enter__(self) -> SyncIterator[Y]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _blocking(
    method: Callable[Concatenate[AsyncClient, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[Client, P], R]:
    @functools.wraps(method)
    def call(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._loop.run(method(self._async, *args, **kwargs))

    return call


def _iterating(
    method: Callable[Concatenate[AsyncClient, P], AsyncIterator[Y]],
) -> Callable[Concatenate[Client, P], SyncIterator[Y]]:
    @functools.wraps(method)
    def call(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> SyncIterator[Y]:
        return SyncIterator(self._loop, method(self._async, *args, **kwargs))

    return call


class Client:
    """The PostWriter API, blocking: the methods of `AsyncClient`, same names, same
    arguments, same answers; iterating methods (`watch`, `iter_posts`, `export_posts`...)
    return plain iterators. Close it (or use `with`) to stop its thread.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._async = AsyncClient(
            base_url, api_key, timeout=timeout, max_retries=max_retries, retry=retry
        )
        self._loop = _LoopThread()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def base_url(self) -> str:
        return self._async.base_url

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self._loop.run(self._async.close())
        finally:
            self._loop.stop()

    def watch(
        self,
        job_id: str,
        *,
        after_seq: int = 0,
        until: Until = "final",
        timeout: float | None = None,
        reconnect: RetryPolicy = DEFAULT_RECONNECT,
    ) -> SyncIterator[JobEvent]:
        """`for event in client.watch(job_id)`: as `AsyncClient.watch`."""
        source = self._async.watch(
            job_id, after_seq=after_seq, until=until, timeout=timeout, reconnect=reconnect
        )
        return SyncIterator(self._loop, source)

    health = _blocking(AsyncClient.health)
    readiness = _blocking(AsyncClient.readiness)
    get_open_api = _blocking(AsyncClient.get_open_api)
    # jobs and posts
    create_job = _blocking(AsyncClient.create_job)
    list_jobs = _blocking(AsyncClient.list_jobs)
    get_job = _blocking(AsyncClient.get_job)
    cancel_job = _blocking(AsyncClient.cancel_job)
    list_job_posts = _blocking(AsyncClient.list_job_posts)
    iter_job_posts = _iterating(AsyncClient.iter_job_posts)
    list_job_events = _blocking(AsyncClient.list_job_events)
    list_posts = _blocking(AsyncClient.list_posts)
    iter_posts = _iterating(AsyncClient.iter_posts)
    export_posts = _iterating(AsyncClient.export_posts)
    export_post_records = _iterating(AsyncClient.export_post_records)
    get_post = _blocking(AsyncClient.get_post)
    get_post_history = _blocking(AsyncClient.get_post_history)
    # analysis
    list_pages = _blocking(AsyncClient.list_pages)
    get_page_analytics = _blocking(AsyncClient.get_page_analytics)
    get_page_topics = _blocking(AsyncClient.get_page_topics)
    list_templates = _blocking(AsyncClient.list_templates)
    get_template = _blocking(AsyncClient.get_template)
    rank_ideas = _blocking(AsyncClient.rank_ideas)
    generate_posts = _blocking(AsyncClient.generate_posts)
    # schedules
    create_schedule = _blocking(AsyncClient.create_schedule)
    list_schedules = _blocking(AsyncClient.list_schedules)
    get_schedule = _blocking(AsyncClient.get_schedule)
    update_schedule = _blocking(AsyncClient.update_schedule)
    delete_schedule = _blocking(AsyncClient.delete_schedule)
    enable_schedule = _blocking(AsyncClient.enable_schedule)
    disable_schedule = _blocking(AsyncClient.disable_schedule)
    list_schedule_jobs = _blocking(AsyncClient.list_schedule_jobs)
    # dead letters
    list_dead_letters = _blocking(AsyncClient.list_dead_letters)
    get_dead_letter = _blocking(AsyncClient.get_dead_letter)
    replay_dead_letter = _blocking(AsyncClient.replay_dead_letter)
    # sessions
    import_session = _blocking(AsyncClient.import_session)
    list_sessions = _blocking(AsyncClient.list_sessions)
    get_session = _blocking(AsyncClient.get_session)
    delete_session = _blocking(AsyncClient.delete_session)
    # recipes
    create_recipe = _blocking(AsyncClient.create_recipe)
    put_recipe = _blocking(AsyncClient.put_recipe)
    list_recipes = _blocking(AsyncClient.list_recipes)
    get_recipe = _blocking(AsyncClient.get_recipe)
    delete_recipe = _blocking(AsyncClient.delete_recipe)
    # webhooks
    create_webhook = _blocking(AsyncClient.create_webhook)
    list_webhooks = _blocking(AsyncClient.list_webhooks)
    get_webhook = _blocking(AsyncClient.get_webhook)
    update_webhook = _blocking(AsyncClient.update_webhook)
    delete_webhook = _blocking(AsyncClient.delete_webhook)
    rotate_webhook_secret = _blocking(AsyncClient.rotate_webhook_secret)
    list_webhook_deliveries = _blocking(AsyncClient.list_webhook_deliveries)
    ping_webhook = _blocking(AsyncClient.ping_webhook)
    # API keys and audit
    create_api_key = _blocking(AsyncClient.create_api_key)
    list_api_keys = _blocking(AsyncClient.list_api_keys)
    get_api_key = _blocking(AsyncClient.get_api_key)
    revoke_api_key = _blocking(AsyncClient.revoke_api_key)
    list_audit_events = _blocking(AsyncClient.list_audit_events)
    get_settings = _blocking(AsyncClient.get_settings)
