"""Who may use the console: HTTP basic authentication against configured reviewers, and a
same-origin check on every change (browsers resend basic credentials to any site's form)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp

OPEN_PATHS = frozenset({"/healthz"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def parse_users(text: str) -> dict[str, str]:
    """``"name:password,name:password"`` -> name -> password; raises ValueError."""
    users: dict[str, str] = {}
    for entry in text.split(","):
        name, separator, password = entry.strip().partition(":")
        if not separator or not name or not password:
            raise ValueError("review users must be name:password pairs separated by commas")
        users[name] = password
    return users


def reviewer(header: str | None, users: Mapping[str, str]) -> str | None:
    """The reviewer an ``Authorization: Basic`` header proves to be, or ``None``."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, _, password = decoded.partition(":")
    expected = users.get(name)
    # Compare even for unknown names, so timing does not tell which names exist.
    matches = hmac.compare_digest(password.encode(), (expected or "\0").encode())
    return name if expected is not None and matches else None


class ReviewerAuth(BaseHTTPMiddleware):
    """Sets ``request.state.reviewer`` or answers 401; refuses cross-site changes with 403."""

    def __init__(self, app: ASGIApp, users: Mapping[str, str]) -> None:
        super().__init__(app)
        self._users = dict(users)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        name = reviewer(request.headers.get("authorization"), self._users)
        if name is None:
            return PlainTextResponse(
                "sign in as a reviewer",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="imr review", charset="UTF-8"'},
            )
        if request.method not in _SAFE_METHODS and not _same_origin(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        request.state.reviewer = name
        return await call_next(request)


def _same_origin(request: Request) -> bool:
    """Browsers say where a request comes from in ``Sec-Fetch-Site`` (or at least ``Origin``);
    a client that sends neither is not a browser carrying someone else's credentials."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")
