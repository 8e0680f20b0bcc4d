"""Wall time of `pipeline-harness lint` on hostile buildspecs: each is refused or linted in bounded
time, never hangs. Prints the median of --rounds runs per input, the generic rules, in memory.

Each input is made to hit one path that was once unbounded (quadratic, exponential or recursive):
an alias bomb, nesting deeper than the composer's recursion, a script of 50 000 lines, thousands
of invalid variable names (each error used to rescan the mapping), thousands of duplicate keys,
a file of just under 1 MiB. ShellCheck's own time grows faster than the script (2 000 commands:
1.5 s, 5 000: 5.6 s, measured here), so the 20 000 commands (over shellcheck.MAX_SCRIPT_BYTES) are
not given to it, and a `shellcheck-failed` note says so. Real buildspecs hold tens of commands.

    python benchmarks/lint_hostile.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from pipeline_harness.lint.files import MAX_BYTES
from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings

PHASES = "phases:\n  build:\n    commands:\n      - make\n"


def _laughs(levels: int) -> str:
    rows = ['    X0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    rows += [f"    X{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "version: 0.2\nenv:\n  variables:\n" + "\n".join(rows) + "\n" + PHASES


INPUTS = {
    "alias bomb, 9 levels (9**9 strings)": lambda: _laughs(9),
    "flow lists nested 50 000 deep": lambda: "version: 0.2\nphases: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "20 000 commands": lambda: "version: 0.2\nphases:\n  build:\n    commands:\n"
                               + "".join(f"      - echo {n}\n" for n in range(20_000)),
    "20 000 invalid variable names": lambda: "version: 0.2\nenv:\n  variables:\n"
                                             + "".join(f"    bad-{n}: x\n" for n in range(20_000)) + PHASES,
    "20 000 duplicate keys": lambda: "version: 0.2\nenv:\n  variables:\n"
                                     + "    A: x\n" * 20_000 + PHASES,
    "a comment of just under 1 MiB": lambda: "version: 0.2\n" + PHASES + "#" * (MAX_BYTES - 200) + "\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    for name, make in INPUTS.items():
        text = make()
        times, findings = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            findings = lint_text(text, "buildspec.yml", settings, rules="generic")
            times.append(time.perf_counter() - started)
        fatal = next((f.rule for f in findings if f.fatal), None)
        outcome = f"refused ({fatal})" if fatal else f"{len(findings)} findings"
        print(f"{name:<40} {len(text) / 1024:8.0f} KiB  median {statistics.median(times):6.2f} s  {outcome}")


if __name__ == "__main__":
    main()
