"""A lean Socket.IO v5 client (Engine.IO v4, websocket transport only) on aiohttp.

python-socketio's AsyncClient costs the tester more CPU per message than a fast server
spends: with two cores shared, the tester became the bottleneck. This client speaks
just what the load test needs (connect with auth, events, acks, ping/pong, text frames
only) and does one json.loads per frame. `--client socketio` switches back to
python-socketio for comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit


class ConnectError(Exception):
    """The server refused the Socket.IO connect, or the handshake failed."""


class RawClient:
    """One socket: `await connect()`, `on(event, fn)`, `await call(event, data)`, `await disconnect()`."""

    def __init__(self, http) -> None:
        self.http = http
        self.ws = None
        self.handlers: dict[str, Callable[[Any], None]] = {}
        self.acks: dict[int, asyncio.Future] = {}
        self.ids = itertools.count(1)
        self.connected = False
        self.on_disconnect: Callable[[], None] | None = None
        self._reader: asyncio.Task | None = None

    def on(self, event: str, handler: Callable[[Any], None]) -> None:
        """Call handler(payload) (synchronously) for each server event of that name."""
        self.handlers[event] = handler

    async def connect(self, url: str, auth: dict | None = None, timeout: float = 10.0) -> None:
        """Open the websocket, do the Engine.IO and Socket.IO handshakes; ConnectError when refused."""
        parts = urlsplit(url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = urlunsplit((scheme, parts.netloc, "/socket.io/", "EIO=4&transport=websocket", ""))
        async with asyncio.timeout(timeout):
            self.ws = await self.http.ws_connect(ws_url, autoping=False, compress=0, max_msg_size=0)
            opening = await self.ws.receive_str()
            if not opening.startswith("0"):
                raise ConnectError(f"unexpected engine.io open packet {opening[:40]!r}")
            await self.ws.send_str("40" + json.dumps(auth or {}))
            while True:
                frame = await self.ws.receive_str()
                if frame == "2":
                    await self.ws.send_str("3")
                    continue
                if frame.startswith("40"):
                    break
                if frame.startswith("44"):
                    await self.ws.close()
                    raise ConnectError(frame[2:200])
        self.connected = True
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        import aiohttp

        ws = self.ws
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                data = msg.data
                kind = data[:2]
                if kind == "42":
                    packet = json.loads(data[2:])
                    handler = self.handlers.get(packet[0])
                    if handler is not None:
                        handler(packet[1] if len(packet) > 1 else None)
                elif kind == "43":
                    i = 2
                    while data[i].isdigit():
                        i += 1
                    fut = self.acks.pop(int(data[2:i]), None)
                    if fut is not None and not fut.done():
                        args = json.loads(data[i:])
                        fut.set_result(args[0] if args else None)
                elif data == "2":
                    await ws.send_str("3")
                elif kind == "41" or data == "1":
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            was = self.connected
            self.connected = False
            for fut in self.acks.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("disconnected"))
                    fut.exception()  # retrieved here too: its caller may have stopped waiting
            self.acks.clear()
            if was and self.on_disconnect:
                self.on_disconnect()

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        """Emit an event with an ack id and wait for the ack's first argument (TimeoutError after timeout)."""
        if not self.connected or self.ws is None or self.ws.closed:
            raise ConnectionError("not connected")
        ack_id = next(self.ids)
        fut = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = fut
        await self.ws.send_str(f"42{ack_id}" + json.dumps([event, data], separators=(",", ":")))
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self.acks.pop(ack_id, None)

    async def disconnect(self) -> None:
        """Leave quietly (no on_disconnect callback)."""
        self.on_disconnect = None
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.send_str("41")
                await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
