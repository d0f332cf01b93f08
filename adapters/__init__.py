"""HIS adapters: one folder per vendor, found by scanning this package, paired with its SQL under queries/.

    adapters/<vendor>/__init__.py   the adapter: a subclass of `adapters.base.Adapter` (and its `Options`)
    queries/<vendor>/census.sql     the census query (a vendor without one reads the hospital's SQL file)
    queries/<vendor>/probe.sql      optional: the change probe, a cheap query over the bed table
    adapters/<vendor>/tables.py     optional: the vendor's tables (SQLAlchemy) and the `adapters.synthetic.Writer`
                                    that writes the synthetic hospital into them: the one definition the demo, the
                                    test replicas and the bench build (a vendor without one has no demo)

The folder's name is the vendor's name (`HOTELEITOS_SOURCE_VENDOR=<folder>`); see docs/novo-fornecedor.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from functools import cache

from adapters.base import Adapter
from adapters.synthetic import Writer
from connector.settings import SourceSettings


@cache
def registry() -> dict[str, type[Adapter]]:
    """Every vendor folder's adapter, by name: vendors with their own query first, then the SQL-file ones."""
    found: dict[str, type[Adapter]] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Adapter) and value.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise RuntimeError(
                f"adapters/{info.name}/__init__.py deve definir exatamente uma subclasse de adapters.base.Adapter "
                f"(encontradas: {len(classes)}); veja docs/novo-fornecedor.md."
            )
        found[info.name] = classes[0]
    return dict(sorted(found.items(), key=lambda item: (item[1].census_resource() is None, item[0])))


@cache
def writers() -> dict[str, type[Writer]]:
    """The synthetic hospital's writer of every vendor folder with a `tables.py` that defines one, by vendor name:
    what `demo --vendor <name>` can show."""
    found: dict[str, type[Writer]] = {}
    for name in sorted(registry()):
        if importlib.util.find_spec(f"{__name__}.{name}.tables") is None:
            continue
        module = importlib.import_module(f"{__name__}.{name}.tables")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Writer) and value.__module__ == module.__name__
        ]
        if len(classes) > 1:
            raise RuntimeError(f"adapters/{name}/tables.py define mais de um Writer ({len(classes)}); deixe um só.")
        if classes:
            found[name] = classes[0]
    return found


def vendor_names() -> list[str]:
    """The valid values of HOTELEITOS_SOURCE_VENDOR."""
    return list(registry())


def adapter_for(source: SourceSettings) -> Adapter:
    """The adapter of the configured vendor (its options validated: `pydantic.ValidationError` when wrong)."""
    return registry()[source.vendor](source)


class _Vendors:
    """The vendors as the settings loader asks of them (`connector.settings.loader.Vendors`)."""

    def names(self) -> list[str]:
        return vendor_names()

    def problems(self, source: SourceSettings) -> tuple[list[str], bool]:
        adapter = adapter_for(source)
        return adapter.problems(), adapter.has_probe()

    def options(self) -> dict[str, list[str]]:
        return {name: list(adapter.Options.model_fields) for name, adapter in registry().items()}


VENDORS = _Vendors()
