"""A stand-in for Grafana Pyroscope 1.x used by scripts/load.sh.

Serves LabelValues (APPS apps for `service_name`, one value for any other label), Series and
SelectMergeStacktraces with one realistic
flame graph of about NODES nodes (Java frames, some recursion, a little `other`), after
LATENCY_MS of delay; asked in binary protobuf (`application/proto`, as the service asks for
files and lines), a small merged pprof (`main.work` in main.go), as Pyroscope 2.2 answers. GET /__calls answers how many profile queries it served; POST
/__reset sets the counters back to zero.

One asyncio thread serves every connection (HTTP/1.1, keep-alive): a thread per connection
made the stub, not the service, the bottleneck at 16 concurrent queries (GIL contention:
625 req/s and a 78 ms p99 for a 20 ms latency).

Usage: python3 scripts/stub_pyroscope.py PORT  (env: APPS=200 NODES=5000 LATENCY_MS=20 NAME_WIDTH=3)
"""
import asyncio
import json
import os
import random
import sys

APPS = int(os.environ.get("APPS", "200"))
NODES = int(os.environ.get("NODES", "5000"))
LATENCY = int(os.environ.get("LATENCY_MS", "20")) / 1000.0

PACKAGES = ["com/acme/checkout", "com/acme/inventory", "org/springframework/web", "java/util",
            "io/netty/channel", "com/fasterxml/jackson/databind", "java/lang", "org/hibernate"]
CLASSES = ["Handler", "Service", "Repository", "Mapper", "HashMap", "ArrayList", "Serializer",
           "EventLoop", "Dispatcher", "Encoder"]
METHODS = ["process", "handle", "resize", "invoke", "write", "read", "apply", "deserialize"]


def flame_graph(nodes, seed=7):
    """Builds a tree of about `nodes` nodes and lays it out as Connect flame-graph levels."""
    rnd = random.Random(seed)
    names = ["total", "G1 Young Generation", "other"]
    index = {n: i for i, n in enumerate(names)}

    def name_id(name):
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]

    # node: [name_id, self, children]
    root = [0, 0, []]
    frontier = [(root, 0)]
    count = 1
    while count < nodes and frontier:
        parent, depth = frontier.pop(rnd.randrange(len(frontier)))
        for _ in range(rnd.randint(1, 4)):
            if count >= nodes:
                break
            if depth > 2 and rnd.random() < 0.05:
                nid = parent[0]  # recursion
            else:
                nid = name_id(f"{rnd.choice(PACKAGES)}/{rnd.choice(CLASSES)}.{rnd.choice(METHODS)}")
            child = [nid, rnd.randint(0, 50), []]
            parent[2].append(child)
            count += 1
            if depth < 40:
                frontier.append((child, depth + 1))
    root[2].append([1, 4000, []])
    root[2].append([2, 300, []])

    def total(node):
        node.append(node[1] + sum(total(c) for c in node[2]))
        return node[3]

    total(root)
    levels = []

    def lay(node, depth, x):
        while len(levels) <= depth:
            levels.append([])
        level = levels[depth]
        level.append((x, node[3], node[1], node[0]))
        cx = x
        for c in node[2]:
            lay(c, depth + 1, cx)
            cx += c[3]

    lay(root, 0, 0)
    out = []
    for level in levels:
        values, end = [], 0
        for x, tot, slf, nid in sorted(level):
            values += [str(x - end), str(tot), str(slf), str(nid)]
            end = x + tot
        out.append({"values": values})
    return {"flamegraph": {"names": names, "levels": out, "total": str(root[3]), "maxSelf": "4000"}}


GRAPH = json.dumps(flame_graph(NODES)).encode()
# NAME_WIDTH: the digits of an app's number (`app-007` by default), as a bench names its apps.
NAME_WIDTH = int(os.environ.get("NAME_WIDTH", "3"))
APP_NAMES = json.dumps({"names": [f"app-{i:0{NAME_WIDTH}d}" for i in range(APPS)]}).encode()
# The values of any other label (the profile watcher asks for `version`): one deploy.
OTHER_LABEL = json.dumps({"names": ["1.0.0"]}).encode()
SERIES = json.dumps({"labelsSet": [{"labels": [
    {"name": "__profile_type__", "value": "process_cpu:cpu:nanoseconds:cpu:nanoseconds"},
]}, {"labels": [
    {"name": "__profile_type__", "value": "memory:alloc_in_new_tlab_bytes:bytes:space:bytes"},
]}]}).encode()


def varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(tag, value):
    """One protobuf field: a varint for an int, length-delimited for bytes."""
    if isinstance(value, int):
        return varint(tag << 3) + varint(value)
    return varint(tag << 3 | 2) + varint(len(value)) + value


def packed(tag, values):
    return field(tag, b"".join(varint(v) for v in values))


# google.v1.Profile: strings "", main.work, main.go, cpu, nanoseconds; main.work starts at line
# 10 of main.go and was sampled at line 12, 100 ms of CPU.
PPROF = (field(1, field(1, 3) + field(2, 4))                       # sample_type cpu/nanoseconds
         + field(2, packed(1, [1]) + packed(2, [100_000_000]))     # sample
         + field(4, field(1, 1) + field(4, field(1, 1) + field(2, 12)))  # location 1
         + field(5, field(1, 1) + field(2, 1) + field(3, 1) + field(4, 2) + field(5, 10))
         + b"".join(field(6, t) for t in [b"", b"main.work", b"main.go", b"cpu", b"nanoseconds"])
         + field(11, field(1, 3) + field(2, 4)) + field(12, 10_000_000))
# SelectMergeStacktracesResponse { pprof (5) { profile (1) } }
PPROF_ANSWER = field(5, field(1, PPROF))
CALLS = {"select": 0, "other": 0}
REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


async def route(method, path, body=b"", proto=False):
    """The status and body for one request, after the configured latency for queries."""
    if method == "GET" and path == "/__calls":
        return 200, json.dumps(CALLS).encode()
    if method != "POST":
        return 404, b"{}"
    if path == "/__reset":
        CALLS["select"] = CALLS["other"] = 0
        return 200, b"{}"
    kind = "select" if path.endswith("/SelectMergeStacktraces") else "other"
    CALLS[kind] += 1
    await asyncio.sleep(LATENCY)
    if kind == "select":
        return 200, PPROF_ANSWER if proto else GRAPH
    if path.endswith("/SelectMergeProfile"):
        return 200, PPROF
    if path.endswith("/LabelValues"):
        try:
            name = json.loads(body or b"{}").get("name")
        except ValueError:
            name = None
        return 200, APP_NAMES if name in (None, "service_name") else OTHER_LABEL
    if path.endswith("/Series"):
        return 200, SERIES
    return 404, b"{}"


async def serve(reader, writer):
    """Answers the requests of one connection until the client closes it."""
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = dict(
                (k.strip().lower(), v.strip()) for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)
            )
            length = int(headers.get("content-length", "0"))
            request = await reader.readexactly(length) if length else b""
            proto = headers.get("content-type", "").startswith("application/proto")
            status, body = await route(method, path, request, proto)
            kind = b"application/proto" if proto and status == 200 else b"application/json"
            writer.write(b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n"
                         % (status, REASONS.get(status, b"Unknown"), kind, len(body)) + body)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    sys.stderr.write(f"stub Pyroscope: {APPS} apps, {NODES}-node graph ({len(GRAPH)} bytes), {LATENCY*1000:.0f} ms\n")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
