"""HIS adapters, one module per vendor, found by the vendor's name."""

from __future__ import annotations

from adapters.base import Adapter
from adapters.custom import CustomAdapter
from adapters.mv import MvAdapter
from adapters.sigho import SighoAdapter
from adapters.wareline import WarelineAdapter
from connector.settings import SourceSettings

ADAPTERS: dict[str, type[Adapter]] = {
    adapter.name: adapter for adapter in (MvAdapter, WarelineAdapter, SighoAdapter, CustomAdapter)
}


def adapter_for(source: SourceSettings) -> Adapter:
    """The adapter of the configured vendor."""
    return ADAPTERS[source.vendor](source)
