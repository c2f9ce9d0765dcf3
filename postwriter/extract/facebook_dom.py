"""One walk over a rendered post: everything the Facebook adapter reads, in page order.

Linear in the size of the post (no ancestor lookups per node), so hostile, deeply nested
markup costs no more than its length; nested articles (comments) are never entered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode


@dataclass(frozen=True, slots=True)
class Item:
    node: LexborNode
    in_message: bool
    anchor: LexborNode | None  # the nearest enclosing <a href> (the node itself for one)
    in_widget: bool  # inside role=toolbar / role=button: reaction icons, not media


@dataclass(slots=True)
class Scan:
    """What one walk over a post collects; nested articles (comments) are not entered."""

    message: LexborNode | None = None
    items: list[Item] = field(default_factory=list)  # <a href>, <img>, <video>, in order
    stamps: list[Item] = field(default_factory=list)  # data-utime / <time datetime>
    headings: list[LexborNode] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # aria-labels outside the message
    texts: list[str] = field(default_factory=list)  # text nodes outside the message


def _children(node: LexborNode) -> list[LexborNode]:
    return list(node.iter(include_text=True))


def top_articles(tree: LexborHTMLParser) -> list[LexborNode]:
    found = tree.css('[role="article"]')
    if tree.css_first('[role="article"] [role="article"]') is None:
        return found
    # Comments are articles inside articles: keep the outer ones, in one linear walk.
    top: list[LexborNode] = []
    stack = [tree.root] if tree.root is not None else []
    while stack:
        node = stack.pop()
        if node.is_element_node and node.attributes.get("role") == "article":
            top.append(node)
            continue
        stack.extend(c for c in reversed(_children(node)) if c.is_element_node)
    return top


def _is_message(attrs: dict[str, str | None]) -> bool:
    return "message" in (attrs.get("data-ad-preview"), attrs.get("data-ad-comet-preview"))


def scan_article(article: LexborNode) -> Scan:
    scan = Scan()
    stack: list[tuple[LexborNode, bool, LexborNode | None, bool]] = [
        (c, False, None, False) for c in reversed(_children(article))
    ]
    while stack:
        node, in_msg, anchor, in_widget = stack.pop()
        if node.tag == "-text":
            text = " ".join((node.text_content or "").split())
            if text and not in_msg:
                scan.texts.append(text)
            continue
        if not node.is_element_node or node.tag in ("script", "style", "template"):
            continue
        attrs = node.attributes
        role = attrs.get("role")
        if role == "article":
            continue
        if scan.message is None and _is_message(attrs):
            scan.message, in_msg = node, True
        if node.tag == "a" and attrs.get("href"):
            anchor = node
            scan.items.append(Item(node, in_msg, node, in_widget))
        elif node.tag in ("img", "video"):
            scan.items.append(Item(node, in_msg, anchor, in_widget))
        elif node.tag in ("h2", "h3", "h4"):
            scan.headings.append(node)
        if "data-utime" in attrs or (node.tag == "time" and attrs.get("datetime")):
            scan.stamps.append(Item(node, in_msg, anchor, in_widget))
        label = attrs.get("aria-label")
        if label and not in_msg:
            scan.labels.append(label)
        in_widget = in_widget or role in ("toolbar", "button")
        stack.extend((c, in_msg, anchor, in_widget) for c in reversed(_children(node)))
    return scan
