"""The offline Stripe server (localstripe) for tests: its own process on 127.0.0.1.

`stripe_api` points the app at a fresh, empty server; `StripeServer` starts one a test can
stop mid-flow. Webhooks: localstripe never replays, so tests post events themselves,
signed with the webhook secret (`signed_event`).
"""

import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "sk_test_coop_tests"
PUBLISHABLE_KEY = "pk_test_coop_tests"
WEBHOOK_SECRET = "whsec_coop_tests"
#: A bound on waiting for the server to start, so a broken one fails instead of hanging.
START_LIMIT = 30
#: Somewhere webhooks go to be dropped, for tests that post their own events.
NOWHERE = "http://127.0.0.1:9/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StripeServer:
    """localstripe in a process of its own, in its own folder, keeping nothing on disk."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> "StripeServer":
        try:
            import localstripe  # noqa: F401
        except ImportError:
            pytest.skip(reason="localstripe is not installed (pip install -e '.[dev]')")
        log = (self.tmp_path / f"localstripe-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coop.dev_stripe", "--port", str(self.port), "--no-save"],
            cwd=self.tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_LIMIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"localstripe exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"localstripe was not ready within {START_LIMIT}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _request(self, method: str, path: str, body: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def reset(self) -> None:
        """Forget every object (registered webhooks stay, as localstripe keeps them)."""
        self._request("DELETE", "/_config/data")

    def send_webhooks_to(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        self._request("POST", "/_config/webhooks/coop", {"url": url, "secret": secret})


def configure(app, monkeypatch, base: str) -> None:
    """Point the app at a Stripe server, with the test keys."""
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(app.config, "STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", base)
    import stripe

    monkeypatch.setattr(stripe, "max_network_retries", 0)
    monkeypatch.setattr(stripe, "api_base", base)  # for the tests' own calls to Stripe
    monkeypatch.setattr(stripe, "api_key", SECRET_KEY)


@pytest.fixture(scope="session")
def stripe_server(tmp_path_factory):
    """One localstripe for this test process."""
    server = StripeServer(tmp_path_factory.mktemp("localstripe")).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_api(app, stripe_server, monkeypatch) -> StripeServer:
    """The app paying through an empty localstripe whose webhooks go nowhere: tests post
    their own events (`signed_event`)."""
    stripe_server.reset()
    stripe_server.send_webhooks_to(NOWHERE)
    configure(app, monkeypatch, stripe_server.base)
    return stripe_server


def sign(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for the payload: t=...,v1=HMAC-SHA256(secret, "t.payload")."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def event_payload(event_type: str, intent: dict, event_id: str | None = None) -> str:
    """An event as Stripe sends it, about the PaymentIntent `intent` (a dict)."""
    return json.dumps(
        {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2017-08-15",
            "created": int(time.time()),
            "type": event_type,
            "data": {"object": intent},
        }
    )


def post_event(client, payload: str, signature: str | None = None):
    """Post an event to the app's webhook as Stripe would: the raw body, signed."""
    return client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": signature if signature is not None else sign(payload),
        },
    )


def post_event_url(url: str, payload: str, signature: str | None = None) -> int:
    """The same, over HTTP to a running server; the status it answered."""
    request = urllib.request.Request(
        url + "/payments/stripe/webhook",
        data=payload.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": signature if signature is not None else sign(payload),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"
THREE_D_SECURE_CARD = "4000002500003155"


def card_id(number: str = GOOD_CARD) -> str:
    """Tokenise a test card as Stripe.js would in the page; the token's card id."""
    import stripe

    token = stripe.Token.create(
        card={"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        api_key=SECRET_KEY,
    )
    return token.card.id


def intent(stripe_id: str) -> dict:
    """The PaymentIntent as Stripe has it now, as a dict."""
    import stripe

    return stripe.PaymentIntent.retrieve(stripe_id, api_key=SECRET_KEY).to_dict()
