"""The messenger in the browser: a live direct chat between two people, group administration."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import api_call, api_user, login_as, shot


def send(page, text: str) -> float:
    """Type a message and press Enter; returns the moment it was sent."""
    page.fill("#composer", text)
    started = time.monotonic()
    page.press("#composer", "Enter")
    return started


def test_two_people_chat_live(server, new_page):
    """Alice finds Bob and opens a direct chat; each sees the other's messages within 1 s.

    Typing, presence, read marks, reply, edit and delete reach the other side live too.
    """
    alice = api_user(server, "alice_live", display_name="Alice Live")
    bob = api_user(server, "bob_live", display_name="Bob Live")
    pa = new_page(server)
    pb = new_page(server)
    login_as(pa, server, alice, "#/chats")
    login_as(pb, server, bob, "#/chats")
    expect(pb.locator(".chat-list h2")).to_be_visible()

    # Alice starts the chat from a search result.
    pa.fill("#chat-search", "Bob")
    pa.locator(".person-row", has_text="Bob Live").get_by_role("button", name="Message").click()
    expect(pa.locator(".chat-head .chat-title")).to_have_text("Bob Live")
    started = send(pa, "Hi Bob, are you there?")
    expect(pa.locator(".msg.mine .mark.sent, .msg.mine .mark.read").last).to_be_visible()
    # Bob's list learns about the new chat live and shows it unread.
    expect(pb.locator(".chat-item", has_text="Alice Live").locator(".badge")).to_have_text("1", timeout=1000)
    seen_by_bob = time.monotonic() - started
    pb.locator(".chat-item", has_text="Alice Live").click()
    expect(pb.locator(".msg .msg-body", has_text="Hi Bob, are you there?")).to_have_count(1)

    # Presence and read marks: Bob is online for Alice, and her message turns read.
    expect(pa.locator(".chat-head .chat-sub")).to_have_text("online")
    expect(pa.locator(".msg.mine .mark.read")).to_have_count(1, timeout=2000)

    # Typing indicator, then Bob's answer reaches Alice within a second.
    pb.locator("#composer").press_sequentially("Yes")
    expect(pa.locator(".chat-head .chat-sub")).to_have_text("Bob Live is typing…", timeout=2000)
    pb.fill("#composer", "")
    started = send(pb, "Yes, here. What do you need?")
    answer = pa.locator(".msg:not(.mine) .msg-body", has_text="Yes, here. What do you need?")
    expect(answer).to_have_count(1, timeout=1000)
    seen_by_alice = time.monotonic() - started
    assert seen_by_bob < 1.0 and seen_by_alice < 1.0, (seen_by_bob, seen_by_alice)

    # Reply, edit, delete.
    msg = pa.locator(".msg:not(.mine)", has_text="What do you need?")
    msg.hover()
    msg.get_by_role("button", name="Reply").click()
    expect(pa.locator(".composer-bar")).to_contain_text("Reply to Bob Live")
    send(pa, "A plumber, ideally today")
    expect(pb.locator(".msg .msg-quote", has_text="What do you need?")).to_have_count(1, timeout=1000)

    mine = pa.locator(".msg.mine", has_text="A plumber, ideally today")
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    pa.fill("#composer", "A plumber, ideally tomorrow")
    pa.press("#composer", "Enter")
    expect(pb.locator(".msg", has_text="A plumber, ideally tomorrow").locator(".edited")).to_have_count(1, timeout=1000)

    first = pa.locator(".msg.mine", has_text="Hi Bob, are you there?")
    first.hover()
    first.get_by_role("button", name="Delete").click()
    pa.locator(".modal").get_by_role("button", name="Delete").click()
    expect(pb.locator(".msg.deleted")).to_have_count(1, timeout=1000)
    expect(pb.locator(".msg-body", has_text="Hi Bob, are you there?")).to_have_count(0)
    shot(pa, "chat-direct")
    shot(pb, "chat-direct-other-side")

    # Nothing doubled after a reload: the history from the server matches what was shown live.
    pa.reload()
    expect(pa.locator(".msg")).to_have_count(3)


def test_history_loads_upward(server, new_page):
    """A long chat opens at its end and loads older messages as you scroll up."""
    a = api_user(server, "hist_a")
    b = api_user(server, "hist_b")
    chat_id = api_call(server, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
    for i in range(1, 121):
        body = {"chat_id": chat_id, "body": f"line {i}", "client_id": f"h{i}"}
        res = api_call(server, a, "POST", "/messages", json=body)
        assert res.status_code == 201
    page = new_page(server)
    login_as(page, server, b, f"#/chats/{chat_id}")
    expect(page.locator(".msg-body", has_text="line 120")).to_be_visible()
    expect(page.locator(".msg")).to_have_count(50)
    for _ in range(10):
        page.locator("#messages").evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
        page.wait_for_timeout(150)
        if page.locator(".msg").count() == 120:
            break
    expect(page.locator(".msg")).to_have_count(120)
    expect(page.locator(".history-loader")).to_have_text("This is the beginning of the chat.")
    bodies = page.locator(".msg-body").all_inner_texts()
    assert bodies == [f"line {i}" for i in range(1, 121)]


def test_group_admin_adds_and_removes_a_member(server, new_page):
    """An owner creates a group, adds Carol (who sees it appear), makes Bob admin, removes Carol (who loses it)."""
    owner = api_user(server, "gowner", display_name="Olga Owner")
    bob = api_user(server, "gbob", display_name="Bob Member")
    carol = api_user(server, "gcarol", display_name="Carol Guest")
    po = new_page(server)
    pc = new_page(server)
    pb = new_page(server)
    login_as(po, server, owner, "#/chats")
    login_as(pc, server, carol, "#/chats")
    expect(pc.locator(".chat-list .empty")).to_be_visible()

    po.click("#new-group")
    po.fill("#group-name", "Plumbers club")
    po.fill("#group-description", "Pipes and fittings")
    po.locator(".modal input[type=search]").press_sequentially("Bob Mem")
    po.locator(".modal .person", has_text="Bob Member").click()
    expect(po.locator(".modal .chip")).to_have_text("Bob Member✕")
    po.locator(".modal").get_by_role("button", name="Create group").click()
    expect(po.locator(".chat-head .chat-title")).to_have_text("Plumbers club")
    send(po, "Welcome to the club")

    po.click("#chat-info")
    expect(po.locator("#members .member")).to_have_count(2)
    po.locator("#add-member").press_sequentially("Carol")
    po.locator(".add-member .person", has_text="Carol Guest").click()
    expect(po.locator("#members .member")).to_have_count(3)
    expect(pc.locator(".chat-item", has_text="Plumbers club")).to_be_visible(timeout=2000)

    bob_row = po.locator("#members .member", has_text="Bob Member")
    bob_row.get_by_role("button", name="Make admin").click()
    expect(bob_row.locator(".role")).to_have_text("admin")
    shot(po, "group-panel")

    # A plain member is offered no admin controls, only leaving.
    chat_id = po.evaluate("() => location.hash.split('/')[2]")
    login_as(pc, server, carol, f"#/chats/{chat_id}/info")
    expect(pc.locator("#members .member")).to_have_count(3)
    expect(pc.locator("#members button")).to_have_count(0)
    expect(pc.locator("#add-member")).to_have_count(0)
    expect(pc.locator("#delete-group")).to_have_count(0)
    expect(pc.locator("#leave-group")).to_be_visible()
    shot(pc, "group-panel-member")
    pc.goto(server.url + "/#/chats")
    expect(pc.locator(".chat-item", has_text="Plumbers club")).to_be_visible()

    carol_row = po.locator("#members .member", has_text="Carol Guest")
    carol_row.get_by_role("button", name="Remove").click()
    po.locator(".modal").get_by_role("button", name="Remove").click()
    expect(po.locator("#members .member")).to_have_count(2)
    expect(pc.locator(".chat-item", has_text="Plumbers club")).to_have_count(0, timeout=2000)
    expect(pc.locator("#toast")).to_have_text("Olga Owner removed you from “Plumbers club”.")  # who did it

    # Bob, now admin, may rename the group; the owner sees it live.
    login_as(pb, server, bob, f"#/chats/{chat_id}/info")
    pb.fill("#group-name", "Plumbers guild")
    pb.locator(".about").get_by_role("button", name="Save").click()
    expect(po.locator(".chat-item", has_text="Plumbers guild")).to_be_visible(timeout=2000)
    expect(pb.locator("#members .member", has_text="Olga Owner").locator("button")).to_have_count(0)


def test_photo_attachment_and_message_search(server, new_page, tmp_path):
    """A photo sent in a chat shows as an image on both sides; search finds a message and opens its chat."""
    from PIL import Image

    picture = tmp_path / "sunset.png"
    Image.new("RGB", (64, 48), (230, 120, 40)).save(picture)
    a = api_user(server, "att_a", display_name="Ada Attach")
    b = api_user(server, "att_b", display_name="Ben Attach")
    chat_id = api_call(server, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
    pa = new_page(server)
    pb = new_page(server)
    login_as(pa, server, a, f"#/chats/{chat_id}")
    login_as(pb, server, b, f"#/chats/{chat_id}")
    expect(pa.locator("#composer")).to_be_visible()
    expect(pa.locator(".composer .attach")).to_be_visible()
    pa.fill("#composer", "the view from the roof")
    pa.set_input_files("#attach-file", str(picture))
    for page in (pa, pb):
        image = page.locator(".msg .att-image img")
        expect(image).to_have_count(1, timeout=3000)
        loaded = "() => { const i = document.querySelector('.att-image img'); return i && i.naturalWidth > 0; }"
        page.wait_for_function(loaded)
    expect(pb.locator(".msg-body", has_text="the view from the roof")).to_have_count(1)
    shot(pb, "chat-photo")

    pb.goto(server.url + "/#/chats")
    pb.fill("#chat-search", "roof")
    found = pb.locator(".found-message", has_text="the view from the roof")
    expect(found).to_be_visible()
    found.click()
    expect(pb.locator(".chat-head .chat-title")).to_have_text("Ada Attach")


def test_a_voice_note_is_playable_on_both_sides(server, new_page, tmp_path):
    """An audio attachment shows as a player whose media loads (metadata read: duration known) for both."""
    import math
    import struct
    import wave

    note = tmp_path / "voice-note.wav"
    with wave.open(str(note), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(
            b"".join(struct.pack("<h", int(8000 * math.sin(i / 8000 * 2 * math.pi * 440))) for i in range(6000))
        )
    a = api_user(server, "voice_a", display_name="Vera Voice")
    b = api_user(server, "voice_b", display_name="Vlad Voice")
    chat_id = api_call(server, a, "POST", "/chats", json={"type": "direct", "user_id": b["user"]["id"]}).json()["id"]
    pa, pb = new_page(server), new_page(server)
    login_as(pa, server, a, f"#/chats/{chat_id}")
    login_as(pb, server, b, f"#/chats/{chat_id}")
    expect(pa.locator(".composer .attach")).to_be_visible()
    pa.set_input_files("#attach-file", str(note))
    playable = (
        "() => { const a = document.querySelector('.att-audio audio');"
        " return a && a.readyState >= 1 && Math.abs(a.duration - 0.75) < 0.05; }"
    )
    for page in (pa, pb):
        expect(page.locator(".msg .att-audio audio")).to_have_count(1, timeout=3000)
        page.wait_for_function(playable, timeout=5000)
    expect(pb.locator(".msg .att-audio .att-name")).to_have_text("voice-note.wav")
    shot(pb, "chat-voice-note")
