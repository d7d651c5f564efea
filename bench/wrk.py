"""wrk as `rewards-bench`'s load generator: one endpoint for a fixed duration, counted by a Lua script.

The Python load generator tops out near half of what the trivial handler serves on a small
machine, so the figures it gives for fast endpoints are its own limit. wrk (written in C) is used
when it is installed. wrk runs for a duration, not a request count: the Lua script counts what
it sent and what came back (2xx, 409, other statuses) and reports it, with the latency
percentiles, in one line that `parse_summary` reads. Rows that can run out (each claim path once,
the unlocking events while thresholds are left) also stop at a limit, and send nothing past it:
the service then answers exactly those requests, so its figures per request are theirs alone.
"""

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench.load import Figures

# One wrk thread already saturates the one-process ceiling server here (two gave the same rate),
# and leaves the other core to the server being measured.
THREADS = 1
SUMMARY_PREFIX = "rewards-bench:"

LUA = r"""
-- Written by bench/wrk.py. Arguments: kind users token threads seed paths-file limit points rewards page-size.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now()  -- wrk's own duration includes the time a stopped thread waits: time it here
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  kind, users = args[1], tonumber(args[2])
  thread_count = tonumber(args[4])
  math.randomseed(tonumber(args[5]) + id)
  -- Each thread sends at most its share of `limit` requests (0: no limit) and stops once they are answered.
  limit = math.ceil(tonumber(args[7]) / thread_count)
  points = tonumber(args[8])
  rewards, page_size = tonumber(args[9]), tonumber(args[10])
  headers = {["Authorization"] = "Bearer " .. args[3], ["Content-Type"] = "application/json"}
  reserved, sent, ok, conflicts, failed, started, finished = 0, 0, 0, 0, 0, 0, 0
  -- wrk calls the first thread's request() once before the run to check the request; it is never sent.
  checking = id == 0
  paths = {}
  if kind == "claim" or kind == "keyed-claim" then  -- each thread claims every thread_count-th path of the file
    local line_number = 0
    for path in io.lines(args[6]) do
      if line_number % thread_count == id then paths[#paths + 1] = path end
      line_number = line_number + 1
    end
    limit = #paths
  end
end

function delay()
  -- wrk asks before each request. Past the limit a connection waits instead of sending more, so the
  -- service sees exactly `limit` requests; counting here, not in request(), since several
  -- connections may ask before any of them sends.
  if limit > 0 and reserved >= limit then return 3600000 end
  reserved = reserved + 1
  return 0
end

function request()
  if checking then
    checking = false
    return wrk.format("GET", "/")
  end
  if sent == 0 then started = now() end
  sent = sent + 1
  if kind == "list" then
    return wrk.format("GET", "/v1/users/" .. math.random(1, users) .. "/rewards", headers)
  elseif kind == "list-page" then
    return wrk.format("GET", "/v1/users/" .. math.random(1, users) .. "/rewards?limit=" .. page_size, headers)
  elseif kind == "one-reward" then
    local slug = string.format("bench-%03d", math.random(0, rewards - 1))  -- bench/workload.py's bench_slug
    return wrk.format("GET", "/v1/users/" .. math.random(1, users) .. "/rewards/" .. slug, headers)
  elseif kind == "quiet-event" then
    local body = string.format('{"event_id":"wrk-q-%d-%d","type":"reaction"}', id, sent)
    return wrk.format("POST", "/v1/users/" .. math.random(1, users) .. "/events", headers, body)
  elseif kind == "unlock-event" then
    -- Users in turn, each event worth one threshold's step of points: each crosses exactly one threshold.
    local user = ((sent - 1) * thread_count + id) % users + 1
    local body = string.format('{"event_id":"wrk-u-%d-%d","type":"points","amount":%d}', id, sent, points)
    return wrk.format("POST", "/v1/users/" .. user .. "/events", headers, body)
  elseif kind == "board-event" then  -- users in turn: once each has sent one, each has a rank to read
    local user = ((sent - 1) * thread_count + id) % users + 1
    local body = string.format('{"event_id":"wrk-g-%d-%d","type":"daily_gift"}', id, sent)
    return wrk.format("POST", "/v1/users/" .. user .. "/events", headers, body)
  elseif kind == "rank" then  -- bench/workload.py's BOARD_SLUG
    return wrk.format("GET", "/v1/leaderboards/bench-gifts/users/" .. math.random(1, users) .. "?around=2", headers)
  elseif kind == "claim" then
    return wrk.format("POST", paths[sent], headers)
  elseif kind == "keyed-claim" then
    local keyed = {["Authorization"] = headers["Authorization"], ["Idempotency-Key"] = "wrk-" .. id .. "-" .. sent}
    return wrk.format("POST", paths[sent], keyed)
  end
  return wrk.format("GET", "/")
end

function response(status, headers, body)
  finished = now()
  if status >= 200 and status < 300 then
    ok = ok + 1
  elseif status == 409 then
    conflicts = conflicts + 1
  else
    failed = failed + 1
  end
  if limit > 0 and ok + conflicts + failed >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local totals = {sent = 0, ok = 0, conflicts = 0, failed = 0}
  local first, last = math.huge, 0
  for _, thread in ipairs(threads) do
    for name, value in pairs(totals) do totals[name] = value + thread:get(name) end
    if thread:get("sent") > 0 then first = math.min(first, thread:get("started")) end
    last = math.max(last, thread:get("finished"))
  end
  local errors = summary.errors
  io.write(string.format(
    "rewards-bench: sent=%d ok=%d conflicts=%d failed=%d socket_errors=%d seconds=%.6f " ..
    "p50_us=%d p95_us=%d p99_us=%d\n",
    totals.sent, totals.ok, totals.conflicts, totals.failed,
    errors.connect + errors.read + errors.write + errors.timeout, math.max(last - first, 0),
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def available() -> bool:
    """Whether wrk is on the PATH."""
    return shutil.which("wrk") is not None


def parse_summary(name: str, output: str) -> Figures:
    """The figures in the summary line the Lua script's done() wrote into wrk's output."""
    line = next((line for line in output.splitlines() if line.startswith(SUMMARY_PREFIX)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary line:\n{output[-2000:]}")
    values = dict(item.split("=", 1) for item in line[len(SUMMARY_PREFIX) :].split())
    return Figures(
        name=name,
        generator="wrk",
        sent=int(values["sent"]),
        ok=int(values["ok"]),
        conflicts=int(values["conflicts"]),
        errors=int(values["failed"]) + int(values["socket_errors"]),
        seconds=float(values["seconds"]),
        p50_ms=int(values["p50_us"]) / 1000,
        p95_ms=int(values["p95_us"]) / 1000,
        p99_ms=int(values["p99_us"]) / 1000,
    )


def run(
    url: str,
    kind: str,
    connections: int,
    seconds: int,
    work_dir: Path,
    users: int = 0,
    token: str = "",
    seed: int = 0,
    claim_paths: Sequence[str] = (),
    limit: int = 0,
    points: int = 0,
    rewards: int = 0,
    page_size: int = 0,
) -> Figures:
    """Send one kind of request to `url` for `seconds`, or until `limit` requests (0: none) are answered.

    Kinds: "ceiling"; "list" (random users); "list-page" (the same, `?limit=page_size`); "one-reward"
    (a random one of `rewards` bench rewards of a random user); "quiet-event" (a reaction, random users, unique ids);
    "unlock-event" (`points` points to each user in turn, unique ids); "board-event" (a daily gift from each
    user in turn, unique ids); "rank" (a random user's rank on the bench's board); "claim" and "keyed-claim"
    (each of `claim_paths` once, in order, the latter with a fresh Idempotency-Key each). No request
    is sent past the limit: connections left wait, and wrk itself ends after `seconds` whatever.
    """
    script, claims = work_dir / "bench.lua", work_dir / "claims.txt"
    script.write_text(LUA)
    claims.write_text("".join(f"{path}\n" for path in claim_paths))
    command = [
        "wrk",
        "--threads",
        str(THREADS),
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "60s",
        "--script",
        str(script),
        url,
        "--",
        kind,
        str(users),
        token,
        str(THREADS),
        str(seed),
        str(claims),
        str(limit),
        str(points),
        str(rewards),
        str(page_size),
    ]
    # wrk ends by itself after `seconds`; the timeout only bounds a wrk that hangs.
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-2000:]}")
    return parse_summary(kind, done.stdout)
