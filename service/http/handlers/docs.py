"""The API reference: /openapi.json for tools, and Swagger UI over it for people (assets from swagger-ui-py)."""

import base64
import hashlib
from importlib.resources import files
from pathlib import Path

from aiohttp import web

from service.http.openapi import OpenApiDocument, served_document
from service.http.wiring import ROUTE_TABLE

# The wheel's copy of the Swagger UI dist: the machines that run this have no internet, so no CDN.
_ASSETS = Path(str(files("swagger_ui") / "static"))

# Every URL is relative to /docs, so the page also works behind a proxy that mounts the API on a path.
# validatorUrl: null stops Swagger UI from sending the document's address to its online validator.
_SCRIPT = """
window.ui = SwaggerUIBundle({
  url: new URL("openapi.json", document.baseURI).href,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
"""

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rewards-service API reference</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>{_SCRIPT}</script>
</body>
</html>
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
# Only this origin, and only the one inline script above: the browser itself refuses anything else.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src 'self' 'sha256-{_SCRIPT_HASH}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


async def openapi_document(request: web.Request) -> OpenApiDocument:
    """The OpenAPI document of the routes this app serves (the table it was built from)."""
    return served_document(request.app[ROUTE_TABLE])


async def docs_page(request: web.Request) -> web.Response:
    """The interactive reference, so people read the API without a tool of their own."""
    return web.Response(text=_PAGE, content_type="text/html", headers=_PAGE_HEADERS)


async def swagger_ui_css(request: web.Request) -> web.FileResponse:
    """Swagger UI's stylesheet; one route per file, so no request can name any other file."""
    return _asset("swagger-ui.css", "text/css")


async def swagger_ui_js(request: web.Request) -> web.FileResponse:
    """Swagger UI itself (the self-contained bundle)."""
    return _asset("swagger-ui-bundle.js", "text/javascript")


def _asset(name: str, content_type: str) -> web.FileResponse:
    # The type is set, not guessed: the machine's mime.types must not change what the browser runs.
    return web.FileResponse(_ASSETS / name, headers={"Content-Type": content_type, "X-Content-Type-Options": "nosniff"})
