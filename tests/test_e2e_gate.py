"""Without Chromium the browser tests are skipped with one loud line (so `make test` on a fresh machine is green),
except when CI=true: there a missing browser must fail the run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ONE_E2E_FILE = "tests/e2e/test_visitor.py"


def run_e2e(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"CI", "MOOT_TEST_DATABASE_URL", "PYTEST_ADDOPTS"}}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", ONE_E2E_FILE],
        cwd=REPO, env={**base, "MOOT_E2E_CHROMIUM": str(tmp_path / "no-such-chromium"), **env},
        capture_output=True, text=True, timeout=300,
    )


def test_without_chromium_the_browser_tests_are_skipped_loudly(tmp_path: Path) -> None:
    result = run_e2e(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " skipped" in result.stdout and "failed" not in result.stdout and "error" not in result.stdout
    loud = [line for line in result.stdout.splitlines() if "in tests/e2e SKIPPED" in line]
    assert len(loud) == 1, result.stdout
    assert "no-such-chromium is missing" in loud[0] and "apt-get install chromium" in loud[0]


def test_in_ci_a_missing_chromium_fails(tmp_path: Path) -> None:
    result = run_e2e(tmp_path, CI="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no-such-chromium is missing and CI=true" in result.stdout
    assert "SKIPPED" not in result.stdout
