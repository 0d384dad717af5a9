"""Throughput and memory of `dyadwatch kb build --wikidata` on a generated dump.

The dump (deterministic with --seed, written to a temporary directory and removed after) has
the real dump's framing and entity shape (the helpers of tests/fixtures/wikidata/make_slice.py)
and a mix meant to resemble latest-all.json: per 100 entities about 40 scholarly articles, 20
places (P17 country, coordinates), 15 humans without a position, 5 office holders (1-4 dated P39
statements, citizenship, sometimes death and party), 5 taxa, 6 organisations (party, company,
police ... with P17 or headquarters P159), 4 subclass-of items, 3 position items, 2 other items;
plus the ~250 country items with their ISO3 code. Real entities are larger on average (many
labels and sitelinks), so entities per second here is an upper bound for the real dump; MB/s
is the figure to extrapolate from.

The build runs in a child process (its peak RSS is then its own): `extract` (both passes, rows
checked) on the gzip file, on the bzip2 file and on the plain file, then `build` from the gzip
file into a scratch overlay (the merge through kbimport.import_file included).

    nice -n 10 .venv/bin/python bench/bench_wikidata.py [--entities 50000] [--seed 3] [--json]
                                                        [--no-bz2]
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "wikidata"))

import make_slice as ms  # noqa: E402

WORDS = ("analysis of the effect of policy on regional trade and conflict among neighbouring "
         "states with evidence from survey data and new estimates of the long run").split()
CLASSES = ["Q48352", "Q2285706", "Q7330070", "Q83307", "Q486839", "Q16533", "Q189290"]
ORG_CLASSES = ["Q7278", "Q4830453", "Q35535", "Q17127659", "Q3918", "Q178790", "Q79913"]


def _title(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _countries() -> list[tuple[str, str]]:
    import csv

    with open(ROOT / "src/dyadwatch/actors/data/countries.csv", encoding="utf-8") as fh:
        iso = [r["iso3"] for r in csv.DictReader(fh)]
    return [(f"Q{980000000 + i}", code) for i, code in enumerate(iso)]


def generate(path: Path, entities: int, seed: int) -> dict:
    rng = random.Random(seed)
    ms._hash = lambda: f"{rng.getrandbits(160):040x}"  # real snak hashes do not compress
    countries = _countries()
    country_q = [q for q, _ in countries]
    base = 970000000
    positions = [f"Q{base + 1 + i}" for i in range(max(10, entities * 3 // 100))]
    places = [f"Q{base + 200000 + i}" for i in range(max(10, entities // 5))]
    fh = open(path, "w", encoding="utf-8")
    fh.write("[\n")
    first = [True]

    class _Out(list):  # entities are written as they are made; the dump is never held
        def append(self, ent: dict) -> None:
            fh.write(("" if first[0] else ",\n")
                     + json.dumps(ent, ensure_ascii=False, separators=(",", ":")))
            first[0] = False
            self.n = getattr(self, "n", 0) + 1

    lines = _Out()
    for q, code in countries:
        lines.append(ms.entity(q, {"en": f"Country {code}"}, {
            **ms.claims_of(q, P31=["Q6256"]), "P298": [ms.string_snak("P298", code)]}))
    for q in CLASSES + ORG_CLASSES:
        lines.append(ms.entity(q, {"en": f"class {q}"}, ms.claims_of(q, P279=["Q4164871"])))
    kinds = (["article"] * 40 + ["place"] * 20 + ["human"] * 15 + ["holder"] * 5 + ["taxon"] * 5
             + ["org"] * 6 + ["class"] * 4 + ["position"] * 3 + ["other"] * 2)
    pos_i = place_i = 0
    counts: dict[str, int] = {}
    for i in range(entities):
        kind = rng.choice(kinds)
        counts[kind] = counts.get(kind, 0) + 1
        q = f"Q{base + 500000 + i}"
        if kind == "article":
            authors = [f"Q{rng.randrange(1, 10**8)}" for _ in range(rng.randint(2, 12))]
            year = rng.randint(1950, 2025)
            doi = f"10.{rng.randrange(1000, 9999)}/{rng.randrange(10**8)}"
            ent = ms.entity(q, {"en": _title(rng, 12)}, {
                **ms.claims_of(q, P31=["Q13442814"], P50=authors,
                               P1433=[f"Q{rng.randrange(10**6)}"]),
                "P577": [ms.statement(q, ms.time_snak("P577", f"+{year}-01-01T00:00:00Z"))],
                "P356": [ms.string_snak("P356", doi)],
                "P1476": [ms.string_snak("P1476", _title(rng, 12))]}, sitelinks=())
        elif kind == "place":
            q = places[place_i % len(places)]
            place_i += 1
            ent = ms.entity(q, {"en": f"Town {i}", "es": f"Pueblo {i}"}, {
                **ms.claims_of(q, P31=["Q486972"], P17=[rng.choice(country_q)]),
                "P625": [ms.string_snak("P625", f"{rng.uniform(-80, 80):.4f},"
                                                f"{rng.uniform(-170, 170):.4f}")]})
        elif kind == "human":
            ent = ms.entity(q, {"en": f"Person {i}"}, {
                **ms.claims_of(q, P31=["Q5"], P27=[rng.choice(country_q)], P106=["Q1650915"]),
                "P569": [ms.statement(q, ms.time_snak(
                    "P569", f"+{rng.randint(1900, 2000)}-05-03T00:00:00Z"))]})
        elif kind == "holder":
            held = []
            for _ in range(rng.randint(1, 4)):
                y = rng.randint(1950, 2024)
                end = f"+{y + rng.randint(1, 6)}-00-00T00:00:00Z" if rng.random() < 0.8 else None
                held.append(ms.held(q, rng.choice(positions),
                                    f"+{y}-0{rng.randint(1, 9)}-01T00:00:00Z", end,
                                    end_precision=9))
            extra = ms.claims_of(q, P27=[rng.choice(country_q)], P102=[f"Q{base + 400000}"])
            ent = ms.human(q, {"en": f"Holder {i}", "es": f"Titular {i}"}, held, extra,
                           aliases={"en": [f"H. {i}"]}, sitelinks=("enwiki", "eswiki"))
        elif kind == "taxon":
            ent = ms.entity(q, {"en": f"Taxon {i}"}, {
                **ms.claims_of(q, P31=["Q16521"], P171=[f"Q{rng.randrange(10**7)}"]),
                "P225": [ms.string_snak("P225", f"Genus species{i}")]}, sitelinks=())
        elif kind == "org":
            props = {"P31": [rng.choice(ORG_CLASSES)]}
            if rng.random() < 0.7:
                props["P17"] = [rng.choice(country_q)]
            else:
                props["P159"] = [rng.choice(places)]
            ent = ms.entity(q, {"en": f"Organisation {i}"}, ms.claims_of(q, **props))
        elif kind == "class":
            ent = ms.entity(q, {"en": f"class {i}"},
                            ms.claims_of(q, P279=[rng.choice(CLASSES + ORG_CLASSES)]))
        elif kind == "position":
            q = positions[pos_i % len(positions)]
            pos_i += 1
            ent = ms.entity(q, {"en": f"Minister of Things {i}"}, ms.claims_of(
                q, P31=["Q4164871"], P279=[rng.choice(CLASSES)], P17=[rng.choice(country_q)]))
        else:
            ent = ms.entity(q, {"en": f"Thing {i}"}, ms.claims_of(q, P31=["Q35120"]))
        lines.append(ent)
    fh.write("\n]\n")
    fh.close()
    return {"entities": lines.n, "mix": counts}


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it starts anew at exec,
    so the parent that generated the dump is not counted)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(mode: str, path: str, dest: str) -> None:
    """Runs in the child process: one extract or build, prints seconds, rows and peak RSS."""
    from dyadwatch.actors.wikidata import build, extract

    t = time.perf_counter()
    if mode == "build":
        report = build(path, dest)
        counts = report.counts
    else:
        _, _, report = extract(path)
        counts = report.counts
    out = {"seconds": round(time.perf_counter() - t, 2), "passes": report.seconds,
           "role_rows": counts["role_rows"], "organisation_rows": counts["organisation_rows"],
           "rejected": sum(v for k, v in counts.items() if k.startswith("rejected_")),
           "entity_lines": counts["entity_lines"],
           "peak_rss_mb": _peak_rss_mb()}
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entities", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-bz2", action="store_true", help="skip the (slow) bzip2 run")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "dump.json"
        t = time.perf_counter()
        made = generate(plain, args.entities, args.seed)
        gz, bz = Path(tmp) / "dump.json.gz", Path(tmp) / "dump.json.bz2"
        with open(plain, "rb") as src, gzip.open(gz, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst)
        if not args.no_bz2:
            with open(plain, "rb") as src, bz2.open(bz, "wb") as dst:
                shutil.copyfileobj(src, dst)
        gen_s = time.perf_counter() - t
        sizes = {"plain_mb": plain.stat().st_size / 1e6, "gz_mb": gz.stat().st_size / 1e6,
                 "bz2_mb": bz.stat().st_size / 1e6 if bz.exists() else 0.0}
        runs = {}
        modes = [("extract-gz", gz), ("extract-bz2", bz), ("extract-plain", plain), ("build", gz)]
        for mode, path in modes:
            if mode == "extract-bz2" and args.no_bz2:
                continue
            res = subprocess.run([sys.executable, __file__, "--child", mode.split("-")[0],
                                  str(path), str(Path(tmp) / "overlay")], capture_output=True,
                                 text=True, check=True)
            runs[mode] = json.loads(res.stdout.strip().splitlines()[-1])
    ent = made["entities"]
    result = {
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "entities": ent, "mix": made["mix"], "generate_seconds": round(gen_s, 1),
        "plain_mb": round(sizes["plain_mb"], 1), "gz_mb": round(sizes["gz_mb"], 1),
        "runs": runs,
        "entities_per_s_gz": round(ent / runs["extract-gz"]["seconds"]),
        "plain_mb_per_s_gz": round(sizes["plain_mb"] / runs["extract-gz"]["seconds"], 1),
        "gz_mb_per_s": round(sizes["gz_mb"] / runs["extract-gz"]["seconds"], 2),
        "bz2_mb": round(sizes["bz2_mb"], 1),
        "plain_mb_per_s_bz2": (round(sizes["plain_mb"] / runs["extract-bz2"]["seconds"], 1)
                               if "extract-bz2" in runs else None),
        "entities_per_s_plain": round(ent / runs["extract-plain"]["seconds"]),
        "plain_mb_per_s": round(sizes["plain_mb"] / runs["extract-plain"]["seconds"], 1),
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{ent:,} entities, {result['plain_mb']} MB plain, {result['gz_mb']} MB gzip "
          f"(generated in {result['generate_seconds']} s)")
    for mode, r in runs.items():
        print(f"  {mode:14s} {r['seconds']:7.2f} s (passes {r['passes']}), "
              f"{r['role_rows']:,} office rows, {r['organisation_rows']:,} organisations, "
              f"{r['rejected']} rejected, "
              f"peak RSS {r['peak_rss_mb']} MB")
    print(f"gzip:  {result['entities_per_s_gz']:,} entities/s, {result['plain_mb_per_s_gz']} MB/s "
          f"of JSON, {result['gz_mb_per_s']} MB/s of gzip (both passes)")
    if result["plain_mb_per_s_bz2"] is not None:
        print(f"bzip2: {result['plain_mb_per_s_bz2']} MB/s of JSON ({result['bz2_mb']} MB file)")
    print(f"plain: {result['entities_per_s_plain']:,} entities/s, {result['plain_mb_per_s']} MB/s")


if __name__ == "__main__":
    main()
