"""The reports queue of the admin page (/api/admin/reports, `flask admin reports|report`) and what a
ban hides: a banned user's posts and comments vanish from feeds, walls, communities, GETs and the
directory until they are unbanned."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.social_helpers import befriend, community, join, post
from tests.test_admin import admin  # noqa: F401  (the site-admin fixture)

QUEUE_ROUTES = [
    ("GET", "/api/admin/reports"),
    ("POST", "/api/admin/reports/{id}/dismiss"),
    ("POST", "/api/admin/reports/{id}/delete-content"),
    ("POST", "/api/admin/reports/{id}/ban-author"),
]


def _report(client, user, target_type, target_id, reason="spam"):
    res = client.post(
        "/api/reports",
        headers=user.headers,
        json={"target_type": target_type, "target_id": target_id, "reason": reason},
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def _feed_ids(client, user):
    return [p["id"] for p in client.get("/api/feed", headers=user.headers).get_json()["items"]]


def _queue(client, admin, **query):  # noqa: F811
    res = client.get("/api/admin/reports", headers=admin.headers, query_string=query)
    assert res.status_code == 200, res.get_json()
    return res.get_json()["items"]


@pytest.mark.parametrize(("method", "path"), QUEUE_ROUTES)
def test_the_reports_queue_is_for_site_admins_only(client, make_user, method, path):
    author, reporter = make_user(), make_user()
    report_id = _report(client, reporter, "user", author.id)
    url = path.format(id=report_id)
    assert_error(client.open(url, method=method), 401)
    assert_error(client.open(url, method=method, headers=reporter.headers, json={}), 403, "forbidden")


def test_the_queue_shows_posts_comments_and_users_newest_first_with_text_and_reporter(client, admin, make_user):  # noqa: F811
    author, reporter = make_user("author"), make_user("reporter")
    befriend(client, author, reporter)
    p = post(client, author, "Купите мои часы, дёшево!")
    comment = client.post(f"/api/posts/{p['id']}/comments", headers=author.headers, json={"body": "rude words"})
    assert comment.status_code == 201
    r_post = _report(client, reporter, "post", p["id"])
    r_comment = _report(client, reporter, "comment", comment.get_json()["id"], "abuse")
    r_user = _report(client, reporter, "user", author.id, "fraud")
    items = _queue(client, admin)
    assert [i["id"] for i in items] == [r_user, r_comment, r_post]
    by_id = {i["id"]: i for i in items}
    assert by_id[r_post]["content"]["text"] == "Купите мои часы, дёшево!"
    assert by_id[r_comment]["content"]["text"] == "rude words" and by_id[r_comment]["reason"] == "abuse"
    assert "@author" in by_id[r_user]["content"]["text"]
    assert {i["reporter"]["username"] for i in items} == {"reporter"}
    assert {i["author"]["username"] for i in items} == {"author"}


def test_dismissing_keeps_the_post_and_leaves_the_open_queue(client, admin, make_user):  # noqa: F811
    author, reporter = make_user(), make_user()
    befriend(client, author, reporter)
    p = post(client, author, "fine post")
    report_id = _report(client, reporter, "post", p["id"])
    res = client.post(f"/api/admin/reports/{report_id}/dismiss", headers=admin.headers)
    assert res.status_code == 200 and res.get_json()["status"] == "dismissed"
    assert _queue(client, admin) == []
    assert [i["id"] for i in _queue(client, admin, status="dismissed")] == [report_id]
    assert p["id"] in _feed_ids(client, reporter)
    assert_error(client.post(f"/api/admin/reports/{report_id}/dismiss", headers=admin.headers), 409)
    audit = client.get("/api/admin/audit", headers=admin.headers).get_json()["items"]
    assert audit[0]["action"] == "dismiss_report" and audit[0]["details"]["report"] == report_id


def test_deleting_the_reported_post_removes_it_from_the_reporters_feed_and_is_audited(client, admin, make_user):  # noqa: F811
    author, reporter, other = make_user(), make_user(), make_user()
    befriend(client, author, reporter)
    p = post(client, author, "spam spam")
    first = _report(client, reporter, "post", p["id"])
    second = _report(client, other, "post", p["id"])  # anyone may report what they can see (open wall)
    assert p["id"] in _feed_ids(client, reporter)
    res = client.post(f"/api/admin/reports/{first}/delete-content", headers=admin.headers)
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["status"] == "resolved" and res.get_json()["content"] is None
    assert p["id"] not in _feed_ids(client, reporter)
    assert_error(client.get(f"/api/posts/{p['id']}", headers=reporter.headers), 404)
    assert {i["id"]: i["status"] for i in _queue(client, admin, status="all")} == {
        first: "resolved",
        second: "resolved",
    }
    audit = client.get("/api/admin/audit", headers=admin.headers, query_string={"user_id": author.id}).get_json()
    assert audit["items"][0]["action"] == "delete_post" and audit["items"][0]["details"]["report"] == first
    assert_error(client.post(f"/api/admin/reports/{first}/delete-content", headers=admin.headers), 409)


def test_deleting_a_reported_comment_and_refusing_to_delete_a_user(client, admin, make_user):  # noqa: F811
    author, reporter = make_user(), make_user()
    p = post(client, reporter, "my post")
    c = client.post(f"/api/posts/{p['id']}/comments", headers=author.headers, json={"body": "nasty"}).get_json()
    report_id = _report(client, reporter, "comment", c["id"])
    assert client.post(f"/api/admin/reports/{report_id}/delete-content", headers=admin.headers).status_code == 200
    comments = client.get(f"/api/posts/{p['id']}/comments", headers=reporter.headers).get_json()["items"]
    assert comments == []
    assert client.get(f"/api/posts/{p['id']}", headers=reporter.headers).get_json()["comments_count"] == 0
    user_report = _report(client, reporter, "user", author.id)
    assert_error(client.post(f"/api/admin/reports/{user_report}/delete-content", headers=admin.headers), 422)


def test_banning_from_the_queue_closes_the_socket_and_hides_posts_and_comments_until_unbanned(
    client,
    admin,  # noqa: F811
    make_user,
    socket_client,
):
    author, reader = make_user("spammer_x"), make_user()
    befriend(client, author, reader)
    club = community(client, reader, "Open club")
    join(client, author, club["id"])
    wall_post = post(client, author, "buy now")
    club_post = post(client, author, "buy in the club", community_id=club["id"])
    reader_post = post(client, reader, "reader's post")
    comment = client.post(f"/api/posts/{reader_post['id']}/comments", headers=author.headers, json={"body": "buy!"})
    assert comment.status_code == 201
    report_id = _report(client, reader, "post", wall_post["id"])
    sock = socket_client(author)
    assert sock.is_connected()

    res = client.post(f"/api/admin/reports/{report_id}/ban-author", headers=admin.headers, json={"reason": "spam"})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["author"]["banned"] is True and res.get_json()["status"] == "resolved"
    assert not sock.is_connected()

    def hidden() -> bool:
        feed = _feed_ids(client, reader)
        wall = client.get(f"/api/users/{author.id}/posts", headers=reader.headers).get_json()["items"]
        club_wall = client.get(f"/api/communities/{club['id']}/posts", headers=reader.headers).get_json()["items"]
        comments = client.get(f"/api/posts/{reader_post['id']}/comments", headers=reader.headers).get_json()["items"]
        found = client.get("/api/users", headers=reader.headers, query_string={"q": "spammer_x"}).get_json()["items"]
        get_post = client.get(f"/api/posts/{wall_post['id']}", headers=reader.headers).status_code
        return (
            wall_post["id"] not in feed
            and club_post["id"] not in feed
            and wall == []
            and club_wall == []
            and comments == []
            and found == []
            and get_post == 404
        )

    assert hidden()
    like = client.post(f"/api/posts/{wall_post['id']}/like", headers=reader.headers)
    assert like.status_code == 404, like.get_json()  # nor can it be liked
    assert client.get(f"/api/posts/{reader_post['id']}", headers=reader.headers).status_code == 200
    audit = [e["action"] for e in client.get("/api/admin/audit", headers=admin.headers).get_json()["items"]]
    assert audit[:2] == ["resolve_report", "ban"]

    assert client.post(f"/api/admin/users/{author.id}/unban", headers=admin.headers).status_code == 200
    feed = _feed_ids(client, reader)
    assert wall_post["id"] in feed and club_post["id"] in feed
    assert client.get(f"/api/posts/{wall_post['id']}", headers=reader.headers).status_code == 200
    comments = client.get(f"/api/posts/{reader_post['id']}/comments", headers=reader.headers).get_json()["items"]
    assert [c["body"] for c in comments] == ["buy!"]
    found = client.get("/api/users", headers=reader.headers, query_string={"q": "spammer_x"}).get_json()["items"]
    assert [u["id"] for u in found] == [author.id]


def test_the_profile_tells_its_owner_whether_they_are_a_site_admin(client, admin, make_user):  # noqa: F811
    someone = make_user()
    assert client.get("/api/users/me", headers=admin.headers).get_json()["is_admin"] is True
    assert client.get("/api/users/me", headers=someone.headers).get_json()["is_admin"] is False
    assert client.get(f"/api/users/{admin.id}", headers=someone.headers).get_json().get("is_admin") is None


def test_flask_admin_reports_and_report_commands(app, client, admin, make_user):  # noqa: F811
    author, reporter = make_user("cliauthor"), make_user("clireporter")
    befriend(client, author, reporter)
    p = post(client, author, "reported from the shell")
    report_id = _report(client, reporter, "post", p["id"])
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["admin", "reports"])
    assert listed.exit_code == 0 and f"#{report_id}" in listed.output and "reported from the shell" in listed.output
    done = runner.invoke(args=["admin", "report", str(report_id), "delete"])
    assert done.exit_code == 0, done.output
    assert p["id"] not in _feed_ids(client, reporter)
    assert "no reports" in runner.invoke(args=["admin", "reports"]).output
    again = runner.invoke(args=["admin", "report", str(report_id), "delete"])
    assert again.exit_code == 1 and "gone" in again.output


def test_a_post_its_author_deletes_leaves_the_open_queue_and_its_id_reused_is_not_reported(client, admin, make_user):  # noqa: F811
    author, reporter = make_user(), make_user()
    befriend(client, author, reporter)
    p = post(client, author, "to be deleted")
    _report(client, reporter, "post", p["id"])
    assert client.delete(f"/api/posts/{p['id']}", headers=author.headers).status_code == 204
    assert _queue(client, admin) == []
    again = post(client, author, "an innocent new post")  # SQLite may hand out the same id again
    assert [i for i in _queue(client, admin) if i["content"] and i["content"]["text"] == again["body"]] == []
