"""Wall time of `pipeline-harness lint` on hostile files: each is refused or linted in bounded
time, never hangs. Prints the median of --rounds runs per input, in memory, with the generic rules
(the lab rules where the name says so).

Each input is made to hit one path that was once unbounded (quadratic, exponential or recursive):
an alias bomb, nesting deeper than the composer's recursion, a script of 50 000 lines, thousands
of invalid variable names (each error used to rescan the mapping), thousands of duplicate keys,
a file of just under 1 MiB; a Dockerfile whose ARGs or ENVs each repeat the one before (an
expansion bomb), a buildspec whose variables each name the next many times (the image references'
substitution), thousands of secondary artifacts (each once looked up from the root), a
double-quoted command whose escapes hide each of its lines from the source (the line search
rescanned), a buildspec of 100 000 findings and an imagedefinitions.json of 11 000 (findings are
capped per rule), 1 Mi three-byte characters (too large in bytes, not in characters).
ShellCheck's own time grows faster than the script (2 000 commands: 1.5 s, 5 000: 5.6 s, measured
here), so the 20 000 commands (over shellcheck.MAX_SCRIPT_BYTES) are not given to it, and a
`shellcheck-failed` note says so. Real buildspecs hold tens of commands.

    python benchmarks/lint_hostile.py [--rounds 3] [--case NAME]

Run against another checkout's code with PYTHONPATH=<its root> (the figures before a change).
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


def _arg_bomb(levels: int) -> str:
    # each ARG's default names the one before ten times: 10**(levels + 1) characters
    rows = ["ARG A0=xxxxxxxxxx"] + [f"ARG A{n}=" + f"$A{n - 1}" * 10 for n in range(1, levels + 1)]
    return "\n".join(rows) + "\nFROM php:8.3-apache\nEXPOSE 80\n"


def _env_bomb(levels: int) -> str:
    # each ENV doubles the value: 2**levels characters
    return "FROM php:8.3-apache\nENV A=x\n" + "ENV A=$A$A\n" * levels + "EXPOSE $A\n"


def _variable_chain(names: int) -> str:
    # each variable names the next one `names` times; the logins and pushes name the first, and
    # each push is compared with each login's registry
    rows = [f"    V{n}: " + f"$V{n + 1}" * names + "\n" for n in range(names)] + [f"    V{names}: x\n"]
    docker = ["docker login $V0", "docker push $V0"] * (names // 2)
    return ("version: 0.2\nenv:\n  variables:\n" + "".join(rows) + "phases:\n  build:\n    commands:\n"
            + "".join(f"      - {c}\n" for c in docker))


def _secondaries(count: int) -> str:
    rows = "".join(f"    a{n}: {{files: [o]}}\n" for n in range(count))
    return PHASES.join(["version: 0.2\n", "artifacts:\n  files:\n    - a\n  secondary-artifacts:\n"]) + rows


def _escaped_lines(count: int) -> str:
    # `\x41` in the source is `A` in the command: no line of the command is found as written
    lines = "".join(f"        echo \\x41{n}\\n\\\n" for n in range(count))
    return 'version: 0.2\nphases:\n  build:\n    commands:\n      - "\\\n' + lines + '        "\n'


def _definitions(count: int) -> str:
    rows = ",".join(f'{{"name":"other{n}","imageUri":"x/y:{n}"}}' for n in range(count))
    return f"[{rows}]"


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
    "Dockerfile: ARG chain, 7 x 10 (10**8 chars)": lambda: _arg_bomb(7),
    "Dockerfile: ARG chain, 8 x 10 (10**9 chars)": lambda: _arg_bomb(8),
    "Dockerfile: ENV A=$A$A x 20 (2**20 chars)": lambda: _env_bomb(20),
    "buildspec: 20 variables, each names the next 20 x": lambda: _variable_chain(20),
    "buildspec: 40 variables, each names the next 40 x": lambda: _variable_chain(40),
    "4 000 secondary artifacts": lambda: _secondaries(4000),
    "4 000 secondary artifacts (lab rules)": lambda: _secondaries(4000),
    "10 000 escaped command lines": lambda: _escaped_lines(10_000),
    "90 000 keys `A: x` (a finding each)": lambda: "version: 0.2\n" + PHASES + "A: x\n" * 90_000,
    "imagedefinitions.json, 11 000 wrong names": lambda: _definitions(11_000),
    "1 048 476 x '\u20ac' (3 MiB, 1 Mi characters)":
        lambda: "version: 0.2\n" + PHASES + "#" + "\u20ac" * (MAX_BYTES - 100),
}
# the rule set and the file name of the inputs that are not generic buildspecs
RULES = {"4 000 secondary artifacts (lab rules)": "lab", "imagedefinitions.json, 11 000 wrong names": "lab"}
PATHS = {name: "Dockerfile" for name in INPUTS if name.startswith("Dockerfile")} | {
    "imagedefinitions.json, 11 000 wrong names": "imagedefinitions.json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", choices=list(INPUTS), action="append", help="only these inputs")
    args = parser.parse_args()
    settings = Settings()
    for name in args.case or INPUTS:
        text = INPUTS[name]()
        times, findings = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            findings = lint_text(text, PATHS.get(name, "buildspec.yml"), settings,
                                 rules=RULES.get(name, "generic"))
            times.append(time.perf_counter() - started)
        fatal = next((f.rule for f in findings if f.fatal), None)
        outcome = f"refused ({fatal})" if fatal else f"{len(findings)} findings"
        print(f"{name:<52} {len(text.encode()) / 1024:8.0f} KiB  "
              f"median {statistics.median(times):6.2f} s  {outcome}")


if __name__ == "__main__":
    main()
