#!/usr/bin/env python3
"""Records every HTTP request the Pyroscope SDKs send, optionally proxying them upstream.

Usage: recorder.py PORT OUT_DIR [UPSTREAM_URL]
  PORT 0 picks a free port; the chosen one is printed as `listening <port>` (flushed) so a
  test can start this and read its address from stdout.
  Each request n (from 1) is saved as OUT_DIR/<n>.json (method, path with query, headers,
  and, when proxying, the upstream status) and OUT_DIR/<n>.body (raw body bytes, still
  compressed if the client compressed it).
  Without UPSTREAM_URL every request gets 200 with an empty body; with it, the request is
  forwarded unchanged (minus Host) and the upstream's status, headers and body are relayed.
Standard library only, so a test needs nothing but python3.
"""
import http.server
import itertools
import json
import os
import sys
import threading
import urllib.error
import urllib.request

# Hop-by-hop headers describe one connection, not the message: urllib and http.server set
# their own, and relaying them verbatim would corrupt the framing.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length", "host"}

# Proxying must never go through an environment HTTP proxy: the upstream is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' clients expect
    counter = itertools.count(1)
    lock = threading.Lock()
    out_dir = "."
    upstream = None

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        with Recorder.lock:
            n = next(Recorder.counter)
        meta = {"n": n, "method": self.command, "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_len": len(body)}
        status, headers, reply = 200, [], b""
        if Recorder.upstream:
            status, headers, reply = self._forward(body)
            meta["upstream_status"] = status
        base = os.path.join(Recorder.out_dir, str(n))
        with open(base + ".body", "wb") as f:
            f.write(body)
        with open(base + ".json", "w") as f:
            json.dump(meta, f, indent=1)
        if Recorder.upstream:  # the upstream's own Server and Date are among `headers`
            self.log_request(status)
            self.send_response_only(status)
        else:
            self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply)

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def _forward(self, body):
        req = urllib.request.Request(Recorder.upstream.rstrip("/") + self.path,
                                     data=body if body or self.command in ("POST", "PUT", "PATCH") else None,
                                     method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in HOP_BY_HOP:
                req.add_header(k, v)
        try:
            with OPENER.open(req, timeout=60) as resp:
                return resp.status, resp.getheaders(), resp.read()
        except urllib.error.HTTPError as e:  # 4xx/5xx: relay as is, the SDK should see it
            return e.code, e.headers.items(), e.read()
        except OSError as e:
            return 502, [("Content-Type", "text/plain")], f"recorder: upstream failed: {e}".encode()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def log_message(self, fmt, *args):
        sys.stderr.write("recorder: " + (fmt % args) + "\n")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    port, Recorder.out_dir = int(sys.argv[1]), sys.argv[2]
    Recorder.upstream = sys.argv[3] if len(sys.argv) == 4 else None
    os.makedirs(Recorder.out_dir, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Recorder)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
