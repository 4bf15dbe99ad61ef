"""The scenario file (TOML): which scenario, its stages, think times, churn, the action mix and thresholds.

    scenario = "group"          # group | direct | market | feed (see README, "Load testing")
    room_size = 5
    [thresholds]
    max_p99_ms = 1000
    max_lost = 0
    [[stages]]
    name = "warm up"
    duration = 5               # seconds
    users = 50                 # connected users at the end of the stage (ramped linearly from the last stage)
    rate = 20                  # actions per second at the end of the stage (ramped likewise)
    think = [0.5, 2.0]         # seconds a user waits after each action (uniform); [0, 0] = none
    churn = 0.1                # share of the connected users who drop during the stage and come back
    away = 2.0                 # seconds they stay away; then they reconnect and catch up with chat:sync
    mix = { send = 8, typing = 1, read = 1 }   # relative weights of each user's actions

Validated with pydantic: a wrong key or value is reported with its place in the file
(`stages[1].rate: Input should be greater than or equal to 0`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loadtest.thresholds import Thresholds

SCENARIOS = ("group", "direct", "market", "feed")
ACTIONS = ("send", "typing", "read")


class Mix(BaseModel):
    """Relative weights of a user's actions in the chat scenarios (an action left out weighs 0)."""

    model_config = ConfigDict(extra="forbid")

    send: float = Field(default=0.0, ge=0)
    typing: float = Field(default=0.0, ge=0)
    read: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _some(self) -> Mix:
        if self.send + self.typing + self.read <= 0:
            raise ValueError("at least one action needs a weight above 0")
        return self


class Stage(BaseModel):
    """One stage: targets reached at its end, ramped linearly from the previous stage's."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    duration: float = Field(gt=0, le=3600)
    users: int | None = Field(default=None, ge=0, le=100_000)
    rate: float | None = Field(default=None, ge=0)
    think: tuple[float, float] = (0.0, 0.0)
    churn: float = Field(default=0.0, ge=0, le=1)
    away: float = Field(default=2.0, ge=0, le=600)
    mix: Mix | None = None

    @field_validator("think")
    @classmethod
    def _think(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 0 or v[1] < v[0]:
            raise ValueError("think must be [min, max] seconds with 0 <= min <= max")
        return v


class Scenario(BaseModel):
    """A whole scenario file."""

    model_config = ConfigDict(extra="forbid")

    scenario: Literal["group", "direct", "market", "feed"] = "group"
    room_size: int | None = Field(default=None, ge=2)
    body_size: int | None = Field(default=None, ge=20)
    mix: Mix = Mix(send=1.0)
    thresholds: Thresholds = Thresholds()
    stages: list[Stage] = Field(default_factory=list)

    def resolved_stages(self, users: int, rate: float) -> list[dict]:
        """Stages with every target filled in: a stage without users/rate keeps the previous stage's
        (the first stage's default: --users / --rate); names default to 'stage N'."""
        out, prev_users, prev_rate = [], users, rate
        for i, s in enumerate(self.stages):
            u = prev_users if s.users is None else min(s.users, users)
            r = prev_rate if s.rate is None else s.rate
            out.append(
                {
                    "name": s.name or f"stage {i + 1}",
                    "duration": s.duration,
                    "users_from": prev_users if i else u,
                    "users": u,
                    "rate_from": prev_rate if i else r,
                    "rate": r,
                    "think": list(s.think),
                    "churn": s.churn,
                    "away": s.away,
                    "mix": (s.mix or self.mix).model_dump(),
                }
            )
            prev_users, prev_rate = u, r
        return out


def _where(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def explain(err: ValidationError, path: str) -> str:
    """pydantic's errors as one line each, naming the key in the file."""
    lines = [f"{path}: {len(err.errors())} problem(s):"]
    for e in err.errors():
        got = "" if e["type"] == "missing" else f" (got {e.get('input')!r})"
        lines.append(f"  {_where(e['loc'])}: {e['msg']}{got}")
    return "\n".join(lines)


def _read(path: str) -> dict:
    try:
        return tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SystemExit(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise SystemExit(f"{path}: not valid TOML: {err}") from None


def load_scenario(path: str) -> Scenario:
    """Read and validate a scenario file; SystemExit with every problem named."""
    try:
        return Scenario.model_validate(_read(path))
    except ValidationError as err:
        raise SystemExit(explain(err, path)) from None


def load_thresholds(path: str) -> Thresholds:
    """The [thresholds] table of a TOML file (a scenario file, or a file with just that table)."""
    data = _read(path)
    try:
        return Thresholds.model_validate(data.get("thresholds", {}))
    except ValidationError as err:
        raise SystemExit(explain(err, f"{path} [thresholds]")) from None
