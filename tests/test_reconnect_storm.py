"""Reconnect storms (issue 12): a worker's catch-up syncs are bounded, live sends are not held by them."""

from __future__ import annotations

import threading
import time

import pytest

from app.services import messages as messages_service


@pytest.fixture
def config(config):
    """At most two `chat:sync` run at once in this app."""
    config.SYNC_CONCURRENCY = 2
    return config


def test_at_most_n_syncs_run_at_once_the_others_answer_and_sends_go_on(
    app, client, make_user, socket_client, monkeypatch
):
    """Five clients sync at once (a restarted worker's users arriving): two run, three wait their
    turn, a live send meanwhile is stored and acked, then every sync answers ok."""
    ann, bob = make_user(), make_user()
    res = client.post("/api/chats", json={"type": "direct", "user_id": bob.id}, headers=ann.headers)
    assert res.status_code == 201, res.get_json()
    chat_id = res.get_json()["id"]

    real_sync = messages_service.sync
    lock, release = threading.Lock(), threading.Event()
    running, most = [0], [0]

    def slow_sync(*args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            release.wait(10)
            return real_sync(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(messages_service, "sync", slow_sync)
    syncers = [socket_client(ann) for _ in range(5)]
    bob_socket = socket_client(bob)
    acks: list[dict] = []

    def sync(sock) -> None:
        acks.append(sock.emit("chat:sync", {"chat_id": chat_id, "after_seq": 0}, callback=True))

    threads = [threading.Thread(target=sync, args=(s,)) for s in syncers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while running[0] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # room for a third to start, if the limit let it
    assert running[0] == 2 and not acks, (running, acks)

    # Live traffic does not queue behind the syncs.
    sent = bob_socket.emit(
        "message:send", {"chat_id": chat_id, "body": "while they sync", "client_id": "storm-1"}, callback=True
    )
    assert sent["ok"] and sent["message"]["seq"] == 1, sent

    release.set()
    for t in threads:
        t.join(10)
    assert most[0] == 2
    assert len(acks) == 5 and all(a["ok"] for a in acks), acks
    assert all([m["body"] for m in a["messages"]] == ["while they sync"] for a in acks), acks
