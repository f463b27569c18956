"""The catalogs: complete in every shipped language, placeholders alike, every id the code uses
present; the setup's compile step works."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.actions import choices, status, summary
from assistant.locales import (
    LOCALES_DIR,
    catalog_problems,
    message,
    mo_path,
    shipped_languages,
)
from deployment import load_deployment
from eligibility.decision import (
    MET_BY_COMMUNITY,
    MET_BY_COMPLAINTS,
    MET_BY_HATE_INCIDENT,
    MET_BY_HATE_LOWERED,
)
from tests.assistant.trackers import ROOT

ACTIONS = ROOT / "assistant" / "actions"
# Where a message id is the n-th positional argument.
_ID_ARGUMENT = {"say": 2, "render": 1, "Button": 0, "Question": 0}


def ids_in_code() -> set[str]:
    """Every literal message id passed to say/render/Button/Question in the action server."""
    found = set()
    for path in ACTIONS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = _ID_ARGUMENT.get(name)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def ids_built_in_code() -> set[str]:
    """The ids the code builds from data: button titles, summary labels, decisions, languages,
    the status check's answers."""
    built = {choices.title_id(v) for values in choices.QUESTIONS.values() for v in values}
    built |= {f"label-{f}".replace("_", "-") for f in summary.CHANGES}
    built |= {summary.change_button(f).title for f in [*summary.CHANGES, summary.INCIDENTS]}
    met_by = (MET_BY_COMPLAINTS, MET_BY_HATE_INCIDENT, MET_BY_HATE_LOWERED, MET_BY_COMMUNITY)
    built |= {f"decision-met-{m.replace('_', '-')}" for m in met_by}
    built |= {f"language-name-{code}" for code in shipped_languages()}
    built |= {*status.THRESHOLD.values(), *status.OUTCOME.values(), *status.NEXT_STEPS.values(),
              status.DECISION_LATE}
    # the escalation window, in working days or in weeks (answers.window_message)
    built |= {f"{prefix}{unit}" for prefix in ("explain-escalation", "next-escalation")
              for unit in ("", "-weeks")}
    return built


def test_english_and_welsh_are_shipped():
    assert {"en", "cy"} <= set(shipped_languages())


def test_every_deployment_language_has_a_catalog():
    assert set(load_deployment().languages) <= set(shipped_languages())


def test_catalogs_are_complete_and_placeholders_agree():
    assert catalog_problems() == []


def test_the_code_finds_ids_to_check():
    # The scan must see the calls it is meant to check, or the next test proves nothing.
    assert {"emergency", "ask-incident-date", "button-check", "submitted"} <= ids_in_code()


@pytest.mark.parametrize("language", shipped_languages())
def test_every_id_the_code_uses_is_in_every_catalog(language):
    missing = []
    for msg_id in sorted(ids_in_code() | ids_built_in_code()):
        try:
            message(language, msg_id)
        except Exception:  # noqa: BLE001 - collect them all for one clear failure
            missing.append(msg_id)
    assert missing == []


def _copy_catalogs(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    for language in shipped_languages():
        target = copy / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(LOCALES_DIR / language / "LC_MESSAGES" / "assistant.po", target)
    return copy


def _edit(po: Path, old: str, new: str) -> None:
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_check_finds_an_untranslated_message(tmp_path):
    copy = _copy_catalogs(tmp_path)
    _edit(copy / "cy/LC_MESSAGES/assistant.po", 'msgstr "Croeso."', 'msgstr ""')
    assert catalog_problems(copy) == ["cy: 'thank' is not translated"]


def test_the_check_finds_a_missing_message(tmp_path):
    copy = _copy_catalogs(tmp_path)
    _edit(copy / "cy/LC_MESSAGES/assistant.po", 'msgid "thank"\nmsgstr "Croeso."\n', "")
    assert catalog_problems(copy) == ["cy: 'thank' is missing"]


def test_the_check_finds_different_placeholders(tmp_path):
    copy = _copy_catalogs(tmp_path)
    _edit(copy / "cy/LC_MESSAGES/assistant.po", "Ffôn: {phone}", "Ffôn: {ffon}")
    assert catalog_problems(copy) == [
        "cy: 'contact-phone' has placeholders ['ffon'], 'en' has ['phone']"
    ]


def test_the_compile_command_writes_every_mo():
    result = subprocess.run(
        [sys.executable, "-m", "assistant.locales", "compile"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    for language in shipped_languages():
        assert mo_path(language).stat().st_size > 0
        assert str(mo_path(language)) in result.stdout
