"""Which packages the rewards-service distribution installs (everything else is in pyproject.toml).

Two folders are installed under project-specific names, so nothing generic lands in site-packages:
`scripts/` (the command-line tools) as `rewards_scripts`, and `catalog/` (the shipped reward files,
as package data) as `rewards_catalog`. pyproject.toml alone cannot combine package discovery with
renamed folders, hence this file.
"""

from setuptools import find_packages, setup

RENAMED = {"rewards_scripts": "scripts", "rewards_catalog": "catalog"}

setup(
    packages=[*find_packages(include=["documents*", "service*"]), *RENAMED],
    package_dir=RENAMED,
    package_data={
        "rewards_catalog": ["*.yaml", "*.yml", "*.json"],
        "service.http.console": ["templates/*.html", "static/*"],
    },
)
