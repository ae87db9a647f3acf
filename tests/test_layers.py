"""The layer contract in pyproject.toml holds, and a wrong-way import breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[dev]')"
)


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "coop", tmp_path / "coop", ignore=shutil.ignore_patterns("static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_the_layers(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_way", "contract"),
    [
        # the ledger learning what a booking is
        ("payments/ledger.py", "from coop.marketplace.models import Booking", "Imports point down"),
        # members reaching up to voting, even inside a function
        ("members/service.py", "    from coop.voting import service", "Imports point down"),
        # the marketplace reading voting's tables instead of asking its service
        ("marketplace/bookings.py", "from coop.voting.models import Motion", "never its models"),
        # a shared module knowing a domain
        ("money.py", "from coop.members.models import Member", "Imports point down"),
    ],
)
def test_a_wrong_way_import_breaks_the_contract(tmp_path, module, wrong_way, contract):
    tree = _copy(tmp_path)
    path = tree / "coop" / module
    source = path.read_text()
    if wrong_way.startswith(" "):
        source += f"\n\ndef _sneaky():\n{wrong_way}\n"
    else:
        source += f"\n{wrong_way}  # noqa\n"
    path.write_text(source)
    result = _lint(tree)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken
    assert f"coop.{module[:-3].replace('/', '.')} ->" in broken
