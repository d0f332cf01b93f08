"""The census: the canonical record (contract §1), its normalisation rules, what changed between two censuses.

record.py     the 15-field record and the normalisation of a whole read (`normalise_batches`)
kept.py       the census of one read (`Census`): its records compressed a batch at a time, one per encounter
packed.py     text compressed in pieces that join into one gzip body
normalise.py  one rule per kind of field, from one raw value to its canonical text
decoding.py   text from the HIS as correct, clean Unicode, whatever bytes the database holds
changes.py    admissions, discharges and transfers between two censuses
"""

from __future__ import annotations

from connector.census.normalise import Issues
from connector.census.record import FIELDS, Census, CensusRecord, normalise_batches, normalise_census

__all__ = ["FIELDS", "Census", "CensusRecord", "Issues", "normalise_batches", "normalise_census"]
