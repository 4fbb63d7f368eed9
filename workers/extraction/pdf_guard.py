"""Bound what a PDF's Flate streams inflate to before PDFium reads them (decompression bombs).

PDFium inflates every content stream, font and form it reads, without a limit. The guard walks
the raw ``stream ... endstream`` bodies whose first filter is ``/FlateDecode`` (or Flate after
``/ASCII85Decode`` or ``/ASCIIHexDecode``) and inflates them piecewise, never holding more than
:data:`_STEP` bytes of output, against a budget for the whole document. Deflate cannot expand
more than :data:`MAX_DEFLATE_RATIO` times, so streams are only inflated while their compressed
sizes could still exceed the budget; most documents need none.

An image XObject (``/Subtype /Image``) is not decoded for text and does not count towards the
budget, but it must not inflate to more than its declared width x height could hold (nor past
the budget). Streams with other filters (``/DCTDecode`` images, LZW) are not inflated.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from workers.extraction.errors import DocumentTooLargeError

DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024

MAX_DEFLATE_RATIO = 1032
"""Deflate's largest expansion: a 258-byte match coded in two bits."""

_STEP = 1 << 20
"""Largest piece of output one inflate call may allocate."""

_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)")
_NAME = re.compile(rb"/([^\s/\[\]<>()]+)")
_FLATE = (b"FlateDecode", b"Fl")
_A85_END = b"~>"
_WHITESPACE = re.compile(rb"\s+")
_LENGTH = re.compile(rb"/Length\s+(\d+)\b(?!\s+\d+\s+R)")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_WIDTH = re.compile(rb"/Width\s+(\d+)\b(?!\s+\d+\s+R)")
_HEIGHT = re.compile(rb"/Height\s+(\d+)\b(?!\s+\d+\s+R)")
_BITS = re.compile(rb"/BitsPerComponent\s+(\d+)\b")
_END = b"endstream"
# How far back from ``stream`` the stream's dictionary may start.
_DICT_WINDOW = 4096
# Colour components assumed for an image: CMYK, the most any common colour space has.
_IMAGE_COMPONENTS = 4


def _ascii85(body: bytes) -> bytes:
    end = body.find(_A85_END)
    return base64.a85decode(body if end < 0 else body[:end], ignorechars=b" \t\n\r\v\f")


def _ascii_hex(body: bytes) -> bytes:
    digits = _WHITESPACE.sub(b"", body).split(b">", 1)[0]
    return binascii.unhexlify(digits + b"0" * (len(digits) % 2))


# Text encodings a Flate stream may be wrapped in first: decoder and largest expansion.
_WRAPPERS: dict[bytes, tuple[Callable[[bytes], bytes], int]] = {
    b"ASCII85Decode": (_ascii85, 4),  # "z" stands for four zero bytes
    b"A85": (_ascii85, 4),
    b"ASCIIHexDecode": (_ascii_hex, 1),
    b"AHx": (_ascii_hex, 1),
}


@dataclass(frozen=True)
class _FlateStream:
    start: int
    end: int
    image_bytes: int | None
    """For an image XObject with a direct width and height, the most it could decode to."""
    wrapper: bytes | None = None
    """The text encoding applied before Flate (``/ASCII85Decode``, ``/ASCIIHexDecode``)."""

    @property
    def most(self) -> int:
        expansion = 1 if self.wrapper is None else _WRAPPERS[self.wrapper][1]
        return (self.end - self.start) * expansion * MAX_DEFLATE_RATIO

    def inflated_size(self, data: bytes, limit: int) -> int:
        """Bytes the stream inflates to, counted up to just past ``limit``."""
        body = memoryview(data)[self.start : self.end]
        if self.wrapper is None:
            return _inflated_size(body, limit)
        try:
            unwrapped = _WRAPPERS[self.wrapper][0](bytes(body))
        except (ValueError, binascii.Error):
            return 0
        return _inflated_size(memoryview(unwrapped), limit)


def check_inflated_size(data: bytes, max_inflated_bytes: int) -> None:
    """Raise DocumentTooLargeError when the PDF's Flate streams inflate past the budget.

    An image stream is checked on its own against its declared size (at most the budget).
    """
    streams = _flate_streams(data)
    counted: list[_FlateStream] = []
    for stream in streams:
        if stream.image_bytes is None:
            counted.append(stream)
            continue
        allowed = min(stream.image_bytes, max_inflated_bytes)
        if stream.most > allowed and stream.inflated_size(data, allowed) > allowed:
            raise DocumentTooLargeError("PDF image stream inflates past its declared size")
    counted.sort(key=lambda stream: stream.most, reverse=True)
    unchecked = sum(stream.most for stream in counted)
    spent = 0
    for stream in counted:
        if spent + unchecked <= max_inflated_bytes:
            return
        spent += stream.inflated_size(data, max_inflated_bytes - spent)
        unchecked -= stream.most
        if spent > max_inflated_bytes:
            raise DocumentTooLargeError(
                f"PDF streams inflate to more than {max_inflated_bytes} bytes"
            )


def _flate_streams(data: bytes) -> list[_FlateStream]:
    """Every stream whose first filter is Flate, or Flate after an ASCII encoding."""
    found: list[_FlateStream] = []
    position = 0
    while (match := _STREAM.search(data, position)) is not None:
        start = match.end()
        window = max(0, start - _DICT_WINDOW)
        opening = data.rfind(b"obj", window, start)
        head = data[window if opening < 0 else opening : start]
        end = _body_end(data, start, head)
        position = end + len(_END) if end < len(data) else len(data)
        filters = _FILTER.search(head)
        names = _NAME.findall(filters.group(1)) if filters is not None else []
        if names[:1] and names[0] in _FLATE:
            found.append(_FlateStream(start, end, _image_bytes(head)))
        elif names[1:2] and names[0] in _WRAPPERS and names[1] in _FLATE:
            found.append(_FlateStream(start, end, _image_bytes(head), names[0]))
    return found


def _body_end(data: bytes, start: int, head: bytes) -> int:
    """Where the body ends: after ``/Length`` bytes when ``endstream`` follows there, else at
    the first ``endstream`` (as PDFium falls back to), else at the end of the file."""
    length = _LENGTH.search(head)
    if length is not None:
        end = start + int(length.group(1))
        if data[end : end + len(_END) + 4].lstrip().startswith(_END):
            return end
    end = data.find(_END, start)
    return len(data) if end < 0 else end


def _image_bytes(head: bytes) -> int | None:
    if not _IMAGE.search(head):
        return None
    width, height, bits = _WIDTH.search(head), _HEIGHT.search(head), _BITS.search(head)
    if width is None or height is None:
        return None
    rows = int(height.group(1))
    depth = int(bits.group(1)) if bits is not None else 8
    row_bytes = (int(width.group(1)) * _IMAGE_COMPONENTS * depth + 7) // 8
    # One predictor byte per row.
    return rows * (row_bytes + 1)


def _inflated_size(body: memoryview, limit: int) -> int:
    """Bytes ``body`` inflates to, counted up to just past ``limit``; a broken stream counts
    what inflated before the break (PDFium stops there too)."""
    inflater = zlib.decompressobj()
    size = 0
    pending: bytes | memoryview = body
    try:
        while size <= limit and not inflater.eof:
            size += len(inflater.decompress(pending, min(_STEP, limit - size + 1)))
            pending = inflater.unconsumed_tail
            if not pending and size <= limit:
                size += len(inflater.flush())
                break
    except zlib.error:
        pass
    return size
