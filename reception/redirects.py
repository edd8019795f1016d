"""Redirect targets taken from the request, limited to this site."""

from urllib.parse import urlsplit


def safe_local_url(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: an open redirect is a phishing tool."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
