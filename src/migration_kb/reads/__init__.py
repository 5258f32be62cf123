"""The read layer: named queries the pages, the API and the command line ask, each returning plain data
(frozen dataclasses, records, tuples), never ORM rows. Writes go through `store`, `workflow` and `accounts`.

`entries` (an entry, its state, counts, the sitemap's dates), `findings` (published findings for the API),
`events` (a workshop by id or alias, its panels and what was presented there), `editing` (history, reviews
and the experts' desk), `coverage` (practices per pair of facet values, from the search index).
"""
