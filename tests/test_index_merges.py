"""Pages and searches keep answering while another writer's commit merges index segments away.

Whoosh deletes merged segments' files at once, and an open searcher reads some of a segment's files only
when first needed (stored fields: titles and summaries of hits, the entry page's related practices). A
commit landing between the moment a request took the searcher and that first read (the server's own
follower mid-request, or a command-line write while the server has not looked at the index again yet)
once answered 500 with `TypeError: 'NoneType' object is not subscriptable` from Whoosh.
"""

from __future__ import annotations

import pytest

from migration_kb.web import create_app
from migration_kb.web.startup import start, stop
from tests.conftest import write_entry

WORDS = ["beta", "gamma", "delta", "epsilon"]


@pytest.fixture
def served(settings, cli, tmp_path):
    """A server's app over an index of five segments (a rebuild, then one command-line import per entry)."""
    for i in range(3):
        write_entry(tmp_path / "first", f"mx-ca-alpha-{i}", title=f"Practice alpha {i}")
    assert cli("import", str(tmp_path / "first")).exit_code == 0
    app = start(create_app(settings, testing=True), follow=False)  # builds the index: one segment
    for word in WORDS:  # each import catches the index up in a commit of its own: a small segment
        write_entry(tmp_path / word, f"mx-ca-{word}", title=f"Practice {word}")
        assert cli("import", str(tmp_path / word)).exit_code == 0
    yield app
    stop(app)


def test_entry_pages_and_searches_answer_after_a_merge_removed_segments_the_searcher_had_open(
        served, cli, tmp_path, monkeypatch):
    client = served.test_client()
    searcher = served.extensions["migration_kb"].searcher
    # The server has not looked at the index again since its last request (at most a second in real life;
    # the server's follower can also commit in the middle of a request).
    monkeypatch.setattr(searcher, "REFRESH_EVERY", 3600.0)
    assert client.get("/api/v1/search?q=alpha").get_json()["total"] == 3  # the searcher is open

    write_entry(tmp_path / "last", "mx-ca-zeta", title="Practice zeta")
    assert cli("import", str(tmp_path / "last")).exit_code == 0  # this commit merges the small segments away

    page = client.get("/entries/mx-ca-gamma")  # its related practices are read from the index
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    assert "Practice gamma" in page.get_data(as_text=True)
    assert "Related practices" in page.get_data(as_text=True)
    found = client.get("/api/v1/search?q=delta")
    assert found.status_code == 200
    assert [hit["id"] for hit in found.get_json()["results"]] == ["mx-ca-delta"]
    assert client.get("/api/v1/search?q=zeta").get_json()["total"] == 1  # and the merged index is the one used
