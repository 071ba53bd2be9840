"""The browser tests' fixtures: one headless Chromium, and the villages of people in it."""
import re

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, Village


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the browser tests (per worker); every person, every page
    check gets a context of its own, so nothing is shared but the process."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


def _village(request, browser, live_server, javascript: bool):
    village = Village(browser, live_server, javascript)
    failures_before = request.session.testsfailed
    yield village
    # The call's report is logged before the teardown, so a failure is counted by now.
    failed = request.session.testsfailed > failures_before
    village.close(re.sub(r"\W+", "-", request.node.name) if failed else "")


@pytest.fixture
def village(request, browser, live_server):
    yield from _village(request, browser, live_server, javascript=True)


@pytest.fixture
def village_without_js(request, browser, live_server):
    yield from _village(request, browser, live_server, javascript=False)


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def village_either_way(request, browser, live_server):
    """The core flows run twice: with htmx, and as plain links and forms."""
    yield from _village(request, browser, live_server, javascript=request.param)


@pytest.fixture
def chromium_village(browser, live_server):
    villages = []

    def make(javascript: bool):
        villages.append(Village(browser, live_server, javascript))
        return villages[-1]

    yield make
    for village in villages:
        village.close()
