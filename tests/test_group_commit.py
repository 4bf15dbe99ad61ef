"""Group commit of message:send: concurrent sends share one transaction, and each is answered on its own."""

from __future__ import annotations

import threading

import pytest

from app.errors import Forbidden, ValidationError
from app.services import message_store as svc
from app.services import messages
from tests.chat_helpers import events, group, send
from tests.group_commit_helpers import gathering_committer


def _history(client, user, chat_id) -> list[dict]:
    """The chat's messages, without the group's own history (its `created` line holds seq 1)."""
    items = client.get(f"/api/messages/{chat_id}?limit=100", headers=user.headers).get_json()["items"]
    return [m for m in items if m["kind"] == "text"]


def test_one_group_stores_the_good_sends_and_refuses_only_the_bad(app, client, make_user, socket_client):
    ann, bob, eve = make_user(), make_user(), make_user()
    g = group(client, ann, [bob])
    other = group(client, eve, [], name="eve's")
    first = send(client, ann, g["id"], "before")
    listener = socket_client(bob)
    jobs = [
        svc._Send(ann.id, g["id"], "one", "k1", None, None),
        svc._Send(eve.id, g["id"], "not a member", "k2", None, None),
        svc._Send(bob.id, g["id"], "two", "k3", first["id"], None),
        svc._Send(ann.id, g["id"], "bad reply", "k4", 10**6, None),
        svc._Send(ann.id, g["id"], "one again", "k1", None, None),  # ann's retry of k1 in the same group
        svc._Send(eve.id, other["id"], "elsewhere", "k5", None, None),
    ]
    with app.test_request_context():
        svc.commit_group(jobs)
    one, stranger, two, bad_reply, retry, elsewhere = jobs
    assert isinstance(stranger.error, Forbidden) and stranger.result is None
    assert isinstance(bad_reply.error, ValidationError) and bad_reply.result is None
    assert one.result[1] is True and two.result[1] is True and elsewhere.result[1] is True
    assert retry.result == (one.result[0], False)
    assert [m["body"] for m in _history(client, ann, g["id"])] == ["before", "one", "two"]
    assert [m["seq"] for m in _history(client, ann, g["id"])] == [2, 3, 4]
    assert _history(client, eve, other["id"])[0]["body"] == "elsewhere"
    assert [m["body"] for m in events(listener, "message:new")] == ["one", "two"]


def test_an_unexpected_failure_rolls_the_group_back_and_each_send_runs_alone(app, client, make_user, monkeypatch):
    ann, bob = make_user(), make_user()
    g = group(client, ann, [bob])
    real_store = svc._store
    calls = {"n": 0}

    def flaky_store(session, job):
        calls["n"] += 1
        if calls["n"] == 2:  # the second send of the group hits a fault the checks did not foresee
            raise RuntimeError("disk I/O error")
        return real_store(session, job)

    monkeypatch.setattr(svc, "_store", flaky_store)
    jobs = [svc._Send(ann.id, g["id"], f"m{n}", f"c{n}", None, None) for n in range(3)]
    with app.test_request_context():
        svc.commit_group(jobs)
    assert [j.error for j in jobs] == [None, None, None]
    assert [m["body"] for m in _history(client, ann, g["id"])] == ["m0", "m1", "m2"]
    assert [m["seq"] for m in _history(client, ann, g["id"])] == [2, 3, 4]


def test_concurrent_senders_share_a_transaction_and_each_gets_its_own_answer(app, client, make_user, monkeypatch):
    """Four threads send at once: the first leads, waits for the other three to queue, commits all four."""
    users = [make_user() for _ in range(4)]
    g = group(client, users[0], users[1:])
    committer = gathering_committer(monkeypatch, svc, "_group_commit", svc.commit_group, "message:send", jobs=4)
    answers: dict[int, object] = {}

    def sender(n: int) -> None:
        with app.test_request_context():
            try:
                answers[n] = messages.send_message(users[n].id, g["id"], f"from {n}", f"t{n}")
            except Exception as exc:  # recorded for the assertion below
                answers[n] = exc

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert (committer.groups, committer.jobs) == (1, 4)
    assert sorted(answers) == [0, 1, 2, 3]
    for n, (message, created) in answers.items():
        assert created is True and message["body"] == f"from {n}" and message["sender"]["id"] == users[n].id
    assert sorted(m["seq"] for m, _ in answers.values()) == [2, 3, 4, 5]
    assert sorted(m["body"] for m in _history(client, users[0], g["id"])) == [f"from {n}" for n in range(4)]


@pytest.mark.parametrize("setting", [True, False])
def test_sends_behave_the_same_with_group_commit_on_or_off(app, client, make_user, socket_client, setting):
    app.config["MESSAGE_GROUP_COMMIT"] = setting
    ann, bob = make_user(), make_user()
    g = group(client, ann, [bob])
    sock = socket_client(ann)
    ack = sock.emit("message:send", {"chat_id": g["id"], "body": "hi", "client_id": "x"}, callback=True)
    again = sock.emit("message:send", {"chat_id": g["id"], "body": "hi", "client_id": "x"}, callback=True)
    refused = sock.emit("message:send", {"chat_id": g["id"] + 999, "body": "hi", "client_id": "y"}, callback=True)
    assert ack["ok"] and ack["message"]["seq"] == 2 and again == ack  # seq 1: the group's `created` line
    assert refused["ok"] is False and refused["error"]["code"] == "not_found"


def test_a_send_that_waits_for_its_group_holds_no_session_and_no_connection(app):
    """A job's caller ends its own read transaction before it queues (a waiting job must not hold a
    pooled connection), and builds no session just to find out that it had none."""
    from sqlalchemy import text

    from app.extensions import db
    from app.group_commit import GroupCommit, GroupJob

    def commit_group(jobs):
        for job in jobs:
            job.result = "stored"

    committer = GroupCommit(commit_group, "test")
    with app.app_context():
        assert committer.run(GroupJob()) == "stored"
        assert not db.session.registry.has()  # nothing built a session for this caller
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # a read earlier in the same event
        assert db.session().in_transaction()
        assert committer.run(GroupJob()) == "stored"
        assert not db.session().in_transaction()


_GREEN_GROUPS = r"""
import sys
mode = sys.argv[1]
if mode == "eventlet":
    import eventlet
    eventlet.monkey_patch()
    spawn, join = eventlet.spawn, lambda tasks: [t.wait() for t in tasks]
else:
    from gevent import monkey
    monkey.patch_all()
    import gevent
    spawn, join = gevent.spawn, gevent.joinall
import json
import time
from app import concurrency, group_commit
from app.group_commit import GroupCommit, GroupJob

group_commit.end_read_transaction = lambda: None  # no app, no database: the hand-over alone
sizes, answers = [], []

def commit_group(jobs):
    sizes.append(len(jobs))
    time.sleep(0.002)  # a commit takes a while: the jobs arriving meanwhile wait for the next leader
    for n, job in enumerate(jobs):
        job.result = n

committer = GroupCommit(commit_group, "green")
def send(n):
    time.sleep(0.001 * (n % 4))  # four waves
    answers.append(committer.run(GroupJob()))

join([spawn(send, n) for n in range(40)])
signal = concurrency.new_signal()
woken = []
waiters = [spawn(lambda: woken.append(signal.wait())) for _ in range(5)]
late = signal.wait(0.05)
signal.set()
signal.set()  # twice, as the group commit's hand-over may
join(waiters)
print(json.dumps({"kind": type(signal).__name__, "sizes": sizes, "jobs": committer.jobs, "answers": len(answers),
                  "late": late, "woken": woken, "set": signal.is_set(), "after": signal.wait()}))
"""


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_green_tasks_share_groups_and_each_is_woken_once_its_group_commits(mode):
    """Under each green library the hand-over between a group's leader and its waiters is that
    library's own light primitive, and still wakes every waiter exactly once."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run(
        [sys.executable, "-c", _GREEN_GROUPS, mode],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["kind"] == ("_EventletSignal" if mode == "eventlet" else "Event")
    assert report["jobs"] == report["answers"] == 40 and sum(report["sizes"]) == 40
    assert 1 < len(report["sizes"]) < 40  # jobs queued during a commit shared the next, led by one of them
    assert report["late"] is False and report["woken"] == [True] * 5
    assert report["set"] is True and report["after"] is True
