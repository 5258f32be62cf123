"""Browser tests: Debian's Chromium driven by Playwright against the real `migration-kb serve`.

Never `playwright install`: the launch arguments point Playwright at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `migration-kb serve` process on a fresh instance (it imports the shipped kb on start)."""

    def __init__(self, instance: Path):
        self.instance = instance
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MIGRATION_KB_INSTANCE": str(instance)}
        self.log = open(instance.parent / "serve.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "migration_kb.cli", "serve", "--port", str(self.port)],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"migration-kb serve did not start: {(instance.parent / 'serve.log').read_text()}")

    def cli(self, *args: str, input: str | None = None) -> str:
        """Run a migration-kb command against the server's instance."""
        env = {**os.environ, "MIGRATION_KB_INSTANCE": str(self.instance)}
        done = subprocess.run([sys.executable, "-m", "migration_kb.cli", *args], env=env, input=input,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("browser") / "instance")
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
