"""The admin page (#/admin): a site admin finds a user and bans them; a non-admin is told no."""

from __future__ import annotations

import re

from tests.e2e.conftest import api_user, login_as, shot
from tests.test_cli_commands import flask_cli


def test_a_site_admin_bans_a_user_from_the_admin_page(server, new_page, problems):
    admin = api_user(server, "uiadmin")
    victim = api_user(server, "uispammer", "Spam Bot")
    someone = api_user(server, "uisomeone")
    env = {k: server.env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "APP_ENV", "UPLOAD_DIR")}
    promoted = flask_cli(server.tmp, "admin", "create", "uiadmin", env=env)
    assert promoted.returncode == 0, promoted.stderr

    outsider = new_page(server)
    problems.allow("403")  # the outsider's page asks and is refused
    login_as(outsider, server, someone, "#/admin")
    outsider.get_by_text("Site administrators only.").wait_for()

    page = new_page(server)
    login_as(page, server, admin, "#/admin")
    page.get_by_role("searchbox", name="Find a user").fill("uispammer")
    row = page.locator(f'li.admin-user[data-user-id="{victim["user"]["id"]}"]')
    row.get_by_text("@uispammer").wait_for()
    page.locator("li.admin-user", has_text="@uiadmin").wait_for(state="detached")  # the search filtered the list
    row.get_by_role("button", name="Ban").click()
    page.get_by_role("textbox", name="Reason").fill("spam links")
    page.locator("#admin-ban-confirm").click()
    row.get_by_text("banned: spam links").wait_for()
    page.locator("#admin-audit").get_by_text("admin:uiadmin · ban").wait_for()
    shot(page, "admin-page")


def test_an_admin_works_through_the_reports_queue_delete_then_ban(server, new_page, problems):
    from playwright.sync_api import expect

    from tests.e2e.conftest import api_call
    from tests.e2e.test_social_ui import befriend

    admin = api_user(server, "qadmin", "Queue Admin")
    author = api_user(server, "qauthor", "Spam Author")
    reader = api_user(server, "qreader", "Kind Reader")
    env = {k: server.env[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "APP_ENV", "UPLOAD_DIR")}
    assert flask_cli(server.tmp, "admin", "create", "qadmin", env=env).returncode == 0
    befriend(server, author, reader)
    api_call(server, reader, "POST", "/posts", json={"body": "My garden this spring"})
    first = api_call(server, author, "POST", "/posts", json={"body": "Cheap watches, click here"}).json()
    # written now: SQLite hands a deleted row's id to the next post, which would make it the same report
    second = api_call(server, author, "POST", "/posts", json={"body": "More cheap watches"}).json()
    report = {"target_type": "post", "target_id": first["id"], "reason": "spam"}
    assert api_call(server, reader, "POST", "/reports", json=report).status_code == 201

    reading = new_page(server)
    login_as(reading, server, reader, "#/news")
    expect(reading.locator(f"[data-post-id='{first['id']}']")).to_be_visible()

    page = new_page(server)
    login_as(page, server, admin, "#/news")
    more = page.get_by_role("button", name="More")
    more.focus()  # the menu by keyboard: ArrowDown opens it on its first link, Escape gives the focus back
    page.keyboard.press("ArrowDown")
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="People", exact=True)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("link", name="Admin", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    page.get_by_role("link", name="Admin", exact=True).click()  # the menu links the admin page for site admins
    item = page.locator("#admin-reports li.admin-report").first
    expect(item).to_contain_text("Cheap watches, click here")
    expect(item).to_contain_text("reported by Kind Reader (@qreader)")
    expect(item).to_contain_text("author: Spam Author (@qauthor)")
    item.get_by_role("button", name="Delete content").click()
    page.locator(".modal").get_by_role("button", name="Delete").click()
    expect(page.locator("#admin-reports")).to_contain_text("No reports.")
    expect(page.locator("#admin-audit")).to_contain_text("admin:qadmin · delete_post")
    reading.reload()
    expect(reading.locator(".post").last).to_contain_text("My garden")  # the feed has drawn
    expect(reading.locator(f"[data-post-id='{first['id']}']")).to_have_count(0)

    report = {"target_type": "post", "target_id": second["id"], "reason": "spam"}
    assert api_call(server, reader, "POST", "/reports", json=report).status_code == 201
    writing = new_page(server)
    problems.allow("401")  # the banned author's page is refused once its session is revoked
    problems.allow("403")
    login_as(writing, server, author, "#/news")
    expect(writing.locator(f"[data-post-id='{second['id']}']")).to_be_visible()
    page.reload()
    item = page.locator("#admin-reports li.admin-report", has_text="More cheap watches")
    item.get_by_role("button", name="Ban the author").click()
    page.get_by_role("textbox", name="Reason").fill("watch spam")
    page.locator("#admin-ban-confirm").click()
    expect(page.locator("#admin-audit")).to_contain_text("admin:qadmin · ban")
    # The author's socket is closed and the session revoked: their page falls back to the login form.
    expect(writing).to_have_url(re.compile(r"#/login"), timeout=5000)
    reading.reload()
    expect(reading.locator(".post").last).to_contain_text("My garden")
    expect(reading.locator(f"[data-post-id='{second['id']}']")).to_have_count(0)
