"""Link `alb`: what answers GET / at the load balancer forwards to the service's target group, the
group's healthy targets are exactly the service's running tasks, and the app answers 200.

Which call proves what:
- DescribeLoadBalancers (the prerequisites' read): the ALB's DNS name and `Scheme`;
- DescribeServices (the prerequisites' read): the target group the service registers its tasks in;
- DescribeListeners: the port-80 listener and its default action;
- DescribeRules: no rule that may match GET / answers it otherwise (a fixed response, a redirect,
  another target group) before a forward to the service's target group;
- DescribeTargetHealth: the healthy targets, compared with the running tasks' private addresses
  and the container port (the tasks link's DescribeTasks);
- one bounded GET of http://<DNS name>/ (waits/fetch.py): HTTP 200. The student serves what
  answers there: the ALB must be internet-facing (the tutorial opens http://<alb-dns> in a
  browser), its name is resolved once by the grader and only public addresses are read on AWS (an
  emulator's loopback too), no redirect is followed, nothing from the grader's environment is
  used, one deadline covers the request and the body is capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline_harness.grading.evidence import deployment as deployment_link
from pipeline_harness.grading.evidence.deployment import Running
from pipeline_harness.grading.evidence.image import addresses
from pipeline_harness.grading.evidence.link import BROKEN, Judging, Link, gap, reads
from pipeline_harness.kinds.base import MISSING, Missing
from pipeline_harness.steps import prerequisites
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import http
from pipeline_harness.waits.fetch import Fetched

PROVES = ("GET / at the load balancer is forwarded to the service's target group, whose healthy targets "
          "are exactly the service's running tasks, and the app answers HTTP 200")
INTERNET_FACING = "internet-facing"  # the tutorial opens http://<alb-dns> in a browser
DNS_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
PORT = 80  # http://<alb-dns>/
MAX_RULE_PAGES = 5  # a listener holds at most 100 rules by default
ROUTING = ("forward", "redirect", "fixed-response")
FORWARD_TO_THE_SERVICE = ("let the port-80 listener forward to the target group the service registers its "
                          "tasks in (the tutorial's ALB), with no rule answering / otherwise")


@dataclass(frozen=True)
class Reply:
    """The app's answer at the load balancer's URL, or why it was not asked."""

    url: str
    fetched: Fetched | None
    not_read: str = ""

    def __str__(self) -> str:
        return f"{self.url}: {self.fetched}" if self.fetched else f"{self.url}: not read ({self.not_read})"

    @property
    def ok(self) -> bool:
        return self.fetched is not None and self.fetched.complete and self.fetched.status == 200


def ask_app(ctx: Context) -> Reply | Missing:
    """One bounded GET of http://<the ALB's DNS name>/ (MISSING: no such load balancer)."""
    balancer = ctx.read(prerequisites.read_load_balancer)
    if balancer is MISSING:
        return MISSING
    dns, scheme = balancer.get("DNSName", ""), balancer.get("Scheme")
    if not DNS_NAME.fullmatch(dns):
        return Reply(f"http://{dns[:80]!r}/", None, "the load balancer's DNSName is not a DNS name")
    url = f"http://{dns}/"
    if scheme != INTERNET_FACING:
        return Reply(url, None, f"the load balancer's scheme is {scheme or 'not given'}, not "
                                f"{INTERNET_FACING}: a browser cannot reach it")
    return Reply(url, http.http_wait(url, "", consecutive=1, addresses=addresses(ctx)).probe().fetched)


# --- what answers GET / ------------------------------------------------------------------------------

def _wildcard(pattern: str, text: str, case: bool) -> bool:
    """ALB's condition wildcards: * any characters, ? exactly one."""
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(expression, text, 0 if case else re.IGNORECASE) is not None


_CONFIGS = {"path-pattern": "PathPatternConfig", "host-header": "HostHeaderConfig",
            "http-request-method": "HttpRequestMethodConfig"}


def _condition(condition: dict, host: str) -> bool | None:
    """Whether a rule's condition matches GET / at the ALB's name: True, False, or None (unknown)."""
    field = str(condition.get("Field"))
    config = condition.get(_CONFIGS.get(field, ""), {})
    if condition.get("RegexValues") or config.get("RegexValues"):
        return None  # a regular expression of ALB's dialect: not judged, so it may match
    values = config.get("Values") or condition.get("Values") or []
    if field == "path-pattern":
        return any(_wildcard(v, "/", case=True) for v in values)
    if field == "host-header":
        return any(_wildcard(v, host, case=False) for v in values)
    if field == "http-request-method":
        return "GET" in values
    return None  # source-ip, http-header, query-string: the grader cannot know


def _matches(rule: dict, host: str) -> bool | None:
    """All of a rule's conditions: False when one excludes GET /, True when every one holds."""
    seen = [_condition(c, host) for c in rule.get("Conditions", [])]
    if False in seen:
        return False
    return True if all(s is True for s in seen) else None


def _routing(actions: list[dict]) -> tuple[str, list[str]]:
    """What the actions do with the request: the type of the first routing action, its target groups."""
    ordered = sorted(actions, key=lambda a: a.get("Order", 0))
    first = ordered[0] if ordered else {}
    kind = str(first.get("Type", "nothing"))
    if kind != "forward":
        return kind, []
    if first.get("TargetGroupArn"):
        return kind, [first["TargetGroupArn"]]
    groups = first.get("ForwardConfig", {}).get("TargetGroups", [])
    return kind, [g["TargetGroupArn"] for g in groups if g.get("Weight", 1) > 0 and g.get("TargetGroupArn")]


def _group_name(arn: str) -> str:
    return arn.split(":targetgroup/", 1)[-1].split("/", 1)[0] if ":targetgroup/" in arn else arn


def _answers(actions: list[dict], groups: set[str]) -> tuple[bool, str]:
    kind, forwarded = _routing(actions)
    ok = kind == "forward" and bool(forwarded) and set(forwarded) <= groups
    shown = f"forward to {', '.join(map(_group_name, forwarded)) or 'no target group'}" if kind == "forward" \
        else {"fixed-response": "a fixed response", "redirect": "a redirect"}.get(kind, kind)
    return ok, shown


def _rules(ctx: Context, listener: str) -> list[dict]:
    elbv2, rules, marker = ctx.client("elbv2"), [], None
    for _ in range(MAX_RULE_PAGES):
        page = elbv2.describe_rules(ListenerArn=listener, **({"Marker": marker} if marker else {}))
        rules += page.get("Rules", [])
        marker = page.get("NextMarker")
        if not marker:
            break
    return rules


def _judge_routing(ctx: Context, judging: Judging, balancer: dict, groups: set[str]) -> None:
    elbv2 = ctx.client("elbv2")
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"]).get("Listeners", [])
    listener = next((entry for entry in listeners if entry.get("Port") == PORT), None)
    if listener is None:
        judging.breaks(f"load balancer {ctx.names.load_balancer} has no listener on port {PORT} (the "
                       "tutorial opens http://<alb-dns>/)", FORWARD_TO_THE_SERVICE)
        return
    wanted = ", ".join(sorted(map(_group_name, groups)))
    host = balancer.get("DNSName", "")
    rules = sorted((r for r in _rules(ctx, listener["ListenerArn"]) if not r.get("IsDefault")),
                   key=lambda r: int(r["Priority"]) if str(r.get("Priority", "")).isdigit() else 50001)
    for rule in rules:
        matched = _matches(rule, host)
        if matched is False:
            continue
        ok, shown = _answers(rule.get("Actions", []), groups)
        if not judging.compare(ok, "", f"listener rule {rule.get('Priority')} (which may match GET /) "
                               f"answers with {shown}, ahead of the service's target group {wanted}",
                               FORWARD_TO_THE_SERVICE):
            return
        if matched:  # every request for / stops here: the default action is not reached
            return
    ok, shown = _answers(listener.get("DefaultActions", []), groups)
    judging.compare(ok, f"port {PORT} forwards to {wanted}",
                    f"the port-{PORT} listener's default action is {shown}, not a forward to the service's "
                    f"target group {wanted}", FORWARD_TO_THE_SERVICE)


def _judge_targets(ctx: Context, judging: Judging, groups: set[str], running: Running) -> None:
    elbv2 = ctx.client("elbv2")
    healthy = {(d["Target"]["Id"], d["Target"].get("Port")) for group in sorted(groups)
               for d in elbv2.describe_target_health(TargetGroupArn=group).get("TargetHealthDescriptions", [])
               if d.get("TargetHealth", {}).get("State") == "healthy"}
    tasks = {(address, running.port) for _, address, _ in running.tasks}

    def shown(targets: set[tuple[str | None, int | None]]) -> str:
        return ", ".join(sorted(f"{a}:{p}" for a, p in targets)) or "none"

    judging.compare(healthy == tasks, f"healthy targets {shown(healthy)} are the running tasks",
                    f"the target group's healthy targets are {shown(healthy)}; the service's running tasks "
                    f"are {shown(tasks)}", "register only the service's tasks in its target group: let ECS "
                    "do it (the service's load balancer setting) and deregister anything added by hand")


@reads("alb", PROVES)
def alb(ctx: Context, judging: Judging) -> Link:
    running = ctx.read(deployment_link.tasks)
    judging.rests_on(running)
    if running.state == BROKEN and running.facts is None:  # nothing of the pipeline's is behind it
        return judging.link()
    missing = gap(ctx, ("elbv2", "DescribeListeners"), ("elbv2", "DescribeRules"),
                  ("ecs", "DescribeServices"))
    if missing:
        judging.gap(missing)
        return judging.link()
    balancer, service = ctx.read(prerequisites.read_load_balancer), ctx.read(prerequisites.read_service)
    if balancer is MISSING:
        judging.breaks(f"there is no load balancer {ctx.names.load_balancer}",
                       "create the ALB the tutorial assumes")
        return judging.link()
    groups = set() if service is MISSING else {lb["targetGroupArn"] for lb in service.get("loadBalancers", [])
                                               if lb.get("containerName") == ctx.settings.container
                                               and lb.get("targetGroupArn")}
    if not judging.compare(bool(groups), "", f"service {ctx.names.service} registers container "
                           f"{ctx.settings.container} in no target group", FORWARD_TO_THE_SERVICE):
        return judging.link()
    _judge_routing(ctx, judging, balancer, groups)
    if running.facts is None:  # the tasks link says why (moto runs none)
        return judging.link()
    missing = gap(ctx, ("elbv2", "DescribeTargetHealth"))
    if missing:
        judging.gap(missing)
        return judging.link()
    _judge_targets(ctx, judging, groups, running.facts)
    if judging.broken:  # the app's answer could not earn the point: it is not asked
        return judging.link()
    reply = ctx.read(ask_app)
    judging.compare(reply.ok, f"{reply}", f"the app did not answer HTTP 200: {reply}", http.HINT)
    return judging.link(reply)
