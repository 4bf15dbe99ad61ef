"""The social network in the browser: friends live, the home feed's new-posts bar, likes and comments live,
a closed community's join request, the directory, blocking; screenshots of the feed, a wall, a community
and the directory on a laptop and a phone."""

from __future__ import annotations

import time

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, PHONE, api_call, api_user, login_as, shot


def befriend(server, a, b) -> None:
    assert api_call(server, a, "POST", f"/friends/{b['user']['id']}").status_code == 201
    assert api_call(server, b, "POST", f"/friends/{a['user']['id']}").json()["friendship"] == "friends"


def picture(path, color) -> str:
    Image.new("RGB", (640, 420), color).save(path)
    return str(path)


def test_two_people_become_friends_live(server, new_page):
    ann = api_user(server, "ann_fr", display_name="Ann Friendly")
    bob = api_user(server, "bob_fr", display_name="Bob Friendly")
    pa, pb = new_page(server), new_page(server)
    login_as(pb, server, bob, "#/friends")
    expect(pb.locator(".friends-page h1")).to_have_text("Friends")
    login_as(pa, server, ann, f"#/people/{bob['user']['id']}")
    pa.get_by_role("button", name="Add friend").click()
    expect(pa.locator(".profile-head")).to_contain_text("Request sent")
    # Bob hears it: the request appears in his list and in the bell, live.
    incoming = pb.locator("[data-list=incoming] .person-row", has_text="Ann Friendly")
    expect(incoming).to_be_visible(timeout=2000)
    expect(pb.locator(".bell-count")).to_have_text("1")
    incoming.get_by_role("button", name="Accept").click()
    # Ann's page turns to "Friends" without a reload; Bob's friends list shows her.
    expect(pa.locator(".profile-head .badge", has_text="Friends")).to_be_visible(timeout=2000)
    friends = pb.locator("[data-list=friends] .person-row", has_text="Ann Friendly")
    expect(friends.get_by_role("button", name="Unfriend")).to_be_visible()
    expect(pb.locator("[data-list=incoming]")).to_have_count(0)  # the request is gone from the list


def test_post_with_images_reaches_a_friend_via_the_new_posts_bar(server, new_page, tmp_path):
    ann = api_user(server, "ann_feed", display_name="Ann Poster")
    bob = api_user(server, "bob_feed", display_name="Bob Reader")
    befriend(server, ann, bob)
    for i in range(3):
        api_call(server, ann, "POST", "/posts", json={"body": f"Older post {i} https://example.com/page?{i}"})
    pa, pb = new_page(server), new_page(server)
    login_as(pb, server, bob, "#/news")
    expect(pb.locator(".post")).to_have_count(3)
    login_as(pa, server, ann, "#/news")
    expect(pa.locator(".post")).to_have_count(3)
    pa.fill(".post-composer textarea", "Our trip to the lake")
    pa.set_input_files(
        ".post-composer input[type=file]",
        [picture(tmp_path / "a.png", (30, 120, 200)), picture(tmp_path / "b.png", (200, 120, 30))],
    )
    expect(pa.locator(".post-composer .thumb:not(.uploading)")).to_have_count(2)
    pa.get_by_role("button", name="Post", exact=True).click()
    started = time.monotonic()
    expect(pa.locator(".post").first).to_contain_text("Our trip to the lake")
    bar = pb.locator(".new-posts-bar")
    expect(bar).to_have_text("Show 1 new post", timeout=1000)
    arrived = time.monotonic() - started
    assert arrived < 1.0, arrived
    expect(pb.locator(".post")).to_have_count(3)  # nothing moved under the reader until they ask
    bar.click()
    first = pb.locator(".post").first
    expect(first).to_contain_text("Our trip to the lake")
    expect(first.locator(".post-image img")).to_have_count(2)
    link = pb.locator(".post", has_text="Older post 0").locator("a.safe-link")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow ugc")
    first.locator(".post-image").first.click()
    expect(pb.locator(".lightbox-img")).to_be_visible()
    pb.keyboard.press("Escape")
    pb.locator(".modal-head button").click()
    pb.evaluate("() => window.scrollTo(0, 0)")
    shot(pb, "social-feed")
    pb.set_viewport_size(PHONE)
    shot(pb, "social-feed-phone")
    pb.set_viewport_size(LAPTOP)


def test_like_and_comment_appear_live_on_the_other_screen(server, new_page):
    ann = api_user(server, "ann_like", display_name="Ann Author")
    bob = api_user(server, "bob_like", display_name="Bob Fan")
    befriend(server, ann, bob)
    post = api_call(server, ann, "POST", "/posts", json={"body": "Like me"}).json()
    pa, pb = new_page(server), new_page(server)
    login_as(pa, server, ann, f"#/people/{ann['user']['id']}")
    card_a = pa.locator(f"[data-post-id='{post['id']}']")
    expect(card_a).to_contain_text("0 likes")
    card_a.locator("[data-action=comments]").click()
    expect(card_a.locator(".comments")).to_contain_text("No comments yet.")
    login_as(pb, server, bob, "#/news")
    like_requests: list[str] = []  # the like goes over the page's socket (post:like), not REST
    pb.on("request", lambda req: like_requests.append(req.url) if req.url.endswith("/like") else None)
    card_b = pb.locator(f"[data-post-id='{post['id']}']")
    card_b.locator("[data-action=like]").click()
    expect(card_b.locator("[data-action=like]")).to_contain_text("1 like")
    expect(card_a.locator("[data-action=like]")).to_contain_text("1 like", timeout=1000)
    assert like_requests == []
    card_b.locator("[data-action=comments]").click()
    card_b.locator(".comment-form input").fill("Lovely!")
    card_b.locator(".comment-form input").press("Enter")
    expect(card_a.locator(".comment", has_text="Lovely!")).to_be_visible(timeout=1000)
    expect(card_a.locator("[data-action=comments]")).to_contain_text("1 comment")
    shot(pa, "social-wall")
    pa.set_viewport_size(PHONE)
    shot(pa, "social-wall-phone")


def test_closed_community_join_request_approved_and_its_posts_appear(server, new_page):
    owner = api_user(server, "own_club", display_name="Olga Owner")
    ann = api_user(server, "ann_club", display_name="Ann Joiner")
    club = api_call(
        server,
        owner,
        "POST",
        "/communities",
        json={"name": "Secret Garden", "description": "Roses and rain", "visibility": "closed"},
    ).json()
    api_call(
        server, owner, "POST", "/posts", json={"body": "Members only: the roses are out", "community_id": club["id"]}
    )
    pa, po = new_page(server), new_page(server)
    login_as(pa, server, ann, "#/communities?q=garden")
    pa.locator(".community-row", has_text="Secret Garden").click()
    expect(pa.locator(".community-page")).to_contain_text("closed")
    expect(pa.locator(".post")).to_have_count(0)
    pa.get_by_role("button", name="Ask to join").click()
    expect(pa.locator(".profile-head")).to_contain_text("Request sent")
    login_as(po, server, owner, f"#/communities/{club['id']}")
    expect(po.locator(".bell-count")).to_have_text("1")
    po.locator("[data-tab=pending]").click()
    po.locator("[data-list=pending] .person-row", has_text="Ann Joiner").get_by_role("button", name="Approve").click()
    expect(po.locator("[data-list=pending]")).to_contain_text("No requests.")
    expect(pa.locator(".bell-count")).to_have_text("1", timeout=2000)  # "You were accepted"
    pa.reload()
    expect(pa.locator(".post", has_text="the roses are out")).to_be_visible()
    login_as(pa, server, ann, "#/news")
    expect(pa.locator(".post", has_text="the roses are out")).to_be_visible()
    po.locator("[data-tab=posts]").click()
    expect(po.locator(".post")).to_have_count(1)
    shot(po, "social-community")
    po.set_viewport_size(PHONE)
    shot(po, "social-community-phone")


def test_directory_finds_petrova_ann(server, new_page):
    api_user(server, "apetrova", display_name="Ann Petrova")
    api_user(server, "ivanov", display_name="Ivan Ivanov")
    me = api_user(server, "searcher_dir", display_name="Sergey Searcher")
    page = new_page(server)
    login_as(page, server, me, "#/people")
    expect(page.locator(".person-row").first).to_be_visible()
    page.fill(".people-page input[name=q]", "Petrova Ann")
    page.get_by_role("button", name="Find").click()
    rows = page.locator(".person-list .person-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ann Petrova")
    shot(page, "social-directory")
    page.set_viewport_size(PHONE)
    shot(page, "social-directory-phone")


def test_a_blocked_person_cannot_write(server, new_page, problems):
    ann = api_user(server, "ann_block", display_name="Ann Blocker")
    bob = api_user(server, "bob_block", display_name="Bob Pest")
    befriend(server, ann, bob)
    post = api_call(server, ann, "POST", "/posts", json={"body": "Not for Bob"}).json()
    chat = api_call(server, bob, "POST", "/chats", json={"type": "direct", "user_id": ann["user"]["id"]}).json()
    pa, pb = new_page(server), new_page(server)
    login_as(pa, server, ann, f"#/people/{bob['user']['id']}")
    pa.locator(".profile-head .post-menu summary").click()
    pa.locator("[data-action=block]").click()
    pa.locator(".modal button.danger").click()
    expect(pa.locator(".profile-head .badge", has_text="Blocked")).to_be_visible()
    problems.allow("403")  # Bob's refused calls below
    login_as(pb, server, bob, f"#/chats/{chat['id']}")
    pb.fill("#composer", "Hello?")
    pb.press("#composer", "Enter")
    expect(pb.locator(".msg-failed")).to_be_visible()
    login_as(pb, server, bob, f"#/people/{ann['user']['id']}")
    expect(pb.locator(".person-page")).to_contain_text("closed to you")
    res = api_call(server, bob, "POST", f"/posts/{post['id']}/comments", json={"body": "hey"})
    assert res.status_code == 403
