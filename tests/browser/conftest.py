"""Browser tests: Debian's Chromium driven by Playwright against the real `migration-kb serve` (testkit).

Never `playwright install`: the launch arguments point Playwright at /usr/bin/chromium.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from testkit.servers import AppServer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed (scripts/setup.sh --test)"))


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = AppServer(tmp_path_factory.mktemp("browser") / "instance")  # SQLite; it imports the shipped kb
    yield srv
    srv.stop()


@pytest.fixture
def shot(request):
    """shot(page, name): save a full-page screenshot under test-results/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe():
    """axe(page) -> the serious or critical accessibility violations on the page (axe-core from npm)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm install)")

    def run(page) -> list[dict]:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]

    return run


PASSWORD = "a long password!"


def add_user(server, name: str, role: str, password: str = PASSWORD) -> None:
    """An account on the shared server; one an earlier test of the session made is used as it is."""
    try:
        server.cli("users", "add", name, "--role", role, input=password + "\n")
    except RuntimeError as exc:
        assert "already exists" in str(exc), exc


def sign_in(page, server, name: str) -> None:
    """Sign in as `name` (an account made with PASSWORD) and wait for the signed-in header."""
    page.goto(server.url + "/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("nav.account summary")).to_have_text(name)


def account_menu(page):
    """Open the user's menu in the header (the desk stays in sight; the rest is under the user's name)."""
    menu = page.locator("nav.account details.menu")
    if not menu.evaluate("el => el.open"):
        menu.locator("summary").click()
    return menu


def sign_out(page) -> None:
    account_menu(page).get_by_role("button", name="Sign out").click()


def assert_accessible(page, server, axe, shot, pages: dict[str, str | None]) -> None:
    """axe-core finds no serious or critical violation on each page (None: the page as it is now); a page
    that has some is kept as a screenshot."""
    for name, path in pages.items():
        if path:
            page.goto(server.url + path)
        violations = axe(page)
        if violations:
            shot(page, name)
        assert violations == [], f"{name}:\n" + "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in violations)
