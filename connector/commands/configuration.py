"""The settings as every command loads them: the settings loader, with the vendor adapters' own checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters import VENDORS
from connector.settings import Settings, loader


def load_settings(config: str | None = None, env_file: str | None = None) -> tuple[Settings, loader.Layers]:
    """Validated settings and where each value came from, or `ConfigError` with every problem found."""
    return loader.load_settings(config, env_file, vendors=VENDORS)


def settings_from_values(values: Mapping[str, Any]) -> Settings:
    """Settings from these values and the defaults only (no environment, no file): the demo, the tests."""
    return loader.settings_from_values(values, vendors=VENDORS)
