"""The review console in a real browser (headless Chromium from the system, driven by
Playwright) over PostgreSQL filled by the sink from Kafka: open the queue, open a letter,
correct a field, approve, and find the reviewed event on Kafka."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest

from schemas.events import DeterminationReviewed, from_kafka
from tests.browser import chromium_executable
from tests.claims_data import PDF_FIXTURES, letter_event
from tests.integration.test_claims_sink import publish_determinations, run_sink, sink_settings
from tests.integration.test_runtime_kafka import create_topics, read_all
from tests.postgres_server import free_port
from tests.unit.test_claims_review import REVIEWED_SCHEMA
from workers.claims import open_database
from workers.claims.subscriber import sink_topics
from workers.config import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

IMR = str(Path(sys.executable).with_name("imr"))
LETTER = PDF_FIXTURES / "a2016_three_items.pdf"
USER, PASSWORD = "reviewer-ana", "browser-test-secret"
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _wait_until_up(url: str, console: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if console.poll() is not None:
            raise AssertionError(f"imr review exited with {console.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("imr review did not start")


@pytest.fixture
def console(settings: Settings, postgres_database: str, tmp_path: Path) -> Iterator[str]:
    """``imr review`` over ``postgres_database`` and a folder holding the letter."""
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(LETTER, letters / LETTER.name)
    port = free_port()
    env = {
        **os.environ,
        "IMR_DATABASE_URL": postgres_database,
        "IMR_REVIEW_USERS": f"{USER}:{PASSWORD}",
        "IMR_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "IMR_TOPIC_REVIEWED": settings.topic_reviewed,
    }
    command = [IMR, "review", "--letters", str(letters), "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def settings(kafka_bootstrap: str, unique_name: Callable[[str], str]) -> Settings:
    found = sink_settings(kafka_bootstrap, unique_name)
    return found.model_copy(update={"topic_reviewed": unique_name("reviewed")})


def test_a_reviewer_corrects_and_approves_a_letter_in_the_browser(
    settings: Settings, postgres_database: str, console: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    create_topics(settings, *sink_topics(settings), settings.topic_reviewed)
    event = letter_event(LETTER, settings.s3_bucket)
    letter_id = event.data.letter_id
    publish_determinations(settings, [event])
    assert run_sink(settings, open_database(postgres_database)) == 1

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_FLAGS
        )
        try:
            context = browser.new_context(http_credentials={"username": USER, "password": PASSWORD})
            page = context.new_page()
            page.goto(console + "/queue")
            expect(page.locator(".count")).to_have_text("1")
            page.click(f'a[href="/letters/{letter_id}"]')
            expect(page.locator("h1")).to_contain_text(letter_id)
            expect(page.locator('.box[data-fields="decision_date"]')).to_have_count(1)
            row = page.locator('tr[data-field="decision_date"]')
            expect(row.locator('input[name="value"]')).to_have_value("2016-12-19")
            row.locator('input[name="value"]').fill("2016-12-18")
            row.locator('button[value="edit"]').click()
            expect(page.locator('tr[data-field="decision_date"] .was')).to_contain_text(
                "2016-12-19"
            )
            page.click("text=Approve and publish")
            expect(page.locator(".empty")).to_contain_text("Nothing waiting")
            assert page.url.endswith("/queue")
        finally:
            browser.close()

    [record] = read_all(settings, settings.topic_reviewed)
    reviewed = from_kafka(record.value, record.headers)
    assert isinstance(reviewed, DeterminationReviewed)
    jsonschema.Draft202012Validator(REVIEWED_SCHEMA).validate(reviewed.data.model_dump(mode="json"))
    assert reviewed.data.letter_id == letter_id
    assert reviewed.data.approved_by == USER
    assert reviewed.data.determination.decision_date.isoformat() == "2016-12-18"
    assert [(c.field, c.new_value, c.reviewer) for c in reviewed.data.changes] == [
        ("decision_date", "2016-12-18", USER)
    ]
    assert record.key == (event.data.case_number or letter_id).encode()
