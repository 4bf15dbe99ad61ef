"""Profile a like: N likes of one post through the Flask test client, one thread, fresh SQLite database.

python -m bench.like_profile 400          # CPU per like and the cProfile table (cumulative)
python -m bench.like_profile 1000 noprof  # CPU per like without the profiler
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Seed N+1 users, one post, warm up with 20 likes, then time (and profile) the rest."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    profile = "noprof" not in sys.argv
    tmp = tempfile.mkdtemp()
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/p.db", ASYNC_MODE="threading", INSTANCE_PATH=tmp)
    from app import create_app
    from app.cli import seed_users
    from app.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
    out = Path(tmp) / "seed.json"
    res = app.test_cli_runner().invoke(seed_users, ["--count", str(n + 1), "--room-size", "50", "--out", str(out)])
    assert res.exit_code == 0, res.output
    users = json.loads(out.read_text())["users"]
    with app.app_context():
        from app.services.posts import create_post

        post_id = create_post(users[0]["id"], "storm", [], None)["id"]
    client = app.test_client()
    tokens = [u["token"] for u in users[1:]]
    for token in tokens[:20]:
        client.post(f"/api/posts/{post_id}/like", headers={"Authorization": f"Bearer {token}"})
    profiler = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profiler.enable()
    for token in tokens[20:]:
        res = client.post(f"/api/posts/{post_id}/like", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 200, res.get_json()
    if profile:
        profiler.disable()
    k = len(tokens) - 20
    cpu_ms, wall_ms = 1000 * (time.process_time() - cpu) / k, 1000 * (time.perf_counter() - wall) / k
    print(f"{k} likes: CPU {cpu_ms:.2f} ms/like, wall {wall_ms:.2f} ms/like; last {res.get_json()}")
    if profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
