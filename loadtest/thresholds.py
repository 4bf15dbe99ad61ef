"""Pass/fail thresholds: a run that breaks any of them exits non-zero and says which and why."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# threshold -> (the result's figure, what it is, unit)
FIGURES: dict[str, tuple[str, str, str]] = {
    "max_p99_ms": ("p99_ms", "delivery latency p99", "ms"),
    "max_lost": ("lost", "lost deliveries", ""),
    "max_connect_p99_ms": ("connect_p99_ms", "connect p99", "ms"),
    "max_ack_errors": ("ack_errors_total", "ack errors and timeouts", ""),
}


class Thresholds(BaseModel):
    """Upper limits; a limit left out is not checked."""

    model_config = ConfigDict(extra="forbid")

    max_p99_ms: float | None = Field(default=None, ge=0)
    max_lost: int | None = Field(default=None, ge=0)
    max_connect_p99_ms: float | None = Field(default=None, ge=0)
    max_ack_errors: int | None = Field(default=None, ge=0)

    def any(self) -> bool:
        """Whether any limit is set."""
        return any(v is not None for v in self.model_dump().values())

    def overridden(self, **cli: float | int | None) -> Thresholds:
        """These limits with the command line's (those given) on top."""
        return Thresholds(**{**self.model_dump(), **{k: v for k, v in cli.items() if v is not None}})


def figure(result: dict, name: str) -> float | None:
    """The figure a threshold checks (ack errors are the sum over codes, timeouts included)."""
    if name == "ack_errors_total":
        return sum((result.get("ack_errors") or {}).values())
    return result.get(name)


def evaluate(thresholds: Thresholds, result: dict) -> list[dict]:
    """One check per limit set: {threshold, figure, limit, actual, held, why}."""
    checks = []
    for key, limit in thresholds.model_dump().items():
        if limit is None:
            continue
        name, what, unit = FIGURES[key]
        actual = figure(result, name)
        if actual is None:
            held, why = False, f"{what}: nothing measured (limit {limit:g}{' ' + unit if unit else ''})"
        else:
            held = actual <= limit
            sign = "<=" if held else ">"
            why = f"{what} {actual:g}{' ' + unit if unit else ''} {sign} {limit:g}{' ' + unit if unit else ''}"
        checks.append({"threshold": key, "figure": name, "limit": limit, "actual": actual, "held": held, "why": why})
    return checks


def verdict(checks: list[dict]) -> str:
    """The summary's threshold lines: each limit, held or FAILED, and why."""
    if not checks:
        return "thresholds: none set"
    lines = ["thresholds:"]
    for c in checks:
        lines.append(f"  {'held  ' if c['held'] else 'FAILED'}  --{c['threshold'].replace('_', '-')}: {c['why']}")
    failed = [c for c in checks if not c["held"]]
    lines.append(f"RESULT: {'PASS' if not failed else 'FAIL'} ({len(checks) - len(failed)}/{len(checks)} held)")
    return "\n".join(lines)
