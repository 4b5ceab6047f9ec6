"""Open a built cycle's review page: find it, or serve its folder on this machine only.

The review page works from disk (``file://``), but some browsers keep the async clipboard from
``file://`` pages and a phone on the same desk cannot open a laptop's files; serving the folder
over ``http://127.0.0.1`` fixes the first. The server never listens beyond the loopback interface:
the folder holds unpublished material about people at risk.
"""

from __future__ import annotations

import http.server
import os
import re
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from campaign_kit.errors import BuildError

HOST = "127.0.0.1"
REVIEW = "index.html"
# Appeal keys and cycle ids name folders; anything else could walk out of out/.
SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


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
    """Serves files of one folder: no listings, nothing outside it, nothing logged."""

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
    }

    refused = False

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

    def end_headers(self) -> None:
        # A rebuilt kit must show at once, and nothing here may be sent on to another site.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

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
) -> None:
    """Serve ``folder`` on ``http://127.0.0.1:<port>/`` until interrupted.

    Args:
        folder: The cycle folder (the review page is its ``index.html``).
        port: The TCP port; ``0`` picks a free one (``ready`` receives the real URL).
        ready: Called once with the URL (``http://127.0.0.1:8000/``) when the server accepts
            connections; the CLI prints it, tests start their browser.
        stop: When set, the server shuts down and ``serve`` returns (for a server in a thread,
            where Ctrl-C cannot reach it).

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
