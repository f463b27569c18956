"""The conversation benchmark's simulated user picks buttons by payload, never by wording."""

from __future__ import annotations

import json

import numpy
import pytest

from benchmarks.conversation import INCIDENTS, Load, User, percentile


def _user() -> User:
    return User(session=None, rasa_url="http://unused", load=Load(1), sender="u")


def test_buttons_that_leave_the_application_are_not_pressed():
    buttons = [{"title": "Call 999", "payload": "/emergency"},
               {"title": "Talk to someone", "payload": "/request_human"},
               {"title": "No", "payload": "/deny"}]
    assert _user().choose(buttons) == "/deny"


def test_the_preferred_payload_wins_every_time():
    buttons = [{"title": "No", "payload": "/deny"}, {"title": "Yes", "payload": "/affirm"}]
    user = _user()
    assert [user.choose(buttons) for _ in range(3)] == ["/affirm"] * 3


def _choice(value: str) -> dict:
    return {"title": value.title(), "payload": "/inform" + json.dumps({"choice": value}, separators=(",", ":"))}


def test_the_planned_choice_for_the_slot_is_pressed_wherever_it_is():
    buttons = [_choice("phone"), _choice("email"), _choice("post")]
    assert _user().choose(buttons, "contact_preferred") == _choice("email")["payload"]


def test_incidents_are_added_until_there_are_three():
    user, buttons = _user(), [_choice("yes"), _choice("no")]
    answers = [user.choose(buttons, "more_incidents") for _ in range(INCIDENTS)]
    assert answers == [_choice("yes")["payload"]] * (INCIDENTS - 1) + [_choice("no")["payload"]]


def test_dates_go_forward_and_each_report_follows_its_incident():
    user = _user()
    dates = [user.next_date() for _ in range(6)]
    assert dates == sorted(dates)
    assert len(set(dates)) == 6


@pytest.mark.parametrize("count", [1, 7, 20, 101])
@pytest.mark.parametrize("p", [50, 95])
def test_percentile_is_the_nearest_rank(count, p):
    values = [((i * 7919) % 101) / 10 for i in range(count)]  # shuffled, with repeats
    assert percentile(values, p) == numpy.percentile(values, p, method="inverted_cdf")


def _load(users: int, per_second: float, p95: int, completed: int | None = None) -> dict:
    figures = {"users": users, "messages": 100, "p50_ms": p95 // 2, "p95_ms": p95,
               "messages_per_second": per_second, "completed": users if completed is None
               else completed, "mean_turns": 35, "errors": []}
    return {"assistant": figures, "bare": {**figures, "p95_ms": 100, "messages_per_second": 30}}


def test_two_replicas_are_held_to_one_replicas_figures_of_the_same_run(capsys):
    from benchmarks.conversation import report_clusters
    figures = {"clusters": [
        {"replicas": 1, "startup_seconds": 60, "loads": [_load(10, 10.0, 200), _load(50, 12.0, 900)]},
        {"replicas": 2, "startup_seconds": 90, "loads": [_load(10, 17.0, 250), _load(50, 20.0, 800, 49)]},
    ]}
    report_clusters(figures)
    lines = {line.split("  ")[1].strip(): line for line in capsys.readouterr().out.splitlines()
             if line.strip() and "replica(s)" in line}
    assert lines["2 replica(s), 10 users: msg/s against 1"].endswith("1.70x  ok")
    assert lines["2 replica(s), 50 users: msg/s against 1"].endswith("1.67x  ok")
    assert lines["2 replica(s), 10 users: p95 against 1"].endswith("250 ms  MISSED")
    assert lines["2 replica(s), 50 users: applications completed"].endswith("49  MISSED")
    assert figures["clusters"][1]["loads"][1]["scaling"] == 1.67


def test_runs_of_one_load_pool_into_one_set_of_figures():
    from benchmarks.conversation import pooled
    fast = Load(2, latencies=[0.1, 0.1, 0.2, 0.2], seconds=1.0, completed=2, turns=[2, 2])
    slow = Load(2, latencies=[0.3, 0.5, 0.4, 0.6], seconds=3.0, completed=1, turns=[2, 2],
                errors=["ClientError: gone"])
    figures = pooled([fast, slow]).summary()
    # 8 messages in 4 s: not the mean of 4.0 and 1.33 messages a second
    assert figures["messages_per_second"] == 2.0
    assert figures["messages"] == 8 and figures["completed"] == 3
    assert figures["users"] == 2 and figures["applications"] == 4  # 2 at once, twice
    assert figures["p95_ms"] == 600 and figures["p50_ms"] == 200
    assert figures["errors"] == ["ClientError: gone"]
    assert fast.latencies == [0.1, 0.1, 0.2, 0.2]  # the runs themselves are left as they were


@pytest.mark.parametrize("rounds", [1, 2, 3, 4])
def test_each_cluster_runs_once_a_round_and_each_goes_first_as_often(rounds):
    from benchmarks.conversation import rounds_order
    order = rounds_order([1, 2], rounds)
    assert all(sorted(r) == [1, 2] for r in order) and len(order) == rounds
    firsts = [r[0] for r in order]
    assert abs(firsts.count(1) - firsts.count(2)) == rounds % 2


def test_one_cluster_size_named_twice_is_refused(capsys):
    from benchmarks.conversation import main
    with pytest.raises(SystemExit):
        main(["--replicas", "2", "2"])
    assert "each number once" in capsys.readouterr().err
