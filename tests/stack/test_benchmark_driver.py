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
