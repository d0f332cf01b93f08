"""One module per vendor with a census query: its tables (exactly the columns in his-schemas, also the test
replicas' tables) and the `Writer` that puts the synthetic hospital into them."""

from __future__ import annotations

from connector.demo.vendors.aghu import AghuWriter
from connector.demo.vendors.mv import MvWriter
from connector.demo.vendors.spdata import SpdataWriter
from connector.demo.vendors.tasy import TasyWriter
from connector.demo.vendors.wareline import WarelineWriter
from connector.demo.world import Writer

WRITERS: dict[str, type[Writer]] = {
    "aghu": AghuWriter,
    "mv": MvWriter,
    "spdata": SpdataWriter,
    "tasy": TasyWriter,
    "wareline": WarelineWriter,
}
