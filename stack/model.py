"""The trained model: named by a fingerprint of what it was trained from, trained only when stale.

The fingerprint covers config.yml, domain.yml (a file or a folder), everything under
assistant/data/, the custom NLU components under assistant/nlu/ and the text folding they share
(assistant/understanding/text.py: their code shapes the model too) and the Rasa version.
`ensure_model` returns models/<fingerprint>.tar.gz, training it first when no model with that
fingerprint exists. A file lock makes two callers at once (a test run and `make run`) train once:
the second waits and reuses the first one's model.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from asb import env
from stack.environment import child_environment, die_with_parent

# The project folder: ASB_PROJECT_ROOT, else the checkout (asb/env.py).
ROOT = env.project_root()


class StackError(RuntimeError):
    """Something the stack needs is missing or failed; the message says what and where to look."""


@dataclass(frozen=True)
class Project:
    """A Rasa project: where its config, domain and training data are, and where models go."""

    root: Path
    config: str = "config.yml"
    domain: str = "domain.yml"
    data: tuple[str, ...] = ("assistant/data",)
    # Code that is part of the model (custom NLU components); hashed, not passed to Rasa.
    code: tuple[str, ...] = ("assistant/nlu", "assistant/understanding/text.py")
    models: str = "models"

    @classmethod
    def assistant(cls) -> Project:
        """This repository's assistant."""
        return cls(root=ROOT)

    def missing(self) -> list[str]:
        """The required inputs that do not exist yet, as paths relative to the root."""
        required = [self.config, self.domain, *self.data]
        return [name for name in required if not (self.root / name).exists()]

    def inputs(self) -> list[Path]:
        """Every file that goes into the fingerprint, in a stable order."""
        files: list[Path] = []
        for name in (self.config, self.domain, *self.data, *self.code):
            path = self.root / name
            if path.is_file():
                files.append(path)
            elif path.is_dir():
                files.extend(
                    sorted(
                        p
                        for p in path.rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
                    )
                )
        return files


def rasa_version() -> str:
    from importlib.metadata import version

    return version("rasa")


def fingerprint(project: Project) -> str:
    """A short hash of the model's inputs: the same inputs give the same name."""
    digest = hashlib.sha256()
    digest.update(f"rasa {rasa_version()}\n".encode())
    for path in project.inputs():
        relative = path.relative_to(project.root).as_posix()
        content = path.read_bytes()
        digest.update(f"{relative}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:20]


def model_path(project: Project) -> Path:
    return project.root / project.models / f"{fingerprint(project)}.tar.gz"


@dataclass(frozen=True)
class TrainResult:
    path: Path
    trained: bool  # False when an existing model was reused
    seconds: float  # time spent training (0 when reused)


def ensure_model(project: Project, log_path: Path | None = None) -> TrainResult:
    """The model for the project's current inputs, trained first if it does not exist.

    Training output goes to `log_path` when given, else to the console (training data holds no
    personal data). Raises StackError naming the missing inputs or the log to read.
    """
    missing = project.missing()
    if missing:
        raise StackError(
            "cannot train the model: "
            + ", ".join(missing)
            + f" not in the tree yet at {project.root} (ASB_PROJECT_ROOT names the project "
            "folder that holds them)"
        )
    models = project.root / project.models
    models.mkdir(parents=True, exist_ok=True)
    target = model_path(project)
    if target.exists():
        return TrainResult(target, trained=False, seconds=0.0)
    with open(models / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be training the same inputs
        if target.exists():
            return TrainResult(target, trained=False, seconds=0.0)
        seconds = train(project, target, log_path)
    _prune(models, keep=target)
    return TrainResult(target, trained=True, seconds=seconds)


def _prune(models: Path, keep: Path, count: int = 3) -> None:
    """Delete all but the `count` newest models (never `keep`): each is tens of megabytes."""
    older = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in [p for p in older if p != keep][count - 1:]:
        path.unlink(missing_ok=True)
    for scratch in models.glob(".training-*"):  # left by a training that was killed
        pid = scratch.name.removeprefix(".training-")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(scratch, ignore_errors=True)


def train(project: Project, target: Path, log_path: Path | None = None,
          extra_env: dict[str, str] | None = None) -> float:
    """Train the project's model into `target` whatever exists; the seconds it took.

    `extra_env` e.g. {"RASA_CACHE_DIRECTORY": <empty folder>} to time a training from scratch.
    """
    started = time.monotonic()
    scratch = target.parent / f".training-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    # `rasa train` with the stack's changes for training (stack/rasa_training.py).
    argv = [sys.executable, "-m", "stack.rasa_training", "train", "--config", project.config,
            "--domain", project.domain, "--out", str(scratch),
            "--fixed-model-name", target.name.removesuffix(".tar.gz"),
            # `rasa data validate` is a test (tests/assistant/test_stories.py); here it only
            # wrote warnings to a log, for half a minute of every training.
            "--skip-validation"]
    argv += ["--data", *project.data]
    env = child_environment({"PYTHONPATH": str(project.root), **(extra_env or {})})
    try:
        if log_path is None:
            result = subprocess.run(argv, cwd=project.root, env=env, preexec_fn=die_with_parent)
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "ab") as log:
                result = subprocess.run(argv, cwd=project.root, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        produced = scratch / target.name
        if result.returncode != 0 or not produced.exists():
            where = f"; see {log_path}\n{_error_lines(log_path)}" if log_path else ""
            raise StackError(f"rasa train failed (exit code {result.returncode}){where}")
        os.replace(produced, target)  # atomic: a reader never sees half a model
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return time.monotonic() - started


def _error_lines(log_path: Path, count: int = 20) -> str:
    """The end of a training log without progress bars (training data holds no personal data)."""
    lines = log_path.read_text(errors="replace").splitlines()
    kept = [line for line in lines if line.strip() and "it/s" not in line and "s/it" not in line]
    errors = [i for i, line in enumerate(kept) if " ERROR " in line]
    shown = kept[errors[0]:][:count] if errors else kept[-count:]
    return "\n".join("    " + line for line in shown)
