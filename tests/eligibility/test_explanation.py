"""The English explanation says the decision, each reason, and what would change it, with dates."""

from datetime import date

from eligibility import check


def explain_case(incidents, policy="statutory-default", vulnerable=False, applied_on="2026-03-10"):
    from eligibility import explain

    decision = check(
        {"applied_on": applied_on, "policy": policy, "vulnerable": vulnerable,
         "incidents": incidents},
        today=date(2027, 1, 1),
    )
    return explain(decision)


def inc(occurred, reported, **more):
    return {"occurred_on": occurred, "reported_on": reported, "reported_to": ["police"], **more}


def test_met_says_so_with_numbers():
    text = explain_case([inc("2026-01-05", "2026-01-06"), inc("2026-02-01", "2026-02-01"),
                         inc("2026-03-01", "2026-03-02")])
    assert text.startswith("The threshold for an ASB case review is met: three complaints count")
    assert "not met" not in text


def test_not_met_says_how_many_more_and_by_when():
    text = explain_case([inc("2026-01-05", "2026-01-06"), inc("2026-02-01", "2026-02-01")])
    assert "not met yet: two complaints count, and the local procedure needs three." in text
    assert "One more complaint, with the application made by 5 July 2026, would meet it." in text


def test_each_reason_is_explained():
    text = explain_case([
        inc("2026-01-05", "2026-02-20"),
        inc("2026-02-01", "2026-02-01", id="x"),
        inc("2026-02-01", "2026-02-03", id="x"),
    ])
    assert "Report 1 does not count: it was made more than one month after the incident." in text
    assert "Report 3 is about the same incident as report 2, so it is counted once." in text


def test_window_reason_names_the_complaint_date():
    text = explain_case([inc("2025-08-01", "2025-08-02")], applied_on="2026-03-10")
    assert "more than six months after the complaint (2 August 2025)" in text


def test_discretionary_review_is_explained():
    text = explain_case([inc("2026-02-01", "2026-02-01")], vulnerable=True)
    assert "a person at the lead agency will still look at the case" in text


def test_recent_rule_gives_the_date():
    text = explain_case([inc("2026-01-05", "2026-01-06"), inc("2026-01-10", "2026-01-10"),
                         inc("2026-01-20", "2026-01-21")], policy="gloucestershire")
    assert "at least one complaint made on or after 10 February 2026" in text


def test_hate_route_and_community_route_are_named():
    text = explain_case([inc("2026-03-01", "2026-03-01", hate_related=True)],
                        policy="hammersmith-fulham")
    assert "one hate incident is enough" in text
    days = ["2026-01-10", "2026-01-20", "2026-02-01", "2026-02-09", "2026-03-01"]
    people = [inc(day, day, reporter=who) for day, who in zip(days, "abcde", strict=True)]
    text = explain_case(people, policy="wales")
    assert "made by more than one person" in text and "needs five" in text
