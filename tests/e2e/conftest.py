"""Browser tests: real headless Chromium (Debian's) driven by Playwright, against real processes.

Generic fixtures for every browser test: `browser` (one Chromium for this package; it is closed
before later packages run, since Playwright's sync API keeps an event loop running in this
thread while it is open, and `asyncio.run` in later set-ups would fail), `watched_page` (a fresh
context whose console errors, page errors and failed requests are collected) and `screenshots`
(a folder under test-output/). Storefront fixtures start inventory, orders and client_web as
real uvicorn processes pointing at each other and at the test databases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, sync_playwright

from tests.client_web.support import Backends, running_backends
from tests.conftest import TEST_OUTPUT, redis_url
from tests.helpers import serve

CHROMIUM = os.environ.get("AUTOFORGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every wait in a browser test is bounded by this (milliseconds).
STEP_TIMEOUT_MS = 15_000


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.console_errors + self.failed_requests


@dataclass
class WatchedPage:
    page: Page
    problems: PageProblems
    # Requests the page cancels itself (a superseded search, a double-clicked form, a closed
    # event stream on navigation) are not failures; tests may add URL parts to tolerate.
    tolerated_aborts: list[str] = field(default_factory=list)


@pytest.fixture(name="browser", scope="package")
def fx_browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page: Page, problems: PageProblems, tolerated: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.console_errors.append(f"console error on {page.url}: {message.text}")

    def on_request_failed(request: Request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure and (
            request.resource_type == "eventsource" or any(part in request.url for part in tolerated)
        ):
            return
        problems.failed_requests.append(f"{request.method} {request.url} failed: {failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.failed_requests.append(f"{response.request.method} {response.url} -> {response.status}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.console_errors.append(f"page error on {page.url}: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)


@pytest.fixture(name="watched_page")
def fx_watched_page(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    watched = WatchedPage(page=page, problems=PageProblems())
    watch(page, watched.problems, watched.tolerated_aborts)
    try:
        yield watched
    finally:
        context.close()


@pytest.fixture(name="screenshots")
def fx_screenshots(request: pytest.FixtureRequest) -> Path:
    folder = TEST_OUTPUT / "e2e" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Storefront:
    url: str
    backends: Backends


@pytest.fixture(name="storefront", scope="package")
def fx_storefront() -> Iterator[Storefront]:
    """inventory, orders and client_web as real processes on free ports, with a seeded catalog."""
    logs = TEST_OUTPUT / "logs" / "e2e"
    with running_backends("e2e", log_dir=logs) as backends:
        env = {
            "WEB_INVENTORY_URL": backends.inventory_url,
            "WEB_ORDERS_URL": backends.orders_url,
            "WEB_REDIS_URL": redis_url("WEB_"),
            # Product pages poll stock every second, so a test sees them refresh themselves.
            "WEB_AVAILABILITY_REFRESH_S": "1",
        }
        with serve("client_web", env=env, log_path=logs / "client.log") as url:
            yield Storefront(url=url, backends=backends)
