"""A fault-injecting HTTP proxy on 127.0.0.1, in front of the local PDS and the platform stand-ins.

Every request is forwarded to the upstream server and its answer passed back, except for the
requests a fault is armed for. Each fault lets the upstream server carry the request out and
then spoils the answer, as networks and gateways do:

- ``lost``: the connection is closed without an answer.
- ``slow``: the answer comes after ``delay`` seconds (longer than the client waits).
- ``5xx``: a gateway's 502 page instead of the answer.
- ``cut``: the answer's headers promise the whole body; half of it comes, then the connection closes.
- ``html200``: a 200 with an HTML page (a captive portal, a maintenance page) instead of the answer.

``before`` faults answer without forwarding (``refuse``: a 503 the upstream never saw).

URLs of the upstream inside answers (the PDS names itself in the DID document a login returns,
and the SDK then talks to that address) are rewritten to the proxy's, as a reverse proxy does.
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from standins import LocalServer

KINDS = ("lost", "slow", "5xx", "cut", "html200")
_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "host"}
_HTML = (
    b"<!DOCTYPE html><html><head><title>Service</title></head>"
    b"<body><h1>We'll be right back</h1><p>Maintenance in progress.</p></body></html>"
)


@dataclass
class Fault:
    """One armed fault: the next request whose path contains ``path`` gets ``kind``."""

    kind: str
    path: str
    delay: float = 3.0
    count: int = 1


@dataclass
class FaultProxy(LocalServer):
    """The proxy: ``arm`` faults, point a client at ``url``; ``log`` lists what happened."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)

    def arm(self, kind: str, path: str, delay: float = 3.0, count: int = 1) -> None:
        """Spoil the answer to the next ``count`` requests whose path contains ``path``."""
        assert kind in (*KINDS, "refuse"), kind
        with self.lock:
            self.faults.append(Fault(kind, path, delay, count))

    def fired(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        """The requests a fault was applied to (of ``kind``)."""
        return [e for e in self.log if e[2] != "ok" and (kind is None or e[2] == kind)]

    def _take(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path in path:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        up = urllib.parse.urlsplit(self.upstream)
        assert up.hostname in ("127.0.0.1", "localhost"), self.upstream
        up_host, up_port = up.hostname, up.port or 80

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def _handle(self) -> None:
                body = self._body()
                fault = proxy._take(self.path)
                kind = fault.kind if fault else "ok"
                with proxy.lock:
                    proxy.log.append((self.command, self.path, kind))
                if kind == "refuse":
                    self._send(503, [("Content-Type", "text/plain")], b"Service Unavailable")
                    return
                conn = http.client.HTTPConnection(up_host, up_port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                headers["Host"] = f"{up_host}:{up_port}"
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                    status = answer.status
                    reply = [
                        (k, v) for k, v in answer.getheaders() if k.lower() not in _HOP | {"content-length"}
                    ]
                finally:
                    conn.close()
                ctype = dict((k.lower(), v) for k, v in reply).get("content-type", "")
                if "json" in ctype:
                    for origin in (f"http://localhost:{up_port}", f"http://127.0.0.1:{up_port}"):
                        data = data.replace(origin.encode(), proxy.url.encode())
                if kind == "ok":
                    self._send(status, reply, data)
                elif kind == "lost":
                    self.close_connection = True
                elif kind == "slow":
                    time.sleep(fault.delay if fault else 3.0)
                    self._send(status, reply, data)
                    self.close_connection = True
                elif kind == "5xx":
                    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                    self._send(502, [("Content-Type", "text/html")], page)
                elif kind == "cut":
                    self.send_response(status)
                    for k, v in reply:
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif kind == "html200":
                    self._send(200, [("Content-Type", "text/html; charset=utf-8")], _HTML)

            def do_POST(self) -> None:
                try:
                    self._handle()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up first (the slow answer)

            do_GET = do_PUT = do_DELETE = do_POST

        return Handler
