"""`flask seed-market`: bulk data whose counters agree with the rows they summarise."""

from __future__ import annotations

from sqlalchemy import func, select


def test_seed_market_writes_consistent_data(app, client):
    result = app.test_cli_runner().invoke(args=["seed-market", "--masters", "40", "--requests", "400", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "40 masters" in result.output and "400 requests" in result.output

    from app.extensions import db
    from app.models import User
    from app.models.market import Master, Request, Review, city_key

    with app.app_context():
        reviews = {
            mid: (total, count)
            for mid, total, count in db.session.execute(
                select(Review.master_id, func.sum(Review.rating), func.count()).group_by(Review.master_id)
            )
        }
        completed = dict(
            db.session.execute(
                select(Request.executor_id, func.count())
                .where(Request.status == "completed")
                .group_by(Request.executor_id)
            ).all()
        )
        masters = db.session.scalars(select(Master)).all()
        assert len(masters) == 40 and sum(completed.values()) > 0 and reviews
        for m in masters:
            assert (m.rating_sum, m.rating_count) == reviews.get(m.user_id, (0, 0))
            assert m.completed_orders == completed.get(m.user_id, 0)
            assert m.city_key and m.city_key == city_key(m.city)  # the catalogue's city filter finds them
        username = db.session.get(User, masters[0].user_id).username

    # the seeded users can log in, browse the catalogue and read their feed
    login = client.post("/api/auth/login", json={"login": username, "password": "seed-password"})
    assert login.status_code == 200, login.get_json()
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    page = client.get("/api/masters?sort=rating&limit=10", headers=headers).get_json()
    ratings = [card["rating"] or 0 for card in page["items"]]
    assert len(ratings) == 10 and ratings == sorted(ratings, reverse=True) and page["next"] == 10
    assert client.get("/api/requests/feed", headers=headers).status_code == 200
