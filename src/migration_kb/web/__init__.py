"""The Flask application: search, entries, browse pages and the JSON API."""

from .app import create_app

__all__ = ["create_app"]
