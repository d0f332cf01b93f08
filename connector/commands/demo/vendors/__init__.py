"""One module per vendor the demo can show: its tables (exactly the columns in his-schemas, also the test
replicas' tables) and the `Writer` that puts the synthetic hospital into them.

Found by scanning this package, like the vendor folders: a module `<vendor>.py` defining one `Writer` subclass is
all `demo --vendor <vendor>` needs. A vendor without one is still a complete vendor; the demo just cannot show it.
"""

from __future__ import annotations

import importlib
import pkgutil

from connector.commands.demo.world import Writer


def _writers() -> dict[str, type[Writer]]:
    found: dict[str, type[Writer]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Writer) and value.__module__ == module.__name__:
                found[info.name] = value
    return dict(sorted(found.items()))


WRITERS: dict[str, type[Writer]] = _writers()
