"""Sources (page URLs) and origins compared in one normal form, and the job lookups they need.

A job stores the URL as submitted, so two spellings of one page (`HTTPS://Example.com:443/acme/`
and `https://example.com/acme`) are matched by normalising both sides here.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from postwriter.models.job import ACTIVE_STATUSES
from postwriter.politeness.robots import origin_of
from postwriter.storage.database import Database

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Active jobs scanned for one source subscription; more than this are not all found.
MAX_ACTIVE_SCAN = 5000


def source_key(url: str) -> str | None:
    """The normal form of a page URL, or None when it is not an http(s) URL.

    Scheme and host lower-cased, default port, user info and fragment dropped, a trailing
    slash dropped from a non-root path; the path's case and the query are kept.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def origin_key(origin: str) -> str | None:
    """`scheme://host[:port]` lower-cased without a default port; None for anything else."""
    parts = urlsplit(origin.strip())
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    try:
        return origin_of(origin)
    except ValueError:
        return None


async def existing_job_ids(db: Database, job_ids: list[str]) -> set[str]:
    found = db.jobs.find({"_id": {"$in": job_ids}}, projection={"_id": True})
    return {str(doc["_id"]) for doc in await found.to_list(len(job_ids))}


async def source_of_job(db: Database, job_id: str) -> str | None:
    doc = await db.jobs.find_one({"_id": job_id}, projection={"url": True})
    if doc is None or not isinstance(doc.get("url"), str):
        return None
    return source_key(doc["url"])


async def active_jobs_of(db: Database, key: str) -> list[str]:
    """Queued and running jobs of a source, oldest first."""
    found = (
        db.jobs.find({"status": {"$in": list(ACTIVE_STATUSES)}}, projection={"url": True})
        .sort("created_at", 1)
        .limit(MAX_ACTIVE_SCAN)
    )
    return [
        str(doc["_id"])
        for doc in await found.to_list()
        if isinstance(doc.get("url"), str) and source_key(doc["url"]) == key
    ]
