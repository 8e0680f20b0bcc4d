"""The tree shows the layers: no loose module at the package's top level, and `core/` — what every
layer may use — imports nothing of the harness, so nothing it holds can reach back up."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline_harness"


def _harness_imports(path: Path) -> list[str]:
    """The pipeline_harness modules a file imports, wherever in it (a function's own import too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:  # a relative import stays in the harness
            found.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return [name for name in found if name.startswith(("pipeline_harness", "."))]


def test_the_top_level_of_the_package_holds_only_its_entry_modules():
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_core_imports_nothing_of_the_harness():
    modules = sorted((PACKAGE / "core").glob("*.py"))

    imports = {m.name: _harness_imports(m) for m in modules}

    assert len(modules) >= 4
    assert imports == {m.name: [] for m in modules}


def test_the_import_finder_sees_a_harness_import_anywhere_in_a_file(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import json\nfrom . import x\ndef f():\n    from pipeline_harness.steps import base\n"
                      "import pipeline_harness.kinds as k\n")

    assert sorted(_harness_imports(module)) == [".", "pipeline_harness.kinds", "pipeline_harness.steps"]
