"""The review console in-process (Starlette's test client) over SQLite and a fixture PDF:
sign-in, the queue, a letter's highlighted pages, edits, approval, and the summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from schemas.events import DeterminationReviewed
from schemas.letter import Provenance
from tests.claims_data import PDF_FIXTURES, letter_event
from workers.claims import LetterStore, open_database
from workers.claims.review import ReviewQueue
from workers.console.app import create_app, store_documents
from workers.console.auth import parse_users, reviewer
from workers.console.pages import pdf_highlights, text_pages
from workers.storage import LocalFolderStore

LETTER = PDF_FIXTURES / "a2016_three_items.pdf"
AUTH = ("ana", "s3cret")


@pytest.fixture
def console(tmp_path: Path) -> tuple[TestClient, str, list[DeterminationReviewed]]:
    database = open_database(f"sqlite:///{tmp_path / 'claims.sqlite'}")
    event = letter_event(LETTER, "fixtures")
    LetterStore(database).land(event)
    published: list[DeterminationReviewed] = []
    queue = ReviewQueue(database, published.append)
    documents = store_documents(LocalFolderStore(PDF_FIXTURES, bucket="fixtures"))
    app = create_app(queue, documents, parse_users("ana:s3cret,ben:other"))
    return TestClient(app, base_url="http://console.test"), event.data.letter_id, published


def test_every_page_needs_a_reviewer(console: tuple[TestClient, str, list[object]]) -> None:
    client, letter_id, _ = console
    assert client.get("/queue").status_code == 401
    assert client.get(f"/letters/{letter_id}", auth=("ana", "wrong")).status_code == 401
    assert client.get("/healthz").text == "ok"


def test_the_queue_links_the_letter_by_id_and_shows_its_reasons(
    console: tuple[TestClient, str, list[object]],
) -> None:
    client, letter_id, _ = console
    page = client.get("/queue", auth=AUTH)
    assert page.status_code == 200
    assert f'href="/letters/{letter_id}"' in page.text
    assert "low_confidence" in page.text


def test_a_letter_page_boxes_each_field_on_its_page_image(
    console: tuple[TestClient, str, list[object]],
) -> None:
    client, letter_id, _ = console
    page = client.get(f"/letters/{letter_id}", auth=AUTH)
    assert page.status_code == 200
    assert f'src="/letters/{letter_id}/pages/1.png"' in page.text
    assert 'class="box" data-fields="decision_date"' in page.text
    image = client.get(f"/letters/{letter_id}/pages/1.png", auth=AUTH)
    assert image.headers["content-type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert client.get(f"/letters/{letter_id}/pages/9.png", auth=AUTH).status_code == 404
    assert client.get("/letters/not-a-letter-id", auth=AUTH).status_code == 404


def test_correcting_and_approving_publishes_and_empties_the_queue(
    console: tuple[TestClient, str, list[DeterminationReviewed]],
) -> None:
    client, letter_id, published = console
    form = {"field": "decision_date", "value": "2016-12-18", "action": "edit"}
    saved = client.post(f"/letters/{letter_id}/fields", data=form, auth=AUTH)
    assert saved.status_code == 200 and "extracted: 2016-12-19" in saved.text
    refused = client.post(f"/letters/{letter_id}/fields", data={**form, "value": "soon"}, auth=AUTH)
    assert "not a valid value" in refused.text
    cross_site = client.post(
        f"/letters/{letter_id}/approve", auth=AUTH, headers={"Origin": "http://elsewhere.test"}
    )
    assert cross_site.status_code == 403 and published == []
    approved = client.post(f"/letters/{letter_id}/approve", auth=AUTH)
    assert approved.url.path == "/queue" and "Nothing waiting" in approved.text
    [event] = published
    assert event.data.approved_by == "ana"
    assert event.data.determination.decision_date.isoformat() == "2016-12-18"
    summary = client.get("/summary", auth=AUTH)
    assert "1 approved in review" in summary.text


def test_basic_credentials_are_checked_per_reviewer() -> None:
    users = parse_users("ana:s3cret")
    assert reviewer("Basic YW5hOnMzY3JldA==", users) == "ana"
    assert reviewer("Basic YW5hOnMzY3JldHg=", users) is None
    assert reviewer("Bearer YW5hOnMzY3JldA==", users) is None
    with pytest.raises(ValueError):
        parse_users("ana")


@pytest.mark.parametrize(
    "name", ["a2016_three_items", "b_multi", "c_upheld", "d_multi", "a2014_two_items"]
)
def test_every_provenance_of_a_fixture_letter_is_found_on_its_page(name: str) -> None:
    path = PDF_FIXTURES / f"{name}.pdf"
    data = letter_event(path, "fixtures").data
    provenance = dict(data.provenance)
    for number, item in enumerate(data.items, start=1):
        provenance.update({f"items[{number}].{k}": p for k, p in item.provenance.items()})
    boxes = pdf_highlights(path.read_bytes(), provenance)
    assert set(boxes) == set(provenance)
    for field, found in boxes.items():
        assert found and all(box.page == provenance[field].page for box in found)
        assert all(0 <= box.left < 1 and 0 <= box.top < 1 and box.width > 0 for box in found)


def test_a_text_letter_is_cut_where_provenance_starts_and_ends() -> None:
    text = b"Case Number: CM16-0000000\nDecision Date: 01/20/2017\n"
    provenance = {"case_number": Provenance(page=1, start=13, end=25)}
    [page] = text_pages(text, provenance)
    assert "".join(segment.text for segment in page) == text.decode()
    marked = [segment for segment in page if segment.fields]
    assert [(s.text, s.fields) for s in marked] == [("CM16-0000000", ("case_number",))]


def test_only_known_refusals_are_shown_from_the_url(
    console: tuple[TestClient, str, list[DeterminationReviewed]],
) -> None:
    client, letter_id, _ = console
    known = client.get(f"/letters/{letter_id}?error=invalid_value", auth=AUTH)
    assert 'role="alert">not a valid value for this field<' in known.text
    crafted = client.get(f"/letters/{letter_id}?error=Call+us+now", auth=AUTH)
    assert 'role="alert"' not in crafted.text and "Call us" not in crafted.text
