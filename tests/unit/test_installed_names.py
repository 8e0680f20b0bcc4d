"""`pip install .` installs one import name, `pipeline_harness` — the repository's fixtures/ folder
goes in as `pipeline_harness.fixtures`, so nothing shadows testing-cabal's `fixtures` package — and
its pytest plugin loads in a project that has nothing but the installed package.

The install is pip's own (`--no-build-isolation --no-index`: the test environment's setuptools, no
index asked) from a copy of the sources, into a virtualenv of its own whose dependencies are this
environment's, minus this checkout's own editable install."""

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SOURCES = ("pyproject.toml", "README.md", "pipeline_harness", "fixtures")
THIS_CHECKOUT = ("pipeline_harness", "__editable__")  # what the editable install put in site-packages
LAB_FIXTURES = ("lab_context", "ecr_repository", "pipeline", "lab_resources", "docker_client",
                "nightly_inputs")


def _run(*command: str | Path, cwd: Path | None = None, env: dict | None = None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _installed(tmp_path: Path) -> tuple[Path, Path]:
    """A virtualenv holding only the installed package (and this environment's other packages on
    its path); its interpreter and its site-packages."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    _run(sys.executable, "-m", "venv", "--without-pip", tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    _run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", site, source)
    # the test environment's packages, but not this checkout's editable install of the harness
    deps = tmp_path / "deps"
    deps.mkdir()
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        for entry in Path(folder).iterdir():
            if not entry.name.startswith(THIS_CHECKOUT) and entry.suffix != ".pth":
                (deps / entry.name).symlink_to(entry)
    (site / "test-environment.pth").write_text(f"{deps}\n", encoding="utf-8")
    return python, site


def _packages_in(folder: Path, package: str) -> set[str]:
    return {".".join((package, *init.parent.relative_to(folder).parts)).rstrip(".")
            for init in folder.rglob("__init__.py") if "__pycache__" not in init.parts}


def test_the_declared_packages_are_the_source_trees_with_fixtures_under_pipeline_harness():
    # given
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    mapped = PYPROJECT["tool"]["setuptools"]["package-dir"]

    # when
    in_tree = _packages_in(ROOT / "pipeline_harness", "pipeline_harness") | _packages_in(
        ROOT / "fixtures", "pipeline_harness.fixtures")

    # then
    assert declared == in_tree
    assert mapped == {"pipeline_harness.fixtures": "fixtures"}
    assert {name.split(".")[0] for name in declared} == {"pipeline_harness"}
    plugins = PYPROJECT["project"]["entry-points"]["pytest11"]
    assert list(plugins.values()) == ["pipeline_harness.fixtures.plugin"]


def test_pip_install_makes_only_pipeline_harness_importable_and_its_plugin_loads(tmp_path):
    # given: the package installed into a virtualenv of its own, a project with one test
    python, site = _installed(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_uses_the_lab.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}  # no PYTHONPATH, no PYTEST_* options

    # when
    top_level = {p.name for p in site.iterdir() if (p / "__init__.py").exists() or p.suffix == ".py"}
    listed = _run(python, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider", cwd=project, env=env)

    # then: one import name; the fixtures come from the installed plugin, found by its entry point
    assert top_level == {"pipeline_harness"}
    dist_info = next(site.glob("pipeline_harness-*.dist-info"))
    assert (dist_info / "top_level.txt").read_text(encoding="utf-8").split() == ["pipeline_harness"]
    assert "fixtures defined from pipeline_harness.fixtures.plugin" in listed
    for fixture in LAB_FIXTURES:
        [line] = [line for line in listed.splitlines() if line.startswith(f"{fixture} ")]
        assert str(Path("site-packages") / "pipeline_harness" / "fixtures") in line, line
