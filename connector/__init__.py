"""hoteleitos-connector: reads the admitted-patient census from a hospital's HIS and pushes it to HOTELEITOS."""

__version__ = "0.1.0"
