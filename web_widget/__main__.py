"""`python -m web_widget serve` runs the widget's server; `python -m web_widget size` prints the
bytes the widget's script and styles take on the wire, gzip and brotli, and checks the gzip
figure against the 20 KB budget (brotli, what most browsers get, is smaller)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from aiohttp import web

from asb import env
from deployment import DeploymentError, load_deployment, log_format
from deployment.log_format import announce

from .bundle import SIZE_LIMIT
from .server import create_app, wire_sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web_widget")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the widget and the demo pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--rasa-url",
        default=env.get("ASB_WIDGET_RASA_URL") or env.get("ASB_RASA_URL"),
        help="the Rasa server as browsers reach it (default: ASB_WIDGET_RASA_URL, then "
        "ASB_RASA_URL as set by `make run`, then the deployment's widget.rasa_url)",
    )
    log_format.add_argument(serve)
    commands.add_parser("size", help="print the bytes the script and styles take on the wire")
    args = parser.parse_args(argv)

    try:
        deployment = load_deployment()
    except DeploymentError as exc:
        print(f"web_widget: {exc}", file=sys.stderr)
        return 2

    if args.command == "size":
        sizes = asyncio.run(wire_sizes(deployment))
        script, styles = sizes["gzip"]
        total = script + styles
        print(f"widget.js {script} B + widget.css {styles} B = {total} B gzipped on the wire "
              f"(limit {SIZE_LIMIT} B, all languages included)")
        script, styles = sizes["br"]
        print(f"widget.js {script} B + widget.css {styles} B = {script + styles} B brotli on "
              f"the wire (sent to browsers that accept br)")
        if total > SIZE_LIMIT:
            print("web_widget: the widget is over its size budget", file=sys.stderr)
            return 1
        return 0

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log_format.apply(args.log_format)
    app = create_app(deployment, rasa_url=args.rasa_url)
    announce(logging.getLogger("web_widget"), f"web_widget: serving on http://{args.host}:{args.port}/")
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
