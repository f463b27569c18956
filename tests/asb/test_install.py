"""`pip install .` gives the `asb` command, and it runs from any directory: the wheel is built
from a copy of the product's files, installed into a folder of its own (never into .venv), and its
console script is run from another folder with nothing of the checkout on its path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stack.model import ROOT, Project, fingerprint

# Building and installing the wheel takes half a minute: -m "not slow" leaves it out.
pytestmark = pytest.mark.slow

def _packages() -> tuple[str, ...]:
    """The top-level packages pyproject.toml's `include` names ("asb*" -> "asb")."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    [include] = re.findall(r"^include = \[(.*)\]$", text, flags=re.M)
    return tuple(name.strip().strip('"').rstrip("*") for name in include.split(","))


# What the wheel is built from: pyproject.toml's packages and readme.
SOURCES = ("pyproject.toml", "README.md", *_packages())


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "-w", str(work / "dist")], check=True, timeout=300, cwd=work)
    [wheel] = (work / "dist").glob("*.whl")
    target = work / "target"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300, cwd=work)
    return target


def asb(installed: Path, *args: str, cwd: Path, **variables: str):
    """The installed console script, from `cwd`, with only the install on PYTHONPATH (the
    interpreter's own site-packages give the dependencies)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASB_", "HANDOFF_"))}
    env.update(PYTHONPATH=str(installed), **variables)
    return subprocess.run([str(installed / "bin" / "asb"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_console_script_lists_every_command(installed, tmp_path):
    done = asb(installed, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("run", "train", "serve-rasa", "serve-actions", "serve-handoff", "migrate",
                    "inbox", "serve-widget", "eligibility", "check-deployment", "paths"):
        assert f"\n  {command} " in done.stdout
    # The installed code answers, not the checkout's.
    assert f"project folder: {installed}" in done.stdout


def test_without_a_project_folder_it_says_which_variable_to_set(installed, tmp_path):
    done = asb(installed, "paths", cwd=tmp_path)
    assert done.returncode == 1
    assert "config.yml, domain.yml" in done.stderr and "ASB_PROJECT_ROOT" in done.stderr


def test_with_asb_project_root_it_finds_the_project_from_anywhere(installed, tmp_path):
    root = {"ASB_PROJECT_ROOT": str(ROOT)}
    done = asb(installed, "paths", cwd=tmp_path, **root)
    assert done.returncode == 0, done.stderr
    assert f"  domain.yml      {ROOT / 'domain.yml'}\n" in done.stdout
    checked = asb(installed, "check-deployment", cwd=tmp_path, **root)
    assert checked.returncode == 0, checked.stderr
    assert f"deployment file {ROOT / 'deployment.example.yml'} is valid" in checked.stdout
    printed = asb(installed, "fingerprint", cwd=tmp_path, **root)
    assert printed.stdout.strip() == fingerprint(Project.assistant())


def test_the_wheel_carries_the_package_data(installed, tmp_path):
    """The engine's policies and a case decided with them, from the install alone."""
    done = asb(installed, "eligibility", "check", str(ROOT / "examples" / "case.json"),
               "--today", "2026-03-10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"outcome": "threshold_not_met"' in done.stdout
    listed = asb(installed, "eligibility", "policies", cwd=tmp_path)
    assert listed.returncode == 0 and "\nplymouth\t" in listed.stdout
