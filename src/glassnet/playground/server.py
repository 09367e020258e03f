"""The playground's web server: the standard library's ``ThreadingHTTPServer`` on 127.0.0.1.

Safe by default:

* binds 127.0.0.1 only;
* answers 403 to a request whose ``Host`` is not ``127.0.0.1:PORT`` or ``localhost:PORT``,
  or whose ``Origin`` (when sent) is not ``http://`` one of those: a web page elsewhere
  cannot reach it through DNS rebinding or a cross-site request;
* serves only the files named in ``STATIC`` (no path is ever joined to a folder, so
  ``../`` leads nowhere);
* reads at most ``MAX_BODY`` bytes of a request body, which must be JSON;
* Ctrl-C stops the server, the event streams and the training thread.

The page talks to it with ``POST /api/settings``, ``POST /api/control`` and one event
stream, ``GET /api/events`` (Server-Sent Events: a ``start`` event after every reset and
an ``update`` event for each new snapshot, at most ``MAX_UPDATES_PER_SECOND`` a second).
"""

from __future__ import annotations

import json
import os
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from ..i18n import _
from .mnist import MAX_DRAWING, MnistSettings, PlaygroundMNIST
from .session import Playground2D
from .settings import Settings, SettingsError

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024
MAX_DRAIN = 1 << 20  # a larger body is not read at all: the connection is closed
KEEPALIVE_SECONDS = 15.0

#: URL path -> (file in static/, content type). Nothing else is served from disk.
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
    "/mnist.html": ("mnist.html", "text/html; charset=utf-8"),
}

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}


def default_language() -> str:
    """The page's first language: ``zh`` when glassnet speaks Chinese (``GLASSNET_LANG``,
    else the locale: ``glassnet.i18n.language``), ``en`` when ``GLASSNET_LANG`` asks for
    English, else empty: the page follows the browser's language."""
    from ..i18n import CHINESE, language

    if language() == CHINESE:
        return "zh"
    return "en" if os.environ.get("GLASSNET_LANG") else ""


class PlaygroundServer(ThreadingHTTPServer):
    """The HTTP server and the playground it serves."""

    daemon_threads = True  # an open event stream does not keep the process alive

    def __init__(self, port: int = 0) -> None:
        super().__init__((HOST, port), Handler)
        self.port = self.server_address[1]
        self.allowed_hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        self.allowed_origins = {f"http://{h}" for h in self.allowed_hosts}
        self.closing = threading.Event()
        self.playground = Playground2D()
        self.mnist = PlaygroundMNIST()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def close(self) -> None:
        """Stop training and the event streams, then stop serving (from another thread
        than ``serve_forever``'s, or after it returned)."""
        self.closing.set()
        self.playground.close()
        self.mnist.close()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "glassnet-playground"
    timeout = 30  # seconds a client may take to send its request

    # -- the checks every request passes ---------------------------------------------------
    def _allowed(self) -> bool:
        host, origin = self.headers.get("Host"), self.headers.get("Origin")
        if host not in self.server.allowed_hosts:
            self._send_error(HTTPStatus.FORBIDDEN, "this server answers only "
                             f"http://{HOST}:{self.server.port}/ (Host header {str(host)[:60]!r})")
            return False
        if origin is not None and origin not in self.server.allowed_origins:
            self._send_error(HTTPStatus.FORBIDDEN,
                             f"requests from other sites are refused (Origin {origin[:60]!r})")
            return False
        return True

    def _read_json(self):
        """The request body as JSON, or None after answering with an error."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send_error(HTTPStatus.LENGTH_REQUIRED, "a body needs a Content-Length")
            return None
        if length < 0 or length > MAX_BODY:
            if 0 < length <= MAX_DRAIN:  # read it away, so that the client sees the answer
                left = length
                while left > 0:
                    chunk = self.rfile.read(min(1 << 16, left))
                    if not chunk:
                        break
                    left -= len(chunk)
            self._send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                             f"a request body may have at most {MAX_BODY} bytes, got {length}")
            self.close_connection = True
            return None
        if self.headers.get_content_type() != "application/json":
            self._send_error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json")
            return None
        try:
            return json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            self._send_error(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {err}")
            return None

    # -- responses --------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in {**SECURITY_HEADERS, **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, obj, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _send_error(self, status: int, message: str) -> None:
        self._send_json({"error": message}, status)

    def log_message(self, format, *args) -> None:  # quiet: the terminal shows the URL only
        pass

    # -- routes ---------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        if self.path.split("?", 1)[0] in STATIC:
            self.do_GET()  # _send writes no body for HEAD
        elif self._allowed():
            self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "HEAD only for the page's files")

    def do_GET(self) -> None:
        if not self._allowed():
            return
        path = self.path.split("?", 1)[0]
        playground = self.server.playground
        if path in STATIC:
            name, content_type = STATIC[path]
            body = resources.files(__package__).joinpath("static", name).read_bytes()
            self._send(HTTPStatus.OK, body, content_type)
        elif path == "/api/state":
            with playground.cond:
                self._send_json({"start": playground.start_message(),
                                 "update": playground.update_message(),
                                 "lang": default_language()})
        elif path == "/api/events":
            self._events(playground)
        elif path == "/api/model.glassnet":
            self._send(HTTPStatus.OK, playground.model_file(), "application/octet-stream",
                       Content_Disposition='attachment; filename="playground.glassnet"')
        elif path == "/api/mnist/state":
            mnist = self.server.mnist
            with mnist.cond:
                self._send_json({"start": mnist.start_message(),
                                 "update": mnist.update_message(), "lang": default_language()})
        elif path == "/api/mnist/events":
            self._events(self.server.mnist)
        elif path == "/api/mnist/model.glassnet":
            self._send(HTTPStatus.OK, self.server.mnist.model_file(),
                       "application/octet-stream",
                       Content_Disposition='attachment; filename="mnist.glassnet"')
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"no such page: {path[:80]}")

    def do_POST(self) -> None:
        if not self._allowed():
            return
        body = self._read_json()
        if body is None:
            return
        playground, mnist = self.server.playground, self.server.mnist
        try:
            if self.path == "/api/settings":
                playground.reset(Settings.from_json(body))
            elif self.path == "/api/control":
                playground.control(_action(body))
            elif self.path == "/api/mnist/settings":
                mnist.reset(MnistSettings.from_json(body))
            elif self.path == "/api/mnist/control":
                action = _action(body)
                if action not in ("train", "stop", "reset"):
                    raise ValueError(f"unknown action {action[:20]!r}: train, stop or reset")
                {"train": mnist.train, "stop": mnist.stop, "reset": mnist.reset}[action]()
            elif self.path == "/api/mnist/predict":
                self._send_json(mnist.predict(*_drawing(body)))
                return
            else:
                self._send_error(HTTPStatus.NOT_FOUND, f"no such action: {self.path[:80]}")
                return
        except (SettingsError, ValueError, TypeError) as err:  # InputError is a ValueError
            self._send_error(HTTPStatus.BAD_REQUEST, str(err))
            return
        self._send_json({"ok": True})

    def _events(self, playground) -> None:
        """Server-Sent Events from ``playground`` (the 2-D or the MNIST page's): ``start``
        after each reset, ``update`` per new snapshot."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        closing = self.server.closing
        generation, seen = None, 0
        try:
            while not closing.is_set():
                with playground.cond:
                    sent = playground.version
                    start = None
                    if playground.generation != generation:
                        generation, seen = playground.generation, 0
                        start = playground.start_message()
                    update = playground.update_message(seen)
                    seen += len(update["history"])
                if start is not None:
                    self._event("start", start)
                self._event("update", update)
                while playground.wait(sent, KEEPALIVE_SECONDS) == sent \
                        and not closing.is_set():
                    self.wfile.write(b": keep-alive\n\n")  # also notices a closed page
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page was closed or reloaded

    def _event(self, name: str, obj) -> None:
        self.wfile.write(f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode())
        self.wfile.flush()


def _action(body) -> str:
    action = body.get("action") if isinstance(body, dict) else None
    if not isinstance(action, str):
        raise ValueError('send {"action": NAME}')
    return action


def _drawing(body) -> tuple[bytes, int, int]:
    """``(pixels, width, height)`` of a drawing the page sent as
    ``{"width": w, "height": h, "pixels": base64 of w*h gray bytes}``, checked."""
    import base64
    import binascii

    if not isinstance(body, dict) or set(body) != {"width", "height", "pixels"}:
        raise ValueError('send {"width": w, "height": h, "pixels": base64 gray bytes}')
    w, h, data = body["width"], body["height"], body["pixels"]
    if not all(isinstance(v, int) and not isinstance(v, bool) and 8 <= v <= MAX_DRAWING
               for v in (w, h)):
        raise ValueError(f"width and height must be from 8 to {MAX_DRAWING} pixels")
    try:
        pixels = base64.b64decode(data, validate=True) if isinstance(data, str) else b""
    except binascii.Error:
        pixels = b""
    if len(pixels) != w * h:
        raise ValueError(f"pixels must be base64 of {w}x{h} = {w * h} bytes")
    return pixels, w, h


def serve(port: int = 0, open_browser: bool = True) -> None:
    """Run the playground until Ctrl-C: ``glassnet playground``."""
    server = PlaygroundServer(port)
    print(_("glassnet playground: {url}  (Ctrl-C stops it)").format(url=server.url), flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\n" + _("glassnet playground: stopped"), flush=True)
    finally:
        server.close()
