"""The figures of the summary page and ``imr report``: counts only, never names or letter text.

Outcome rates count the items of current letters (a superseded letter of a case is history).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime

from workers.claims.database import Database
from workers.claims.review import instant

QUEUE_AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 1 day", 1.0),
    ("1-3 days", 3.0),
    ("3-7 days", 7.0),
    ("7 days or more", float("inf")),
)


@dataclass(frozen=True, slots=True)
class OutcomeRate:
    """Items of one group (a service category or a guideline) by outcome."""

    group: str
    upheld: int
    overturned: int

    @property
    def total(self) -> int:
        return self.upheld + self.overturned

    @property
    def overturn_rate(self) -> float:
        return self.overturned / self.total if self.total else 0.0


@dataclass
class Summary:
    letters: int = 0
    current_letters: int = 0
    letters_per_day: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[OutcomeRate] = field(default_factory=list)
    by_guideline: list[OutcomeRate] = field(default_factory=list)
    queue_ages: list[tuple[str, int]] = field(default_factory=list)
    queue_oldest_days: float | None = None
    queue_median_days: float | None = None
    approved: int = 0
    dead_letters: list[tuple[str, str, int]] = field(default_factory=list)
    """``(stage, reason, count)``, most frequent first."""

    @property
    def queue_length(self) -> int:
        return sum(count for _, count in self.queue_ages)

    @property
    def dead_letter_counts(self) -> list[tuple[str, int]]:
        return [(f"{stage}: {reason}", count) for stage, reason, count in self.dead_letters]


_OUTCOMES = (
    "SUM(CASE WHEN i.outcome = 'upheld' THEN 1 ELSE 0 END) AS upheld, "
    "SUM(CASE WHEN i.outcome = 'overturned' THEN 1 ELSE 0 END) AS overturned"
)


def summarise(database: Database, now: datetime | None = None) -> Summary:
    now = now or datetime.now(UTC)
    summary = Summary()
    with database.transaction() as tx:
        counts = tx.query(
            "SELECT COUNT(*) AS letters, "
            "SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS current_letters, "
            "SUM(CASE WHEN review_status = 'approved' THEN 1 ELSE 0 END) AS approved "
            "FROM letters"
        )[0]
        days = tx.query("SELECT received_at, landed_at FROM letters")
        categories = tx.query(
            f"SELECT i.category AS grp, {_OUTCOMES} FROM items i "
            "JOIN letters l ON l.letter_id = i.letter_id WHERE l.is_current "
            "GROUP BY i.category"
        )
        guidelines = tx.query(
            f"SELECT c.guideline_id AS grp, {_OUTCOMES} FROM items i "
            "JOIN letters l ON l.letter_id = i.letter_id "
            "JOIN citations c ON c.letter_id = i.letter_id AND c.item_position = i.position "
            "WHERE l.is_current AND c.party = 'reviewer' AND c.guideline_id IS NOT NULL "
            "AND c.position = 1 GROUP BY c.guideline_id"
        )
        pending = tx.query("SELECT landed_at FROM letters WHERE review_status = 'pending'")
        dead = tx.query(
            "SELECT stage, reason, COUNT(*) AS n FROM dead_letters GROUP BY stage, reason"
        )
    summary.letters = int(counts["letters"] or 0)
    summary.current_letters = int(counts["current_letters"] or 0)
    summary.approved = int(counts["approved"] or 0)
    per_day: dict[str, int] = {}
    for row in days:
        day = instant(row["received_at"] or row["landed_at"]).date().isoformat()
        per_day[day] = per_day.get(day, 0) + 1
    summary.letters_per_day = sorted(per_day.items())
    summary.by_category = _rates(categories)
    summary.by_guideline = _rates(guidelines)
    ages = sorted((now - instant(row["landed_at"])).total_seconds() / 86400 for row in pending)
    summary.queue_ages = _bucketed(ages)
    if ages:
        summary.queue_oldest_days = ages[-1]
        summary.queue_median_days = statistics.median(ages)
    summary.dead_letters = sorted(
        ((row["stage"], row["reason"], int(row["n"])) for row in dead),
        key=lambda entry: (-entry[2], entry[0], entry[1]),
    )
    return summary


def _rates(rows: list[dict[str, object]]) -> list[OutcomeRate]:
    rates = [
        OutcomeRate(str(row["grp"]), int(str(row["upheld"])), int(str(row["overturned"])))
        for row in rows
    ]
    return sorted(rates, key=lambda rate: (-rate.total, rate.group))


def _bucketed(ages: list[float]) -> list[tuple[str, int]]:
    counts = dict.fromkeys((label for label, _ in QUEUE_AGE_BUCKETS), 0)
    for age in ages:
        label = next(label for label, limit in QUEUE_AGE_BUCKETS if age < limit)
        counts[label] += 1
    return list(counts.items())


def render_text(summary: Summary, width: int = 40) -> str:
    """The summary for a terminal, with bars where a person would rather look than read."""
    lines = [
        f"letters: {summary.letters} ({summary.current_letters} current), "
        f"approved in review: {summary.approved}",
        "",
        "letters per day",
    ]
    lines += _bars(summary.letters_per_day, width)
    for title, rates in (
        ("outcomes by service category", summary.by_category),
        ("outcomes by guideline (reviewer's first citation)", summary.by_guideline),
    ):
        lines += ["", f"{title}: overturned / items"]
        label_width = max((len(rate.group) for rate in rates), default=0)
        for rate in rates:
            bar = _bar(rate.overturned, rate.total, width) if rate.total else ""
            lines.append(
                f"  {rate.group:<{label_width}}  {bar:<{width}}  "
                f"{rate.overturned}/{rate.total} ({rate.overturn_rate:.0%} overturned)"
            )
    lines += ["", f"review queue: {summary.queue_length} letter(s) waiting"]
    if summary.queue_oldest_days is not None and summary.queue_median_days is not None:
        lines[-1] += (
            f", oldest {summary.queue_oldest_days:.1f} days, "
            f"median {summary.queue_median_days:.1f} days"
        )
    lines += _bars(summary.queue_ages, width)
    lines += ["", "dead letters by reason"]
    lines += _bars(summary.dead_letter_counts, width)
    return "\n".join(lines)


def _bar(value: int, total: int, width: int) -> str:
    return "█" * max(1, round(width * value / total)) if value else ""


def _bars(entries: list[tuple[str, int]], width: int) -> list[str]:
    if not entries:
        return ["  (none)"]
    most = max(count for _, count in entries) or 1
    label_width = max(len(label) for label, _ in entries)
    return [
        f"  {label:<{label_width}}  {_bar(count, most, width):<{width}}  {count}"
        for label, count in entries
    ]
