"""`bureau serve`: the web interface on the data home."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "serve",
        help="serve the web interface for secretaries, archivists, auditors and administrators",
        description=(
            "Serve the web interface on the data home. The home's passphrase is asked once "
            "at start ($BUREAU_PASSPHRASE when scripted) and held in memory only; every "
            "visitor signs in with their own user name and password."
        ),
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    p.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the session cookie Secure (behind HTTPS, e.g. a reverse proxy)",
    )
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from archive.errors import BadInput
    from bureau.services import signin
    from bureau.services.websessions import Sessions
    from bureau.web.app import create_app
    from bureau.web.pages import Server
    from seals.passphrase import get_passphrase

    if not 0 < args.port < 65536:
        raise BadInput(f"--port {args.port}: give a port from 1 to 65535")
    root = args.home
    keys = signin.unlock(root, get_passphrase())
    _check_free(args.host, args.port)
    home_root = str(_home_root(root))
    server = Server(
        home_root, keys, Sessions(home_root), signin.Throttle(home_root), args.secure_cookies
    )
    app = create_app(server)
    print(
        f"bureau: serving {server.root} at http://{args.host}:{args.port}/ (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", access_log=False
    )
    _stoppable_server()(config).run()
    print("bureau: server stopped", file=sys.stderr)
    return 0


def _stoppable_server():
    import uvicorn

    class Stoppable(uvicorn.Server):
        """uvicorn's server, ending with exit status 0 on SIGINT or SIGTERM once requests in
        flight are answered (uvicorn itself re-raises the signal, killing the process)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            stops = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Stoppable


def _home_root(root: str | None):
    from bureau.services.session import locate

    return locate(root).root


def _check_free(host: str, port: int) -> None:
    """BadInput naming the address if the server could not listen there (in use, or not
    an address of this machine), before uvicorn would log it and exit."""
    import socket

    from archive.errors import BadInput

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise BadInput(f"--host {host}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror}") from None
