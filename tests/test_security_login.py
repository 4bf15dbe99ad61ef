"""Login limits stop guessing without letting a stranger lock the owner out.

Usernames are public. Before, 10 wrong guesses from any address locked the account for everyone, the
owner included. Now failures count per account-and-address (that pair gets 429), the account as a whole
only slows down and caps addresses it has never logged in from, and an address the owner logged in
from stays open to them.
"""

from __future__ import annotations

import pytest

from app.services import auth as auth_service
from tests.test_auth import _assert_rate_limited, _login, _signup

OWNER = {"REMOTE_ADDR": "10.0.0.1"}


def _from(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"10.9.{n // 250}.{n % 250 + 1}"}}


@pytest.fixture
def sleeps(monkeypatch):
    """Record the slow-down instead of waiting it out."""
    waited: list[float] = []
    monkeypatch.setattr(auth_service.socketio, "sleep", lambda s: waited.append(s))
    return waited


def test_owner_logs_in_after_a_strangers_50_wrong_guesses(client, sleeps):
    _signup(client)
    codes = [_login(client, "ann", "wrong-password", **_from(0)).status_code for _ in range(50)]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}  # the stranger is stopped...
    _assert_rate_limited(_login(client, "ann", **_from(0)))  # ...even with the right password from there
    # ...and the owner, from their own address, is not.
    assert _login(client, "ann", environ_base=OWNER).status_code == 200
    assert _login(client, "ann@example.com", "wrong-password", environ_base=OWNER).status_code == 401


def test_many_addresses_slow_the_account_down_but_its_known_address_stays_open(client, sleeps):
    _signup(client)
    assert _login(client, "ann", environ_base=OWNER).status_code == 200  # the owner's address is now known
    codes = []
    for n in range(12):  # a botnet: 12 addresses x 10 guesses
        codes += [_login(client, "ann", "wrong-password", **_from(n)).status_code for _ in range(10)]
    assert codes.count(401) == 100 and codes.count(429) == 20  # the account-wide cap for strangers
    assert sleeps and max(sleeps) == auth_service.LOGIN_SLOWDOWN_MAX  # they were slowed down on the way
    assert sleeps == sorted(sleeps)
    _assert_rate_limited(_login(client, "ann", **_from(99)))  # a new address waits (or resets the password)
    before = len(sleeps)
    assert _login(client, "ann", environ_base=OWNER).status_code == 200  # the owner's known address does not
    assert len(sleeps) == before  # and without the slow-down


def test_success_from_an_address_does_not_reset_its_failures(client, sleeps):
    _signup(client)
    for _ in range(9):
        assert _login(client, "ann", "wrong-password", environ_base=OWNER).status_code == 401
    assert _login(client, "ann", environ_base=OWNER).status_code == 200
    assert _login(client, "ann", "wrong-password", environ_base=OWNER).status_code == 401
    _assert_rate_limited(_login(client, "ann", "wrong-password", environ_base=OWNER))


def test_unknown_accounts_are_limited_the_same_way(client, sleeps):
    codes = [_login(client, "ghost", "wrong-password", **_from(1)).status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
