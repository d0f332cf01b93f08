"""HIS adapters, one module per vendor, found by the vendor's name."""

from __future__ import annotations

from adapters.base import Adapter
from adapters.mv import MvAdapter
from connector.settings import SourceSettings

ADAPTERS: dict[str, type[Adapter]] = {
    MvAdapter.name: MvAdapter,
}


def adapter_for(source: SourceSettings) -> Adapter:
    """The adapter of the configured vendor."""
    return ADAPTERS[source.vendor](source)
