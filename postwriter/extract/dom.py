"""Readable text from selectolax (lexbor) nodes: paragraphs and line breaks kept."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_SKIP = frozenset({"script", "style", "template", "noscript", "svg", "head", "title"})
_SPACE = re.compile(r"[ \t\r\n\f\u00a0]+")
_PARA = "\x00"


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style


def _children(node: LexborNode) -> list[LexborNode]:
    return list(node.iter(include_text=True))


def readable_text(root: LexborNode, *, skip_buttons: bool = True) -> str:
    """Text as a reader sees it: paragraphs (block elements) separated by a blank line,
    `<br>` kept as a line break, images by their alt text (emoji), UI buttons left out.

    Iterative, so that hostile, deeply nested markup cannot exhaust the stack.
    """
    out: list[str] = []
    stack: list[tuple[LexborNode, bool]] = [(c, False) for c in reversed(_children(root))]
    while stack:
        node, closing = stack.pop()
        if closing:
            out.append(_PARA)
            continue
        tag = node.tag
        if tag == "-text":
            out.append(_SPACE.sub(" ", node.text_content or ""))
            continue
        if not node.is_element_node or tag in _SKIP or _hidden(node):
            continue
        if skip_buttons and node.attributes.get("role") == "button":
            continue
        if tag == "br":
            out.append("\n")
        elif tag == "img":
            out.append(node.attributes.get("alt") or "")
        else:
            if tag in _BLOCKS:
                out.append(_PARA)
                stack.append((node, True))
            stack.extend((c, False) for c in reversed(_children(node)))
    return tidy("".join(out))


def tidy(text: str) -> str:
    """Trim every line, keep single line breaks, and at most one blank line in a row."""
    paragraphs: list[str] = []
    for block in text.split(_PARA):
        lines = [_SPACE.sub(" ", line).strip() for line in block.split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            paragraphs.append("\n".join(lines))
    return re.sub(r"\n{3,}", "\n\n", "\n\n".join(paragraphs))
