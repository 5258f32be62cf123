"""Rapporteurs on the web: the findings workbench, drafts of conclusions (pages and forms), their exports,
and /api/v1/drafts. Two blueprints, `drafts` (pages) and `drafts_api`, whose views live in one module per job:
`listing` (the list, a new draft, adding findings), `page` (a draft's page, its changes and history),
`workbench`, `exports` and `json_api`.

A draft is private to its owner and the colleagues it is shared with: anyone else gets 404, as if it did
not exist. Users without the "draft" permission may browse the workbench but not use its draft actions.
"""

# Importing the view modules adds their routes to the blueprints.
from . import exports, json_api, listing, page, workbench  # noqa: F401
from .common import api, bp

__all__ = ["api", "bp"]
