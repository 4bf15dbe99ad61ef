"""The admin page (#/admin): a site admin finds a user and bans them; a non-admin is told no."""

from __future__ import annotations

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
