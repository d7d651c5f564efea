"""Webhook signatures are Standard Webhooks': the specification's own library and ours agree both ways."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from rewards_client import WebhookVerificationError, verify_webhook
from rewards_contract.webhooks import secret_key, sign
from standardwebhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"the bot and the service share this").decode()
BODY = json.dumps({"id": "grant_created:g-1", "type": "grant_created", "cursor": "1"}).encode()


def signed_headers(
    msg_id: str = "grant_created:g-1", timestamp: int | None = None, body: bytes = BODY
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(SECRET, msg_id, timestamp, body),
    }


def test_the_specifications_library_accepts_our_signature():
    assert Webhook(SECRET).verify(BODY, signed_headers()) == json.loads(BODY)


def test_we_accept_the_specifications_library_signature():
    now = datetime.now(UTC).replace(microsecond=0)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("msg_1", now, BODY.decode()),
    }

    assert verify_webhook(headers, BODY, SECRET) == json.loads(BODY)


def test_our_signature_is_the_specifications_byte_for_byte():
    now = datetime.now(UTC).replace(microsecond=0)

    assert sign(SECRET, "msg_1", int(now.timestamp()), BODY) == Webhook(SECRET).sign("msg_1", now, BODY.decode())


def test_header_names_are_case_insensitive_and_the_body_may_be_text():
    headers = {name.title(): value for name, value in signed_headers().items()}

    assert verify_webhook(headers, BODY.decode(), SECRET)["cursor"] == "1"


def test_one_matching_signature_among_several_is_enough():
    headers = signed_headers()
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"] + " v2,whatever"

    assert verify_webhook(headers, BODY, SECRET)["type"] == "grant_created"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h, b: (h, b.replace(b"g-1", b"g-2")), id="changed body"),
        pytest.param(lambda h, b: ({**h, "webhook-id": "grant_created:g-2"}, b), id="changed id"),
        pytest.param(
            lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) + 1)}, b), id="changed timestamp"
        ),
        pytest.param(lambda h, b: ({**h, "webhook-signature": "v1,AAAA"}, b), id="wrong signature"),
        pytest.param(lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b), id="no signature"),
        pytest.param(lambda h, b: ({**h, "webhook-timestamp": "soon"}, b), id="timestamp not a number"),
    ],
)
def test_a_tampered_or_incomplete_request_is_refused(tamper):
    headers, body = tamper(signed_headers(), BODY)

    with pytest.raises(WebhookVerificationError):
        verify_webhook(headers, body, SECRET)


def test_another_secret_is_refused():
    other = "whsec_" + base64.b64encode(b"somebody else's secret").decode()

    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify_webhook(signed_headers(), BODY, other)


@pytest.mark.parametrize("age", [-301, 301])
def test_a_timestamp_outside_the_tolerance_is_refused_even_when_signed(age):
    now = int(time.time())

    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(signed_headers(timestamp=now - age), BODY, SECRET, now=now)


def test_the_tolerance_and_the_clock_can_be_given():
    headers = signed_headers(timestamp=1_000_000)

    assert verify_webhook(headers, BODY, SECRET, now=datetime.fromtimestamp(1_000_030, UTC), tolerance_seconds=60)


def test_a_signed_body_that_is_not_a_json_object_is_refused():
    with pytest.raises(WebhookVerificationError, match="JSON"):
        verify_webhook(signed_headers(body=b"[1, 2]"), b"[1, 2]", SECRET)


@pytest.mark.parametrize("secret", ["abc", "whsec_", "whsec_not base64!", "whsec_%%%%"])
def test_a_secret_must_be_whsec_and_base64(secret):
    with pytest.raises(ValueError, match=r"^a webhook secret"):
        secret_key(secret)


def test_an_unpadded_secret_is_read_as_the_specifications_library_reads_it():
    unpadded = SECRET.rstrip("=")

    assert secret_key(unpadded) == secret_key(SECRET)
    assert Webhook(unpadded).verify(BODY, signed_headers()) == json.loads(BODY)


def test_aiohttp_request_headers_can_be_passed_as_they_are():
    from multidict import CIMultiDict, CIMultiDictProxy

    headers = CIMultiDictProxy(CIMultiDict({name.upper(): value for name, value in signed_headers().items()}))

    assert verify_webhook(headers, BODY, SECRET)["id"] == "grant_created:g-1"
