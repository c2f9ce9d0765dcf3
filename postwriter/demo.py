"""`postwriter demo`: submit a scrape through the API, show live progress, then a summary."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import aiohttp

from postwriter.settings import Settings

DEMO_URL = "http://127.0.0.1:8081/acmecoffee"
DEMO_IDEA = "smooth cold brew for hot summer mornings, 20% off this week"
DEMO_LINK = "https://acme.coffee/cold-brew"
ANALYSIS_WAIT_S = 60.0


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _engagement(post: dict[str, Any]) -> int:
    m = post.get("metrics") or {}
    return sum(int(m.get(k) or 0) for k in ("reactions", "comments", "shares"))


def _bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * min(done, total) / max(total, 1))
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total}"


async def run_demo(settings: Settings, api: str | None, url: str | None, max_posts: int) -> int:
    if not settings.bootstrap_api_key:
        _say("postwriter demo: set POSTWRITER_BOOTSTRAP_API_KEY (the Makefile does this)")
        return 2
    base = api or f"http://{settings.api_host}:{settings.api_port}"
    headers = {"Authorization": f"Bearer {settings.bootstrap_api_key}"}
    target = url or DEMO_URL
    timeout = aiohttp.ClientTimeout(total=settings.job_budget_s + 60, sock_connect=10)
    async with aiohttp.ClientSession(base, headers=headers, timeout=timeout) as http:
        async with http.post("/v1/jobs", json={"url": target, "max_posts": max_posts}) as resp:
            body = await resp.json()
            if resp.status != 202:
                _say(f"submit failed: HTTP {resp.status} {body}")
                return 1
        job_id = body["job_id"]
        _say(f"job {job_id} queued: scraping {target}")
        final = await _watch(http, job_id)
        async with http.get(f"/v1/jobs/{job_id}") as resp:
            job = await resp.json()
        posts = await _all_posts(http, job_id)
        _summary(job, posts, final)
        if final.get("analysis"):
            await _marketing(http, final["analysis"])
    return 0 if job["status"] == "succeeded" else 1


async def _watch(http: aiohttp.ClientSession, job_id: str) -> dict[str, Any]:
    async with http.ws_connect("/v1/ws", protocols=("postwriter.v1",), heartbeat=20) as ws:
        await ws.send_json({"op": "subscribe", "job_id": job_id})
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            event = msg.json()
            if "seq" not in event:
                continue
            data = event["data"]
            line = f"  #{event['seq']:<3} {event['type']:<14}"
            if event["type"] == "posts.stored":
                line += f" {_bar(data['total'], data['max_posts'])} (+{data['stored']})"
            elif event["type"] == "page.loaded":
                line += f" HTTP {data['status']} {data.get('title', '')}"
            elif event["type"] in ("job.failed", "job.retrying"):
                line += f" {data['error']['code']}: {data['error']['message']}"
            elif event["type"] == "analysis.done":
                pages = ", ".join(p["page_id"] for p in data.get("pages", []))
                line += f" {data.get('posts_analysed', 0)} posts analysed ({pages})"
            _say(line)
            if event["type"] in ("job.failed", "job.cancelled", "analysis.done"):
                return dict(event)
            if event["type"] == "job.succeeded":
                final = dict(event)
                # The analysis consumer reports on the same log a moment later.
                try:
                    async with asyncio.timeout(ANALYSIS_WAIT_S):
                        async for more in ws:
                            extra = more.json()
                            if extra.get("type") == "analysis.done":
                                pages = ", ".join(p["page_id"] for p in extra["data"]["pages"])
                                _say(f"  #{extra['seq']:<3} analysis.done  {pages}")
                                final["analysis"] = extra["data"]
                                break
                except TimeoutError:
                    _say("  (no analysis.done yet: is `postwriter consume analysis` running?)")
                return final
    return {}


async def _all_posts(http: aiohttp.ClientSession, job_id: str) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        async with http.get(f"/v1/jobs/{job_id}/posts", params=params) as resp:
            page = await resp.json()
        posts.extend(page["posts"])
        cursor = page["next_cursor"]
        if not cursor:
            return posts


async def _marketing(http: aiohttp.ClientSession, analysis: dict[str, Any]) -> None:
    """What analysis found: topics, the best templates, three drafts for an idea."""
    pages = analysis.get("pages") or []
    if not pages:
        return
    page_id = pages[0]["page_id"]
    async with http.get(f"/v1/pages/{page_id}/topics") as resp:
        topics = (await resp.json()).get("topics", [])
    _say("")
    _say(f"topics of {page_id}:")
    for topic in topics[:10]:
        engagement = topic.get("mean_normalised_engagement")
        shown = f"{engagement:.2f}x median" if isinstance(engagement, int | float) else "n/a"
        _say(f"  {topic['label']:<48} {topic['size']:>3} posts  {shown}")
    async with http.get("/v1/templates", params={"page_id": page_id, "limit": "3"}) as resp:
        templates = (await resp.json()).get("templates", [])
    _say("top templates:")
    for template in templates:
        skeleton = " | ".join(template.get("skeleton", "").splitlines())[:90]
        _say(f"  {template['template_id']}  score {template.get('score')}  {skeleton}")
    body = {"idea": DEMO_IDEA, "page_id": page_id, "vars": 3, "link": DEMO_LINK}
    async with http.post("/v1/generate", json=body) as resp:
        result = await resp.json()
    if resp.status != 200:
        _say(f"generation: HTTP {resp.status} {result.get('error', {}).get('message')}")
        return
    _say(f"three variations for the idea {DEMO_IDEA!r}:")
    for n, draft in enumerate(result["drafts"], 1):
        checks = ", ".join(f"{c['name']}={c['status']}" for c in draft["checks"])
        _say(f"  [{n}] hook={draft['hook_type']} cta={draft['cta_type']}")
        for line in draft["text"].splitlines():
            _say(f"      {line}")
        _say(f"      checks: {checks}")


def _summary(job: dict[str, Any], posts: list[dict[str, Any]], final: dict[str, Any]) -> None:
    counts = job.get("counts", {})
    _say("")
    _say(f"status: {job['status']}" + (f" ({job['error']['message']})" if job["error"] else ""))
    _say(
        f"posts stored: {len(posts)} (new {counts.get('posts_new', 0)}, "
        f"updated {counts.get('posts_updated', 0)})"
    )
    _say("top posts by engagement (reactions + comments + shares):")
    for post in sorted(posts, key=_engagement, reverse=True)[:5]:
        m = post["metrics"]
        first_line = (post.get("text") or "").strip().splitlines()[0:1]
        text = (first_line[0] if first_line else "")[:60]
        _say(
            f"  {_engagement(post):>7}  ♥{m.get('reactions') or 0} 💬{m.get('comments') or 0} "
            f"↗{m.get('shares') or 0}  {text}"
        )
