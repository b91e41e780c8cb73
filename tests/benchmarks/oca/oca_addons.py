# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fetch the OCA addons the billing benchmark compares against.

``contract`` and ``subscription_oca`` (OCA/contract, 18.0) are released on
PyPI as wheels. They are downloaded with pip (``--no-deps``: their manifests
depend on Odoo core only — ``contract`` on base/account/product/portal,
``subscription_oca`` on sale_management/account) and unpacked OUTSIDE the
repository, by default in ``${XDG_CACHE_HOME:-~/.cache}/subscription-suite/
oca-addons/<version>/``, a folder to put on the addons path of the benchmark
databases. Their code (AGPL-3) is never copied into the suite.

    python tests/benchmarks/oca/oca_addons.py [--dest DIR]   # prints the folder
"""

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# Pinned so that two runs compare against the same code; --oca-version may
# override them (see bench_billing.py).
WHEELS = {
    "contract": ("odoo-addon-contract", "18.0.2.6.2"),
    "subscription_oca": ("odoo-addon-subscription-oca", "18.0.1.0.2"),
}


def default_dest():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "subscription-suite" / "oca-addons"


def addons_dir(dest, versions=None):
    """Folder holding the unpacked addons for ``versions`` ({module: version})."""
    versions = {**{m: v for m, (_d, v) in WHEELS.items()}, **(versions or {})}
    tag = "-".join(f"{module}_{versions[module]}" for module in sorted(versions))
    return Path(dest) / tag


def ensure(dest=None, versions=None, python=None):
    """Download and unpack the wheels unless already there; return the
    addons folder (it holds ``contract/`` and ``subscription_oca/``)."""
    versions = {**{m: v for m, (_d, v) in WHEELS.items()}, **(versions or {})}
    target = addons_dir(dest or default_dest(), versions)
    if all((target / module / "__manifest__.py").is_file() for module in WHEELS):
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oca-wheels-") as tmp:
        specs = [f"{WHEELS[module][0]}=={versions[module]}" for module in sorted(WHEELS)]
        subprocess.run(
            [
                python or sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "--disable-pip-version-check",
                "-q",
                "-d",
                tmp,
                *specs,
            ],
            check=True,
        )
        for wheel in sorted(Path(tmp).glob("*.whl")):
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    parts = member.split("/")
                    # odoo/addons/<module>/... -> <target>/<module>/...
                    if len(parts) > 3 and parts[:2] == ["odoo", "addons"] and parts[2] in WHEELS:
                        out = target.joinpath(*parts[2:])
                        if member.endswith("/"):
                            continue
                        out.parent.mkdir(parents=True, exist_ok=True)
                        out.write_bytes(archive.read(member))
    missing = [m for m in WHEELS if not (target / m / "__manifest__.py").is_file()]
    if missing:
        raise SystemExit(f"OCA wheels did not provide {', '.join(missing)}")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", default=None, help="parent folder (default: the cache)")
    args = parser.parse_args()
    print(ensure(args.dest))


if __name__ == "__main__":
    main()
