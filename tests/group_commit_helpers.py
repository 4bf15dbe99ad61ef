"""A group commit whose leader waits until a given number of jobs have queued (tests only)."""

from __future__ import annotations

import time
from types import SimpleNamespace

from app import group_commit
from app.group_commit import GroupCommit


def gathering_committer(monkeypatch, module, attr: str, commit_group, name: str, jobs: int) -> GroupCommit:
    """Put a fresh GroupCommit at `module.attr` whose leader's yield lasts until `jobs` have queued (5 s at most)."""
    committer = GroupCommit(commit_group, name)
    monkeypatch.setattr(module, attr, committer)

    def gather(_seconds):
        deadline = time.monotonic() + 5
        while len(committer._queue) < jobs and time.monotonic() < deadline:
            time.sleep(0.005)

    monkeypatch.setattr(group_commit, "time", SimpleNamespace(sleep=gather))
    return committer
