#!/usr/bin/env python3
"""Driver for ingest.sh: alternating timed runs, a table of medians and ratios."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

def timed(cmd, env=None):
    """Wall, user and sys seconds and peak RSS (KiB) of one command, via /usr/bin/time."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    user, sys_, rss = proc.stderr.strip().splitlines()[-1].split()
    return wall, float(user), float(sys_), int(rss)

def count(site):
    return len([n for n in os.listdir(os.path.join(site, "_posts")) if not n.startswith(".")])

RAW, DEFAULT, NODE = "newsmirror raw", "newsmirror default (sanitising)", "node rss-parser (old, all at once)"
BEFORE_RAW, BEFORE_DEFAULT = "before: newsmirror raw", "before: newsmirror default"
FLOOR, FLOOR_SYNC = "floor: write + rename", "floor: write + fdatasync + rename"

def main():
    ap = argparse.ArgumentParser()
    for a in ("--bin", "--node-script", "--floor", "--data", "--tmpfs", "--disk", "--label"):
        ap.add_argument(a, required=True)
    ap.add_argument("--before", help="a second newsmirror binary, run side by side")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--expect", type=int, required=True)
    args = ap.parse_args()
    subs, raw = os.path.join(args.data, "subs.json"), os.path.join(args.data, "raw.toml")
    results = {}
    programs = [
        (RAW, lambda s: [args.bin, "run", "--config", raw, "--site", s]),
        (DEFAULT, lambda s: [args.bin, "run", "--config", subs, "--site", s]),
        (NODE, lambda s: ["node", args.node_script, subs, s]),
    ]
    if args.before:
        programs += [
            (BEFORE_RAW, lambda s: [args.before, "run", "--config", raw, "--site", s]),
            (BEFORE_DEFAULT, lambda s: [args.before, "run", "--config", subs, "--site", s]),
        ]
    for place, base in (("tmpfs", args.tmpfs), ("disk", args.disk)):
        os.makedirs(base, exist_ok=True)
        for r in range(args.rounds):
            # Alternate the order each round so no program always runs warm.
            runs = programs[::-1] if r % 2 else programs
            for name, cmd in runs:
                site = os.path.join(base, "site")
                shutil.rmtree(site, ignore_errors=True)
                os.makedirs(site)
                results.setdefault((place, name), []).append(timed(cmd(site)))
                n = count(site)
                if n != args.expect:
                    sys.exit(f"{name} wrote {n} posts, expected {args.expect}")
                if name == RAW:
                    floors = [(FLOOR, [])] + ([(FLOOR_SYNC, ["--fsync"])] if place == "disk" else [])
                    for fname, flag in floors:
                        dst = os.path.join(base, "floor")
                        shutil.rmtree(dst, ignore_errors=True)
                        subprocess.run(["sync"], check=True)
                        out = subprocess.run([args.floor, *flag, os.path.join(site, "_posts"), dst],
                                             capture_output=True, text=True, check=True)
                        results.setdefault((place, fname), []).append((float(out.stdout), 0, 0, 0))
                        shutil.rmtree(dst, ignore_errors=True)
                shutil.rmtree(site, ignore_errors=True)
            subprocess.run(["sync"], check=True)

    print(f"\n{args.label}: {args.expect} posts, {args.rounds} alternating rounds, medians (peak: the largest)\n")
    print(f"| where | what | wall s | user s | sys s | peak MiB |\n| --- | --- | ---: | ---: | ---: | ---: |")
    med = {}
    for (place, name), vals in results.items():
        m = [statistics.median(v[i] for v in vals) for i in range(3)]
        rss = max(v[3] for v in vals) / 1024
        med[(place, name)] = m[0]
        if rss:
            print(f"| {place} | {name} | {m[0]:.3f} | {m[1]:.2f} | {m[2]:.2f} | {rss:.1f} |")
        else:
            print(f"| {place} | {name} | {m[0]:.3f} | | | |")
    print()
    for place in ("tmpfs", "disk"):
        nm, ns, node = med[(place, RAW)], med[(place, DEFAULT)], med[(place, NODE)]
        line = (f"{place}: old / raw = {node / nm:.2f}x, old / default = {node / ns:.2f}x, "
                f"raw / floor = {nm / med[(place, FLOOR)]:.2f}x")
        if (place, FLOOR_SYNC) in med:
            line += f", raw / fsync floor = {nm / med[(place, FLOOR_SYNC)]:.2f}x"
        if args.before:
            line += (f"; before / after: raw {med[(place, BEFORE_RAW)] / nm:.2f}x, "
                     f"default {med[(place, BEFORE_DEFAULT)] / ns:.2f}x")
        print(line)

if __name__ == "__main__":
    main()
