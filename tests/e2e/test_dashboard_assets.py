"""The dashboard's routes over HTTP: public shell, security headers, versioned caching."""

from __future__ import annotations

import pytest

from postwriter.api.dashboard import CONTENT_SECURITY_POLICY, bundle
from postwriter.settings import Settings
from tests.integration.stack import api_running

pytestmark = pytest.mark.e2e


async def test_assets_are_cached_and_the_shell_is_public(settings: Settings) -> None:
    async with api_running(settings) as stack:
        client = stack.client
        version = bundle().version
        page = await client.get("/")
        assert page.status == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        html = await page.text()
        for linked in ("app.js", "style.css", "icon.svg"):
            assert f"/ui/{version}/{linked}" in html
        assert "{{" not in html, "the asset base was not filled in"
        same = await client.get("/", headers={"If-None-Match": f"W/{page.headers['ETag']}"})
        assert same.status == 304 and await same.read() == b""
        head = await client.head("/")
        assert head.status == 200
        # People open the page from links carrying campaign parameters: it still loads.
        tagged = await client.get("/", params={"utm_source": "newsletter", "x": "1"})
        assert tagged.status == 200 and await tagged.text() == html
        # The API itself still refuses unknown parameters.
        assert (await client.get("/v1/openapi.json", params={"utm_source": "x"})).status == 400
        # A module app.js imports, by a path relative to the versioned folder.
        assert (await client.get(f"/ui/{version}/live.js")).status == 200
        asset = await client.get(f"/ui/{version}/app.js")
        assert asset.status == 200
        assert asset.headers["Content-Type"].startswith("text/javascript")
        assert "immutable" in asset.headers["Cache-Control"]
        assert asset.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        again = await client.get(
            f"/ui/{version}/app.js", headers={"If-None-Match": asset.headers["ETag"]}
        )
        assert again.status == 304
        stale = await client.get("/ui/000000000000/app.js")
        assert stale.status == 200 and stale.headers["Cache-Control"] == "no-cache"
        missing = await client.get(f"/ui/{version}/nope.js")
        assert missing.status == 404
        assert (await missing.json())["error"]["code"] == "not_found"
        odd = await client.get("/ui/..%2f..%2fsettings/x.py")
        assert odd.status in (400, 404)
