"""The recipe routes answer what the OpenAPI document says, and refuse what it forbids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postwriter.settings import Settings
from tests.conftest import ROOT
from tests.contract import assert_error, documented
from tests.integration.stack import AUTH, api_running

pytestmark = pytest.mark.integration

RECIPE = ROOT / "tests" / "fixtures" / "site" / "data" / "recipes" / "threadly.json"
LIST = "/v1/recipes"
ONE = "/v1/recipes/{name}"
JSON = {**AUTH, "Content-Type": "application/json"}


def recipe(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(RECIPE.read_text("utf-8"))
    body.update(changes)
    return body


async def test_every_recipe_route_answers_its_documented_shape(settings: Settings) -> None:
    async with api_running(settings) as stack:
        client = stack.client
        assert await documented(await client.get(LIST, headers=AUTH), "GET", LIST, 200) == {
            "recipes": []
        }
        resp = await client.post(LIST, json=recipe(), headers=AUTH)
        created = await documented(resp, "POST", LIST, 201)
        assert resp.headers["Location"] == "/v1/recipes/threadly"
        assert created["fields"] == recipe()["fields"] and created["description"]
        resp = await client.post(LIST, json=recipe(item="li.tl-thread"), headers=AUTH)
        assert (await documented(resp, "POST", LIST, 200))["item"] == "li.tl-thread"

        # A name with dots; no description (the key is then absent).
        dotted = recipe(name="forum.v2", platform="forum.example")
        del dotted["description"]
        resp = await client.put("/v1/recipes/forum.v2", json=dotted, headers=AUTH)
        made = await documented(resp, "PUT", ONE, 201)
        assert "description" not in made and made["name"] == "forum.v2"
        resp = await client.put("/v1/recipes/forum.v2", json=dotted, headers=AUTH)
        await documented(resp, "PUT", ONE, 200)

        listed = await documented(await client.get(LIST, headers=AUTH), "GET", LIST, 200)
        assert [r["name"] for r in listed["recipes"]] == ["forum.v2", "threadly"]
        shown = await documented(
            await client.get(f"{LIST}/forum.v2", headers=AUTH), "GET", ONE, 200
        )
        assert shown == made | {"updated_at": shown["updated_at"]}

        resp = await client.delete(f"{LIST}/forum.v2", headers=AUTH)
        assert await documented(resp, "DELETE", ONE, 204) is None
        resp = await client.delete(f"{LIST}/forum.v2", headers=AUTH)
        assert_error(await documented(resp, "DELETE", ONE, 404), "not_found")
        resp = await client.get(f"{LIST}/forum.v2", headers=AUTH)
        assert_error(await documented(resp, "GET", ONE, 404), "not_found")


async def test_bad_recipe_input_is_refused_with_the_stable_error(settings: Settings) -> None:
    good = recipe()
    no_text = recipe()
    del no_text["fields"]["text"]
    extra_field = recipe()
    extra_field["fields"]["likes"] = {"selector": "b"}
    bad_attribute = recipe()
    bad_attribute["fields"]["url"]["attribute"] = "on click"
    broken = recipe()
    broken["fields"]["reactions"]["selector"] = "li[[oops"
    async with api_running(settings) as stack:
        client = stack.client
        for body, field in (
            ({k: v for k, v in good.items() if k != "item"}, "item"),
            ({**good, "owner": "me"}, None),
            ({**good, "name": "Threadly"}, "name"),
            ({**good, "name": ".hidden"}, "name"),
            ({**good, "platform": ""}, "platform"),
            ({**good, "item": ""}, "item"),
            ({**good, "description": "x" * 501}, "description"),
            ({**good, "fields": []}, "fields"),
            (no_text, "fields.text"),
            (bad_attribute, "fields.url.attribute"),
            # What only compiling the selector finds.
            ({**good, "item": "ol >> li"}, "item"),
            (broken, "fields.reactions.selector"),
        ):
            resp = await client.post(LIST, json=body, headers=AUTH)
            assert_error(await documented(resp, "POST", LIST, 400), "invalid_request", field=field)
        resp = await client.post(LIST, json=extra_field, headers=AUTH)
        assert_error(await documented(resp, "POST", LIST, 400), "invalid_request")
        raw = json.dumps(good).replace('"Threadly', '"\\udc80Threadly').encode()
        resp = await client.post(LIST, data=raw, headers=JSON)
        assert_error(
            await documented(resp, "POST", LIST, 400), "invalid_request", field="description"
        )

        resp = await client.put(f"{LIST}/other", json=good, headers=AUTH)
        assert_error(await documented(resp, "PUT", ONE, 400), "invalid_request", field="name")
        for odd in ("Upper", ".x", "x" * 65, "%E2%98%95", "a%00"):
            resp = await client.get(f"{LIST}/{odd}", headers=AUTH)
            assert_error(await documented(resp, "GET", ONE, 400), "invalid_request", field="name")
        resp = await client.get(LIST, params={"limit": "5"}, headers=AUTH)
        assert_error(await documented(resp, "GET", LIST, 400), "invalid_request", field="limit")
        assert await stack.db.db["recipes"].count_documents({}) == 0
