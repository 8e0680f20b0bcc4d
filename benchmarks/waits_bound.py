"""The best any polling schedule could do on the ecr-tags wait, and the floor of an events wait's calls.

The ecr-tags condition (the image tags are in ECR) becomes true at `World.pushed`, with no sign
before it that a wait could observe. Against fixed 15 s polling from the push (polls at 0, 15,
30, ... s; calls = polls up to the one that sees the tags), this script computes an oracle: it
knows the exact distribution of the push time (the empirical one of the drawn timelines) and is
told for free when the CodeBuild build started, so it only searches R = pushed - build_at. Its
polls (on a grid after the build's start, none charged before it, not even the first look at the
push) are the Bayes-optimal sequential schedule minimising E[lag] + lambda x E[calls], by dynamic
programming over "last poll at s, tags not seen yet (R > s)":

    V(s) = min over t > s of  lambda + E[t - R; s < R <= t] / P(R > s) + P(R > t) / P(R > s) x V(t)

Sweeping lambda traces the frontier of (mean calls, mean lag); each chosen schedule is then run
on the draws, so its figures are measured. "bound" is the Lagrangian lower bound
max over lambda of (V_lambda(0) - lambda x calls): no schedule on the grid with at most that many
mean calls has a lower mean lag on these draws; one off the grid is at most one grid step better.

Assumption: the timelines are waits_lag.py's model (World.draw on its SPREADS). The oracle knows
their distribution and the build's start, which no real wait does, so its figures are lower bounds
on any real poller's lag on this model (the issue's goal: a third of fixed 15 s polling's lag at no
more calls).

The events floor: an SQS ReceiveMessage long poll lasts at most 20 s (WaitTimeSeconds at most 20,
AWS SQS API reference), so listening all along costs at least 3 calls a minute. Each wait also makes
the reads no verdict can do without: a first look and a confirming read (one ListPipelineExecutions
or BatchGetImage serves for each), and for the rollout the new deployment's task definition, whose
image no ECS event carries (DescribeTaskDefinition); and when the deciding event is lost (20 %),
at least one look more. So a wait lasting `minutes` (pipeline until World.done, ecr-tags until
World.pushed, rollout until World.settled, all from the push) makes at least
3 x minutes + reads + 0.2 calls, taken as mean calls / mean minutes like the benchmark's goal (at
most 4 calls a minute). It ignores the extra receives that other events end early (a long poll
returns at the first message) and the delivery delay, so the real figure is higher.

    python benchmarks/waits_bound.py [--runs 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from waits_lag import SPREADS, World

from pipeline_harness.waits.model import LONG_POLL  # SQS's longest ReceiveMessage wait

FIXED = 15.0  # s between the fixed schedule's polls
STEP, MAX_POINTS = 0.25, 8000  # the oracle's grid (s), coarsened (doubled) while it has more points
LAMBDAS = np.logspace(-2, 3, 201)  # s of lag one call is worth, 40 a decade
LOST = 0.2  # the share of events lost, as in waits_lag.py
# wait: (the moment its condition holds, the reads no verdict can do without)
EVENT_WAITS = {"pipeline": ("done", 2), "ecr-tags": ("pushed", 2), "rollout": ("settled", 3)}

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Point:
    calls: float
    lag: float


def fixed_polling(x: Floats) -> Point:
    """Polls at 0, 15, 30, ... s: the first one at or after x sees the tags."""
    k = np.ceil(x / FIXED)
    return Point(float(np.mean(k + 1)), float(np.mean(k * FIXED - x)))


def grid_for(r: Floats) -> tuple[float, Floats]:
    step = STEP
    while math.ceil(r.max() / step) > MAX_POINTS:
        step *= 2
    return step, step * np.arange(math.ceil(r.max() / step) + 1)


def solve(r: Floats, grid: Floats) -> tuple[Floats, NDArray[np.intp]]:
    """Backward DP for every lambda at once, on W(i) = P(R > g_i) x V(g_i):
    W(i) = lambda P(R > g_i) + min over j > i of [g_j (C_j - C_i) - (S_j - S_i) + W(j)],
    C_k = P(R <= g_k), S_k = E[R; R <= g_k]. Returns V(0) per lambda and the next poll's index."""
    ordered = np.sort(r)
    below = np.searchsorted(ordered, grid, side="right")
    c = below / len(r)
    s = np.concatenate(([0.0], np.cumsum(ordered)))[below] / len(r)
    n = len(grid) - 1
    w = np.zeros((len(LAMBDAS), n + 1))
    a = np.empty_like(w)  # a_j = g_j C_j - S_j + W(j)
    a[:, n] = grid[n] * c[n] - s[n]
    nxt = np.full((len(LAMBDAS), n + 1), n, dtype=np.intp)
    rows = np.arange(len(LAMBDAS))
    for i in range(n - 1, -1, -1):
        values = a[:, i + 1:] - c[i] * grid[i + 1:]
        k = values.argmin(axis=1)
        w[:, i] = LAMBDAS * (1 - c[i]) + values[rows, k] + s[i]
        nxt[:, i] = i + 1 + k
        a[:, i] = grid[i] * c[i] - s[i] + w[:, i]
    return w[:, 0], nxt


def schedule(nxt: NDArray[np.intp], grid: Floats, r_max: float) -> Floats:
    """The poll times (after the build's start) the DP chose, from 0 until no R is left unseen."""
    polls, i = [], 0
    while grid[i] < r_max:
        i = int(nxt[i])
        polls.append(grid[i])
    return np.array(polls)


def measure(polls: Floats, r: Floats) -> Point:
    """Mean calls and lag of a schedule on these R (beyond its last poll, on fresh draws, it goes on
    every 15 s)."""
    beyond = max(0, math.ceil((float(r.max()) - polls[-1]) / FIXED))
    polls = np.concatenate((polls, polls[-1] + FIXED * np.arange(1, beyond + 1)))
    k = np.searchsorted(polls, r, side="left")
    return Point(float(np.mean(k + 1)), float(np.mean(polls[k] - r)))


@dataclass(frozen=True)
class Oracle:
    step: float
    frontier: list[tuple[Point, Floats]]  # measured (calls, lag) per lambda, with its schedule
    values: Floats  # V_lambda(0)

    def at_calls(self, calls: float) -> tuple[Point, Floats]:
        return min(((p, s) for p, s in self.frontier if p.calls <= calls + 1e-9), key=lambda f: f[0].lag)

    def calls_for(self, lag: float) -> Point | None:
        return min((p for p, _ in self.frontier if p.lag <= lag + 1e-9), key=lambda p: p.calls, default=None)

    def lag_bound(self, calls: float) -> float:
        return max(0.0, float(np.max(self.values - LAMBDAS * calls)))

    def calls_bound(self, lag: float) -> float:
        return float(np.max((self.values - lag) / LAMBDAS))


def oracle(r: Floats) -> Oracle:
    step, grid = grid_for(r)
    values, nxt = solve(r, grid)
    frontier = []
    for row in nxt:
        polls = schedule(row, grid, float(r.max()))
        frontier.append((measure(polls, r), polls))
    return Oracle(step, frontier, values)


def draw(rng: random.Random, runs: int) -> list[list[World]]:
    return [[World.draw(rng, spread) for _ in range(runs)] for spread in SPREADS]


def polling_table(draws: list[list[World]], fresh: list[list[World]]) -> None:
    print("ecr-tags: fixed 15 s polling from the push vs an oracle told the build's start and the push "
          "time's distribution\n(lag s; calls = polls; the oracle polls after the build's start only; "
          "goal = fixed lag / 3;\nbound: no grid schedule with no more mean calls has a lower mean lag on "
          "these draws;\nreachable: yes = a measured oracle schedule meets the goal, no = even the bound "
          "misses it)\n")
    header = (f"{'spread':<46} {'fixed lag':>9} {'calls':>6} {'oracle lag (calls)':>19} {'bound':>6} "
              f"{'goal lag':>8} {'oracle calls for goal':>22} {'reachable':>9}")
    print(f"{header}\n{'-' * len(header)}")
    notes = []
    for spread, worlds, others in zip(SPREADS, draws, fresh, strict=True):
        x = np.array([w.pushed for w in worlds])
        r = x - np.array([w.build_at for w in worlds])
        fixed, best = fixed_polling(x), oracle(r)
        point, polls = best.at_calls(fixed.calls)
        goal = fixed.lag / 3
        need = best.calls_for(goal)
        needed = "-" if need is None else f"{need.calls:.1f} (>= {best.calls_bound(goal):.1f})"
        bound = best.lag_bound(fixed.calls)
        reachable = "yes" if point.lag <= goal else ("no" if bound > goal else "?")
        print(f"{spread.name:<46} {fixed.lag:9.2f} {fixed.calls:6.2f} {point.lag:11.2f} ({point.calls:5.2f}) "
              f"{bound:6.2f} {goal:8.2f} {needed:>22} {reachable:>9}")
        r_fresh = np.array([w.pushed - w.build_at for w in others])
        check = measure(polls, r_fresh)
        notes.append(f"  {spread.name}: grid {best.step:g} s; at the same calls the oracle polls "
                     f"{len(polls)} times at most, at {_times(polls)} s after the build's start; on "
                     f"{len(others)} fresh timelines: lag {check.lag:.2f} s, {check.calls:.2f} calls")
    print("\n" + "\n".join(notes))


def _times(polls: Floats) -> str:
    shown = ", ".join(f"{t:g}" for t in polls[:8])
    return shown + (", ..." if len(polls) > 8 else "")


def events_floor(draws: list[list[World]]) -> None:
    print(f"\nevents floor: a long poll every {LONG_POLL:g} s at most, the reads no verdict can do "
          f"without, one look more when the deciding event is lost ({LOST:.0%});\ncalls/min = "
          "(3 x mean minutes + reads + 0.2) / mean minutes, goal <= 4\n")
    header = f"{'spread':<46} {'wait':<9} {'reads':>5} {'minutes':>8} {'floor calls/min':>16} {'<= 4':>5}"
    print(f"{header}\n{'-' * len(header)}")
    for spread, worlds in zip(SPREADS, draws, strict=True):
        for i, (wait, (end, reads)) in enumerate(EVENT_WAITS.items()):
            minutes = float(np.mean([getattr(w, end) for w in worlds])) / 60
            per_minute = (60 / LONG_POLL * minutes + reads + LOST) / minutes
            print(f"{spread.name if i == 0 else '':<46} {wait:<9} {reads:5d} {minutes:8.2f} "
                  f"{per_minute:16.2f} {'yes' if per_minute <= 4 else 'no':>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.perf_counter()
    draws = draw(random.Random(args.seed), args.runs)
    fresh = draw(random.Random(args.seed + 1), args.runs)
    print(f"{args.runs} timelines per spread (waits_lag.py's model), seed {args.seed}; fresh check: seed "
          f"{args.seed + 1}; lambda {LAMBDAS[0]:g}-{LAMBDAS[-1]:g} s per call, {len(LAMBDAS)} values\n")
    polling_table(draws, fresh)
    events_floor(draws)
    print(f"\n{time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
