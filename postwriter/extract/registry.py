"""Adapters by name, and which one reads a page (`auto`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from selectolax.lexbor import LexborHTMLParser

from postwriter.errors import ExtractionFailed, InvalidRequest
from postwriter.extract.article import ArticleAdapter
from postwriter.extract.base import Adapter
from postwriter.extract.facebook import FacebookAdapter
from postwriter.extract.feed import FeedAdapter
from postwriter.extract.recipe import Recipe, RecipeAdapter
from postwriter.models.post import Post

AUTO = "auto"
RECIPE = "recipe"
# Detection tries them in this order: the cheapest and most specific first. `recipe` is
# not among them: it needs a recipe, and is used only when asked for by name.
ADAPTERS: Mapping[str, Adapter] = MappingProxyType(
    {adapter.name: adapter for adapter in (FeedAdapter(), FacebookAdapter(), ArticleAdapter())}
)
ADAPTER_NAMES = (AUTO, *ADAPTERS, RECIPE)


def get_adapter(name: str, recipe: Recipe | None = None) -> Adapter:
    """The adapter called `name`; `recipe` is required for "recipe" and refused otherwise."""
    if name == RECIPE:
        if recipe is None:
            raise InvalidRequest("adapter 'recipe' needs a recipe", field="recipe")
        return RecipeAdapter(recipe)
    if recipe is not None:
        raise InvalidRequest(
            f"a recipe is only used with adapter 'recipe', not {name!r}", field="recipe"
        )
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(ADAPTER_NAMES)
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
        f"no adapter recognises the page at {url}: it is no RSS or Atom feed, has no "
        "Facebook-style posts (role=article with post permalinks), and no JSON-LD, "
        "microdata or OpenGraph article"
    )


def extract_posts(
    html: str,
    *,
    url: str,
    adapter: str = AUTO,
    fetched_at: datetime,
    recipe: Recipe | None = None,
) -> tuple[str, list[Post]]:
    """The posts on the page and the name of the adapter that read them.

    `html` is the rendered page, or a feed's own XML text (see `feed.decode_feed`).
    `recipe` goes with `adapter="recipe"` and only with it.
    """
    if adapter == AUTO and recipe is None:
        chosen = detect_adapter(url, html)
    else:
        chosen = get_adapter(adapter, recipe)
    return chosen.name, chosen.extract(html, url=url, fetched_at=fetched_at)
