#!/usr/bin/env python3
"""Fetch the dashboard's JavaScript from the npm registry into src/anchorkit/web/static/vendor.

The dashboard loads htmx, vega, vega-lite and vega-embed from its own static files (no CDN, nothing
fetched at run time), so the exact builds are pinned in ``vendor/VERSIONS.json`` with a sha256 per
file. This script is the only thing that writes that folder:

    python scripts/vendor_js.py                     # re-fetch the pinned versions (sha256 must match)
    python scripts/vendor_js.py vega-lite@6.6.0     # upgrade one package, rewrite VERSIONS.json
    python scripts/vendor_js.py --latest            # newest release in each package's pinned major
    python scripts/vendor_js.py --check             # offline: do the files match VERSIONS.json?

It needs ``npm`` (it runs ``npm pack`` in a temporary folder and reads the tarball; no node_modules,
no install scripts run). After an upgrade run the tests: tests/web/test_charts.py checks the
hashes, and the Vega-Lite major version of the vendored build must match what altair emits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "anchorkit" / "web" / "static" / "vendor"
VERSIONS = VENDOR / "VERSIONS.json"

# package → (file inside the npm tarball, name in vendor/). The file is the minified UMD browser
# build: loaded by a plain <script> tag it defines a global (htmx, vega, vegaLite, vegaEmbed).
BUILDS: dict[str, tuple[str, str]] = {
    "htmx.org": ("dist/htmx.min.js", "htmx.min.js"),
    "vega": ("build/vega.min.js", "vega.min.js"),
    "vega-lite": ("build/vega-lite.min.js", "vega-lite.min.js"),
    "vega-embed": ("build/vega-embed.min.js", "vega-embed.min.js"),
}
# Used only when VERSIONS.json does not exist yet.
DEFAULT_PINS = {"htmx.org": "2.0.11", "vega": "6.4.0", "vega-lite": "6.5.0", "vega-embed": "7.3.0"}


def say(message: str) -> None:
    sys.stdout.write(message + "\n")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_versions() -> list[dict[str, str]]:
    if not VERSIONS.exists():
        return []
    entries: list[dict[str, str]] = json.loads(VERSIONS.read_text("utf-8"))["packages"]
    return entries


def npm(*args: str, cwd: Path) -> str:
    done = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def latest_in_major(package: str, version: str, cwd: Path) -> str:
    """Newest published release with the same major version as ``version``."""
    major = version.split(".")[0]
    out = json.loads(npm("view", f"{package}@^{major}.0.0", "version", "--json", cwd=cwd))
    return str(out[-1] if isinstance(out, list) else out)


def fetch(package: str, version: str, tmp: Path) -> dict[str, str]:
    """npm pack one package, copy its browser build and licence into VENDOR, describe them."""
    packed = json.loads(npm("pack", f"{package}@{version}", "--json", cwd=tmp))[0]
    inner, name = BUILDS[package]
    licence_name = f"{package}.LICENSE"
    with tarfile.open(tmp / packed["filename"]) as tar:
        members = {m.name.removeprefix("package/"): m for m in tar.getmembers()}
        licence = next(
            (m for path, m in members.items() if path.upper() in ("LICENSE", "LICENSE.MD")), None
        )
        if licence is None:
            raise SystemExit(f"{package}@{version}: no LICENSE file in the tarball")
        build, text = (tar.extractfile(members[inner]), tar.extractfile(licence))
        assert build is not None and text is not None
        data, licence_data = build.read(), text.read()
    (VENDOR / name).write_bytes(data)
    (VENDOR / licence_name).write_bytes(licence_data)
    return {
        "package": package,
        "version": str(packed["version"]),
        "source": inner,
        "file": name,
        "sha256": sha256(data),
        "license_file": licence_name,
        "npm_integrity": str(packed["integrity"]),
    }


def check(entries: list[dict[str, str]]) -> int:
    if not entries:
        say(f"{VERSIONS} is missing")
        return 1
    bad = 0
    for e in entries:
        path = VENDOR / e["file"]
        ok = path.exists() and sha256(path.read_bytes()) == e["sha256"]
        ok = ok and (VENDOR / e["license_file"]).exists()
        say(f"{'ok ' if ok else 'BAD'} {e['package']}@{e['version']} {e['file']}")
        bad += not ok
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("pins", nargs="*", metavar="PACKAGE@VERSION", help="versions to change")
    parser.add_argument("--latest", action="store_true", help="newest release in the pinned major")
    parser.add_argument("--check", action="store_true", help="verify the files, fetch nothing")
    args = parser.parse_args(argv)

    entries = read_versions()
    if args.check:
        return check(entries)
    before = {e["package"]: e for e in entries}
    pins = {p: before[p]["version"] if p in before else v for p, v in DEFAULT_PINS.items()}
    for pin in args.pins:
        package, _, version = pin.rpartition("@")
        if package not in BUILDS or not version:
            raise SystemExit(f"{pin!r}: expected one of {sorted(BUILDS)} as PACKAGE@VERSION")
        pins[package] = version

    VENDOR.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory(prefix="anchorkit-vendor-") as name:
        tmp = Path(name)
        for package, version in pins.items():
            if args.latest:
                version = latest_in_major(package, version, tmp)
            entry = fetch(package, version, tmp)
            old = before.get(package)
            if old and old["version"] == entry["version"] and old["sha256"] != entry["sha256"]:
                raise SystemExit(
                    f"{package}@{version}: sha256 {entry['sha256']} differs from the pinned "
                    f"{old['sha256']} for the same version; refusing to continue"
                )
            change = f"{old['version']} → " if old and old["version"] != entry["version"] else ""
            say(f"{package}: {change}{entry['version']}  {entry['file']}  {entry['sha256'][:16]}…")
            out.append(entry)
    document = {
        "about": "Browser builds vendored from the npm registry by scripts/vendor_js.py; "
        "sha256 is of the file in this folder.",
        "packages": out,
    }
    VERSIONS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
