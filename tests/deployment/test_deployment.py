"""The deployment file: the example loads, and every mistake stops start-up with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from deployment import DeploymentError, load_deployment
from deployment.config import DEFAULT_FILE


def write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    change(data)
    file = tmp_path / "deployment.yml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return file


def test_the_example_file_loads_with_no_secrets_set():
    deployment = load_deployment(DEFAULT_FILE)
    area = deployment.area()
    assert area.threshold_policy.id == "statutory-default"
    assert area.lead_agency.contact.phone
    assert area.partner_agencies
    assert deployment.default_language in deployment.languages
    assert "cy" in deployment.languages


def test_the_file_comes_from_ASB_DEPLOYMENT(tmp_path, monkeypatch):
    file = write(tmp_path, lambda d: d.update(service_name="Elsewhere ASB case review"))
    monkeypatch.setenv("ASB_DEPLOYMENT", str(file))
    assert load_deployment().service_name == "Elsewhere ASB case review"


def _area(key, value):
    return lambda d: d["areas"][0].__setitem__(key, value)


@pytest.mark.parametrize(
    "change,words",
    [
        (_area("policy", "nowhere"), "areas.0.policy: unknown policy 'nowhere'"),
        (_area("nation", "wales"), "areas.0.nation"),
        (_area("id", "Any Town"), "areas.0.id"),
        (_area("partner_agencies", []), "areas.0.partner_agencies"),
        (lambda d: d.update(languages=["en", "xx"]), "unknown language 'xx'"),
        (lambda d: d.update(languages=["en", "cy"], default_language="pl"), "default_language must be one of languages"),
        (lambda d: d["areas"].append(dict(d["areas"][0])), "two areas share an id"),
        (lambda d: d.update(colour="red"), "colour: extra fields not permitted"),
        (lambda d: d["areas"][0]["procedure"].update(threshold_decision_working_days=0),
         "areas.0.procedure.threshold_decision_working_days"),
        (lambda d: d["areas"][0]["lead_agency"]["contact"].pop("phone"),
         "areas.0.lead_agency.contact.phone: field required"),
    ],
)
def test_mistakes_are_named(tmp_path, change, words):
    with pytest.raises(DeploymentError) as caught:
        load_deployment(write(tmp_path, change))
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_or_broken_file_says_so(tmp_path):
    with pytest.raises(DeploymentError, match="No such file"):
        load_deployment(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("areas: [\n")
    with pytest.raises(DeploymentError, match="not valid YAML"):
        load_deployment(broken)


def test_words_the_assistant_says_can_be_given_per_language_with_english_as_the_fallback():
    from deployment.config import in_language

    contact = load_deployment(DEFAULT_FILE).area().lead_agency.contact
    assert in_language(contact.opening_hours, "cy").startswith("Dydd Llun")
    assert in_language(contact.opening_hours, "bn") != in_language(contact.opening_hours, "en")
    hours = {"en": "Monday to Friday", "cy": "Dydd Llun i ddydd Gwener"}
    assert in_language(hours, "pl") == "Monday to Friday"
    assert in_language("Mon-Fri", "cy") == "Mon-Fri"


@pytest.mark.parametrize(("hours", "named"), [
    ({"cy": "Dydd Llun"}, "English text too"),
    ({"en": "Monday", "de": "Montag"}, "unknown language 'de'"),
    ({"en": "Monday", "cy": ""}, "non-empty"),
])
def test_a_text_per_language_is_checked(tmp_path, hours, named):
    file = write(tmp_path, lambda d: d["areas"][0]["lead_agency"]["contact"].__setitem__(
        "opening_hours", hours))
    with pytest.raises(DeploymentError, match=named):
        load_deployment(file)
