"""Wall time and AWS API calls to provision and tear down the whole lab on the embedded emulator.

    python benchmarks/provision_teardown.py [--rounds N]

The first round on a new server pays for moto building its backends (imports, default VPCs);
later rounds show the harness's own cost. Both are printed; quote medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import load
from pipeline_harness.targets import moto
from pipeline_harness.targets.base import Target


def one_round(target: Target, prefix: str) -> dict:
    with Lab(load(prefix=prefix, environ={}), target) as lab:
        _ = lab.ctx.names  # the STS read is part of neither phase
        target.calls.clear()
        started = time.perf_counter()
        lab.provision()
        provisioned = time.perf_counter()
        provision_calls = sum(target.calls.values())
        target.calls.clear()
        result = lab.teardown()
        done = time.perf_counter()
    assert not result.errors, result.errors
    return {"provision_s": provisioned - started, "teardown_s": done - provisioned,
            "provision_calls": provision_calls, "teardown_calls": sum(target.calls.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    target = moto.embedded("us-east-1")
    _ = target.account
    startup = time.perf_counter() - started
    try:
        rounds = [one_round(target, f"bench{i}-") for i in range(args.rounds)]
    finally:
        target.close()

    cold, warm = rounds[0], rounds[1:]
    print(f"embedded moto server start + first STS answer: {startup:.2f} s")
    print(f"{'':<28}{'provision':>12}{'teardown':>12}{'total':>10}{'calls':>8}")
    def row(label: str, r: dict) -> None:
        total = r["provision_s"] + r["teardown_s"]
        calls = r["provision_calls"] + r["teardown_calls"]
        print(f"{label:<28}{r['provision_s']:>11.2f}s{r['teardown_s']:>11.2f}s{total:>9.2f}s{int(calls):>8}"
              f"  ({int(r['provision_calls'])} + {int(r['teardown_calls'])})")
    row("first round (cold server)", cold)
    if warm:
        median = {k: statistics.median(r[k] for r in warm) for k in warm[0]}
        row(f"median of {len(warm)} warm rounds", median)
    print("goal: under 2 s and under 80 calls for provision + teardown together")


if __name__ == "__main__":
    main()
