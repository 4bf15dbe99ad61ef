"""Music in the browser: upload a track, add someone else's to my music, play it, keep playing while moving
to a chat and back (the one player bar is never rebuilt), seek, and play a track shared in a chat."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.audio_fixtures import encode
from tests.e2e.conftest import PHONE, api_call, api_user, login_as, shot


def current_time(page) -> float:
    return page.evaluate("() => document.getElementById('player-audio').currentTime")


def wait_playing_past(page, seconds: float) -> None:
    page.wait_for_function(
        "(s) => { const a = document.getElementById('player-audio'); return a && !a.paused && a.currentTime > s; }",
        arg=seconds,
        timeout=15_000,
    )


def test_upload_add_play_across_screens_seek_and_share(server, new_page, tmp_path):
    long_song = encode(tmp_path, "mp3", "Morning Walk", "Alice Band", "Demo", seconds=60)
    bobs_song = encode(tmp_path, "ogg", "Bobs Blues", "Bob Trio", "Live", seconds=60)
    alice = api_user(server, "alice_music", display_name="Alice Music")
    bob = api_user(server, "bob_music", display_name="Bob Music")
    with bobs_song.path.open("rb") as f:
        assert api_call(server, bob, "POST", "/tracks", files={"file": ("blues.ogg", f)}).status_code == 201
    assert api_call(server, alice, "POST", "/chats", json={"type": "direct", "user_id": bob["user"]["id"]}).ok

    page = new_page(server)
    login_as(page, server, alice, "#/music")
    expect(page.locator(".music h1")).to_have_text("Music")

    # Upload: the tags give the title and artist.
    page.set_input_files("#track-file", str(long_song.path))
    mine = page.locator("#my-music .track-row", has_text="Morning Walk")
    expect(mine).to_be_visible()
    expect(mine.locator(".tr-artist")).to_have_text("Alice Band")

    # Bob's page leads to his uploads.
    page.goto(server.url + f"/#/users/{bob['user']['id']}")
    page.locator("#user-music").click()
    expect(page.locator("#user-tracks .track-row .tr-title")).to_have_text(["Bobs Blues"])

    # Find Bob's track and add it to my music.
    page.locator(".tabs a", has_text="Search").click()
    page.fill("#music-search", "bob trio")
    found = page.locator("#search-results .track-row", has_text="Bobs Blues")
    expect(found).to_be_visible()
    found.locator(".tr-add").click()
    expect(found.locator(".tr-add")).to_have_attribute("aria-pressed", "true")
    page.locator(".tabs a", has_text="My music").click()
    bobs = page.locator("#my-music .track-row", has_text="Bobs Blues")
    expect(bobs).to_be_visible()
    shot(page, "music-laptop")

    # Start it: the player bar shows it, the OS gets its title (Media Session).
    bobs.locator(".tr-play").click()
    expect(page.locator("#player .pl-title")).to_have_text("Bobs Blues")
    wait_playing_past(page, 0.5)
    metadata = page.evaluate(
        "() => { const s = navigator.mediaSession; return [s.metadata.title, s.metadata.artist, s.playbackState]; }"
    )
    assert metadata == ["Bobs Blues", "Bob Trio", "playing"]
    page.evaluate("() => { window.__audio = document.getElementById('player-audio'); }")
    shot(page, "music-playing-laptop")

    # Move to a chat and back: the same <audio> element keeps playing, its time keeps advancing.
    before = current_time(page)
    page.locator("#nav a", has_text="Chats").click()
    page.locator(".chat-item", has_text="Bob Music").click()
    expect(page.locator(".chat-head .chat-title")).to_have_text("Bob Music")
    wait_playing_past(page, before + 1.0)
    in_chat = current_time(page)
    page.locator("#nav a", has_text="Music").click()
    expect(page.locator("#my-music .track-row", has_text="Bobs Blues")).to_have_class("track-row is-current is-playing")
    wait_playing_past(page, in_chat + 0.5)
    assert page.evaluate("() => window.__audio === document.getElementById('player-audio')")

    # Seek with the bar's slider, then with the keyboard (→ is +5 s).
    page.evaluate(
        "() => { const s = document.querySelector('#player .pl-seek'); s.value = '40'; "
        "s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_function("() => document.getElementById('player-audio').currentTime >= 40")
    page.locator("body").click(position={"x": 5, "y": 200})
    at = current_time(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(t) => document.getElementById('player-audio').currentTime >= t + 4", arg=at)
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('player-audio').paused")
    expect(page.locator("#player .pl-play")).to_have_attribute("aria-label", "Play")

    # Share my upload into the chat with Bob.
    mine = page.locator("#my-music .track-row", has_text="Morning Walk")
    mine.locator(".tr-share").click()
    page.locator(".modal .pick", has_text="Bob Music").click()
    expect(page.locator("#toast")).to_have_text("The track is sent.")

    # Bob plays it inline in the chat.
    pb = new_page(server)
    login_as(pb, server, bob, "#/chats")
    pb.locator(".chat-item", has_text="Alice Music").click()
    shared = pb.locator(".msg .track-row.compact", has_text="Morning Walk")
    expect(shared).to_be_visible()
    shared.locator(".tr-play").click()
    wait_playing_past(pb, 0.5)
    expect(pb.locator("#player .pl-title")).to_have_text("Morning Walk")
    expect(shared).to_have_class("track-row compact is-current is-playing")
    shot(pb, "music-shared-in-chat-laptop")


def test_music_screen_on_a_phone_and_an_expired_stream_link(server, new_page, problems, tmp_path):
    song = encode(tmp_path, "mp3", "Phone Song", "Pocket Band", "Mobile", seconds=20)
    carol = api_user(server, "carol_music", display_name="Carol Music")
    with song.path.open("rb") as f:
        assert api_call(server, carol, "POST", "/tracks", files={"file": ("p.mp3", f)}).status_code == 201
    assert api_call(server, carol, "POST", "/playlists", json={"name": "Road trip"}).status_code == 201
    page = new_page(server, viewport=PHONE, locale="ru-RU")  # and in Russian
    login_as(page, server, carol, "#/music")
    row = page.locator("#my-music .track-row", has_text="Phone Song")
    expect(row).to_be_visible()
    expect(page.locator(".tabs a.active")).to_have_text("Моя музыка")
    expect(row.locator(".tr-play")).to_have_attribute("aria-label", "Играть «Phone Song»")
    # The first stream request meets an expired link (403): the player asks for the track again and plays.
    problems.allow(r"403")
    refused = []

    def expire_once(route):
        if refused:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.fulfill(status=403, content_type="application/json", body='{"error": {"code": "expired"}}')

    page.route("**/media/tracks/**", expire_once)
    with page.expect_response(lambda r: "/api/tracks/" in r.url and r.request.method == "GET"):
        row.locator(".tr-play").click()
    wait_playing_past(page, 0.3)
    assert len(refused) == 1
    expect(page.locator("#player")).to_be_visible()
    # the bar sits above the bottom navigation, not over it
    bar = page.locator("#player").bounding_box()
    nav = page.locator("#nav").bounding_box()
    assert bar["y"] + bar["height"] <= nav["y"] + 1
    shot(page, "music-phone")
    page.goto(server.url + "/#/music/playlists")
    expect(page.locator("#playlists .playlist-item")).to_contain_text("0 треков")
    shot(page, "music-playlists-phone")


def test_playlist_order_by_dragging(server, new_page, tmp_path):
    dave = api_user(server, "dave_music", display_name="Dave Music")
    ids = []
    for title in ("First Light", "Second Wind", "Third Rail"):
        song = encode(tmp_path, "opus", title, "Dave", "Trio", seconds=5)
        with song.path.open("rb") as f:
            ids.append(api_call(server, dave, "POST", "/tracks", files={"file": ("x.opus", f)}).json()["id"])
    page = new_page(server)
    login_as(page, server, dave, "#/music/playlists")
    page.fill("#playlist-name", "Morning")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".playlist-head h2")).to_have_text("Morning")
    pid = int(page.evaluate("() => location.hash.split('/').pop()"))
    # add the tracks from my music through each row's "To a playlist" dialog
    page.locator("#nav a", has_text="Music").click()
    for title in ("First Light", "Second Wind", "Third Rail"):
        page.locator("#my-music .track-row", has_text=title).locator(".tr-to-playlist").click()
        page.locator(".modal .pick", has_text="Morning").click()
        expect(page.locator("#toast")).to_have_text("Added to “Morning”.")
    page.goto(server.url + f"/#/music/playlists/{pid}")
    rows = page.locator("#playlist-tracks .track-row .tr-title")
    expect(rows).to_have_text(["First Light", "Second Wind", "Third Rail"])

    # drag the last track to the top; the order is saved
    page.locator("#playlist-tracks .track-row", has_text="Third Rail").drag_to(
        page.locator("#playlist-tracks .track-row", has_text="First Light")
    )
    expect(rows).to_have_text(["Third Rail", "First Light", "Second Wind"])
    saved = api_call(server, dave, "GET", f"/playlists/{pid}").json()
    assert [t["title"] for t in saved["tracks"]] == ["Third Rail", "First Light", "Second Wind"]
    # the keyboard way: move "Second Wind" up
    page.locator("#playlist-tracks .track-row", has_text="Second Wind").locator(".tr-up").click()
    expect(rows).to_have_text(["Third Rail", "Second Wind", "First Light"])
    shot(page, "music-playlist-laptop")

    # Play all: next, previous, the end of a track moves on, repeat one stays, shuffle keeps to the list.
    title = page.locator("#player .pl-title")
    page.locator("#play-all").click()
    expect(title).to_have_text("Third Rail")
    page.locator("#player .pl-next").click()
    expect(title).to_have_text("Second Wind")
    page.locator("#player .pl-prev").click()  # within its first 3 seconds: the previous track
    expect(title).to_have_text("Third Rail")
    wait_playing_past(page, 0.2)
    page.evaluate("() => { const a = document.getElementById('player-audio'); a.currentTime = a.duration - 0.3; }")
    expect(title).to_have_text("Second Wind")  # ended: the next one
    repeat = page.locator("#player .pl-repeat")
    repeat.click()
    expect(repeat).to_have_attribute("aria-label", "Repeat the list")
    repeat.click()
    expect(repeat).to_have_attribute("aria-label", "Repeat the track")
    wait_playing_past(page, 0.2)
    page.evaluate("() => { const a = document.getElementById('player-audio'); a.currentTime = a.duration - 0.3; }")
    page.wait_for_function("() => document.getElementById('player-audio').currentTime < 1")
    expect(title).to_have_text("Second Wind")  # repeat one: the same track again
    page.locator("#player .pl-shuffle").click()
    expect(page.locator("#player .pl-shuffle")).to_have_attribute("aria-pressed", "true")
    seen = set()
    for _ in range(3):
        page.locator("#player .pl-next").click()
        seen.add(title.inner_text())
    assert seen <= {"Third Rail", "Second Wind", "First Light"} and len(seen) >= 2
    # private until shared
    erin = api_user(server, "erin_music")
    assert api_call(server, erin, "GET", f"/playlists/{pid}").status_code == 404
    with page.expect_response(lambda r: r.url.endswith(f"/api/playlists/{pid}") and r.request.method == "PATCH"):
        page.locator("#playlist-public").check()
    assert api_call(server, erin, "GET", f"/playlists/{pid}").json()["name"] == "Morning"


def test_chat_partners_see_what_i_listen_to_once_i_allow_it(server, new_page, tmp_path):
    song = encode(tmp_path, "mp3", "Night Drive", "Frank Band", "Roads", seconds=30)
    frank = api_user(server, "frank_music", display_name="Frank Music")
    gina = api_user(server, "gina_music", display_name="Gina Music")
    with song.path.open("rb") as f:
        assert api_call(server, frank, "POST", "/tracks", files={"file": ("n.mp3", f)}).status_code == 201
    assert api_call(server, frank, "POST", "/chats", json={"type": "direct", "user_id": gina["user"]["id"]}).ok

    pg = new_page(server)
    login_as(pg, server, gina, "#/music")
    expect(pg.locator(".music h1")).to_be_visible()
    pf = new_page(server)
    login_as(pf, server, frank, "#/settings")
    box = pf.locator("#share-listening")
    expect(box).not_to_be_checked()
    box.check()
    expect(pf.locator("#toast")).to_have_text("Setting saved.")
    pf.goto(server.url + "/#/music")
    pf.locator("#my-music .track-row", has_text="Night Drive").locator(".tr-play").click()
    wait_playing_past(pf, 0.2)

    listening = pg.locator(".listening .listening-item", has_text="Frank Music")
    expect(listening).to_contain_text("Night Drive")
    listening.locator(".tr-play").click()
    wait_playing_past(pg, 0.2)
    expect(pg.locator("#player .pl-title")).to_have_text("Night Drive")


def test_post_a_track_to_my_wall_and_a_friend_plays_it_from_the_feed(server, new_page, tmp_path):
    song = encode(tmp_path, "mp3", "Wall Song", "Alice Band", "Demo", seconds=30)
    alice = api_user(server, "alice_wall", display_name="Alice Wall")
    bob = api_user(server, "bob_wall", display_name="Bob Wall")
    assert api_call(server, alice, "POST", f"/friends/{bob['user']['id']}").status_code == 201
    assert api_call(server, bob, "POST", f"/friends/{alice['user']['id']}").json()["friendship"] == "friends"
    with song.path.open("rb") as f:
        assert api_call(server, alice, "POST", "/tracks", files={"file": ("wall.mp3", f)}).status_code == 201

    page = new_page(server)
    login_as(page, server, alice, "#/music")
    row = page.locator("#my-music .track-row", has_text="Wall Song")
    expect(row).to_be_visible()
    row.locator(".tr-post").click()
    expect(page.locator("#toast")).to_have_text("The track is posted on your wall.")

    friend = new_page(server)
    login_as(friend, server, bob, "#/news")
    shared = friend.locator(".post-list .track-row", has_text="Wall Song")
    expect(shared).to_be_visible()
    shared.locator(".tr-play").click()
    expect(friend.locator("#player .pl-title")).to_have_text("Wall Song")
    wait_playing_past(friend, 0.3)
