"""Settings from where a user gives them. Precedence (lowest first): defaults, a TOML file,
PIPELINE_HARNESS_* environment variables, command-line / pytest options."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, get_type_hints

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.settings.model import Settings

ENV_PREFIX = "PIPELINE_HARNESS_"
# tables of the config file that other parts of the harness read (lint's rule selection)
OTHER_TABLES = ("lint",)
# each setting's type, as Python reads its annotation
_TYPES: dict[str, Any] = {f.name: get_type_hints(Settings)[f.name] for f in fields(Settings)}
_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")  # ASCII digits: int() would take "٨٠" and "8_0" too


def _coerce(name: str, value: Any) -> Any:
    kind = _TYPES[name]
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be true or false, not {value!r}")
    if kind is int:
        # a TOML integer, or the digits of one from the environment; never a bool, float or list
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
            return int(value.strip())
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be text, not {value!r}")
    return value


def load_toml(path: str | os.PathLike[str], what: str = "config file") -> dict[str, Any]:
    """A TOML file's content; anything wrong with the file is one ConfigError line."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{what} {path} cannot be read: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{what} {path} is not valid TOML: {err}") from None


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Settings from a TOML file: top-level keys, or the same keys under [lab]."""
    data = load_toml(path)
    top = {k: v for k, v in data.items() if k != "lab" and k not in OTHER_TABLES}
    lab = data.get("lab", {})
    if not isinstance(lab, dict):
        raise ConfigError(f"config file {path}: [lab] must be a table of settings, not {lab!r}")
    return {**top, **lab}


def from_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        key[len(ENV_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):].lower() in _TYPES
    }


def load(
    config: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings from defaults < TOML file < environment < explicit overrides (None = not given)."""
    environ = os.environ if environ is None else environ
    config = config or environ.get(ENV_PREFIX + "CONFIG")
    layers = [read_toml(config) if config else {}, from_env(environ),
              {k: v for k, v in overrides.items() if v is not None}]
    merged: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            if name not in _TYPES:
                known = ", ".join(sorted(_TYPES))
                raise ConfigError(f"unknown setting {name!r}; known settings: {known}")
            merged[name] = _coerce(name, value)
    return Settings(**merged)
