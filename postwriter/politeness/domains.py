"""The key a politeness budget is kept under: the registrable domain, lowercased.

`www.facebook.com`, `m.facebook.com` and `facebook.com` share one budget. The public suffix
list is the snapshot bundled with tldextract; it is never refreshed over the network.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

import tldextract


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # No suffix list URLs and no cache directory: the bundled snapshot, offline, no disk writes.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url_or_host: str) -> str:
    """The lowercased host of a URL or of a bare `host[:port]`; ValueError when there is none."""
    value = url_or_host.strip()
    parts = urlsplit(value if "://" in value else f"//{value}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"no host in {url_or_host!r}")
    return host.lower()


def domain_key(url_or_host: str) -> str:
    """The registrable domain of a URL or host (`example.co.uk`); IPs and single labels as is."""
    host = host_of(url_or_host)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    registrable = _extractor()(host).top_domain_under_public_suffix
    return registrable or host
