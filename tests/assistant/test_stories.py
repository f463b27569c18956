"""`rasa data validate` is clean, and the test stories run with `rasa test core`, failing on any
prediction error. Reuses the model the stack trains (cached by the fingerprint of its inputs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stack import Project, ensure_model
from tests.assistant.trackers import ROOT

pytestmark = pytest.mark.integration
RASA = str(Path(sys.executable).with_name("rasa"))
STORIES = ROOT / "tests" / "assistant" / "stories"


def rasa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run([RASA, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)


def test_rasa_data_validate_is_clean():
    result = rasa("data", "validate", "--data", "assistant/data", "--domain", "domain.yml",
                  "--config", "config.yml", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_test_stories_have_no_prediction_error(tmp_path):
    model = ensure_model(Project.assistant(), log_path=tmp_path / "train.log").path
    result = rasa("test", "core", "--model", str(model), "--stories", str(STORIES),
                  "--fail-on-prediction-errors", "--out", str(tmp_path / "results"))
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, details[-4000:] or result.stdout[-3000:] + result.stderr[-3000:]
