"""What every step shares: the context it works in, its checks, and how a check is judged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import botocore.exceptions

from pipeline_harness.errors import HarnessError, Unsupported
from pipeline_harness.settings import TAG_RUN_ID, Names, Settings
from pipeline_harness.targets.base import Target

MISSING = object()  # a read found no resource


@dataclass
class Context:
    """Settings, target and names for one run, with each read made once per context."""

    settings: Settings
    target: Target
    created: set[str] = field(default_factory=set)  # resources this process made or adopted
    ids: dict[str, str] = field(default_factory=dict)  # ids learned while provisioning (VPC, ARNs)
    _reads: dict = field(default_factory=dict, repr=False)
    _names: Names | None = None

    @property
    def makes_prerequisites(self) -> bool:
        """Whether the harness makes the cluster, service and ALB, or uses the user's own."""
        return self.target.quirks.creates_prerequisites or self.settings.provision_prerequisites

    @property
    def names(self) -> Names:
        if self._names is None:
            self._names = self.settings.names(self.target.account,
                                              prefix_prerequisites=self.makes_prerequisites)
        return self._names

    def client(self, service: str):
        return self.target.client(service)

    def read(self, reader: Callable[[Context], Any]) -> Any:
        """reader(self), cached until forget(): checks of one resource share one API read."""
        if reader not in self._reads:
            self._reads[reader] = reader(self)
        return self._reads[reader]

    def forget(self) -> None:
        self._reads.clear()

    # tag shapes differ per service; the content is the settings' tags everywhere
    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        return [{key: k, value: v} for k, v in self.settings.tags.items()]


def error_code(err: Exception) -> str:
    if isinstance(err, botocore.exceptions.ClientError):
        return err.response.get("Error", {}).get("Code", "")
    return ""


def carries_our_tag(tags: dict[str, str] | list[dict[str, str]]) -> bool:
    if isinstance(tags, list):
        return any((t.get("Key") or t.get("key")) == TAG_RUN_ID for t in tags)
    return TAG_RUN_ID in tags


@dataclass(frozen=True)
class Check:
    """One thing the tutorial asks for, read back through the API and compared with the spec.

    `read(ctx)` returns the resource (MISSING when absent); `judge(resource, ctx)` returns
    (ok, expected, found) as text for the message.
    """

    id: str
    step: int
    title: str
    hint: str
    read: Callable[[Context], Any]
    judge: Callable[[Any, Context], tuple[bool, str, str]]
    needs: tuple[tuple[str, str | None], ...] = ()
    points: int = 1
    # the tutorial calls it optional: earns a bonus point when done, never a penalty when not
    bonus: bool | Callable[[Context], bool] = False


@dataclass(frozen=True)
class CheckResult:
    id: str
    step: int
    title: str
    status: str  # pass | fail | skip | error
    points: int
    max_points: int
    message: str
    hint: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


_API_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


def run_check(check: Check, ctx: Context) -> CheckResult:
    bonus = check.bonus(ctx) if callable(check.bonus) else check.bonus
    max_points = 0 if bonus else check.points

    def result(status: str, message: str, points: int = 0, hint: str = "") -> CheckResult:
        return CheckResult(check.id, check.step, check.title, status, points, max_points,
                           message, hint)

    for service, operation in check.needs:
        reason = ctx.target.gap(service, operation)
        if reason:
            return result("skip", f"skipped: {reason}")
    try:
        resource = ctx.read(check.read)
        if resource is MISSING:
            ok, expected, found = False, "the resource to exist", "nothing"
        else:
            ok, expected, found = check.judge(resource, ctx)
    except Unsupported as err:
        return result("skip", f"skipped: {err}")
    except (HarnessError, *_API_ERRORS) as err:
        return result("error", f"could not read: {err}")
    if ok:
        return result("pass", f"found {found}", check.points)
    if bonus:
        return result("pass", f"optional, not done: {expected} earns a bonus point, found {found}",
                      hint=check.hint)
    return result("fail", f"expected {expected}, found {found}", hint=check.hint)


def equals(expected_of: Callable[[Context], Any], found_of: Callable[[Any], Any]):
    """A judge comparing one field of the resource with the spec's value."""

    def judge(resource: Any, ctx: Context) -> tuple[bool, str, str]:
        expected, found = expected_of(ctx), found_of(resource)
        return expected == found, _show(expected), _show(found)

    return judge


def exists(describe: Callable[[Any], str]):
    def judge(resource: Any, ctx: Context) -> tuple[bool, str, str]:
        return True, "it to exist", describe(resource)

    return judge


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"`{value}`"
    if value is None:
        return "nothing"
    return repr(value)


def dig(data: Any, *path: str | int, default: Any = None) -> Any:
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return default
    return data


def drifted(want: Any, found: Any) -> bool:
    """Whether `found` differs from `want` in anything `want` states (extra fields don't count)."""
    if isinstance(want, dict):
        return not isinstance(found, dict) or any(drifted(v, found.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return (not isinstance(found, list) or len(want) != len(found)
                or any(drifted(w, f) for w, f in zip(want, found)))
    return want != found
