"""Schedules: count per period x duration, ranges, daily services, refills, summed visits."""

from __future__ import annotations

import pytest

from workers.enrichment.schedule import refills, schedule, stated_visits


@pytest.mark.parametrize(
    ("text", "per_week", "weeks", "visits"),
    [
        ("Physical therapy 3 visits per week for 2 weeks", 3, 2, 6),
        ("Physical therapy, 2 times a week for 4 weeks, right knee", 2, 4, 8),
        ("Acupuncture two times a week times three weeks", 2, 3, 6),
        ("Chiropractic 2x4", 2, 4, 8),
        ("Home aide 6 hours per day, 5 times a week for 4 weeks", 5, 4, 20),
        ("Daily RN for 4 weeks for wound care", 7, 4, 28),
        ("Initial acupuncture, 1 to 2 times per week for 4 weeks", None, 4, None),
        ("Psychotherapy once weekly", 1, None, None),
    ],
)
def test_weekly_schedules(
    text: str, per_week: int | None, weeks: int | None, visits: int | None
) -> None:
    found = schedule(text, dosing=False)
    assert (found.per_week, found.weeks, found.visits) == (per_week, weeks, visits)


def test_monthly_schedule_counts_visits_without_weeks() -> None:
    found = schedule("Office visits 2 times per month for 3 months", dosing=False)
    assert (found.per_week, found.weeks, found.visits) == (None, None, 6)


def test_daily_nursing_for_days() -> None:
    assert schedule("Home nurse visits daily for 10 days", dosing=False).visits == 10


def test_daily_dosing_is_not_a_visit_count() -> None:
    found = schedule("Naproxen 500mg twice daily", dosing=True)
    assert found.written == "twice daily" and found.visits is None and found.per_week is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Voltaren gel #60 grams with 1 refill", 1),
        ("Three refills of Voltaren gel 1%", 3),
        ("Norco 10/325mg #60, refills: 2", 2),
        ("Norco 10/325mg #60, no refills", 0),
        ("Norco 10/325mg #60", None),
    ],
)
def test_refills(text: str, expected: int | None) -> None:
    assert refills(text) == expected


def test_counts_of_one_service_add_up() -> None:
    text = (
        "two physical therapy sessions for the lumbar spine and left knee and eight physical "
        "therapy sessions for the left wrist"
    )
    assert stated_visits(text, None) == 10
    assert stated_visits("Six (6) physical therapy visits", None) == 6


def test_a_duration_before_the_count_still_multiplies() -> None:
    found = schedule("Physical therapy for 6 weeks, 2 times per week", dosing=False)
    assert (found.per_week, found.weeks, found.visits) == (2, 6, 12)
