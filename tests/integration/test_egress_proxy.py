"""A real Chromium behind the egress proxy: nothing forbidden reaches the canary.

Chromium is launched exactly as `postwriter.browser.pool` does it (see docs/egress.md):
the pool's flags plus `CHROMIUM_PROXY_ARGS`, `proxy=proxy.playwright_proxy()`, and
contexts with `service_workers="block"`. These tests use the proxy alone, with no route
guard, so what they prove holds for the proxy by itself; only `file://` navigation needs
the scheme check that stays in front of `page.goto`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import WSMsgType, web
from playwright.async_api import Browser, Page, Route, async_playwright
from playwright.async_api import Error as PlaywrightError

from postwriter.browser.pool import CHROMIUM_ARGS
from postwriter.security.egress import EgressPolicy, resolve
from postwriter.security.proxy import CHROMIUM_PROXY_ARGS, EgressProxy
from tests.fixtures.canary import Canary

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)
FILE_URL = "file:///etc/passwd"


@dataclass
class SiteState:
    canary: Canary
    forbidden: list[str]
    hits: dict[str, int] = field(default_factory=dict)


@dataclass
class Env:
    site: str
    state: SiteState
    proxy: EgressProxy
    browser: Browser

    @property
    def canary(self) -> Canary:
        return self.state.canary

    @property
    def forbidden(self) -> list[str]:
        return self.state.forbidden

    @property
    def hits(self) -> dict[str, int]:
        return self.state.hits


def _loopback_alias() -> str | None:
    """This host's own name when /etc/hosts maps it to loopback (a real DNS name)."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    except OSError:
        return None
    loopback = all(str(info[4][0]).startswith(("127.", "::1")) for info in infos)
    return name.lower() if infos and loopback and "." not in name else None


def _forbidden(canary: Canary) -> list[str]:
    port = canary.port
    urls = [
        f"http://127.0.0.1:{port}/",
        f"http://localhost:{port}/",
        f"http://canary.test:{port}/",  # the proxy's resolver maps it to 127.0.0.1
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://2130706433:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        f"https://canary.test:{port}/",
        f"https://127.0.0.1:{port}/",
    ]
    if canary.ipv6:
        urls.append(f"http://[::1]:{port}/")
    alias = _loopback_alias()
    if alias is not None:
        urls.append(f"http://{alias}:{port}/")
    return urls


def _page_html(env: SiteState) -> str:
    """Every kind of request a page can make, to the site (must load) and the canary."""
    tags = []
    for url in [*env.forbidden, FILE_URL]:
        tags.append(
            f'<img src="{url}"><script src="{url}"></script>'
            f'<link rel="stylesheet" href="{url}"><link rel="preconnect" href="{url}">'
            f'<iframe src="{url}"></iframe><video src="{url}"></video>'
        )
    return f"""<!DOCTYPE html><title>egress</title>
<link rel="stylesheet" href="/ok.css">
<script src="/ok.js"></script>
<img id="ok-img" src="/pixel.png">
<img id="redirected-img" src="/redirect">
<iframe id="ok-frame" src="/frame"></iframe>
<iframe src="/redirect"></iframe>
<div id="ok-css">styled</div>
{"".join(tags)}
<script>
const targets = {json.dumps([*env.forbidden, FILE_URL])};
window.results = {{}};
const done = [];
done.push(fetch('/data.json').then(r => r.json()).then(j => {{ window.results.fetch = j.ok; }}));
done.push(new Promise(resolve => {{
  const ws = new WebSocket('ws://' + location.host + '/ws');
  ws.onopen = () => ws.send('ping');
  ws.onmessage = (e) => {{ window.results.ws = e.data; ws.close(); resolve(); }};
  ws.onerror = () => resolve();
}}));
window.results.beacon = navigator.sendBeacon('/beacon', 'ok');
done.push(fetch('/redirect', {{mode: 'no-cors'}}).catch(() => null));
targets.forEach((url, i) => {{
  done.push(fetch(url, {{mode: 'no-cors'}}).catch(() => null));
  done.push(fetch(url, {{method: 'POST', body: 'x', mode: 'no-cors'}}).catch(() => null));
  try {{ navigator.sendBeacon(url, 'x'); }} catch (e) {{}}
  const xhr = new XMLHttpRequest();
  try {{ xhr.open('GET', url); xhr.send(); }} catch (e) {{}}
  try {{
    const ws = new WebSocket(url.replace(/^http/, 'ws'));
    ws.onerror = () => {{}};
  }} catch (e) {{}}
  try {{ new EventSource(url).onerror = function () {{ this.close(); }}; }} catch (e) {{}}
  const sink = document.createElement('iframe');
  sink.name = 'sink' + i;
  document.body.appendChild(sink);
  const form = document.createElement('form');
  form.method = 'POST'; form.action = url; form.target = sink.name;
  const input = document.createElement('input');
  input.name = 'secret'; input.value = 'x';
  form.appendChild(input);
  document.body.appendChild(form);
  form.submit();
}});
Promise.all(done).then(() => {{ window.results.done = true; }});
</script>"""


def _make_site(env: SiteState) -> web.Application:
    def count(name: str) -> None:
        env.hits[name] = env.hits.get(name, 0) + 1

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=_page_html(env), content_type="text/html")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        count(name)
        if name == "ok.js":
            return web.Response(text="window.okScript = true;", content_type="text/javascript")
        if name == "ok.css":
            return web.Response(text="#ok-css { width: 42px; }", content_type="text/css")
        if name == "pixel.png":
            return web.Response(body=PIXEL, content_type="image/png")
        if name == "data.json":
            return web.json_response({"ok": True})
        if name == "frame":
            return web.Response(text="<p id=inner>frame ok</p>", content_type="text/html")
        if name == "sw.js":
            return web.Response(text="self.onfetch = () => {};", content_type="text/javascript")
        raise web.HTTPNotFound()

    async def beacon(request: web.Request) -> web.Response:
        count("beacon")
        return web.Response(status=204)

    async def redirect(request: web.Request) -> web.Response:
        target = {
            "file": FILE_URL,
            "metadata": "http://169.254.169.254/latest/meta-data/",
        }.get(request.query.get("to", ""), env.canary.url())
        raise web.HTTPFound(target)

    async def ws(request: web.Request) -> web.WebSocketResponse:
        socket_ = web.WebSocketResponse()
        await socket_.prepare(request)
        async for msg in socket_:
            if msg.type == WSMsgType.TEXT:
                count("ws")
                await socket_.send_str("pong:" + msg.data)
        return socket_

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/redirect", redirect)
    app.router.add_post("/beacon", beacon)
    app.router.add_get("/ws", ws)
    app.router.add_get("/{name}", static)
    return app


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[Env]:
    async def resolver(host: str, port: int) -> list[str]:
        if host == "canary.test":
            return ["127.0.0.1"]
        return await resolve(host, port)

    async with Canary() as canary, async_playwright() as playwright:
        state = SiteState(canary, _forbidden(canary))
        runner = web.AppRunner(_make_site(state), shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        port = server.sockets[0].getsockname()[1]
        # The one hole: the fixture site, as POSTWRITER_EGRESS_ALLOW=127.0.0.1:<port> would.
        policy = EgressPolicy([f"127.0.0.1:{port}"])
        try:
            async with EgressProxy(policy, resolver=resolver) as proxy:
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=[*CHROMIUM_ARGS, *CHROMIUM_PROXY_ARGS],
                    proxy=proxy.playwright_proxy(),
                    timeout=30_000,
                )
                try:
                    yield Env(f"http://127.0.0.1:{port}", state, proxy, browser)
                finally:
                    await browser.close()
        finally:
            await runner.cleanup()


async def _settle(env: Env, quiet_s: float = 1.5, limit_s: float = 20.0) -> None:
    """Network idle as the proxy sees it: no new connection for `quiet_s`.

    (Playwright's own "networkidle" never comes on this page: it keeps opaque no-cors
    fetches that the proxy refused counted as in flight.)
    """
    loop = asyncio.get_running_loop()

    def seen() -> int:
        p = env.proxy
        return p.allowed + p.blocked + p.unauthorized + p.invalid + env.canary.touched

    start = last_change = loop.time()
    before = seen()
    while loop.time() - last_change < quiet_s and loop.time() - start < limit_s:
        await asyncio.sleep(0.1)
        if seen() != before:
            before, last_change = seen(), loop.time()


async def _new_page(env: Env) -> Page:
    context = await env.browser.new_context(service_workers="block")
    context.set_default_timeout(20_000)
    return await context.new_page()


async def test_a_hostile_page_loads_its_allowed_parts_and_nothing_reaches_the_canary(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="postwriter.security.proxy")
    page = await _new_page(env)
    try:
        response = await page.goto(env.site + "/", wait_until="load")
        assert response is not None and response.status == 200
        await page.wait_for_function("window.results && window.results.done === true")
        await _settle(env)
        # The allowed parts loaded, so a proxy that refused everything would fail here.
        assert await page.evaluate("window.okScript") is True
        assert await page.evaluate("window.results.fetch") is True
        assert await page.evaluate("window.results.ws") == "pong:ping"
        assert await page.evaluate("window.results.beacon") is True
        width = "getComputedStyle(document.getElementById('ok-css')).width"
        assert await page.evaluate(width) == "42px"
        assert await page.evaluate("document.getElementById('ok-img').naturalWidth") == 1
        assert await page.evaluate("document.getElementById('redirected-img').naturalWidth") == 0
        frame = page.frame(url=env.site + "/frame")
        assert frame is not None and await frame.text_content("#inner") == "frame ok"
        for _ in range(50):
            if env.hits.get("beacon"):
                break
            await asyncio.sleep(0.1)
        assert env.hits.get("beacon") and env.hits.get("ws")
        # No frame ever showed the local file.
        for f in page.frames:
            assert not f.url.startswith("file:")
    finally:
        await page.context.close()
    assert env.canary.touched == 0, env.canary.peers
    blocked = {str(getattr(r, "host", "")) for r in caplog.records}
    # Each forbidden destination reached the proxy and was refused there.
    for host in ("127.0.0.1", "localhost", "canary.test", "169.254.169.254"):
        assert any(b.startswith(host + ":") for b in blocked), (host, blocked)
    assert any("ffff" in b for b in blocked), blocked
    assert env.proxy.blocked > 0 and env.proxy.allowed > 0


async def _scheme_guard(route: Route) -> None:
    """What render.py keeps in front of the proxy: only http(s), data: and blob: go on."""
    if route.request.url.startswith(("http://", "https://", "data:", "blob:")):
        await route.continue_()
    else:
        await route.abort("blockedbyclient")


async def test_direct_navigation_to_each_forbidden_url_fails(env: Env) -> None:
    urls = [
        *env.forbidden,
        env.site + "/redirect",
        env.site + "/redirect?to=metadata",
    ]
    for url in urls:
        page = await _new_page(env)
        try:
            if url.startswith("https:"):
                # The proxy refuses the tunnel; Chromium shows no proxy answer to a page.
                with pytest.raises(PlaywrightError, match="ERR_TUNNEL_CONNECTION_FAILED"):
                    await page.goto(url)
                continue
            response = await page.goto(url)
            assert response is not None, url
            assert response.status == 403, url
            assert response.headers.get("x-postwriter-egress") == "blocked", url
        finally:
            await page.context.close()
    page = await _new_page(env)
    try:
        # Chromium itself refuses a redirect from http to file:.
        with pytest.raises(PlaywrightError, match="ERR_UNSAFE_REDIRECT"):
            await page.goto(env.site + "/redirect?to=file")
        # A direct file:// navigation needs no network, so the proxy never sees it: the
        # scheme guard that stays in render.py refuses it.
        await page.context.route("**/*", _scheme_guard)
        with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
            await page.goto(FILE_URL)
    finally:
        await page.context.close()
    await _settle(env)
    assert env.canary.touched == 0, env.canary.peers


async def test_service_workers_do_not_register(env: Env) -> None:
    page = await _new_page(env)
    try:
        await page.goto(env.site + "/data.json")
        registrations = await page.evaluate(
            """async () => {
                try { await navigator.serviceWorker.register('/sw.js'); } catch (e) {}
                return (await navigator.serviceWorker.getRegistrations()).length;
            }"""
        )
    finally:
        await page.context.close()
    assert registrations == 0
    assert not env.hits.get("sw.js")


async def test_webrtc_sends_nothing_around_the_proxy(env: Env) -> None:
    page = await _new_page(env)
    port = env.canary.port
    try:
        await page.goto(env.site + "/data.json")
        candidates = await page.evaluate(
            """async (port) => {
                const turn = 'turn:127.0.0.1:' + port + '?transport=';
                const servers = [
                  {urls: 'stun:127.0.0.1:' + port},
                  {urls: turn + 'udp', username: 'u', credential: 'p'},
                  {urls: turn + 'tcp', username: 'u', credential: 'p'},
                ];
                const pc = new RTCPeerConnection({iceServers: servers});
                const found = [];
                pc.onicecandidate = (e) => { if (e.candidate) found.push(e.candidate.candidate); };
                pc.createDataChannel('probe');
                await pc.setLocalDescription(await pc.createOffer());
                await new Promise(r => setTimeout(r, 3000));
                pc.close();
                return found;
            }""",
            port,
        )
        await _settle(env)
    finally:
        await page.context.close()
    assert candidates == []
    assert env.canary.touched == 0, env.canary.peers
