"""The RSS / Atom adapter against the fixture journal's feeds, and the odd feeds of the web."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from postwriter.extract import decode_feed, extract_posts, is_feed
from postwriter.extract.feed import FeedAdapter
from tests.fixtures.site.blog import render_article_html
from tests.fixtures.site.expected import expected_feed
from tests.fixtures.site.feeds import render_atom, render_rss

BASE = "http://127.0.0.1:8081"
NOW = datetime(2025, 11, 21, tzinfo=UTC)
ADAPTER = FeedAdapter()


def extract(xml: str, url: str = f"{BASE}/feeds/blog.rss") -> list[dict[str, Any]]:
    return [p.to_json() for p in ADAPTER.extract(xml, url=url, fetched_at=NOW)]


@pytest.mark.parametrize(("kind", "render"), [("rss", render_rss), ("atom", render_atom)])
def test_fixture_feeds_field_by_field(kind: str, render: Any) -> None:
    url = f"{BASE}/feeds/blog.{kind}"
    name, posts = extract_posts(render(BASE), url=url, fetched_at=NOW)
    assert name == "feed"
    got = [p.to_json() for p in posts]
    expected = expected_feed(BASE, kind)
    assert len(expected) == 4
    assert [p["external_id"] for p in got] == [p["external_id"] for p in expected]
    for have, want in zip(got, expected, strict=True):
        for field in want:
            assert have[field] == want[field], (kind, want["external_id"], field)


def test_rss_details() -> None:
    first, second, third, fourth = extract(render_rss(BASE))
    assert first["external_id"] == "tag:acme.coffee,2025:journal/412"  # opaque guid
    assert first["url"] == f"{BASE}/journal/holiday-blend-2025"  # utm_* removed
    assert first["text"].split("\n\n")[1] == (
        "This year's Holiday Blend pairs a washed Ethiopian with a natural Brazilian.\n"
        "Notes of dark cherry, cocoa and orange peel."
    )  # content:encoded, not the short description; <br/> kept as a line break
    assert first["links"] == ["https://acme.coffee/holiday?ref=journal"]
    assert first["metrics"]["comments"] == 27  # slash:comments
    assert second["author"] == {"name": "Acme Newsroom", "url": None}  # "e-mail (Name)"
    assert [m["type"] for m in second["media"]] == ["video", "image"]  # media:*
    assert third["external_id"] == f"{BASE}/journal/tel-aviv-pop-up"  # no guid: the link
    assert third["text"].startswith("פופ-אפ בתל אביב")
    assert third["metrics"]["comments"] == 0
    assert [m["url"] for m in fourth["media"]] == [f"{BASE}/media/podcast-12-cover.jpg"]


def test_atom_details() -> None:
    entries = extract(render_atom(BASE), f"{BASE}/feeds/blog.atom")
    assert entries[0]["author"] == {"name": "Dana Levi", "url": f"{BASE}/team/dana"}
    assert entries[0]["published_at"] == "2025-11-18T08:00:00+00:00"  # published, not updated
    assert entries[1]["text"].endswith("The full numbers are in our report.")  # xhtml
    assert entries[2]["url"] == f"{BASE}/journal/tel-aviv-pop-up"  # relative link resolved
    assert entries[3]["author"] == {"name": "Acme Coffee Roasters", "url": None}  # feed's


def test_detection() -> None:
    assert is_feed(render_rss(BASE))
    assert is_feed(render_atom(BASE))
    assert is_feed("\ufeff<?xml version='1.0'?>\n<!-- hi -->\n<rss version='0.91'></rss>")
    assert is_feed(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/"></rdf:RDF>'
    )
    assert not is_feed("<feed><entry/></feed>")  # no Atom namespace
    assert not is_feed(render_article_html("holiday-blend-2025", BASE))
    html_linking_a_feed = (
        '<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" '
        'href="/feeds/blog.rss"></head><body><p>Our feed looks like this:</p>'
        "<pre>&lt;rss&gt;</pre></body></html>"
    )
    assert not is_feed(html_linking_a_feed)


def test_feed_shown_by_the_browser_as_text_is_unwrapped() -> None:
    """What Chromium's page.content() gives for an application/rss+xml response."""
    xml = render_rss(BASE)
    shown = (
        '<html><head><meta name="color-scheme" content="light dark"></head><body>'
        f'<pre style="word-wrap: break-word; white-space: pre-wrap;">{escape(xml)}</pre>'
        "</body></html>"
    )
    name, posts = extract_posts(shown, url=f"{BASE}/feeds/blog.rss", fetched_at=NOW)
    assert name == "feed"
    assert [p.to_json() for p in posts] == expected_feed(BASE, "rss")
    assert not is_feed("<html><body><pre>&lt;p&gt;code&lt;/p&gt;</pre></body></html>")


def test_decode_feed() -> None:
    hebrew = '<?xml version="1.0" encoding="windows-1255"?><rss><channel><title>קפה</title>'
    body = hebrew.encode("cp1255")
    assert decode_feed(body) == hebrew
    assert decode_feed(body, "application/rss+xml; charset=windows-1255") == hebrew
    assert decode_feed("<rss/>".encode("utf-16")) == "<rss/>"
    assert decode_feed(b"\xef\xbb\xbf<rss/>") == "<rss/>"
    assert decode_feed(b'<?xml version="1.0" encoding="nonsense"?><rss/>').endswith("<rss/>")
    assert "\ufffd" in decode_feed(b"<rss>\xff</rss>")  # replaced, never an error


def test_declared_encoding_does_not_garble_text() -> None:
    xml = (
        '<?xml version="1.0" encoding="windows-1255"?><rss version="2.0"><channel>'
        "<item><title>קפה טרי</title><link>https://x.example/1</link></item></channel></rss>"
    )
    (post,) = extract(xml, "https://x.example/feed")
    assert post["text"] == "קפה טרי"
    assert post["source"] == "x.example"


def test_text_that_names_a_url_or_file_is_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(
        '<rss version="2.0"><channel><item><guid>leak</guid></item></channel></rss>', "utf-8"
    )
    for text in (str(secret), "http://127.0.0.1:9/feed.xml", f"file://{secret}"):
        assert extract(text) == []


def test_entries_without_id_or_link_are_skipped_and_duplicates_kept_once() -> None:
    xml = (
        '<rss version="2.0"><channel>'
        "<item><title>no id</title><description>x</description></item>"
        '<item><guid isPermaLink="false">a</guid><title>first</title></item>'
        '<item><guid isPermaLink="false">a</guid><title>again</title></item>'
        "<item><guid>/p/7</guid><title>permalink guid</title></item>"
        "</channel></rss>"
    )
    posts = extract(xml, "https://x.example/feed")
    assert [(p["external_id"], p["text"]) for p in posts] == [
        ("a", "first"),
        ("https://x.example/p/7", "permalink guid"),  # a permalink guid is a URL
    ]
    assert posts[0]["url"] == "https://x.example/feed"  # no link: the feed itself
    assert posts[1]["url"] == "https://x.example/p/7"


def test_broken_xml_still_gives_what_it_can() -> None:
    xml = (
        '<rss version="2.0"><channel><item><title>ok & fine</title>'
        "<link>https://x.example/1</link><description><p>a<p>b</description></item>"
    )
    (post,) = extract(xml, "https://x.example/feed")
    assert post["url"] == "https://x.example/1"
    assert post["text"].startswith("ok & fine")


def test_scripts_in_content_are_dropped() -> None:
    xml = (
        '<rss version="2.0"><channel><item><guid>s</guid><title>T</title>'
        "<description><![CDATA[<p>safe</p><script>alert(1)</script>"
        '<a href="javascript:alert(1)">x</a>]]></description></item></channel></rss>'
    )
    (post,) = extract(xml, "https://x.example/feed")
    assert "alert" not in post["text"]
    assert post["links"] == []
