"""Registers the harness's fixtures (a no-op where the package is installed as a pytest plugin)."""

pytest_plugins = ["fixtures.plugin"]
