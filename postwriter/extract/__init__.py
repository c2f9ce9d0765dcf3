"""Pure extraction: an HTML string (or a feed's XML) in, `Post` objects out. No browser,
no network."""

from postwriter.extract.feed import decode_feed, is_feed
from postwriter.extract.recipe import Recipe, RecipeAdapter, recipe_schema
from postwriter.extract.registry import (
    ADAPTER_NAMES,
    ADAPTERS,
    detect_adapter,
    extract_posts,
    get_adapter,
)
from postwriter.extract.timeline import older_than, published_since

__all__ = [
    "ADAPTERS",
    "ADAPTER_NAMES",
    "Recipe",
    "RecipeAdapter",
    "decode_feed",
    "detect_adapter",
    "extract_posts",
    "get_adapter",
    "is_feed",
    "older_than",
    "published_since",
    "recipe_schema",
]
