"""A structlog processor that keeps document contents, patient details and secrets out of logs.

Values under sensitive keys are replaced whole; every other string is scanned for things that look
like credentials and truncated; exceptions are reduced to their class name because their messages
can quote the document being processed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
MAX_STRING = 200

_SENSITIVE_WORDS = frozenset(
    {
        "text",
        "treatment",
        "rationale",
        "patient",
        "age",
        "sex",
        "name",
        "value",
        "payload",
        "body",
        "content",
        "secret",
        "password",
        "passwd",
        "token",
        "credential",
        "credentials",
        "authorization",
        "key",
        "cert",
        "dob",
        "ssn",
        "address",
        "phone",
        "email",
        "case",
        "claim",
        "injury",
        "birth",
        "diagnosis",
        "message",
        "snippet",
        "excerpt",
        "raw",
    }
)
_EXCEPTION_KEYS = frozenset({"exc_info", "exception", "stack", "stack_info"})
_SECRET_PATTERNS = (
    (re.compile(r"-----BEGIN [A-Z ]+-----.*?(?:-----END [A-Z ]+-----|$)", re.DOTALL), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), REDACTED),
    (re.compile(r"(?i)\bbearer\s+\S+"), REDACTED),
    (re.compile(r"(://)[^/\s:@]+:[^/\s@]+@"), rf"\1{REDACTED}@"),
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|api[_-]?key|access[_-]?key)(\s*[=:]\s*)[^\s,;&]+"
        ),
        rf"\1\2{REDACTED}",
    ),
)
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_HEX = re.compile(r"[0-9a-f]+")


def is_sensitive_key(key: str) -> bool:
    """True when any word of ``key`` (split on ``_``, ``-``, ``.`` and case) is sensitive."""
    words = re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower())
    return any(word in _SENSITIVE_WORDS for word in words)


def _mask_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if _HEX.fullmatch(token):
        return token  # digests such as letter ids are identifiers, not secrets
    mixed = any(c.isupper() for c in token) and any(c.islower() for c in token)
    return REDACTED if mixed and any(c.isdigit() for c in token) else token


def scrub_string(value: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        value = pattern.sub(replacement, value)
    value = _LONG_TOKEN.sub(_mask_token, value)
    if len(value) > MAX_STRING:
        value = f"{value[:MAX_STRING]}...[{len(value) - MAX_STRING} more chars]"
    return value


def scrub(value: Any) -> Any:
    """Redact a value of any shape: mappings by key, sequences item by item, strings by content."""
    if isinstance(value, str):
        return scrub_string(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if is_sensitive_key(str(k)) else scrub(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return f"<{type(value).__name__}>"


def _exception_class(exc_info: Any) -> str | None:
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        return type(exc_info).__name__
    if isinstance(exc_info, tuple) and exc_info and exc_info[0] is not None:
        return str(exc_info[0].__name__)
    return None


def redact(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: apply :func:`scrub` to the whole event."""
    error_class = None
    for key in _EXCEPTION_KEYS & event_dict.keys():
        error_class = _exception_class(event_dict.pop(key)) or error_class
    if error_class is not None:
        event_dict.setdefault("error_class", error_class)
    cleaned: dict[str, Any] = scrub(event_dict)
    return cleaned
