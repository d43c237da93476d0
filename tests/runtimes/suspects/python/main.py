"""A small request handler for tests/api/suspects_fixture.rs
(docs/regressions.md#the-change-that-caused-it), profiled by the real Pyroscope Python SDK
(pyroscope-io 1.x) for DURATION_SECS.

Env: SERVER_ADDRESS, APP_NAME, DURATION_SECS, UPLOAD_INTERVAL_SECS, and the labels that name
the code it runs: SERVICE_GIT_REF, SERVICE_REPOSITORY, SERVICE_ROOT_PATH.
"""
import os
import time

import pyroscope

import shop

pyroscope.configure(
    application_name=os.environ["APP_NAME"],
    server_address=os.environ["SERVER_ADDRESS"],
    upload_interval=int(os.environ["UPLOAD_INTERVAL_SECS"]),
    tags={
        "service_git_ref": os.environ["SERVICE_GIT_REF"],
        "service_repository": os.environ["SERVICE_REPOSITORY"],
        "service_root_path": os.environ["SERVICE_ROOT_PATH"],
    },
)

KEY = b"customer-4711/cart/checkout/v2"
deadline = time.monotonic() + float(os.environ["DURATION_SECS"])
served = 0
while time.monotonic() < deadline:
    for _ in range(20):
        served += shop.route(KEY, served)

pyroscope.shutdown()  # flushes the last, partial window before the process exits
