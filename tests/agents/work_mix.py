#!/usr/bin/env python3
"""A workload with known cost shares, profiled by the real Pyroscope Python SDK (pyroscope-io 1.x).

Every round of ROUND_SECS (default 0.5) the main thread works DUTY (default 0.12) of the round
on the CPU and sleeps the rest, so that many such processes share a small machine. The work of
a round is split among four functions, each running until its own thread CPU time has advanced
by its part (thread CPU time, not wall time: on a loaded machine a function that is descheduled
does not lose its share). The parts, in percent of the round's work before any factor
(SHARE_LARGE, SHARE_MEDIUM, SHARE_SMALL, SHARE_OTHER; they must add up to 100):

    mix_large    55 %  x FACTOR_LARGE
    mix_medium   20 %  x FACTOR_MEDIUM
    mix_small     5 %  x FACTOR_SMALL
    mix_other    20 %  (never changed)

55 / 20 / 5 are the shares the measurements of
docs/performance.md#regressions-as-cost-on-real-processes name (a function at about 55 %, 20 %
and 5 % of the process); mix_other is the rest of the process.

A factor of 1.3 is "+30 % work in that function": its own CPU time per round grows by 30 %,
the others' stay as they were (the round's duty grows with it). pyroscope-io samples on-CPU
time only (its default oncpu=True), so the sleeping is not in the profile.

Env: SERVER_ADDRESS, APP_NAME, APP_VERSION (tag `version`), DURATION_SECS (default 60),
DUTY, ROUND_SECS, SHARE_LARGE / SHARE_MEDIUM / SHARE_SMALL / SHARE_OTHER (percent, default
55 / 20 / 5 / 20), FACTOR_LARGE / FACTOR_MEDIUM / FACTOR_SMALL (default 1), SAMPLE_RATE (the
SDK's sample_rate, default 100), ORDER (shuffled, the default, or fixed), UPLOAD_INTERVAL_SECS
(default 10), STATS_FILE (append one JSON line at exit: the main thread's and the process's CPU
seconds, wall seconds, rounds, factors and shares).
SIGTERM ends the run early as DURATION_SECS would: the last window is flushed.
Run with target/agents/venv/bin/python (scripts/install-agents.sh makes it).
"""
import hashlib
import json
import os
import random
import signal
import time

import pyroscope


def env_float(name, default):
    return float(os.environ.get(name, default))


SHARES = {
    "large": env_float("SHARE_LARGE", "55") / 100,
    "medium": env_float("SHARE_MEDIUM", "20") / 100,
    "small": env_float("SHARE_SMALL", "5") / 100,
    "other": env_float("SHARE_OTHER", "20") / 100,
}
if abs(sum(SHARES.values()) - 1) > 1e-6:
    raise SystemExit(f"SHARE_LARGE + SHARE_MEDIUM + SHARE_SMALL + SHARE_OTHER must be 100: {SHARES}")

DURATION = env_float("DURATION_SECS", "60")
DUTY = env_float("DUTY", "0.12")
ROUND = env_float("ROUND_SECS", "0.5")
FACTORS = {
    "large": env_float("FACTOR_LARGE", "1"),
    "medium": env_float("FACTOR_MEDIUM", "1"),
    "small": env_float("FACTOR_SMALL", "1"),
    "other": 1.0,
}
stopping = False


def stop(_signum, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)

pyroscope.configure(
    application_name=os.environ["APP_NAME"],
    server_address=os.environ["SERVER_ADDRESS"],
    tags={"version": os.environ["APP_VERSION"]},
    sample_rate=int(os.environ.get("SAMPLE_RATE", "100")),
    upload_interval=int(os.environ.get("UPLOAD_INTERVAL_SECS", "10")),
)


# Each part is its own function with the loop in its own frame, so that its self time is its
# work: chained small digests (the C calls have no frame of their own in the profile) until the
# thread's CPU clock, read every 20 digests (~10 us), has advanced by the part.
def mix_large(seconds):
    end, data = time.thread_time() + seconds, b"large"
    while time.thread_time() < end:
        for _ in range(20):
            data = hashlib.sha256(data).digest()


def mix_medium(seconds):
    end, data = time.thread_time() + seconds, b"medium"
    while time.thread_time() < end:
        for _ in range(20):
            data = hashlib.sha256(data).digest()


def mix_small(seconds):
    end, data = time.thread_time() + seconds, b"small"
    while time.thread_time() < end:
        for _ in range(20):
            data = hashlib.sha256(data).digest()


def mix_other(seconds):
    end, data = time.thread_time() + seconds, b"other"
    while time.thread_time() < end:
        for _ in range(20):
            data = hashlib.sha256(data).digest()


WORK = DUTY * ROUND
PARTS = [
    (mix_large, WORK * SHARES["large"] * FACTORS["large"]),
    (mix_medium, WORK * SHARES["medium"] * FACTORS["medium"]),
    (mix_small, WORK * SHARES["small"] * FACTORS["small"]),
    (mix_other, WORK * SHARES["other"]),
]

# The parts run in a new random order every round: on a loaded machine the part that runs first
# after the sleep is sampled more than its CPU time (ORDER=fixed keeps the order above).
SHUFFLE = os.environ.get("ORDER", "shuffled") != "fixed"
start_wall, start_cpu, start_thread = time.monotonic(), time.process_time(), time.thread_time()
deadline, next_round, rounds = start_wall + DURATION, start_wall, 0
while not stopping and time.monotonic() < deadline:
    if SHUFFLE:
        random.shuffle(PARTS)
    for function, seconds in PARTS:
        function(seconds)
    rounds += 1
    next_round += ROUND
    pause = next_round - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    else:
        next_round = time.monotonic()  # behind (a loaded machine): start the next at once

stats = {
    "app": os.environ["APP_NAME"],
    "version": os.environ["APP_VERSION"],
    "factors": FACTORS,
    "shares": SHARES,
    "wallSecs": time.monotonic() - start_wall,
    "threadCpuSecs": time.thread_time() - start_thread,
    "processCpuSecs": time.process_time() - start_cpu,
    "rounds": rounds,
}
pyroscope.shutdown()  # flushes the last, partial window before the process exits
if os.environ.get("STATS_FILE"):
    with open(os.environ["STATS_FILE"], "a") as f:
        f.write(json.dumps(stats) + "\n")
