"""The dashboard in headless Chromium against the real API, scrape and analysis consumers.

Each step is saved as a screenshot under test-artifacts/dashboard/ for review in CI.
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    async_playwright,
    expect,
)

from postwriter.api.dashboard import CONTENT_SECURITY_POLICY
from postwriter.browser.pool import CHROMIUM_ARGS
from postwriter.settings import Settings
from tests.conftest import ROOT, TEST_API_KEY
from tests.integration.stack import AUTH, analysis_running, api_running, consumer_running

pytestmark = pytest.mark.e2e
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
# Waits for the scrape and the analysis to finish; not a speed requirement.
JOB_WAIT_MS = 120_000
UI_WAIT_MS = 20_000
FIXTURE_POSTS = 20

# Run in the page: what an automated accessibility smoke check can see without a library.
ACCESSIBILITY_SMOKE = """() => {
  const problems = [];
  const shown = (el) => !el.closest("[hidden]") && el.getClientRects().length > 0;
  const text = (id) => (document.getElementById(id) || {}).textContent || "";
  const nameOf = (el) => [
    el.getAttribute("aria-label") || "",
    (el.getAttribute("aria-labelledby") || "").split(/\\s+/).map(text).join(" "),
    [...(el.labels || [])].map((l) => l.textContent).join(" "),
    el.matches("button, a") ? el.textContent : "",
  ].join(" ").trim();
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  if (!document.title.trim()) problems.push("no <title>");
  for (const role of ["header", "main", "footer", "nav"]) {
    if (document.querySelectorAll(role).length !== 1) problems.push(`not one <${role}>`);
  }
  if (!document.querySelector("[aria-live]")) problems.push("no live region");
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!nameOf(el)) problems.push(`unlabelled ${el.tagName.toLowerCase()}#${el.id}`);
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (shown(el) && !nameOf(el)) problems.push(`${el.tagName.toLowerCase()} with no name`);
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  }
  for (const el of document.querySelectorAll("[tabindex]")) {
    if (Number(el.getAttribute("tabindex")) > 0) problems.push(`positive tabindex on #${el.id}`);
  }
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) {
    problems.push(`duplicate id ${id}`);
  }
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter((el) => !el.closest("[hidden]")).map((el) => Number(el.tagName[1]));
  if (headings[0] !== 1) problems.push("the first heading is not an h1");
  headings.forEach((level, i) => {
    if (i && level > headings[i - 1] + 1) problems.push(`heading skips a level: h${level}`);
  });
  for (const th of document.querySelectorAll("thead th")) {
    if (!th.getAttribute("scope")) problems.push("a column header without scope");
  }
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const c = rgb(getComputedStyle(at).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(el) || el.closest(".visually-hidden, .skip-link")) continue;
    const style = getComputedStyle(el);
    const [a, b] = [lum(rgb(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`contrast ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 30)}`);
    }
  }
  return problems;
}"""

# Record every value each job's progress bar shows, in order.
RECORD_PROGRESS = """() => {
  window.__progress = {};
  const record = (bar) => {
    const id = bar.closest("tr") && bar.closest("tr").dataset.jobId;
    if (!id) return;
    const seen = (window.__progress[id] ||= []);
    const value = Number(bar.getAttribute("value"));
    if (seen[seen.length - 1] !== value) seen.push(value);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") record(r.target);
      else for (const n of r.addedNodes) n.querySelectorAll?.("progress").forEach(record);
    }
  }).observe(document.getElementById("jobs-body"),
    {subtree: true, childList: true, attributes: true, attributeFilter: ["value"]});
}"""

# Elements sticking out past the right edge of the page (not inside a scrolling table).
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((el) => !el.closest(".table-wrap") && el.getBoundingClientRect().right > width + 1)
    .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`)
    .slice(0, 10);
}"""

# True once the column shows exactly these numbers, in this order.
COLUMN_IS = """([name, want]) => {
  const cells = [...document.querySelectorAll(`#posts-body td[data-col="${name}"]`)];
  const got = cells.map((c) => Number(c.textContent.replace(/[^\\d.-]/g, "")));
  return got.length === want.length && got.every((v, i) => v === want[i]);
}"""


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


class Problems:
    """Script errors and console errors (CSP violations among them) seen by the page."""

    def __init__(self, page: Page) -> None:
        self.items: list[str] = []
        page.on("pageerror", lambda exc: self.items.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # A 4xx the dashboard asked for on purpose (the wrong key) is logged by Chromium too.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.items.append(f"console: {message.text}")


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def accessibility_problems(page: Page) -> list[str]:
    found: list[str] = await page.evaluate(ACCESSIBILITY_SMOKE)
    return found


async def sign_in(page: Page, key: str) -> None:
    field = page.get_by_label("API key")
    await expect(field).to_be_focused()
    # By keyboard: the field has focus on load, Enter submits.
    await page.keyboard.type(key)
    await page.keyboard.press("Enter")


async def test_dashboard_end_to_end(
    settings: Settings, fixture_site: str, browser: Browser
) -> None:
    async with api_running(settings) as stack:
        base = str(stack.client.make_url("/"))
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        problems = Problems(page)

        response = await page.goto(base)
        assert response is not None and response.status == 200
        headers = await response.all_headers()
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-cache"
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        # The key field has focus on load; the skip link is the one stop before it.
        await expect(page.get_by_label("API key")).to_be_focused()
        await page.keyboard.press("Shift+Tab")
        focused = await page.evaluate(
            "() => [document.activeElement.className,"
            " getComputedStyle(document.activeElement).outlineStyle]"
        )
        assert focused == ["skip-link", "solid"], "the skip link is reachable, visibly focused"
        await page.get_by_label("API key").focus()
        assert await accessibility_problems(page) == []
        await shot(page, "01-sign-in")

        await sign_in(page, TEST_API_KEY)
        await expect(page.locator("#app")).to_be_visible()
        await expect(page.locator("#live-state")).to_have_attribute("data-state", "open")
        assert await page.evaluate("sessionStorage.getItem('postwriter.apiKey')") == TEST_API_KEY
        assert await accessibility_problems(page) == []
        await shot(page, "02-signed-in")

        # No consumer runs yet: this job stays queued until cancelled from the dashboard.
        await start_scrape(page, f"{fixture_site}/acmecoffee?held=1", 5)
        held = await newest_job(page)
        await expect(held).to_have_attribute("data-status", "queued")
        await held.get_by_role("button", name=re.compile("^Cancel")).click()
        await expect(held).to_have_attribute("data-status", "cancelled")
        await expect(held.get_by_role("button", name=re.compile("^Cancel"))).to_be_hidden()
        await shot(page, "03-job-cancelled")

        async with consumer_running(settings), analysis_running(settings):
            await page.evaluate(RECORD_PROGRESS)
            await start_scrape(page, f"{fixture_site}/acmecoffee", FIXTURE_POSTS)
            job = await newest_job(page)
            job_id = await job.get_attribute("data-job-id")
            assert job_id is not None and job_id != await held.get_attribute("data-job-id")
            await expect(job).to_have_attribute("data-status", "succeeded", timeout=JOB_WAIT_MS)
            await expect(job.locator(".progress-text")).to_contain_text("100%")
            assert await job.locator("progress").evaluate("p => p.value") == 100
            seen: list[int] = await page.evaluate(f"window.__progress[{job_id!r}]")
            assert seen == sorted(seen) and seen[-1] == 100, seen
            assert any(0 < v < 100 for v in seen), f"no live progress before the end: {seen}"
            await shot(page, "04-job-succeeded")

            # analysis.done arrives on the same live feed; topics and templates follow it.
            await expect(job.locator(".note")).to_have_text("analysed", timeout=JOB_WAIT_MS)
            await check_insights(page, stack.db)
            await shot(page, "05-topics-templates")

            rows = page.locator("#posts-body tr")
            await expect(rows).to_have_count(FIXTURE_POSTS, timeout=UI_WAIT_MS)
            await check_post_topics(page, stack.db)
            stored = await stack.db.posts.find({}, projection={"metrics": True}).to_list()
            reactions = sorted(p["metrics"]["reactions"] for p in stored)
            header = page.locator('th[data-sort="reactions"]')
            await header.get_by_role("button").click()
            await expect(header).to_have_attribute("aria-sort", "descending")
            want = ["reactions", reactions[::-1]]
            await page.wait_for_function(COLUMN_IS, arg=want, timeout=UI_WAIT_MS)
            await header.get_by_role("button").click()
            await expect(header).to_have_attribute("aria-sort", "ascending")
            await page.wait_for_function(
                COLUMN_IS, arg=["reactions", reactions], timeout=UI_WAIT_MS
            )
            await shot(page, "06-posts-sorted")
            await check_hook_filter(page, stack.db)

            await check_generate(page, stack.client)
            assert await accessibility_problems(page) == []
            await shot(page, "07-generated")

            await check_export(page, [str(p["_id"]) for p in stored])

        await page.set_viewport_size({"width": 375, "height": 800})
        too_wide = await page.evaluate(TOO_WIDE)
        assert too_wide == [], f"the page scrolls sideways at phone width: {too_wide}"
        await shot(page, "08-narrow")

        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        assert await page.evaluate("sessionStorage.getItem('postwriter.apiKey')") is None
        assert await page.locator("#jobs-body tr").count() == 0
        assert await page.locator("#posts-page option").all_inner_texts() == ["All pages"]
        await expect(page.locator("#live-state")).to_have_attribute("data-state", "off")
        assert problems.items == []
        await context.close()


async def start_scrape(page: Page, url: str, max_posts: int) -> None:
    before = await page.locator("#jobs-body tr").count()
    await page.get_by_label("Page or feed URL").fill(url)
    await page.get_by_label("Reader").select_option("facebook")
    await page.get_by_label("Max posts").fill(str(max_posts))
    await page.get_by_role("button", name="Start scrape").click()
    await expect(page.locator("#jobs-body tr")).to_have_count(before + 1)
    await expect(page.locator("#job-error")).to_be_hidden()


async def newest_job(page: Page) -> Locator:
    """The top row of the jobs table, pinned by its job id (`.first` would move)."""
    job_id = await page.locator("#jobs-body tr").first.get_attribute("data-job-id")
    assert job_id is not None
    return page.locator(f"#job-{job_id}")


async def check_insights(page: Page, db: Any) -> None:
    analysed = await db.pages.find_one({"_id": "facebook:acmecoffee"})
    await expect(page.locator("#insights-page")).to_have_value(
        "facebook:acmecoffee", timeout=JOB_WAIT_MS
    )
    await expect(page.locator("#topics-body tr")).to_have_count(len(analysed["topics"]))
    for topic in analysed["topics"]:
        await expect(page.locator("#topics-body th", has_text=topic["label"])).to_have_count(1)
    templates = await db.templates.count_documents({"source": "acmecoffee"})
    await expect(page.locator("#templates-list li.template")).to_have_count(min(templates, 5))


async def check_post_topics(page: Page, db: Any) -> None:
    """Once analysed, the posts table names each post's topic by the page's topic label."""
    analysed = await db.pages.find_one({"_id": "facebook:acmecoffee"})
    labels = {topic["label"] for topic in analysed["topics"]}
    cells = page.locator('#posts-body td[data-col="topic"]')
    await expect(cells.filter(has_text=re.compile("/"))).not_to_have_count(0)
    assert set(await cells.all_inner_texts()) <= labels | {"—"}


async def check_hook_filter(page: Page, db: Any) -> None:
    """A filter is applied by the server: exactly the posts with that hook are listed."""
    hooked = await db.posts.count_documents({"analysis.hooks.label": "number"})
    assert 0 < hooked < FIXTURE_POSTS
    await page.get_by_label("Hook", exact=True).select_option("number")
    await page.get_by_role("button", name="Show posts", exact=True).click()
    cells = page.locator('#posts-body td[data-col="hook"]')
    await expect(cells).to_have_count(hooked)
    assert all("number" in text for text in await cells.all_inner_texts())
    await page.get_by_label("Hook", exact=True).select_option("")
    await page.get_by_role("button", name="Show posts", exact=True).click()
    await expect(cells).to_have_count(FIXTURE_POSTS)


async def check_generate(page: Page, client: Any) -> None:
    idea = "Our new cold brew saves you a trip to the cafe"
    await page.get_by_label("Idea", exact=True).fill(idea)
    await page.get_by_label("Learn from page").select_option("facebook:acmecoffee")
    await page.get_by_label("Variations").fill("3")
    await page.get_by_role("button", name="Write variations").click()
    drafts = page.locator("#drafts > li")
    await expect(drafts).to_have_count(3, timeout=UI_WAIT_MS)
    body = {"idea": idea, "page_id": "facebook:acmecoffee", "vars": 3}
    resp = await client.post("/v1/generate", json=body, headers=AUTH)
    assert resp.status == 200, await resp.text()
    expected = (await resp.json())["drafts"]
    for index, draft in enumerate(expected):
        shown = drafts.nth(index)
        await expect(shown.locator(".draft-text")).to_have_text(draft["text"])
        await expect(shown).to_have_attribute("data-status", draft["status"])
        checks = shown.locator(".checks > li")
        await expect(checks).to_have_count(len(draft["checks"]))
        for n, check in enumerate(draft["checks"]):
            await expect(checks.nth(n)).to_have_attribute("data-check", check["name"])
            await expect(checks.nth(n)).to_have_attribute("data-status", check["status"])
            await expect(checks.nth(n)).to_contain_text(check["message"])


async def check_export(page: Page, post_ids: list[str]) -> None:
    button = page.get_by_role("button", name="Export CSV")
    if await button.is_hidden():
        # The server's document has no export route: the dashboard hides the button.
        return
    async with page.expect_download() as info:
        await button.click()
    download = await info.value
    path = Path(await download.path())
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["id"] for row in rows) == sorted(post_ids)
    await expect(page.locator("#posts-error")).to_be_hidden()


async def test_wrong_key_shows_the_error(settings: Settings, browser: Browser) -> None:
    async with api_running(settings) as stack:
        page = await browser.new_page()
        await page.goto(str(stack.client.make_url("/")))
        await sign_in(page, "wrong-key-0123456789abcdef")
        error = page.locator("#sign-in-error")
        await expect(error).to_be_visible()
        await expect(error).to_contain_text("not accepted")
        await expect(error).to_contain_text("a valid API key is required")
        await expect(page.locator("#app")).to_be_hidden()
        await expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
        assert await page.evaluate("sessionStorage.getItem('postwriter.apiKey')") is None
        await shot(page, "09-wrong-key")
        await page.close()
