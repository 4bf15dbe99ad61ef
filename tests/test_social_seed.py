"""`flask seed-social --scale`: a consistent graph (PostgreSQL's COPY path too) whose reader has a feed."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models.social import Community, CommunityMember, Friendship, Post


def test_seed_social_small_scale(app, tmp_path):
    out = tmp_path / "seed.json"
    result = app.test_cli_runner().invoke(
        args=["seed-social", "--scale", "0.005", "--seed", "7", "--bench-friends", "40", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    assert summary["users"] == 500 and summary["posts"] == 5000 and summary["communities"] == 5
    assert summary["bench_friends"] == 40
    assert summary["median_friends"] >= 20  # min(100, users // 4) asked for, some pairs repeat
    assert summary["max_friends"] > 2 * summary["median_friends"]  # a long tail
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Post)) == 5000
        assert db.session.scalar(select(func.count()).select_from(Community)) == 5
        assert db.session.scalar(select(func.count()).select_from(Friendship)) == summary["friendships"]
        reader = summary["bench_user_id"]
        assert (
            db.session.scalar(
                select(func.count()).select_from(CommunityMember).where(CommunityMember.user_id == reader)
            )
            == summary["bench_communities"]
        )
        ids = [p.id for p in db.session.scalars(select(Post).order_by(Post.id))]
        times = [p.created_at for p in db.session.scalars(select(Post).order_by(Post.id))]
        assert times == sorted(times) and len(ids) == 5000  # ids in time order: the feed's keyset
        from app.services.feed import home_feed

        page, cursor = home_feed(reader, 20, None)
        assert len(page) == 20 and cursor is not None
        nxt, _ = home_feed(reader, 20, cursor)
        assert nxt and nxt[0]["id"] < page[-1]["id"]
        db.session.remove()
