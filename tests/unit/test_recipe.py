"""Selector recipes: validation (400 naming the field), round trips, and the Threadly
board read field by field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from postwriter.errors import InvalidRequest
from postwriter.extract import extract_posts
from postwriter.extract.recipe import Recipe, RecipeAdapter, recipe_schema
from tests.fixtures.site.expected import expected_forum
from tests.fixtures.site.forum import load_recipe_dict, render_board_html

BASE = "http://127.0.0.1:8081"
URL = f"{BASE}/forum/marketing"
NOW = datetime(2025, 11, 21, tzinfo=UTC)


def recipe_dict() -> dict[str, Any]:
    return copy.deepcopy(load_recipe_dict("threadly"))


def extract(now: datetime = NOW) -> list[dict[str, Any]]:
    recipe = Recipe.from_dict(recipe_dict())
    name, posts = extract_posts(
        render_board_html("marketing", now), url=URL, adapter="recipe", recipe=recipe,
        fetched_at=now,
    )  # fmt: skip
    assert name == "recipe"
    return [p.to_json() for p in posts]


def test_threadly_board_field_by_field() -> None:
    got = extract()
    expected = expected_forum(BASE, NOW)
    assert len(expected) == 5
    assert [p["external_id"] for p in got] == [p["external_id"] for p in expected]
    for have, want in zip(got, expected, strict=True):
        for field in want:
            assert have[field] == want[field], (want["external_id"], field)


def test_threadly_details() -> None:
    first, second, third, fourth, fifth = extract()
    assert first["author"] == {"name": "maya.b", "url": f"{BASE}/u/maya.b"}  # not the reply's
    assert first["metrics"]["views"] == 2400  # "2.4K views", not the reply's "1 views"
    assert first["url"] == f"{BASE}/forum/marketing/t/40512-best-time-to-post-on-instagram"
    assert first["links"] == ["https://docs.example.com/sheet/ig-timing?gid=2"]
    assert first["published_at"] == "2025-11-20T14:05:00+00:00"  # <time datetime>
    assert second["published_at"] == (NOW - timedelta(hours=3)).isoformat()  # "3h"
    assert (second["metrics"]["comments"], second["metrics"]["shares"]) == (None, None)
    assert third["text"].startswith("כתוביות בעברית")
    assert third["media"] == [{"type": "video", "url": f"{BASE}/media/t-40471-demo.mp4"}]
    assert fourth["metrics"]["reactions"] == 1534  # aria-label="1,534 upvotes"
    assert fifth["published_at"] == "2025-11-02T00:00:00+00:00"  # "November 2"
    assert "Great write-up" not in fourth["text"]


def test_relative_times_follow_the_fetch_time() -> None:
    later = NOW + timedelta(days=1)
    second = extract(later)[1]
    assert second["published_at"] == (later - timedelta(days=1)).isoformat()  # "1d"


def test_round_trip() -> None:
    data = recipe_dict()
    recipe = Recipe.from_dict(data)
    assert recipe.to_dict() == data
    assert Recipe.from_dict(recipe.to_dict()) == recipe
    assert recipe.reactions is not None
    assert recipe.reactions.attribute == "aria-label"


def test_schema_file_is_valid_and_shipped() -> None:
    text = resources.files("postwriter.extract").joinpath("recipe.schema.json").read_text()
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    assert schema == recipe_schema()
    Draft202012Validator(schema).validate(recipe_dict())


def _error(data: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as err:
        Recipe.from_dict(data)
    assert err.value.http_status == 400
    assert err.value.code == "invalid_request"
    return err.value


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("fields.reactions.selector", "button[aria-label=]"),
        ("fields.text.selector", ".tl-title >"),
        ("fields.published_at.selector", "span:contains(ago)"),
        ("fields.media.selector", "img::before"),
        ("item", "li..tl-thread"),
    ],
)
def test_invalid_selector_names_the_field(path: str, selector: str) -> None:
    data = recipe_dict()
    if path == "item":
        data["item"] = selector
    else:
        data["fields"][path.split(".")[1]]["selector"] = selector
    err = _error(data)
    assert err.field == path
    assert path in err.message
    assert repr(selector) in err.message
    assert err.to_dict()["field"] == path


def test_unknown_keys_are_refused() -> None:
    data = recipe_dict()
    data["fields"]["likes"] = {"selector": ".x"}
    assert _error(data).field == "fields.likes"
    data = recipe_dict()
    data["fields"]["url"]["xpath"] = "//a"
    assert _error(data).field == "fields.url.xpath"
    data = recipe_dict()
    data["script"] = "alert(1)"
    assert _error(data).field == "script"


def test_missing_and_malformed_parts() -> None:
    data = recipe_dict()
    del data["fields"]["url"]
    err = _error(data)
    assert err.field == "fields.url"
    assert "required" in err.message
    data = recipe_dict()
    del data["item"]
    assert _error(data).field == "item"
    data = recipe_dict()
    data["name"] = "Threadly Board!"
    assert _error(data).field == "name"
    data = recipe_dict()
    data["fields"]["views"] = {"selector": ""}
    assert _error(data).field == "fields.views.selector"
    data = recipe_dict()
    data["fields"]["views"]["attribute"] = "on click"
    assert _error(data).field == "fields.views.attribute"
    assert _error([]).field is None
    assert _error(None).field is None


def test_items_without_url_are_skipped() -> None:
    recipe = Recipe.from_dict(
        {
            "name": "mini",
            "platform": "mini",
            "item": "div.p",
            "fields": {"text": {"selector": "p"}, "url": {"selector": "a"}},
        }
    )
    html = (
        '<div class="p"><p>no link</p></div>'
        '<div class="p"><p>one</p><a href="/x/1?utm_source=a">x</a></div>'
        '<div class="p"><p>same again</p><a href="/x/1">x</a></div>'
        '<div class="p"><p>js</p><a href="javascript:void(0)">x</a></div>'
    )
    adapter = RecipeAdapter(recipe)
    assert adapter.matches("https://m.example/", html)
    assert not adapter.matches("https://m.example/", "<p>nothing</p>")
    posts = adapter.extract(html, url="https://m.example/", fetched_at=NOW)
    assert [(p.external_id, p.url, p.text, p.platform) for p in posts] == [
        ("/x/1", "https://m.example/x/1", "one", "mini")
    ]
    assert posts[0].published_at is None
    assert posts[0].metrics.to_dict()["reactions"] is None
