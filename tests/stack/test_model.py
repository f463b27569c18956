"""The model's fingerprint: changes with any input, not with anything else."""

from __future__ import annotations

import pytest

from stack import Project, StackError, ensure_model, fingerprint


@pytest.fixture
def project(tmp_path):
    (tmp_path / "assistant" / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "assistant" / "nlu").mkdir()
    (tmp_path / "config.yml").write_text("language: en\n")
    (tmp_path / "domain.yml").write_text("intents: [greet]\n")
    (tmp_path / "assistant" / "data" / "nlu" / "en.yml").write_text("nlu: []\n")
    (tmp_path / "assistant" / "nlu" / "matcher.py").write_text("X = 1\n")
    (tmp_path / "README.md").write_text("not an input\n")
    return Project(root=tmp_path)


@pytest.mark.parametrize(
    "path", ["config.yml", "domain.yml", "assistant/data/nlu/en.yml", "assistant/nlu/matcher.py"]
)
def test_changing_any_input_changes_the_fingerprint(project, path):
    before = fingerprint(project)
    (project.root / path).write_text((project.root / path).read_text() + "# changed\n")
    assert fingerprint(project) != before


def test_a_new_data_file_changes_it_and_other_files_do_not(project):
    before = fingerprint(project)
    (project.root / "README.md").write_text("changed\n")
    (project.root / "assistant" / "nlu" / "__pycache__").mkdir()
    (project.root / "assistant" / "nlu" / "__pycache__" / "matcher.cpython-310.pyc").write_text("x")
    assert fingerprint(project) == before
    (project.root / "assistant" / "data" / "rules.yml").write_text("rules: []\n")
    assert fingerprint(project) != before


def test_renaming_a_file_changes_it(project):
    before = fingerprint(project)
    (project.root / "assistant/data/nlu/en.yml").rename(project.root / "assistant/data/nlu/cy.yml")
    assert fingerprint(project) != before


def test_an_existing_model_is_reused_without_training(project):
    models = project.root / "models"
    models.mkdir()
    existing = models / f"{fingerprint(project)}.tar.gz"
    existing.write_bytes(b"a model")
    result = ensure_model(project)
    assert result.path == existing and not result.trained


def test_missing_inputs_are_named(project):
    (project.root / "domain.yml").unlink()
    with pytest.raises(StackError, match="domain.yml not in the tree yet"):
        ensure_model(project)


def test_only_the_newest_models_are_kept(project):
    import os

    from stack.model import _prune

    models = project.root / "models"
    models.mkdir()
    paths = []
    for age in range(5):
        path = models / f"model-{age}.tar.gz"
        path.write_bytes(b"x")
        os.utime(path, (1_000_000 - age * 100, 1_000_000 - age * 100))
        paths.append(path)
    oldest = paths[-1]
    _prune(models, keep=oldest, count=3)
    assert sorted(p.name for p in models.glob("*.tar.gz")) == sorted(
        p.name for p in (paths[0], paths[1], oldest)
    )
