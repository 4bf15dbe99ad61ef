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


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("off", False),
        ("false", False),
        ("0", False),
        ("no", False),
        ("No", False),
        ("on", True),
        ("1", True),
        ("true", True),
        ("YES", True),
    ],
)
def test_booleans_accept_the_usual_spellings(env, spelling, expected):
    """RATE_LIMITS=false once meant "on" (only the word `off` counted); every usual spelling works now."""
    env.setenv("RATE_LIMITS", spelling)
    env.setenv("GC_TUNING", spelling)
    env.setenv("MESSAGE_GROUP_COMMIT", spelling)
    cfg = get_config("development")
    assert cfg.RATE_LIMITS is expected and cfg.GC_TUNING is expected and cfg.MESSAGE_GROUP_COMMIT is expected


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "abc", "PORT='abc': expected an integer"),
        ("RATE_LIMITS", "maybe", "RATE_LIMITS='maybe': expected a boolean"),
        ("MESSAGE_RATE", "fast", "MESSAGE_RATE='fast': expected a number"),
        ("ASYNC_MODE", "asyncio", "ASYNC_MODE='asyncio': expected 'eventlet', 'gevent' or 'threading'"),
        ("PORT", "70000", "PORT='70000': expected less than or equal to 65535"),
        ("METRICS_ALLOW", "10.0.0.0/8,not-a-net", "not-a-net"),
    ],
)
def test_a_bad_value_names_its_variable_and_what_it_expected(env, name, value, expected):
    env.setenv(name, value)
    with pytest.raises(config_module.ConfigError) as err:
        get_config("development")
    assert expected in str(err.value)


def test_empty_values_mean_the_default_and_lists_split_on_commas(env):
    env.setenv("PORT", "")
    env.setenv("ALLOWED_ORIGINS", "https://a.example, https://b.example")
    env.setenv("METRICS_ALLOW", "10.0.0.0/8, 192.168.1.7")
    cfg = get_config("development")
    assert cfg.PORT == 5000
    assert cfg.ALLOWED_ORIGINS == ["https://a.example", "https://b.example"]
    assert [str(n) for n in cfg.METRICS_ALLOW] == ["10.0.0.0/8", "192.168.1.7/32"]


def test_testing_defaults_and_the_flask_names(env):
    env.delenv("BCRYPT_ROUNDS", raising=False)
    env.delenv("ASYNC_MODE", raising=False)
    env.setenv("DATABASE_URL", "sqlite:////tmp/x.db")
    env.setenv("SQL_ECHO", "yes")
    cfg = get_config("testing")
    assert cfg.BCRYPT_ROUNDS == 4 and cfg.ASYNC_MODE == "threading"
    assert cfg.SQLALCHEMY_DATABASE_URI == "sqlite:////tmp/x.db" and cfg.SQLALCHEMY_ECHO is True


def _check_config(tmp_path, **env):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "PORT", "APP_ENV")}
    return subprocess.run(
        [sys.executable, str(ROOT / "wsgi.py"), "--check-config"],
        env={**base, "INSTANCE_PATH": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_prints_what_the_process_would_run_with_secrets_masked(env, tmp_path):
    run = _check_config(
        tmp_path,
        APP_ENV="production",
        SECRET_KEY="super-secret-signing-key-0123456789",
        PUBLIC_URL="https://chat.example.com",
        DATABASE_URL="postgresql://app:hunter2pass@db.internal/masterchat",
        MAIL_PASSWORD="smtp-pass-42",
        RATE_LIMITS="no",
    )
    assert run.returncode == 0, run.stderr
    lines = {line.split()[0]: line for line in run.stdout.splitlines() if line and not line.startswith("#")}
    assert "False" in lines["RATE_LIMITS"] and "[env]" in lines["RATE_LIMITS"]
    assert "postgresql://app:***@db.internal/masterchat" in lines["DATABASE_URL"]
    assert "5000" in lines["PORT"] and "[default]" in lines["PORT"]
    for secret in ("super-secret-signing-key", "hunter2pass", "smtp-pass-42"):
        assert secret not in run.stdout + run.stderr
    assert "***" in lines["SECRET_KEY"] and "***" in lines["MAIL_PASSWORD"]


def test_check_config_fails_with_the_variable_named(env, tmp_path):
    run = _check_config(tmp_path, PORT="abc")
    assert run.returncode == 2
    assert "PORT='abc': expected an integer" in run.stderr and "Traceback" not in run.stderr


def test_the_server_refuses_a_bad_setting_with_its_name_and_no_traceback(env, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    base = {k: v for k, v in os.environ.items() if k not in ("PORT", "APP_ENV")}
    run = subprocess.run(
        [sys.executable, str(ROOT / "wsgi.py")],
        env={**base, "INSTANCE_PATH": str(tmp_path), "APP_ENV": "development", "GC_TUNING": "sometimes"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "GC_TUNING='sometimes': expected a boolean" in run.stderr and "Traceback" not in run.stderr
