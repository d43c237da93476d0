#!/usr/bin/env python3
"""A CPU-busy workload profiled by the real Pyroscope Python SDK (pyroscope-io 1.x).

Env: SERVER_ADDRESS, APP_NAME, APP_VERSION (tag `version`), optional AUTH_TOKEN,
DURATION_SECS (default 25), MEMORY=1 (also send the SDK's memory profiles),
UPLOAD_INTERVAL_SECS (default 10, the SDK's own default), EXTRA_BETA_MS (default 0: a "version B"
whose busy_beta_sorting runs this many more milliseconds per round; scripts/agents_experiment.sh).
Run with target/agents/venv/bin/python (scripts/install-agents.sh makes it).
"""
import hashlib
import os
import random
import time

import pyroscope

DURATION = float(os.environ.get("DURATION_SECS", "25"))
# Unset or 0: the ~2:1 split that tests/real_agents.rs relies on, unchanged.
EXTRA_BETA = float(os.environ.get("EXTRA_BETA_MS", "0")) / 1000
TOKEN = os.environ.get("AUTH_TOKEN")

pyroscope.configure(
    application_name=os.environ["APP_NAME"],
    server_address=os.environ["SERVER_ADDRESS"],
    tags={"version": os.environ["APP_VERSION"]},
    # The SDK has basic auth (user+password) and free headers, no token option: our service
    # takes bearer tokens, so the token travels as a header.
    http_headers={"Authorization": f"Bearer {TOKEN}"} if TOKEN else {},
    upload_interval=int(os.environ.get("UPLOAD_INTERVAL_SECS", "10")),
    mem_enabled=os.environ.get("MEMORY") == "1",
)


def busy_alpha_hashing(seconds):
    # Small chained digests keep the time in Python frames rather than in one C call.
    end, data = time.monotonic() + seconds, b"alpha"
    while time.monotonic() < end:
        for _ in range(200):
            data = hashlib.sha256(data).digest()


UNSORTED = [random.Random(7).random() for _ in range(2000)]


def busy_beta_sorting(seconds):
    # Copy-and-sort stays in C called from this frame: no helper frame (a list
    # comprehension is its own frame on 3.11) takes a share of this function's self time.
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        items = UNSORTED[:]  # a fresh list each time also feeds memory profiling
        items.sort()


# Short alternating slices so every upload window sees the same ~2:1 split.
deadline = time.monotonic() + DURATION
while time.monotonic() < deadline:
    busy_alpha_hashing(0.2)
    busy_beta_sorting(0.1 + EXTRA_BETA)

pyroscope.shutdown()  # flushes the last, partial window before the process exits
