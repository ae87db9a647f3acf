"""Start-up time: `flask --app coop --help` against a bare `import flask, sqlalchemy`.

Every cron job, CLI command and server worker pays the app's start-up. Both are timed as
fresh processes of this interpreter, taken in turns so that a busy machine slows both alike,
with compiled bytecode cached as in an installed app (PYTHONDONTWRITEBYTECODE is dropped);
the medians of wall and CPU time and their ratios are printed (the goal is a wall-time ratio
of at most 1.5), and with --imports N the N packages slowest to import (`-X importtime`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = [sys.executable, "-c", "import flask, sqlalchemy"]
APP = [sys.executable, "-m", "flask", "--app", "coop", "--help"]
GOAL = 1.5

#: The floor under any app built on this stack: one model and one route through Flask-SQLAlchemy,
#: started by the same `flask ... --help`. It shows how much of the app's start-up is its own.
FLOOR_APP = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


class Thing(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    app.add_url_rule("/", "index", lambda: "ok")
    return app
"""


def timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU seconds from starting the process to its exit; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def slowest_imports(env: dict[str, str], count: int) -> list[tuple[float, str]]:
    """Where `flask --app coop --help` spends its import time: the `count` packages (coop's
    by domain) whose modules took longest, each module's own time without what it imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *APP[1:]],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _cumulative, module = line.removeprefix("import time:").split("|")
        parts = module.strip().split(".")
        package = ".".join(parts[:2] if parts[0] == "coop" else parts[:1])
        totals[package] = totals.get(package, 0.0) + int(own) / 1e6
    return sorted(((seconds, name) for name, seconds in totals.items()), reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each (default 9)")
    parser.add_argument("--imports", type=int, default=0, help="list N packages slowest to import")
    parser.add_argument(
        "--also",
        type=Path,
        metavar="CHECKOUT",
        help="also time the app of another checkout (e.g. an older commit), in the same turns",
    )
    args = parser.parse_args()

    # No settings from the caller's shell: the app starts as on a fresh development machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COOP_", "FLASK_"))}
    for name in ("DATABASE_URL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    floor = Path(tempfile.mkdtemp(prefix="coop-startup-floor-"))
    (floor / "floorapp.py").write_text(FLOOR_APP)
    timings = {
        "import flask, sqlalchemy": (BARE, ROOT),
        "one-model Flask-SQLAlchemy app --help": (
            [sys.executable, "-m", "flask", "--app", "floorapp", "--help"],
            floor,
        ),
        "flask --app coop --help": (APP, ROOT),
    }
    if args.also:
        timings[f"the same in {args.also}"] = (APP, args.also.resolve())
    for command, cwd in timings.values():  # once untimed, so bytecode is compiled and cached
        timed(command, env, cwd)
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in timings}
    for _ in range(args.runs):
        for label, (command, cwd) in timings.items():
            runs[label].append(timed(command, env, cwd))

    walls = {label: statistics.median(wall for wall, _cpu in runs[label]) for label in runs}
    cpus = {label: statistics.median(cpu for _wall, cpu in runs[label]) for label in runs}
    bare = "import flask, sqlalchemy"
    print(f"start-up, median of {args.runs} fresh processes each ({os.cpu_count()} cores)")
    width = max(len(label) for label in runs)
    for label in runs:
        fastest = min(wall for wall, _cpu in runs[label])
        ratios = ""
        if label != bare:
            wall_ratio, cpu_ratio = walls[label] / walls[bare], cpus[label] / cpus[bare]
            ratios = f"   ratio: wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f}"
        print(
            f"  {label:<{width}}  wall {walls[label]:5.2f} s (fastest {fastest:.2f} s)"
            f"   CPU {cpus[label]:5.2f} s{ratios}"
        )
    ratio = walls["flask --app coop --help"] / walls[bare]
    verdict = "within" if ratio <= GOAL else "over"
    print(f"  the app's wall-time ratio {ratio:.2f} is {verdict} the goal of {GOAL}")
    floor = walls["one-model Flask-SQLAlchemy app --help"]
    print(
        f"  (a one-model Flask-SQLAlchemy app started the same way is already "
        f"{floor / walls[bare]:.2f}; coop adds {walls['flask --app coop --help'] - floor:.2f} s)"
    )
    if args.imports:
        print("import time of `flask --app coop --help` by package (one run):")
        for seconds, name in slowest_imports(env, args.imports):
            print(f"  {seconds:6.3f} s  {name}")


if __name__ == "__main__":
    main()
