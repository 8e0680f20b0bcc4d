"""What ShellCheck's bounds are measured against: the public buildspecs of tests/data/buildspecs,
their commands assembled as lint gives them to ShellCheck (each rule set's declared variables),
the longest of those scripts, and ShellCheck's peak resident memory on each (one process each).

    python benchmarks/lint_corpus.py
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
from pathlib import Path

from pipeline_harness.lint import shellcheck, variables
from pipeline_harness.lint.document import load
from pipeline_harness.lint.script import assemble, dialect, is_windows
from pipeline_harness.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "buildspecs"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    paths = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml"))
    specs = [spec for spec in map(load, paths) if not is_windows(spec)]
    generic = variables.CODEBUILD_VARIABLES | variables.SHELL_VARIABLES
    scripts = {(rules, spec.path): assemble(spec, given | variables.declared(spec), dialect(spec, image)).text
               for rules, given, image in (("generic", generic, None),
                                           ("lab", variables.GIVEN, Settings().codebuild_image))
               for spec in specs}
    (rules, longest), text = max(scripts.items(), key=lambda item: len(item[1].encode()))
    print(f"{len(paths)} buildspecs, {len(specs)} not Windows; the longest script {len(text.encode())} bytes "
          f"({Path(longest).name}, {rules}): MAX_SCRIPT_BYTES ({shellcheck.MAX_SCRIPT_BYTES}) is "
          f"{shellcheck.MAX_SCRIPT_BYTES / len(text.encode()):.1f} times that")
    with tempfile.TemporaryDirectory(prefix="lint-corpus-") as folder:
        for number, script in enumerate(scripts.values()):
            path = Path(folder) / f"{number}.sh"
            path.write_text(script, encoding="utf-8")
            subprocess.run([shellcheck.binary(), "--format=json1", "--norc", str(path)], capture_output=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"ShellCheck's peak resident memory over the {len(scripts)} scripts: {peak:.1f} MiB")


if __name__ == "__main__":
    main()
