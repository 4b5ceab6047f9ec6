"""Open a built cycle's review page: find it, or serve its folder on this machine only.

The review page works from disk (``file://``), but some browsers keep the async clipboard from
``file://`` pages, and approving from the page needs a server: ``preview --serve`` serves the
folder over ``http://127.0.0.1``. The folder holds unpublished material about people at risk, so
the server listens on the loopback interface only, answers 403 to any Host header but
``localhost`` or ``127.0.0.1`` (a DNS-rebinding page names its own host), and takes one write:
``POST /approve`` with the approver's name and a token that only a page it served holds, which
calls the same approval as the ``approve`` command. ``status.html`` (the approval and posting
calendar) is made fresh for every request, so the page follows a publish run as it goes.
"""

from __future__ import annotations

import collections
import hmac
import http.server
import os
import re
import threading
import urllib.parse
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from campaign_kit.errors import BuildError, CampaignKitError

HOST = "127.0.0.1"
REVIEW = "index.html"
# Appeal keys and cycle ids name folders; anything else could walk out of out/.
SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
# The only names this server answers to (with or without its port).
HOST_HEADER = re.compile(r"(?:localhost|127\.0\.0\.1)(?::(\d{1,5}))?\Z", re.I)
STATUS = "status.html"
APPROVE = "approve"
# A form post is a name and a token: anything longer is not one.
MAX_FORM_BYTES = 4096
# Tokens of pages served and not yet used; the oldest go first past this many.
MAX_TOKENS = 64
# Approves the served cycle as the named person (the approve command's own function).
Approver = Callable[[str], Any]


def review_path(out: Path, appeal: str, cycle: str) -> Path:
    """Return ``out/<appeal>/<cycle>/index.html``.

    Args:
        out: The build's output folder (``--out``).
        appeal: The appeal key (``mothers``).
        cycle: The cycle id (``2026-W48``).

    Returns:
        The review page's path.

    Raises:
        BuildError: the appeal or cycle is not a plain folder name, or the page does not exist.

    """
    for what, value in (("appeal", appeal), ("cycle", cycle)):
        if not SAFE_PART.match(value) or value in (".", ".."):
            raise BuildError(f"{what} {value!r} is not a valid folder name")
    page = out / appeal / cycle / REVIEW
    try:
        found = page.is_file()
    except (OSError, ValueError) as exc:
        raise BuildError(f"{page}: cannot be opened ({getattr(exc, 'strerror', None) or exc})") from None
    if not found:
        raise BuildError(f"no review page at {page}; run campaign-kit build first")
    return page


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files of one folder: no listings, nothing outside it, nothing logged.

    Every request is refused (403) unless its Host header names this machine; ``status.html``
    is made per request (with a new form token); ``POST /approve`` is the one write.
    """

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
        ".csv": "text/csv; charset=utf-8",
        ".json": "application/json",
        # Shown as text in the browser rather than handed to a mail client or downloaded.
        ".mjml": "text/plain; charset=utf-8",
        ".eml": "text/plain; charset=utf-8",
        ".png": "image/png",
        ".jpg": "image/jpeg",
    }

    refused = False
    referrer = "no-referrer"
    server: _Server

    def translate_path(self, path: str) -> str:
        translated = super().translate_path(path)
        root = Path(self.directory).resolve()
        if "\x00" in translated:
            # No file name holds NUL, and open() would raise on it: answer 404 instead.
            self.refused = True
            return str(root)
        try:
            # resolve() follows symlinks, so a link inside the folder cannot lead out of it.
            Path(translated).resolve().relative_to(root)
        except (ValueError, OSError, RuntimeError):
            self.refused = True
            return str(root)
        return translated

    # --- who may ask ------------------------------------------------------------------

    def _host_ok(self) -> bool:
        """The Host header names this machine (and, if it has a port, this server's)."""
        host = self.headers.get("Host", "")
        m = HOST_HEADER.match(host.strip())
        if m is None or len(self.headers.get_all("Host") or []) != 1:
            return False
        return m.group(1) is None or int(m.group(1)) == self.server.server_address[1]

    def _refuse(self, code: int, message: str) -> None:
        self.send_error(code, message)

    def _route(self) -> str:
        return urllib.parse.urlsplit(self.path).path.lstrip("/")

    # --- GET and HEAD -----------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if not self._host_ok():
            self._refuse(403, "Forbidden: this server answers to localhost and 127.0.0.1 only")
            return
        route = self._route()
        if route == APPROVE:
            self.send_response(405, "Method Not Allowed")
            self.send_header("Allow", "POST")
            self._page(b"<!doctype html><title>405</title><p>Approve with the form on the review page.</p>")
            return
        if route == STATUS and self.server.templates is not None:
            self._status_page(200)
            return
        super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802 - the base class's name
        if not self._host_ok():
            self._refuse(403, "Forbidden: this server answers to localhost and 127.0.0.1 only")
            return
        super().do_HEAD()

    def send_head(self) -> Any:
        self.refused = False
        translated = self.translate_path(self.path)
        if self.refused or not translated:
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not found")
        return None

    # --- POST /approve ----------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        if not self._host_ok():
            self._refuse(403, "Forbidden: this server answers to localhost and 127.0.0.1 only")
            return
        if self._route() != APPROVE or self.server.approver is None:
            self._refuse(404, "Not found")
            return
        if not self._same_origin():
            self._refuse(403, "Forbidden: the approval must come from this server's own page")
            return
        form = self._form()
        if form is None:
            return
        token = form.get("token", "")
        if not self.server.take_token(token):
            self._refuse(403, "Forbidden: the page's token is unknown or used; reload the review page")
            return
        try:
            self.server.approver(form.get("by", ""))
        except CampaignKitError as exc:
            # Refused as the approve command refuses (not a complete build, changed, a bad name):
            # the page says why, with a new token for another try.
            self._status_page(409, message=f"Not approved: {exc.message}")
            return
        self.send_response(303, "See Other")
        self.send_header("Location", STATUS)
        self._page(b"")

    def _same_origin(self) -> bool:
        """A browser's own word on where the form came from, when it gives one."""
        origin = self.headers.get("Origin")
        if origin is not None:
            parts = urllib.parse.urlsplit(origin)
            if parts.scheme != "http" or not HOST_HEADER.match(parts.netloc):
                return False
            if parts.port not in (None, self.server.server_address[1]):
                return False
        site = self.headers.get("Sec-Fetch-Site")
        return site in (None, "same-origin", "none")

    def _form(self) -> dict[str, str] | None:
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            self._refuse(415, "Unsupported Media Type: send the review page's form")
            return None
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._refuse(411, "Length Required")
            return None
        if not 0 <= length <= MAX_FORM_BYTES:
            self._refuse(413, "Payload Too Large")
            return None
        body = self.rfile.read(length)
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), strict_parsing=True, max_num_fields=8)
        except (UnicodeDecodeError, ValueError):
            self._refuse(400, "Bad Request: not a form")
            return None
        return dict(pairs)

    # --- pages ------------------------------------------------------------------------

    def _status_page(self, code: int, message: str = "") -> None:
        from campaign_kit.review.state import cycle_state
        from campaign_kit.review.status import approve_command, render_status

        assert self.server.templates is not None
        state = cycle_state(Path(self.directory))
        command = approve_command(state["appeal"], state["cycle"]) if state["appeal"] else ""
        try:
            data = render_status(
                self.server.templates,
                state,
                token=self.server.new_token(),
                message=message,
                approve_command=command,
            )
        except CampaignKitError as exc:
            self.send_error(500, f"The status page cannot be made: {exc.message}")
            return
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.referrer = "same-origin"
        self._page(data)

    def _page(self, data: bytes) -> None:
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def end_headers(self) -> None:
        # A rebuilt kit must show at once, and nothing here may be sent on to another site.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # The status page's form must say where it comes from (a no-referrer page posts
        # "Origin: null"); same-origin still sends nothing to any other site.
        self.send_header("Referrer-Policy", self.referrer)
        # Only this server's own pages may frame its pages (the review page frames status.html).
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    templates: Path | None = None
    approver: Approver | None = None

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._tokens: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._lock = threading.Lock()

    def new_token(self) -> str:
        """A token for one served page's form; the oldest unused ones expire."""
        from campaign_kit.review.status import new_token

        token = new_token()
        with self._lock:
            self._tokens[token] = None
            while len(self._tokens) > MAX_TOKENS:
                self._tokens.popitem(last=False)
        return token

    def take_token(self, token: str) -> bool:
        """Whether ``token`` was given to a page and not used yet; it is used up either way."""
        with self._lock:
            for known in list(self._tokens):
                if hmac.compare_digest(known.encode(), token.encode()):
                    del self._tokens[known]
                    return True
        return False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a connection early is not worth a traceback in the terminal; the
        # request is simply dropped (the handler answers every expected case itself).
        return


def serve(
    folder: Path,
    port: int,
    ready: Callable[[str], None] | None = None,
    *,
    stop: threading.Event | None = None,
    templates: Path | None = None,
    approver: Approver | None = None,
) -> None:
    """Serve ``folder`` on ``http://127.0.0.1:<port>/`` until interrupted.

    Args:
        folder: The cycle folder (the review page is its ``index.html``).
        port: The TCP port; ``0`` picks a free one (``ready`` receives the real URL).
        ready: Called once with the URL (``http://127.0.0.1:8000/``) when the server accepts
            connections; the CLI prints it, tests start their browser.
        stop: When set, the server shuts down and ``serve`` returns (for a server in a thread,
            where Ctrl-C cannot reach it).
        templates: The project's ``templates/``: ``status.html`` is made from the folder's
            state for every request (without it, the file on disk is served).
        approver: Called with the approver's name on a valid ``POST /approve`` (the
            ``approve`` command's own function); without it the page cannot approve.

    Raises:
        BuildError: ``folder`` is not a folder, or the port cannot be opened.

    """
    if not folder.is_dir():
        raise BuildError(f"{folder} is not a folder; run campaign-kit build first")
    handler = partial(_Handler, directory=str(folder.resolve()))
    try:
        server = _Server((HOST, port), handler)
    except OSError as exc:
        raise BuildError(f"cannot serve on {HOST}:{port}: {exc.strerror or exc}") from None
    server.templates = templates
    server.approver = approver if templates is not None else None
    with server:
        if stop is not None:
            threading.Thread(target=_shutdown_on, args=(stop, server), daemon=True).start()
        if ready is not None:
            ready(f"http://{HOST}:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            return


def _shutdown_on(stop: threading.Event, server: http.server.HTTPServer) -> None:
    stop.wait()
    server.shutdown()
