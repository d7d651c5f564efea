"""GET /docs: an interactive reference of /openapi.json, from local assets only, that a real browser renders."""

import asyncio
import html
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import aiohttp
import pytest

from service.db.connection import drop_database
from service.http.app import init_app
from service.http.openapi import INTRODUCTION
from service.http.routes import ROUTES
from service.settings import Settings
from tests.support.environment import FakeClock

CLAIM_PATH = "/v1/users/{user_id}/rewards/{slug}/claim"
CLAIM_SUMMARY = next(route.summary for route in ROUTES if route.path == CLAIM_PATH)
# The introduction's paragraph on the development tokens, as text once its Markdown is rendered.
DEVELOPMENT_TOKENS = " ".join(INTRODUCTION.split("## Development tokens", 1)[1].replace("`", "").split())
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium takes about 5 s here (start, parse 1.5 MB of Swagger UI, render); the bound is for a slow CI machine.
BROWSER_TIMEOUT_SECONDS = 90
ASSET_TYPES = {".css": "text/css", ".js": "text/javascript"}


def _referenced_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', page)


async def _page(client: Any) -> str:
    response = await client.get("/docs")
    assert response.status == 200
    return await response.text()


async def test_docs_page_is_public_html(client):
    response = await client.get("/docs")
    assert response.status == 200
    assert response.content_type == "text/html"


async def test_docs_page_names_no_other_host(client):
    page = await _page(client)
    assert not re.search(r"https?:|//", page, re.IGNORECASE)  # no absolute nor protocol-relative URL
    assert _referenced_urls(page), "the page should load Swagger UI's assets"


async def test_docs_page_urls_are_relative_so_it_works_under_a_proxy_path(client):
    page = await _page(client)
    assert not re.search(r"""["']/""", page)  # no quoted absolute path: /openapi.json, /docs/assets/...
    assert 'new URL("openapi.json", document.baseURI)' in page


async def test_docs_page_tells_the_browser_to_load_only_from_its_own_origin(client):
    response = await client.get("/docs")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "http" not in policy
    assert "*" not in policy


async def test_every_asset_the_page_names_is_served_with_its_type(client):
    for url in _referenced_urls(await _page(client)):
        path = urljoin("/docs", url)  # relative to the page, as the browser resolves it
        response = await client.get(path)
        assert response.status == 200, path
        assert response.content_type == ASSET_TYPES[Path(path).suffix], path
        assert len(await response.read()) > 10_000, path


# Files the package has but the page does not need, and attempts to climb out of the folder.
UNLISTED_ASSETS = ["index.html", "swagger-editor-bundle.js", "..%2F..%2Fpyproject.toml", "%2Fetc%2Fpasswd"]


@pytest.mark.parametrize("name", UNLISTED_ASSETS)
async def test_an_asset_not_on_the_list_is_not_found_in_the_error_envelope(client, name):
    response = await client.get(f"/docs/assets/{name}")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


@pytest.fixture
async def docs_url(aiohttp_server: Any, settings: Settings, clock: FakeClock) -> AsyncIterator[str]:
    """/docs of the real app on a loopback socket, served by this test's event loop."""
    server = await aiohttp_server(init_app(settings, clock=clock))
    try:
        yield str(server.make_url("/docs"))
    finally:
        await server.close()
        await drop_database(settings)


async def _dump_rendered_dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, from headless Chromium (a subprocess: this loop keeps serving)."""
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",  # root, as in CI, cannot use Chromium's sandbox
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",  # virtual time: lets the page fetch and render, then dumps
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), BROWSER_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, stderr.decode(errors="replace")[-2000:]
    return html.unescape(stdout.decode())


def _text_of(dom: str) -> str:
    """What the page reads as: tags dropped (Markdown's <code>, <strong>...), whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", dom).split())


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="no chromium binary on PATH: `apt-get install chromium` once (docs/testing.md) to run the browser test",
)
async def test_a_browser_renders_the_reference_listing_the_claim_operation(docs_url, tmp_path):
    # CI installs Chromium in .ci/run: there, a missing browser is a failure, not a skip.
    assert CHROMIUM is not None, "chromium is missing in CI: .ci/run should have installed it"
    async with aiohttp.ClientSession() as session, session.get(docs_url) as response:
        raw = await response.text()
    # Not in the page as served, so only the page's scripts can put them there.
    assert CLAIM_PATH not in raw
    assert CLAIM_SUMMARY not in raw

    dom = await _dump_rendered_dom(docs_url, tmp_path / "chromium-profile")

    assert CLAIM_PATH in dom
    assert CLAIM_SUMMARY in dom
    # The introduction (info.description) is rendered above the routes, the dev tokens' paragraph whole.
    assert "Development tokens" not in raw
    introduction = dom[dom.index('class="info') : dom.index(CLAIM_PATH)]
    assert "Two tokens, two roles" in introduction
    assert DEVELOPMENT_TOKENS in _text_of(introduction)
