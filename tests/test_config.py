"""Configuration from the environment: what production refuses to guess, what development makes up."""

from __future__ import annotations

import pytest

import config as config_module
from config import get_config


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment for config and a private instance/ folder."""
    for name in ("SECRET_KEY", "PUBLIC_URL", "APP_ENV", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    return monkeypatch


def test_production_refuses_to_start_without_a_secret_key(env):
    env.setenv("PUBLIC_URL", "https://chat.example.com")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        get_config("production")


def test_production_refuses_to_start_without_a_public_url(env):
    """Reset links must never point at a guessed address such as http://127.0.0.1:5000."""
    env.setenv("SECRET_KEY", "k" * 40)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        get_config("production")
    env.setenv("PUBLIC_URL", "https://chat.example.com/")
    assert get_config("production").PUBLIC_URL == "https://chat.example.com"


def test_development_generates_one_secret_key_and_keeps_it(env, tmp_path):
    first = get_config("development")
    again = get_config("development")
    assert len(first.SECRET_KEY) >= 40 and again.SECRET_KEY == first.SECRET_KEY
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first.SECRET_KEY
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert first.PUBLIC_URL == "http://127.0.0.1:5000"
