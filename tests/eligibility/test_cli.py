"""The command line as a subprocess: JSON out and exit 0, or one line naming the field and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eligibility", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def case(**changes) -> dict:
    base = {
        "applied_on": "2026-03-10",
        "policy": "statutory-default",
        "vulnerable": False,
        "incidents": [
            {"id": "a", "occurred_on": "2026-01-05", "reported_on": "2026-01-06",
             "reported_to": ["police"], "hate_related": False, "reporter": "applicant"},
            {"id": "b", "occurred_on": "2026-02-01", "reported_on": "2026-02-01",
             "reported_to": ["council"]},
            {"id": "c", "occurred_on": "2026-03-01", "reported_on": "2026-03-02",
             "reported_to": ["housing", "police"]},
        ],
    }
    base.update(changes)
    return base


def test_the_spec_example_file_decides_and_explains():
    done = run("check", "examples/case.json", "--today", "2026-03-10")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["outcome"] == "threshold_not_met"
    assert [i["reasons"] for i in out["incidents"]] == [[], ["duplicate"], [], ["reported_late"]]
    assert out["more_needed"] == 1
    assert "5 July 2026" in out["explanation"]
    assert done.stderr == ""


def test_standard_input_and_the_output_shape():
    done = run("check", "-", stdin=json.dumps(case()))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["outcome"] == "threshold_met" and out["met_by"] == "complaints"
    assert out["qualifying_count"] == 3 and out["required"] == 3
    assert [i["index"] for i in out["incidents"]] == [0, 1, 2]
    assert all(i["counts_until"] for i in out["incidents"])
    assert out["policy"]["id"] == "statutory-default" and out["policy"]["min_complaints"] == 3
    assert "more_needed" not in out
    assert out["explanation"].startswith("The threshold for an ASB case review is met")


def test_policy_option_overrides_the_case_policy_by_id_and_by_file(tmp_path):
    single = case(incidents=[case()["incidents"][0] | {"hate_related": True}])
    assert json.loads(run("check", "-", stdin=json.dumps(single)).stdout)["outcome"] == (
        "threshold_not_met"
    )
    by_id = run("check", "-", "--policy", "hammersmith-fulham", stdin=json.dumps(single))
    assert json.loads(by_id.stdout)["met_by"] == "hate_incident"
    own = tmp_path / "ours.yaml"
    own.write_text(
        "id: ours\ntitle: Ours\nsource: https://example.org/procedure\n"
        "effective_from: 2026-01-01\nmin_complaints: 1\n"
    )
    by_file = run("check", "-", "--policy", str(own), stdin=json.dumps(single))
    out = json.loads(by_file.stdout)
    assert out["policy"]["id"] == "ours" and out["outcome"] == "threshold_met"


def test_applied_on_defaults_to_today_as_fixed():
    data = case()
    del data["applied_on"]
    out = json.loads(run("check", "-", "--today", "2026-07-20", stdin=json.dumps(data)).stdout)
    assert out["applied_on"] == "2026-07-20"
    assert [i["reasons"] for i in out["incidents"]] == [["outside_window"], [], []]


def test_policies_lists_every_shipped_policy_with_its_source():
    done = run("policies")
    assert done.returncode == 0
    ids = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert {"statutory-default", "hammersmith-fulham", "plymouth", "wales", "gloucestershire"} <= set(ids)
    assert all(line.split("\t")[2].startswith("https://") for line in done.stdout.splitlines())


def _incident(i: int, **changes) -> dict:
    data = case()
    data["incidents"][i].update(changes)
    return data


BAD = [
    ("malformed JSON", "{\"applied_on\": ", "CASE.json: not valid JSON"),
    ("not an object", "[]", "case: must be a JSON object"),
    ("impossible date", json.dumps(case(applied_on="2026-02-30")), "applied_on: '2026-02-30'"),
    ("date in another form", json.dumps(case(applied_on="10/03/2026")), "applied_on:"),
    ("missing incidents", json.dumps({"applied_on": "2026-03-10"}), "incidents: is missing"),
    ("missing occurred_on", json.dumps(_incident(1, occurred_on=None) | {}), "incidents[1].occurred_on"),
    ("reported before it happened",
     json.dumps(_incident(0, reported_on="2026-01-04")), "incidents[0].reported_on: 2026-01-04 is before"),
    ("incident after the application",
     json.dumps(_incident(2, occurred_on="2026-03-11", reported_on="2026-03-11")),
     "incidents[2].occurred_on: 2026-03-11 is after the application date"),
    ("complaint after the application",
     json.dumps(_incident(2, reported_on="2026-03-12")), "incidents[2].reported_on: 2026-03-12 is after"),
    ("unknown agency", json.dumps(_incident(1, reported_to=["council", "fire"])),
     "incidents[1].reported_to[1]: unknown agency 'fire'"),
    ("no agency", json.dumps(_incident(1, reported_to=[])), "incidents[1].reported_to: must be a non-empty"),
    ("unknown policy", json.dumps(case(policy="nowhere")), "policy: unknown policy 'nowhere'"),
    ("threshold above three", json.dumps(case(policy={"min_complaints": 4})),
     "policy.min_complaints: 4 is above 3"),
    ("unknown policy key", json.dumps(case(policy={"min_complains": 2})), "policy.min_complains"),
    ("hate flag not a boolean", json.dumps(_incident(0, hate_related="yes")), "incidents[0].hate_related"),
    ("vulnerable not a boolean", json.dumps(case(vulnerable="no")), "vulnerable: must be true or false"),
]


@pytest.mark.parametrize("stdin,message", [(b, m) for _, b, m in BAD], ids=[n for n, _, _ in BAD])
def test_bad_input_exits_2_with_one_line_naming_the_field(stdin, message):
    done = run("check", "-", stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["check", "does-not-exist.json"], "cannot read does-not-exist.json"),
        (["check", "-", "--today", "yesterday"], "--today: 'yesterday'"),
        (["check", "-", "--policy", "nowhere"], "policy: unknown policy 'nowhere'"),
        (["frobnicate"], "usage:"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message):
    done = run(*args, stdin=json.dumps(case()))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr
