"""asb/env.py: one prefix for the project's own variables, the old names for one release, the
test clock only behind its switch, the project folder never the current directory."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest

from asb import env
from eligibility import clock


@pytest.fixture()
def fresh(monkeypatch):
    """No variable of ours inherited, and no warning given yet in this process."""
    for name in [*env.RENAMED, *env.RENAMED.values(), env.TODAY, env.TEST_CLOCK,
                 env.PROJECT_ROOT]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(env, "_warned", set())


@pytest.mark.parametrize(("old", "new"), sorted(env.RENAMED.items()))
def test_an_old_name_is_read_with_one_warning_naming_the_new_one(old, new, fresh, monkeypatch,
                                                                 caplog):
    assert new.startswith("ASB_")
    monkeypatch.setenv(old, "secret-value-1")
    with caplog.at_level(logging.WARNING, logger="asb.env"):
        assert env.get(new) == "secret-value-1"
        assert env.get(new) == "secret-value-1"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert old in warnings[0] and new in warnings[0]
    assert "secret-value-1" not in warnings[0]


def test_the_new_name_wins_without_a_warning(fresh, monkeypatch, caplog):
    monkeypatch.setenv("HANDOFF_INTAKE_TOKEN", "old")
    monkeypatch.setenv("ASB_HANDOFF_INTAKE_TOKEN", "new")
    with caplog.at_level(logging.WARNING, logger="asb.env"):
        assert env.get("ASB_HANDOFF_INTAKE_TOKEN") == "new"
    assert caplog.records == []


def test_an_unset_or_empty_variable_gives_the_default(fresh, monkeypatch):
    monkeypatch.setenv("ASB_HANDOFF_URL", "")
    assert env.get("ASB_HANDOFF_URL", "http://x") == "http://x"
    assert env.get("ASB_NOT_A_SETTING") is None


def test_the_deployment_names_the_new_variables_by_default():
    from deployment.config import Handoff

    assert Handoff().intake_token_env == "ASB_HANDOFF_INTAKE_TOKEN"
    assert Handoff().database_url_env == "ASB_HANDOFF_DATABASE_URL"


def test_asb_today_needs_the_test_switch(fresh, monkeypatch, caplog):
    monkeypatch.setenv(env.TODAY, "2020-02-29")
    with caplog.at_level(logging.WARNING, logger="asb.env"):
        assert env.fixed_today() is None
        assert clock.today() == datetime.now(clock.LONDON).date()
    assert [r.getMessage() for r in caplog.records] == [
        "ASB_TODAY is set but ignored: it fixes the date only for tests, with ASB_TEST_CLOCK=1"]
    monkeypatch.setenv(env.TEST_CLOCK, "1")
    assert clock.today() == date(2020, 2, 29)
    assert clock.now().date() == date(2020, 2, 29)


def test_the_stack_gives_its_children_the_switch_with_the_day(fresh, tmp_path):
    from stack.services import DEFAULT_PORTS, Settings

    settings = Settings(root=tmp_path, data_dir=tmp_path, run_dir=tmp_path, ports=DEFAULT_PORTS,
                        today="2026-03-10")
    children = settings.environment()
    assert (children[env.TODAY], children[env.TEST_CLOCK]) == ("2026-03-10", "1")
    settings.today = None
    assert env.TODAY not in settings.environment()


def test_the_project_folder_is_the_variable_else_the_packages_parent(fresh, monkeypatch,
                                                                     tmp_path):
    assert env.project_root() == env.PACKAGES_PARENT
    assert (env.project_root() / "asb" / "env.py").exists()
    monkeypatch.setenv(env.PROJECT_ROOT, str(tmp_path))
    assert env.project_root() == tmp_path.resolve()
