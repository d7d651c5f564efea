"""A request the service cannot read as text is refused before anything reads it: `400 bad_request`.

aiohttp keeps a header byte that is not UTF-8 as a lone surrogate (`surrogateescape`), which breaks
whatever encodes the value again (a token comparison was a 500); a path may carry percent-encoded
control characters (`%0A`) or bytes that are not UTF-8 (`%FF`, which the URL library leaves encoded).
None of these is ever meant: no header the service reads holds anything but text, no path of its
routes a control character. Refusing them here, in the JSON envelope, keeps every later step (and
every log line) to text it can handle. Tab stays allowed in header values, as HTTP allows it.
"""

import re
from urllib.parse import unquote_to_bytes

from aiohttp import web
from aiohttp.typedefs import Handler
from rewards_contract.errors import BadRequest

# In a header: control characters but tab, and lone surrogates (bytes that were not UTF-8).
_UNREADABLE_IN_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
# In a decoded path: any C0 or C1 control character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@web.middleware
async def unreadable_input_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    for name, value in request.headers.items():
        if _UNREADABLE_IN_HEADER.search(name) or _UNREADABLE_IN_HEADER.search(value):
            raise BadRequest(f"{_header(name)} is not UTF-8 text without control characters.")
    try:
        path = unquote_to_bytes(request.rel_url.raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The path is not UTF-8 once percent-decoded.") from None
    if _CONTROL.search(path):
        raise BadRequest("The path holds control characters once percent-decoded.")
    return await handler(request)


def _header(name: str) -> str:
    """The header as the message names it; a name that is itself unreadable is not echoed."""
    return f"The {name} header" if name.isascii() and name.isprintable() else "A header's name"
