"""The offline Stripe server (localstripe) for `make run` and the tests, on 127.0.0.1 only.

`python -m coop.dev_stripe --port 8420 --webhook URL --secret whsec_...` serves Stripe's API,
signed webhooks and a stand-in Stripe.js at /js.stripe.com/v3/, and sends its webhooks to
URL signed with the secret. localstripe's own command listens on every interface; this one
does not. It keeps its data in /tmp/localstripe.pickle (localstripe's fixed path) unless
--no-save is given.
"""

import argparse
import socket

#: What `make run` sets when no real Stripe keys are given; they only work offline.
OFFLINE_SECRET_KEY = "sk_test_offline"
OFFLINE_PUBLISHABLE_KEY = "pk_test_offline"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook", help="the app's webhook address to send events to")
    parser.add_argument("--secret", help="the webhook signing secret (whsec_...)")
    parser.add_argument(
        "--no-save", action="store_true", help="keep nothing on disk (the tests' servers)"
    )
    parser.add_argument(
        "--from-scratch", action="store_true", help="do not load /tmp/localstripe.pickle"
    )
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe import server, webhooks
    from localstripe.resources import store

    if args.no_save:
        store.dump_to_disk = lambda: None
    elif not args.from_scratch:
        store.try_load_from_disk()
    if args.webhook:
        webhooks.register_webhook("coop", args.webhook, args.secret or "whsec_offline", None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"Offline Stripe (localstripe) on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
