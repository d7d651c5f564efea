"""The shipped starter catalogue: reward files (YAML) the embedded default seeds itself with.

Installed as the package `rewards_catalog` (see setup.py), so the files are found next to this
module wherever the project is installed, not by a path into the source tree.
"""

from pathlib import Path

SHIPPED_CATALOG = Path(__file__).resolve().parent
