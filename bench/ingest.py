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
    """Wall seconds and peak RSS (KiB) of one command, via /usr/bin/time."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0,):
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    rss = int(proc.stderr.strip().splitlines()[-1])
    return wall, rss

def count(site):
    return len([n for n in os.listdir(os.path.join(site, "_posts")) if not n.startswith(".")])

def main():
    ap = argparse.ArgumentParser()
    for a in ("--bin", "--node-script", "--floor", "--data", "--tmpfs", "--disk"):
        ap.add_argument(a, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--expect", type=int, required=True)
    args = ap.parse_args()
    subs, raw = os.path.join(args.data, "subs.json"), os.path.join(args.data, "raw.toml")
    env = dict(os.environ)
    results = {}
    last_site = None
    for place, base in (("tmpfs", args.tmpfs), ("disk", args.disk)):
        for r in range(args.rounds):
            runs = [
                ("newsmirror (raw: the same posts)", lambda s: [args.bin, "run", "--config", raw, "--site", s]),
                ("newsmirror (sanitising, default)", lambda s: [args.bin, "run", "--config", subs, "--site", s]),
                ("node rss-parser (old pipeline)", lambda s: ["node", args.node_script, subs, s]),
            ]
            # Alternate the order each round so neither side always runs warm.
            if r % 2:
                runs.reverse()
            for name, cmd in runs:
                site = os.path.join(base, f"{r}-{abs(hash(name))}")
                shutil.rmtree(site, ignore_errors=True)
                os.makedirs(site)
                wall, rss = timed(cmd(site), env)
                n = count(site)
                if n != args.expect:
                    sys.exit(f"{name} wrote {n} posts, expected {args.expect}")
                results.setdefault((place, name), []).append((wall, rss))
                if name.startswith("newsmirror (raw"):
                    floor_dst = os.path.join(base, f"floor-{r}")
                    shutil.rmtree(floor_dst, ignore_errors=True)
                    out = subprocess.run([args.floor, os.path.join(site, "_posts"), floor_dst], capture_output=True, text=True, check=True)
                    results.setdefault((place, "write floor (open/write/close)"), []).append((float(out.stdout), 0))
                    shutil.rmtree(floor_dst, ignore_errors=True)
                    if place == "tmpfs":
                        last_site = site
                if not name.startswith("newsmirror (raw") or place != "tmpfs" or r != args.rounds - 1:
                    shutil.rmtree(site, ignore_errors=True)
    # A rerun over unchanged feeds: the server answers 304 to every source.
    reruns = [timed([args.bin, "run", "--config", raw, "--site", last_site], env) for _ in range(args.rounds)]
    results[("tmpfs", "newsmirror rerun, unchanged feeds (304)")] = reruns

    print(f"\n{args.expect} posts ({args.rounds} alternating rounds, medians)\n")
    print(f"{'where':6} {'what':42} {'wall s':>8} {'peak MiB':>9}")
    med = {}
    for (place, name), vals in results.items():
        wall = statistics.median(v[0] for v in vals)
        rss = max(v[1] for v in vals) / 1024
        med[(place, name)] = wall
        print(f"{place:6} {name:42} {wall:8.3f} {rss:9.1f}" if rss else f"{place:6} {name:42} {wall:8.3f} {'-':>9}")
    print()
    for place in ("tmpfs", "disk"):
        nm = med[(place, "newsmirror (raw: the same posts)")]
        ns = med[(place, "newsmirror (sanitising, default)")]
        node = med[(place, "node rss-parser (old pipeline)")]
        floor = med[(place, "write floor (open/write/close)")]
        print(f"{place}: node / newsmirror raw = {node / nm:.2f}x, node / newsmirror sanitising = {node / ns:.2f}x, "
              f"newsmirror raw / write floor = {nm / floor:.2f}x")

if __name__ == "__main__":
    main()
