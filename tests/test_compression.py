"""Responses are Brotli-compressed for browsers that take it, gzip for those that take only
that, and left alone otherwise, small or already encoded (meetingroom/compression.py)."""

from __future__ import annotations

import asyncio
import gzip
import threading

import brotli
from starlette.responses import PlainTextResponse, StreamingResponse

from meetingroom.compression import PAGE_QUALITY, STATIC_QUALITY, CompressionMiddleware

BR = {"Accept-Encoding": "br, gzip"}


def test_a_page_is_brotli_and_reads_back_whole(client):
    r = client.get("/", headers=BR)
    assert r.headers["content-encoding"] == "br"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert int(r.headers["content-length"]) < len(r.content)  # httpx decoded it
    assert r.text.rstrip().endswith("</html>")
    assert PAGE_QUALITY < STATIC_QUALITY


def test_static_files_keep_quality_4(client):
    plain = client.get("/static/app.css", headers={"Accept-Encoding": "identity"}).content
    r = client.get("/static/app.css", headers={"Accept-Encoding": "br"})
    assert r.headers["content-encoding"] == "br"
    assert int(r.headers["content-length"]) == len(
        brotli.compress(plain, quality=STATIC_QUALITY, mode=brotli.MODE_TEXT))
    assert r.content == plain


def test_gzip_when_the_browser_takes_no_brotli(client):
    plain = client.get("/", headers={"Accept-Encoding": "identity"}).content
    r = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.content == plain


def test_small_responses_go_uncompressed(client):
    r = client.get("/healthz", headers=BR)
    assert r.status_code == 200 and "content-encoding" not in r.headers


def run(app, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """The messages the middleware sends for one GET, in a thread of its own (asyncio.run)."""
    sent: list[dict] = []

    async def go():
        requested = False

        async def receive():
            nonlocal requested
            if requested:  # then the client stays: wait (StreamingResponse listens meanwhile)
                await asyncio.Event().wait()
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/x", "headers": headers,
                 "query_string": b""}
        await CompressionMiddleware(app)(scope, receive, send)

    thread = threading.Thread(target=asyncio.run, args=(go(),))
    thread.start()
    thread.join()
    return sent


def streamed(scope, receive, send):
    async def parts():
        for n in range(50):
            yield f"line {n} of a long streamed export, the same words again\n" * 20

    return StreamingResponse(parts(), media_type="text/csv")(scope, receive, send)


def test_a_streamed_response_is_compressed_part_by_part():
    expected = "".join(f"line {n} of a long streamed export, the same words again\n" * 20
                       for n in range(50)).encode()
    for accept, decode in ((b"br", brotli.decompress), (b"gzip", gzip.decompress)):
        sent = run(streamed, [(b"accept-encoding", accept)])
        start = dict(sent[0]["headers"])
        assert start[b"content-encoding"] == accept and b"content-length" not in start
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        assert len(bodies) > 2 and not bodies[-1].get("more_body")
        assert decode(b"".join(m["body"] for m in bodies)) == expected


def test_an_encoded_response_passes_untouched():
    body = gzip.compress(b"x" * 2000)

    async def encoded(scope, receive, send):
        await PlainTextResponse(body, headers={"content-encoding": "gzip"})(scope, receive, send)

    sent = run(encoded, [(b"accept-encoding", b"br")])
    assert dict(sent[0]["headers"])[b"content-encoding"] == b"gzip"
    assert sent[1]["body"] == body
