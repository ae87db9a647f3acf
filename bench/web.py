"""Requests a second the search page serves under load, beside a bare Flask page of its size.

    .venv/bin/python bench/web.py --database-url postgresql://postgres@127.0.0.1/coop_bench \\
        --listings 10000

Empties the PostgreSQL database (everything in it is dropped), migrates and fills it as
bench/search.py does, serves the app with gunicorn (2 sync workers), and loads the search page
with 16 connections for 15 s with ``wrk`` (Debian's ``wrk`` package; without it, a Python
load generator of 16 threads, which itself takes CPU from the servers). In the same run it
serves, the same way, a bare Flask route returning a page of exactly the same bytes, loads it
alike, and prints both requests a second, their 99th percentiles, and the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

#: The page loaded, as the page size of the bare route is taken from: the next four weeks,
#: signed out, then the same with a price limit (the issue's slowest case).
PAGES = {
    "search page": "/marketplace/",
    "search page, at most £10": "/marketplace/?max_price=10",
}


def bare_app():
    """A Flask app whose one route returns the bytes in ``COOP_BENCH_PAGE`` (gunicorn target)."""
    from flask import Flask

    body = Path(os.environ["COOP_BENCH_PAGE"]).read_bytes()
    app = Flask("bare")

    @app.get("/")
    def page():
        return body, 200, {"Content-Type": "text/html; charset=utf-8"}

    return app


def _serve(target: str, port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(BENCH),
            "--log-level",
            "warning",
            target,
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except Exception:  # noqa: BLE001 - not up yet
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                    return server
            except Exception:  # noqa: BLE001
                time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"{target} did not start on port {port}")


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def _wrk(url: str, connections: int, seconds: int) -> tuple[float, float]:
    """(requests a second, 99th percentile in ms) from wrk."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} requests failed\n{out}")
    return rate, p99


def _python_load(url: str, connections: int, seconds: int) -> tuple[float, float]:
    """(requests a second, 99th percentile in ms) from 16 threads, each one connection."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    times: list[float] = []
    failures: list[int] = []
    end = time.perf_counter() + seconds

    def load():
        while time.perf_counter() < end:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                failures.append(response.status)
            times.append(time.perf_counter() - started)

    threads = [threading.Thread(target=load) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{url}: {len(failures)} requests failed")
    times.sort()
    return len(times) / (time.perf_counter() - started), times[int(len(times) * 0.99)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to empty")
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url must be a PostgreSQL database")

    import search as search_bench  # bench/search.py
    from flask_migrate import upgrade

    from coop import create_app
    from coop.config import TestingConfig
    from coop.extensions import db

    search_bench._reset_postgres(args.database_url)
    app = create_app(TestingConfig(args.database_url))
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        sessions = search_bench.build(args.listings)
        db.session.remove()
        db.engine.dispose()
    print(
        f"PostgreSQL: {args.listings:,} listings, {sessions:,} sessions, "
        f"built in {time.perf_counter() - started:.1f} s"
    )

    load = _wrk if shutil.which("wrk") else _python_load
    print(
        f"load: {'wrk' if load is _wrk else 'Python threads (no wrk found)'}, "
        f"{args.connections} connections for {args.seconds} s; gunicorn, 2 sync workers; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before"
    )
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "COOP_ENV": "development",
        "SECRET_KEY": "bench-" + "x" * 40,
        "COOP_SERVER_URL": f"http://127.0.0.1:{args.port}",
    }
    page_file = BENCH / ".bench-page.html"
    try:
        for name, path in PAGES.items():
            server = _serve("coop:create_app()", args.port, {**env, "PYTHONPATH": str(ROOT)})
            try:
                url = f"http://127.0.0.1:{args.port}{path}"
                with urllib.request.urlopen(url) as response:
                    body = response.read()
                single = []
                for _ in range(5):
                    t = time.perf_counter()
                    urllib.request.urlopen(url).read()
                    single.append((time.perf_counter() - t) * 1000)
                rate, p99 = load(url, args.connections, args.seconds)
            finally:
                _stop(server)
            page_file.write_bytes(body)
            bare = _serve(
                "web:bare_app()", args.port + 1, {**env, "COOP_BENCH_PAGE": str(page_file)}
            )
            try:
                bare_rate, bare_p99 = load(
                    f"http://127.0.0.1:{args.port + 1}/", args.connections, args.seconds
                )
            finally:
                _stop(bare)
            print(
                f"{name} ({len(body):,} bytes; one request alone {min(single):.0f} ms): "
                f"{rate:,.0f} requests/s, p99 {p99:.0f} ms | bare Flask page of the same "
                f"size: {bare_rate:,.0f} requests/s, p99 {bare_p99:.0f} ms | "
                f"ratio {rate / bare_rate:.0%}"
            )
    finally:
        page_file.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
