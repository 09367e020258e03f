"""``glassnet playground``: watch a real glassnet network learn, live in the browser.

A local web app served by the standard library on 127.0.0.1 (see ``server.py`` for its
safety rules). The 2-D page trains TensorFlow Playground's data sets with ``Sequential``,
``Dense``, ``compile`` and ``fit`` in a worker thread (``session.py``), shows the Keras
program for the current settings (``settings.py``) and downloads the trained model as a
``.glassnet`` file. Its HTML, JavaScript and CSS are in ``static/``: plain files, no CDN,
no build step.
"""

from __future__ import annotations

import argparse

from ..i18n import _


def add_command(sub) -> None:
    """Register ``glassnet playground [--port N] [--no-browser]`` on the CLI's subparsers."""
    p = sub.add_parser("playground", help=_("watch a network learn, live in your browser"),
                       description=_("Start the glassnet playground, a local web page on "
                                     "127.0.0.1 that trains real glassnet models as you "
                                     "watch."))
    p.add_argument("--port", type=_port, default=0,
                   help=_("port to listen on (default: a free one)"))
    p.add_argument("--no-browser", action="store_true", help=_("do not open a browser"))
    p.set_defaults(func=_run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a port number, got {text!r}").format(text=text)) from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            _("a port is from 0 to 65535, got {port}").format(port=port))
    return port


def _run(args) -> None:
    import errno

    from ..cli import CommandError
    from .server import serve

    try:
        serve(args.port, open_browser=not args.no_browser)
    except OSError as err:
        if err.errno != errno.EADDRINUSE:
            raise
        raise CommandError(_("port {port} is already in use (another glassnet playground?); "
                             "pick another with --port, or leave --port out for a free one"
                             ).format(port=args.port)) from None
