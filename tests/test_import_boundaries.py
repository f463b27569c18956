"""Which parts may not import which: read from the source (every import statement, at any depth,
of every module), so a new module or an import inside a function is caught as well."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (the folder, the package its modules must not import, why)
BOUNDARIES = [
    ("handoff", "assistant", "the handoff service reads the document and the registry only"),
    ("assistant/nlu", "assistant.actions", "the NLU pipeline is trained without the actions"),
    ("languages", "", "the registry imports nothing of the project (every part imports it)"),
]
PROJECT = ("assistant", "benchmarks", "deployment", "eligibility", "handoff", "stack",
           "web_widget", "languages")


def imported(path: Path, package: str | None = None) -> set[str]:
    """Every module an import statement in the file names (relative imports made absolute)."""
    package = package or ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def forbidden(name: str, package: str) -> bool:
    if not package:  # nothing of the project's own
        return name.split(".")[0] in PROJECT and name.split(".")[0] != "languages"
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("folder, package, why", BOUNDARIES)
def test_a_part_does_not_import_what_it_must_not(folder, package, why):
    modules = sorted((ROOT / folder).rglob("*.py"))
    assert modules, folder
    found = {f"{path.relative_to(ROOT)} imports {name}" for path in modules
             for name in imported(path) if forbidden(name, package)}
    assert not found, f"{why}: {sorted(found)}"


def test_the_check_sees_every_kind_of_import(tmp_path):
    source = tmp_path / "module.py"
    for text in ("import assistant.locales", "from assistant import locales",
                 "def f():\n    from assistant.locales import read_catalog"):
        source.write_text(text + "\n", encoding="utf-8")
        assert any(forbidden(name, "assistant") for name in imported(source, "handoff.x")), text
    source.write_text("from . import assistant_words\nimport assistants\n", encoding="utf-8")
    assert not any(forbidden(name, "assistant") for name in imported(source, "handoff"))
    source.write_text("from deployment import config\n", encoding="utf-8")
    assert any(forbidden(name, "") for name in imported(source, "languages"))
