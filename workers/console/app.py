"""The review console: a Starlette application with server-rendered pages.

URLs carry letter ids only; field values travel in POST bodies, never in URLs or logs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from schemas.letter import Provenance
from schemas.source import LETTER_ID_PATTERN
from workers.claims.report import summarise
from workers.claims.review import (
    ITEM_FIELDS,
    LETTER_FIELDS,
    REVIEW_ERRORS,
    LetterReview,
    ReviewError,
    ReviewQueue,
)
from workers.console.auth import ReviewerAuth
from workers.console.pages import is_pdf, pdf_highlights, render_page, text_pages
from workers.storage import ObjectStore

log = structlog.get_logger(__name__)

HERE = Path(__file__).resolve().parent
_LETTER_ID = re.compile(LETTER_ID_PATTERN)
MAX_LETTER_BYTES = 20 * 1024 * 1024
DOCUMENT_CACHE = 16
"""Letters whose bytes the console keeps in memory (page images are rendered from them)."""

Documents = Callable[[str, str, str | None, str | None], bytes]
"""``(bucket, key, version_id, etag) -> bytes`` of a letter."""


def store_documents(store: ObjectStore, max_bytes: int = MAX_LETTER_BYTES) -> Documents:
    def read(bucket: str, key: str, version_id: str | None, etag: str | None) -> bytes:
        found = store.get(bucket, key, version_id=version_id, etag=etag, max_bytes=max_bytes)
        return found.data

    return read


def create_app(queue: ReviewQueue, documents: Documents, users: Mapping[str, str]) -> Starlette:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["letter_fields"] = LETTER_FIELDS
    templates.env.globals["item_fields"] = ITEM_FIELDS

    @functools.lru_cache(maxsize=DOCUMENT_CACHE)
    def document(letter_id: str) -> bytes:
        letter = queue.letter(letter_id).letter
        return documents(
            letter["source_bucket"],
            letter["source_key"],
            letter["source_version_id"],
            letter["source_etag"],
        )

    def page_queue(request: Request) -> Response:
        entries = queue.queue()
        now = datetime.now(UTC)
        return templates.TemplateResponse(
            request, "queue.html", {"entries": entries, "now": now, "title": "Review queue"}
        )

    def page_letter(request: Request) -> Response:
        letter_id = _letter_id(request)
        try:
            review = queue.letter(letter_id)
        except ReviewError:
            return PlainTextResponse("no such letter", status_code=404)
        context: dict[str, Any] = {
            "review": review,
            "fields": _field_rows(review),
            "items": _item_rows(review),
            "title": f"Letter {letter_id}",
            "letter_id": letter_id,
            "error": REVIEW_ERRORS.get(request.query_params.get("error", "")),
        }
        try:
            data = document(letter_id)
        except Exception as exc:
            log.warning("letter_unreadable", letter_id=letter_id, error_class=type(exc).__name__)
            context["unreadable"] = True
        else:
            provenance = _provenance(review)
            if is_pdf(data):
                context["highlights"] = pdf_highlights(data, provenance)
                context["page_numbers"] = list(range(1, review.original.pages + 1))
            else:
                context["text_pages"] = text_pages(data, provenance)
        return templates.TemplateResponse(request, "letter.html", context)

    def page_image(request: Request) -> Response:
        letter_id = _letter_id(request)
        try:
            png = render_page(document(letter_id), int(request.path_params["page"]))
        except (ReviewError, IndexError):
            return PlainTextResponse("no such page", status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private"})

    async def change_field(request: Request) -> Response:
        letter_id = _letter_id(request)
        form = await request.form()
        path, action = str(form.get("field", "")), str(form.get("action", "edit"))
        try:
            if action == "confirm":
                queue.confirm(letter_id, path, request.state.reviewer)
            else:
                queue.edit(letter_id, path, str(form.get("value", "")), request.state.reviewer)
        except ReviewError as error:
            return _letter_redirect(letter_id, error=error.code)
        log.info("field_reviewed", letter_id=letter_id, field=path, action=action)
        return _letter_redirect(letter_id)

    def approve(request: Request) -> Response:
        letter_id = _letter_id(request)
        try:
            event = queue.approve(letter_id, request.state.reviewer)
        except ReviewError as error:
            return _letter_redirect(letter_id, error=error.code)
        log.info("letter_approved", letter_id=letter_id, event_id=event.id)
        return RedirectResponse("/queue", status_code=303)

    def page_summary(request: Request) -> Response:
        context = {"summary": summarise(queue.database), "title": "Summary"}
        return templates.TemplateResponse(request, "summary.html", context)

    def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/", lambda request: RedirectResponse("/queue", status_code=302)),
        Route("/healthz", healthz),
        Route("/queue", page_queue),
        Route("/summary", page_summary),
        Route("/letters/{letter_id}", page_letter),
        Route("/letters/{letter_id}/pages/{page:int}.png", page_image),
        Route("/letters/{letter_id}/fields", change_field, methods=["POST"]),
        Route("/letters/{letter_id}/approve", approve, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(ReviewerAuth, users=users)],
        exception_handlers={ReviewError: _refused},
    )


async def _refused(request: Request, error: Exception) -> Response:
    return PlainTextResponse(str(error), status_code=404)


def _letter_id(request: Request) -> str:
    letter_id = str(request.path_params["letter_id"])
    if not _LETTER_ID.fullmatch(letter_id):
        raise ReviewError("no_such_letter")
    return letter_id


def _letter_redirect(letter_id: str, error: str | None = None) -> Response:
    """Back to the letter; ``error`` is a refusal code, shown as its fixed message."""
    suffix = "" if error is None else f"?error={error}"
    return RedirectResponse(f"/letters/{letter_id}{suffix}", status_code=303)


def _provenance(review: LetterReview) -> dict[str, Provenance]:
    found = dict(review.original.provenance)
    for number, item in enumerate(review.original.items, start=1):
        found.update({f"items[{number}].{name}": p for name, p in item.provenance.items()})
    return found


def _field_rows(review: LetterReview) -> list[dict[str, Any]]:
    corrected = review.corrected.model_dump(mode="json")
    original = review.original.model_dump(mode="json")
    rows = []
    for path, label in LETTER_FIELDS.items():
        rows.append(
            {
                "path": path,
                "label": label,
                "value": _at(corrected, path),
                "original": _at(original, path),
                "confidence": review.original.confidence.get(path),
                "has_provenance": path in review.original.provenance,
                "edited": path in review.edited,
                "confirmed": path in review.confirmed,
            }
        )
    return rows


def _item_rows(review: LetterReview) -> list[dict[str, Any]]:
    rows = []
    for number, (item, before) in enumerate(
        zip(review.corrected.items, review.original.items, strict=True), start=1
    ):
        fields = []
        for name, label in ITEM_FIELDS.items():
            path = f"items[{number}].{name}"
            fields.append(
                {
                    "path": path,
                    "label": label,
                    "value": getattr(item, name),
                    "original": getattr(before, name),
                    "confidence": before.confidence.get(name),
                    "has_provenance": name in before.provenance,
                    "edited": path in review.edited,
                    "confirmed": path in review.confirmed,
                }
            )
        rows.append({"number": number, "item": item, "fields": fields})
    return rows


def _at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value
