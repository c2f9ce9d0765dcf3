"""Selector recipes: a team describes a platform's markup with CSS selectors, and this
adapter reads its posts, with no code written for that platform.

A recipe names the element of one post (`item`) and, inside it, where each field is: a
selector, and optionally the attribute to read instead of the text. Its JSON shape is
`recipe.schema.json` beside this file (what the API validates request bodies against);
`Recipe.from_dict` enforces the same schema and also compiles every selector, so a bad one
is refused when the recipe is saved, naming the field (`fields.reactions.selector`).

How fields are read, inside each item:
- text: every match, as a reader sees it (paragraphs kept), joined by a blank line;
- url, author_url: the first match's `href` (or the attribute given), made absolute,
  tracking parameters removed; an item without a url is skipped (no stable id);
- id: the first match's text or attribute; without it, the url's path and query;
- published_at: the attribute if the element has it, else the text: epoch seconds, ISO 8601
  or a relative time ("3h", "Yesterday at 10:00") resolved against the fetch time;
- author: the first match's text; reactions, comments, shares, views: the first count in
  the match's text or attribute ("1.2K", "1,2 tys.");
- media: every match's `src` (video for <video>/<source>, else image); links: every match's
  `href`, unwrapped and cleaned like outbound links.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from postwriter.errors import InvalidRequest
from postwriter.extract.counts import parse_count
from postwriter.extract.dom import readable_text, tidy
from postwriter.extract.timeparse import resolve_time
from postwriter.extract.urls import absolute, clean_link, strip_tracking
from postwriter.models.post import Author, Media, Metrics, Post

FIELD_NAMES = (
    "id", "text", "url", "published_at", "author", "author_url", "reactions", "comments",
    "shares", "views", "media", "links",
)  # fmt: skip
_DEFAULT_ATTRIBUTE = {"url": "href", "author_url": "href", "links": "href", "media": "src"}
_COUNTS = ("reactions", "comments", "shares", "views")


@cache
def recipe_schema() -> dict[str, Any]:
    """The JSON Schema of a recipe (`recipe.schema.json`)."""
    text = resources.files("postwriter.extract").joinpath("recipe.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(recipe_schema())


def _schema_error(error: ValidationError) -> InvalidRequest:
    path = [str(p) for p in error.absolute_path]
    where = ".".join(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(schema.get("properties") or {})
        unknown = sorted(str(k) for k in error.instance if k not in known)
        field = ".".join([*path, unknown[0]]) if unknown else where
        return InvalidRequest(f"recipe: unknown field {field!r}", field=field)
    if error.validator == "required" and isinstance(error.validator_value, list):
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [k for k in error.validator_value if k not in present]
        field = ".".join([*path, str(missing[0])]) if missing else where
        return InvalidRequest(f"recipe: {field} is required", field=field)
    return InvalidRequest(f"recipe: {where or 'body'}: {error.message}", field=where or None)


def check_selector(selector: str, field: str) -> None:
    """Raise InvalidRequest naming `field` if lexbor cannot compile `selector`."""
    try:
        LexborHTMLParser("<html></html>").css(selector)
    except (SelectolaxError, ValueError, TypeError):
        raise InvalidRequest(
            f"recipe: {field}: invalid CSS selector {selector!r}", field=field
        ) from None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Where one field is inside a post: a CSS selector, and the attribute to read (None:
    the field's default, the text for most)."""

    selector: str
    attribute: str | None = None

    def to_dict(self) -> dict[str, str]:
        out = {"selector": self.selector}
        if self.attribute is not None:
            out["attribute"] = self.attribute
        return out


@dataclass(frozen=True, slots=True)
class Recipe:
    name: str
    platform: str
    item: str
    text: FieldSpec
    url: FieldSpec
    id: FieldSpec | None = None
    published_at: FieldSpec | None = None
    author: FieldSpec | None = None
    author_url: FieldSpec | None = None
    reactions: FieldSpec | None = None
    comments: FieldSpec | None = None
    shares: FieldSpec | None = None
    views: FieldSpec | None = None
    media: FieldSpec | None = None
    links: FieldSpec | None = None
    description: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> Recipe:
        """A recipe from its JSON form; InvalidRequest (HTTP 400) naming the field that is
        wrong: unknown keys, missing ones, bad names, selectors that do not compile."""
        error = next(iter(_validator().iter_errors(data)), None)
        if error is not None:
            raise _schema_error(error)
        check_selector(data["item"], "item")
        fields: dict[str, FieldSpec] = {}
        for name in FIELD_NAMES:
            spec = data["fields"].get(name)
            if spec is not None:
                check_selector(spec["selector"], f"fields.{name}.selector")
                fields[name] = FieldSpec(spec["selector"], spec.get("attribute"))
        return cls(
            name=data["name"],
            platform=data["platform"],
            item=data["item"],
            description=data.get("description", ""),
            text=fields.pop("text"),
            url=fields.pop("url"),
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as `from_dict` takes it and MongoDB stores it."""
        fields = {
            name: spec.to_dict()
            for name in FIELD_NAMES
            if (spec := getattr(self, name)) is not None
        }
        out: dict[str, Any] = {"name": self.name, "platform": self.platform}
        if self.description:
            out["description"] = self.description
        out.update(item=self.item, fields=fields)
        return out


def _value(node: LexborNode, attribute: str | None) -> str | None:
    if attribute is None:
        return " ".join(node.text(deep=True, separator=" ").split())
    value = node.attributes.get(attribute)
    return value.strip() if value else None


class RecipeAdapter:
    """The `recipe` adapter: posts read as the recipe says. Pure, like every adapter."""

    name: str = "recipe"

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe

    def matches(self, url: str, html: str) -> bool:
        return LexborHTMLParser(html).css_first(self.recipe.item) is not None

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        posts: list[Post] = []
        seen: set[str] = set()
        for item in LexborHTMLParser(html).css(self.recipe.item):
            post = self._post(item, url, fetched_at)
            if post is not None and post.external_id not in seen:
                seen.add(post.external_id)
                posts.append(post)
        return posts

    def _first(self, item: LexborNode, name: str) -> str | None:
        spec: FieldSpec | None = getattr(self.recipe, name)
        if spec is None:
            return None
        node = item.css_first(spec.selector)
        if node is None:
            return None
        return _value(node, spec.attribute or _DEFAULT_ATTRIBUTE.get(name)) or None

    def _every(self, item: LexborNode, name: str) -> list[tuple[LexborNode, str]]:
        spec: FieldSpec | None = getattr(self.recipe, name)
        if spec is None:
            return []
        attribute = spec.attribute or _DEFAULT_ATTRIBUTE.get(name)
        found = ((n, _value(n, attribute)) for n in item.css(spec.selector))
        return [(n, v) for n, v in found if v]

    def _text(self, item: LexborNode) -> str:
        spec = self.recipe.text
        nodes = item.css(spec.selector)
        if spec.attribute is not None:
            parts = [_value(n, spec.attribute) or "" for n in nodes]
        else:
            parts = [readable_text(n) for n in nodes]
        return tidy("\n\n".join(p for p in parts if p))

    def _published(self, item: LexborNode, fetched_at: datetime) -> datetime | None:
        spec = self.recipe.published_at
        node = item.css_first(spec.selector) if spec is not None else None
        if spec is None or node is None:
            return None
        raw = (node.attributes.get(spec.attribute) if spec.attribute else None) or ""
        raw = raw.strip() or (_value(node, None) or "")
        if not raw:
            return None
        return resolve_time(
            utime=raw if raw.isdigit() else None,
            iso=raw if not raw.isdigit() else None,
            text=raw,
            fetched_at=fetched_at,
        )

    def _post(self, item: LexborNode, page_url: str, fetched_at: datetime) -> Post | None:
        href = self._first(item, "url")
        permalink = absolute(href, page_url) if href else None
        if permalink is None:
            return None
        permalink = strip_tracking(permalink)
        parts = urlsplit(permalink)
        external_id = self._first(item, "id") or (
            (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        )
        name = self._first(item, "author")
        author_href = self._first(item, "author_url")
        author_url = absolute(author_href, page_url) if author_href else None
        author = Author(name, strip_tracking(author_url) if author_url else None) if name else None
        counts: dict[str, int] = {}
        for field in _COUNTS:
            raw = self._first(item, field)
            value = parse_count(raw) if raw else None
            if value is not None:
                counts[field] = value
        media: list[Media] = []
        for node, src in self._every(item, "media"):
            url = absolute(src, page_url)
            if url and not src.startswith(("data:", "blob:")):
                video = node.tag in ("video", "source")
                media.append(Media("video" if video else "image", url))
        links = [
            link for _, href in self._every(item, "links") if (link := clean_link(href, page_url))
        ]
        return Post(
            platform=self.recipe.platform,
            source=urlsplit(page_url).netloc.lower(),
            external_id=external_id,
            url=permalink,
            text=self._text(item),
            author=author,
            published_at=self._published(item, fetched_at),
            media=tuple(dict.fromkeys(media)),
            links=tuple(dict.fromkeys(links)),
            metrics=Metrics(
                reactions=counts.get("reactions"),
                comments=counts.get("comments"),
                shares=counts.get("shares"),
                views=counts.get("views"),
            ),
        )
