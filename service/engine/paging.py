"""Page cursors: where the next page of a list starts, written so that callers treat it as opaque.

A cursor holds the display key (`sort_order`, slug) of the last item of the page before it: the next
page starts after that key. Rewards added, deactivated or re-ordered between two pages may appear or
not, but no reward is answered twice and none that stayed in place is skipped.
"""

import base64
import binascii

from rewards_contract.errors import DetailType, ValidationFailed

_VERSION = "1"


def cursor_after(key: tuple[int, str]) -> str:
    """The cursor of the page that starts after `key`."""
    sort_order, slug = key
    return base64.urlsafe_b64encode(f"{_VERSION}:{sort_order}:{slug}".encode()).decode().rstrip("=")


def key_of_cursor(cursor: str) -> tuple[int, str]:
    """The display key a cursor of ours holds; any other text is refused as the caller's mistake."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, sort_order, slug = text.split(":", 2)
        if version != _VERSION or not slug:
            raise ValueError(text)
        return int(sort_order), slug
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(
            "cursor: is not a cursor this service gave; start again without it.",
            [{"field": "cursor", "message": "is not a cursor this service gave", "type": DetailType.BAD_FORMAT}],
        ) from None
