"""Serving one request: route scores it, then renders the answer."""


def route(key, request_id):
    # Fold the request id into a checksum for the access log.
    checksum = request_id
    for i in range(20):
        checksum = (checksum * 31 + i) & 0xFFFF
    return (score(key) + render(key, request_id) + checksum) & 1


def score(key):
    """A position-weighted sum of the key's bytes."""
    total = 0
    for i in range(150):
        total += key[i % len(key)] * (i + 1)
    return total


def render(key, request_id):
    """A rolling checksum over a page of the key."""
    page = 0
    for i in range(300):
        page = (page * 33 ^ key[(i + request_id) % len(key)]) & 0xFFFFFFFF
    return page
