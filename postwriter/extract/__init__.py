"""Pure extraction: an HTML string in, `Post` objects out. No browser, no network."""

from postwriter.extract.registry import ADAPTERS, detect_adapter, extract_posts, get_adapter

__all__ = ["ADAPTERS", "detect_adapter", "extract_posts", "get_adapter"]
