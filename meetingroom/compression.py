"""Response compression: Brotli when the browser takes it, else gzip, else none (issue 11).

Our own small middleware rather than brotli_asgi's because of where a page's CPU went: at
Brotli quality 4 every response, however small, clears the encoder's 512 KB hash table, which
on a busy server is out of the CPU caches — about 0.2–0.4 ms per page in the server against
0.04 ms for the same 2.5 KB compressed in a tight loop. Quality 1 sizes its tables to the input
(0.05 ms in the server) and costs a page about 200 bytes. Static files keep quality 4: they are
larger, the browser caches them, and the page-weight budget (issue 13) counts them.

A response that arrives in one piece (every page and API answer) is compressed in one call; a
streamed one (large static files, CSV exports) chunk by chunk. Responses already encoded, below
`minimum_size`, or under an excluded path (photos are JPEG already) pass through untouched.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_QUALITY = 1  # dynamic responses: pages, fragments, JSON
STATIC_QUALITY = 4  # /static/: larger, cached by the browser, counted by the page-weight test
GZIP_LEVEL = 9  # what Starlette's GZipResponder used (via brotli_asgi)
MINIMUM_SIZE = 500  # smaller answers go as they are: the headers would outweigh the saving


def brotli_quality(path: str) -> int:
    return STATIC_QUALITY if path.startswith("/static/") else PAGE_QUALITY


def coding_for(accept_encoding: str) -> str | None:
    """The coding a response gets for this Accept-Encoding: "br", "gzip" or None."""
    if "br" in accept_encoding:
        return "br"
    if "gzip" in accept_encoding:
        return "gzip"
    return None


def compress(body: bytes, coding: str, quality: int = PAGE_QUALITY) -> bytes:
    """`body` in one piece as `coding` ("br" or "gzip"); also used by answers that compress
    once for many requests (ballot_box.Tallies)."""
    if coding == "br":
        return brotli.compress(body, quality=quality, mode=brotli.MODE_TEXT)
    compressor = zlib.compressobj(GZIP_LEVEL, wbits=31)  # wbits 31: a gzip header
    return compressor.compress(body) + compressor.flush()


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE,
                 excluded_paths: str | None = None) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.excluded = re.compile(excluded_paths) if excluded_paths else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.excluded and self.excluded.search(scope["path"])):
            await self.app(scope, receive, send)
            return
        encoding = coding_for(Headers(scope=scope).get("accept-encoding", ""))
        if encoding is None:
            await self.app(scope, receive, send)
            return
        responder = _Responder(send, encoding, brotli_quality(scope["path"]), self.minimum_size)
        await self.app(scope, receive, responder.send)


class _Responder:
    """Holds back the response's start until its first body part shows whether to compress."""

    __slots__ = ("_send", "encoding", "quality", "minimum_size", "start", "passthrough",
                 "streamer")

    def __init__(self, send: Send, encoding: str, quality: int, minimum_size: int) -> None:
        self._send = send
        self.encoding = encoding
        self.quality = quality
        self.minimum_size = minimum_size
        self.start: Message | None = None
        self.passthrough = False
        self.streamer: Any = None  # a brotli.Compressor or zlib compressobj once streaming

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
            return
        if kind != "http.response.body" or self.passthrough:
            if self.start is not None:  # e.g. a server's pathsend extension: leave it be
                self.passthrough = True
                await self._send(self.start)
                self.start = None
            await self._send(message)
            return
        if self.streamer is not None:  # a later part of a streamed response
            await self._send_part(message)
            return
        start = self.start
        assert start is not None  # ASGI: the start message comes first
        self.start = None
        headers = MutableHeaders(raw=start["headers"])
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if "content-encoding" in headers or (not more and len(body) < self.minimum_size):
            self.passthrough = True
            await self._send(start)
            await self._send(message)
            return
        headers["Content-Encoding"] = self.encoding
        headers.add_vary_header("Accept-Encoding")
        if not more:
            message["body"] = body = compress(body, self.encoding, self.quality)
            headers["Content-Length"] = str(len(body))
            await self._send(start)
            await self._send(message)
            return
        del headers["Content-Length"]
        self.streamer = (brotli.Compressor(quality=self.quality, mode=brotli.MODE_TEXT)
                         if self.encoding == "br" else zlib.compressobj(GZIP_LEVEL, wbits=31))
        await self._send(start)
        await self._send_part(message)

    async def _send_part(self, message: Message) -> None:
        streamer = self.streamer
        assert streamer is not None
        body = message.get("body", b"")
        if isinstance(streamer, brotli.Compressor):
            out = streamer.process(body)
            out += streamer.finish() if not message.get("more_body", False) else streamer.flush()
        else:
            out = streamer.compress(body)
            out += streamer.flush(zlib.Z_FINISH if not message.get("more_body", False)
                                  else zlib.Z_SYNC_FLUSH)
        message["body"] = out
        await self._send(message)
