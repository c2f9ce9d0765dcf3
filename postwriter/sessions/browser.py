"""The one place a session's cookies enter a browser: the job's own context, nothing else."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from playwright.async_api import Error as PlaywrightError

from postwriter.errors import InvalidCookieFile, InvalidRequest
from postwriter.sessions.vault import SessionInfo, SessionVault

log = logging.getLogger(__name__)


class CookieJar(Protocol):
    """What is needed of a Playwright `BrowserContext`."""

    async def add_cookies(self, cookies: Sequence[Any]) -> None: ...


async def apply_session(
    vault: SessionVault, context: CookieJar, session_id: str, *, platform: str | None = None
) -> SessionInfo:
    """Open `session_id` and add its cookies to `context` (one job's private context).

    Raises `NotFound`, `DecryptionFailed`, `InvalidRequest` (the session belongs to another
    platform than the job's) or `InvalidCookieFile` (the browser refused a cookie; the
    browser's own message is not passed on because it may quote the cookie).
    """
    info, cookies = await vault.load(session_id)
    if platform is not None and info.platform != platform:
        raise InvalidRequest(
            f"session {session_id} is for {info.platform}, not {platform}", field="session_id"
        )
    try:
        await context.add_cookies(cookies)
    except PlaywrightError as exc:
        log.warning(
            "browser refused session cookies",
            extra={"session_id": session_id, "error": type(exc).__name__},
        )
        raise InvalidCookieFile(
            f"session {session_id}: the browser refused its cookies; import them again",
            field="session_id",
        ) from None
    log.info(
        "session applied to context",
        extra={"session_id": session_id, "cookie_count": len(cookies), "status": info.status},
    )
    return info
