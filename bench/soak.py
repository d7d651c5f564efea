"""`python -m bench --soak N`: the service's RSS over N requests that store data, then over N that store nothing new."""

import argparse
import random
from collections.abc import Iterator

from bench.load import Call, drive
from bench.servers import Server
from bench.workload import claim_path, event_calls, list_calls

SOAK_CLAIMS = 1000  # keyed claims the soak makes, then replays


def steady_calls(
    count: int, events: list[Call], keyed_claims: list[Call], users: int, rng: random.Random
) -> Iterator[Call]:
    """Replayed events, lists and replayed keyed claims in turn: requests that store nothing new."""
    kinds = 3 if keyed_claims else 2
    for number in range(count):
        kind = number % kinds
        if kind == 0:
            yield events[number % len(events)]
        elif kind == 1:
            yield Call("GET", f"/v1/users/{rng.randint(1, users)}/rewards")
        else:
            yield keyed_claims[number % len(keyed_claims)]


async def soak(
    service: Server, args: argparse.Namespace, rng: random.Random, unclaimed: list[tuple[int, str]], bot: dict[str, str]
) -> None:
    """Two RSS comparisons: a raw one while data accumulates, and one in a steady state.

    On the embedded database every stored document lives in the service's process, so the raw
    soak's growth includes the data it adds (each event id is kept, up to 256 per user; the
    points unlock more rewards). The steady-state part sends requests that store nothing new
    (the same event ids again, lists, claims replayed under their Idempotency-Key) after a
    warm-up of the same mix, so its growth is what a leak would show.
    """
    n, half = args.soak, args.soak // 2
    events = list(event_calls(half, args.users, rng, "soak"))
    before = service.memory_kib("VmRSS")
    raw = [
        await drive(service.url, "soak event", events, args.clients, bot),
        await drive(service.url, "soak list", list_calls(n - half, args.users, rng), args.clients, bot),
    ]
    after = service.memory_kib("VmRSS")
    print(
        f"soak, raw: {n} requests (new events and lists) in {sum(r.seconds for r in raw):.0f}s, "
        f"{sum(r.errors for r in raw)} errors; RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
        f"({(after - before) / before:+.1%}), stored data included"
    )

    keyed = [
        Call("POST", claim_path(user_id, slug), headers={"Idempotency-Key": f"soak-{number}"})
        for number, (user_id, slug) in enumerate(unclaimed[:SOAK_CLAIMS])
    ]
    warm_up = n // 10
    first = await drive(service.url, "soak claims", keyed, args.clients, bot)
    first_replays = await drive(
        service.url, "soak warm-up", steady_calls(warm_up, events, keyed, args.users, rng), args.clients, bot
    )
    before = service.memory_kib("VmRSS")
    steady = await drive(service.url, "soak steady", steady_calls(n, events, keyed, args.users, rng), args.clients, bot)
    after = service.memory_kib("VmRSS")
    failed = first.errors + first_replays.errors + steady.errors
    print(
        f"soak, steady state: {n} requests (replayed events, lists, {len(keyed)} keyed claims replayed) after "
        f"{len(keyed)} claims and a warm-up of {warm_up}, in {steady.seconds:.0f}s ({steady.rate:.0f} req/s), "
        f"{failed} errors, {steady.conflicts} 409s; RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB "
        f"({(after - before) / before:+.1%}); peak {service.memory_kib('VmHWM') / 1024:.1f} MiB"
    )
