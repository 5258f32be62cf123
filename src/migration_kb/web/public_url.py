"""Which address the site names itself by: the `Host` header is not trusted.

With `MIGRATION_KB_PUBLIC_URL` (e.g. `https://kb.example.org`) every absolute link — the sitemap named in
robots.txt, hreflang and canonical links, permalinks, the CSV's and API's `url` fields — uses it, whatever
`Host` a request sent: the WSGI environment is set to that scheme and host before Flask reads it. Without it,
`MIGRATION_KB_TRUSTED_HOSTS` (comma-separated host names; `.example.org` also matches its subdomains) makes
any other `Host` a plain 400 before the app sees it. With neither, the request's host is used: fine for a
laptop, not for a public server.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.sansio.utils import host_is_trusted


class PublicURLError(ValueError):
    pass


def parse_public_url(url: str) -> tuple[str, str]:
    """(scheme, host[:port]) of a site's public address; a path, query or other scheme is refused."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username or parts.password:
        raise PublicURLError(f"MIGRATION_KB_PUBLIC_URL must be http(s)://host[:port] without a path, not {url!r}")
    return parts.scheme, parts.netloc.lower()


class PublicHost:
    """WSGI middleware: every request is seen at the configured scheme and host."""

    def __init__(self, wsgi_app, scheme: str, host: str):
        self.wsgi_app, self.scheme, self.host = wsgi_app, scheme, host
        name, _, port = host.rpartition(":") if host.rsplit(":", 1)[-1].isdigit() else (host, "", "")
        self.server = (name, port or ("443" if scheme == "https" else "80"))

    def __call__(self, environ, start_response):
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"], environ["SERVER_PORT"] = self.server
        environ["wsgi.url_scheme"] = self.scheme
        return self.wsgi_app(environ, start_response)


class TrustedHosts:
    """WSGI middleware: a request whose Host is not in the list gets a plain 400 (no page, no link built)."""

    def __init__(self, wsgi_app, hosts: list[str]):
        self.wsgi_app, self.hosts = wsgi_app, hosts

    def __call__(self, environ, start_response):
        if not host_is_trusted(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""), self.hosts):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"This server does not answer for that host name.\n"]
        return self.wsgi_app(environ, start_response)


def configure(app: Flask) -> None:
    public = os.environ.get("MIGRATION_KB_PUBLIC_URL", "").strip()
    if public:
        app.wsgi_app = PublicHost(app.wsgi_app, *parse_public_url(public))
        return
    trusted = [h.strip() for h in os.environ.get("MIGRATION_KB_TRUSTED_HOSTS", "").split(",") if h.strip()]
    if trusted:
        app.wsgi_app = TrustedHosts(app.wsgi_app, trusted)
