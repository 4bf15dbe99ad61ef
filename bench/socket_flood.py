"""A flooding user against a bystander's latency (docs/SECURITY.md, "Socket events").

Starts `python wsgi.py` (eventlet, rate limits on), signs up an attacker and a bystander who share a chat,
then for each event the attacker sends N frames as fast as the socket takes them (acks counted, not
awaited) while the bystander times `ping` round trips and REST calls. Prints one JSON line per event.

    python bench/socket_flood.py --frames 2000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import start_server

EVENTS = {
    "chat:sync": lambda chat, msg: {"chat_id": chat, "after_seq": 0, "limit": 200},
    "typing": lambda chat, msg: {"chat_id": chat, "typing": True},
    "message:edit": lambda chat, msg: {"message_id": msg, "body": "edited"},
    "message:delete": lambda chat, msg: {"message_id": msg},
    "chat:read": lambda chat, msg: {"chat_id": chat, "seq": 1},
    "message:send": None,
    "ping": lambda chat, msg: {},
}


def attacker(url: str, token: str, event: str, chat: int, msg: int, frames: int, out) -> None:
    client = socketio.Client()
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    counts = {"ok": 0, "rate_limited": 0, "other": 0}
    done = threading.Event()

    def on_ack(ack):
        key = "ok" if ack.get("ok") else ack["error"]["code"] if ack["error"]["code"] == "rate_limited" else "other"
        counts[key] += 1
        if sum(counts.values()) >= frames:
            done.set()

    start = time.monotonic()
    for i in range(frames):
        payload = (
            {"chat_id": chat, "body": "flood", "client_id": f"fl{i}-{start}"}
            if EVENTS[event] is None
            else EVENTS[event](chat, msg)
        )
        client.emit(event, payload, callback=on_ack)
    done.wait(120)
    counts["seconds"] = round(time.monotonic() - start, 2)
    client.disconnect()
    out.put(counts)


def bystander(url: str, token: str, seconds: float) -> dict:
    client = socketio.Client()
    client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    pings, rest = [], []
    session = requests.Session()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        client.call("ping", {}, timeout=60)
        pings.append((time.monotonic() - t) * 1000)
        t = time.monotonic()
        session.get(url + "/api/chats", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        rest.append((time.monotonic() - t) * 1000)
        time.sleep(0.02)
    client.disconnect()

    def p99(xs):
        return round(statistics.quantiles(xs, n=100)[98], 1) if len(xs) > 2 else None

    return {"ping_p99_ms": p99(pings), "rest_p99_ms": p99(rest), "samples": len(pings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--events", default=",".join(EVENTS))
    parser.add_argument("--mode", default="eventlet")
    parser.add_argument("--env", action="append", default=[], help="extra server setting NAME=VALUE")
    args = parser.parse_args()
    env = {"RATE_LIMITS": "on", **dict(item.split("=", 1) for item in args.env)}
    with tempfile.TemporaryDirectory() as tmpdir:
        proc, url, _port = start_server(Path(tmpdir), args.mode, env)
        try:
            users = [
                requests.post(
                    url + "/api/auth/signup",
                    json={"email": f"{n}@example.com", "username": n, "password": "correct-horse-9"},
                    timeout=10,
                ).json()
                for n in ("flooder", "bystander")
            ]
            (a, b) = users
            headers = {"Authorization": f"Bearer {a['access_token']}"}
            chat = requests.post(
                url + "/api/chats", json={"type": "direct", "user_id": b["user"]["id"]}, headers=headers, timeout=10
            ).json()["id"]
            for i in range(150):
                msg = requests.post(
                    url + "/api/messages",
                    json={"chat_id": chat, "body": f"m{i}", "client_id": f"seed{i}"},
                    headers=headers,
                    timeout=10,
                ).json()["id"]
            print(
                json.dumps({"mode": args.mode, "frames": args.frames, "baseline": bystander(url, b["access_token"], 3)})
            )
            for event in args.events.split(","):
                out = multiprocessing.Queue()
                p = multiprocessing.Process(
                    target=attacker, args=(url, a["access_token"], event, chat, msg, args.frames, out)
                )
                p.start()
                time.sleep(0.3)
                seen = bystander(url, b["access_token"], 5)
                p.join(180)
                counts = out.get(timeout=5) if not out.empty() else {}
                print(json.dumps({"event": event, "attacker": counts, "bystander": seen}))
                sys.stdout.flush()
                time.sleep(2)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
