"""Fan-out under load: 200 WebSocket clients on one busy job each get every event once, in
order, while a client that never reads is closed with 1013 without holding anyone up."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import socket
import struct

import aiohttp
import pytest
from prometheus_client import REGISTRY

from postwriter.services.events import EventSink
from postwriter.settings import Settings
from tests.conftest import TEST_API_KEY
from tests.integration.stack import AUTH, Stack, api_running, submit

pytestmark = pytest.mark.integration

CLIENTS = 200
EVENTS = 300
# Big enough that the stuck client's socket buffers fill after a few dozen events.
PAD = "x" * 2000
SEND_QUEUE = 32


def _dropped_for_overflow() -> float:
    value = REGISTRY.get_sample_value(
        "postwriter_ws_clients_dropped_total", {"reason": "send_queue_full"}
    )
    return value or 0.0


class StuckClient:
    """A raw WebSocket client with a tiny receive buffer that reads nothing until told to."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(30)
        self.sock.connect((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /v1/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {TEST_API_KEY}\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        return chunk

    def send_text(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert len(payload) < 126
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def read_to_close(self) -> tuple[list[int], int | None]:
        """Every event seq, then the close code (None if the connection ended without one)."""
        seqs: list[int] = []
        try:
            while True:
                frame = self._frame()
                if frame is None:
                    return seqs, None
                opcode, payload = frame
                if opcode == 0x8:
                    return seqs, struct.unpack("!H", payload[:2])[0]
                message = json.loads(payload)
                if "seq" in message:
                    seqs.append(message["seq"])
        except (EOFError, ConnectionError):
            return seqs, None
        finally:
            self.sock.close()

    def _need(self, size: int) -> None:
        # A frame header can be split across TCP reads, like its payload.
        while len(self.buffer) < size:
            self.buffer += self._recv()

    def _frame(self) -> tuple[int, bytes] | None:
        self._need(2)
        opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
        start = 2
        if length == 126:
            self._need(4)
            length, start = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif length == 127:
            self._need(10)
            length, start = struct.unpack("!Q", self.buffer[2:10])[0], 10
        self._need(start + length)
        payload = self.buffer[start : start + length]
        self.buffer = self.buffer[start + length :]
        return opcode, payload


async def _listen(
    http: aiohttp.ClientSession, url: str, job_id: str, ready: asyncio.Queue[None]
) -> list[int]:
    seqs: list[int] = []
    async with http.ws_connect(url, headers=AUTH) as ws:
        await ws.send_json({"op": "subscribe", "job_id": job_id})
        async for msg in ws:
            data = json.loads(msg.data)
            if "seq" not in data:
                continue
            assert data["job_id"] == job_id
            seqs.append(data["seq"])
            if data["seq"] == 1:
                ready.put_nowait(None)
            if data["seq"] == EVENTS + 1:
                break
    return seqs


async def _emit(stack: Stack, job_id: str) -> None:
    sink = EventSink(stack.db, stack.broker)
    for i in range(EVENTS):
        await sink.emit(job_id, "page.loaded", {"i": i, "pad": PAD})


async def _stuck_until_overflow(stuck: StuckClient, before: float) -> tuple[list[int], int | None]:
    # Not a timing assertion: wait (bounded by the test's timeout) for the server to give up
    # on the stuck client, then read what it was sent, ending with its close frame.
    while _dropped_for_overflow() == before:
        await asyncio.sleep(0.05)
    return await asyncio.to_thread(stuck.read_to_close)


@pytest.mark.timeout(240)
async def test_two_hundred_clients_get_every_event_once_while_a_stuck_one_is_closed(
    settings: Settings, fixture_site: str
) -> None:
    # A long heartbeat: the stuck client must be closed for overflow, not for a missed pong.
    settings = dataclasses.replace(settings, ws_send_queue=SEND_QUEUE, ws_heartbeat_s=600)
    async with api_running(settings) as stack, asyncio.timeout(200):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        host, port = str(stack.client.host), stack.client.port
        assert port is not None
        before = _dropped_for_overflow()
        stuck = await asyncio.to_thread(StuckClient, host, port)
        try:
            stuck.send_text(json.dumps({"op": "subscribe", "job_id": job_id}))
            url = str(stack.client.make_url("/v1/ws"))
            ready: asyncio.Queue[None] = asyncio.Queue()
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                listeners = [
                    asyncio.create_task(_listen(http, url, job_id, ready)) for _ in range(CLIENTS)
                ]
                for _ in range(CLIENTS):
                    await ready.get()
                stuck_result = asyncio.create_task(_stuck_until_overflow(stuck, before))
                await _emit(stack, job_id)
                received: list[list[int]] = await asyncio.gather(*listeners)
                stuck_seqs, stuck_code = await stuck_result
        finally:
            stuck.sock.close()

    expected = list(range(1, EVENTS + 2))
    assert len(received) == CLIENTS
    incomplete = [len(seqs) for seqs in received if seqs != expected]
    assert not incomplete, f"{len(incomplete)} clients missed events or got repeats"
    assert _dropped_for_overflow() == before + 1  # only the stuck client overflowed
    assert stuck_code == 1013
    # What it did get was in order, without gaps: it can resume from its last seq.
    assert stuck_seqs == list(range(1, len(stuck_seqs) + 1))
    assert len(stuck_seqs) < EVENTS
