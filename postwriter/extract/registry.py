"""Which adapter reads a page: by name, or detected from the page itself (`auto`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from selectolax.lexbor import LexborHTMLParser

from postwriter.errors import ExtractionFailed, InvalidRequest
from postwriter.extract.article import ArticleAdapter
from postwriter.extract.base import Adapter
from postwriter.extract.facebook import FacebookAdapter
from postwriter.models.post import Post

AUTO = "auto"
# Detection tries them in this order: the most specific first.
ADAPTERS: Mapping[str, Adapter] = MappingProxyType(
    {adapter.name: adapter for adapter in (FacebookAdapter(), ArticleAdapter())}
)


def get_adapter(name: str) -> Adapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join([AUTO, *ADAPTERS])
        raise InvalidRequest(
            f"unknown adapter {name!r}; known adapters: {known}", field="adapter"
        ) from None


def detect_adapter(url: str, html: str) -> Adapter:
    for adapter in ADAPTERS.values():
        if adapter.matches(url, html):
            return adapter
    # A timeline with no posts yet is still a timeline: zero posts, not a failure.
    if LexborHTMLParser(html).css_first('[role="feed"]') is not None:
        return ADAPTERS["facebook"]
    raise ExtractionFailed(
        f"no adapter recognises the page at {url}: it has neither Facebook-style posts "
        "(role=article with post permalinks) nor a JSON-LD or OpenGraph article"
    )


def extract_posts(
    html: str, *, url: str, adapter: str = AUTO, fetched_at: datetime
) -> tuple[str, list[Post]]:
    """The posts on the page and the name of the adapter that read them."""
    chosen = detect_adapter(url, html) if adapter == AUTO else get_adapter(adapter)
    return chosen.name, chosen.extract(html, url=url, fetched_at=fetched_at)
