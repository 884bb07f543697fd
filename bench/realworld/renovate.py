#!/usr/bin/env python3
"""Compares imagelint's inventory with Renovate's extractor on the
repositories of repos.tsv (exported as run.py does).

    bench/realworld/renovate.py [--renovate BIN] [--only NAME ...] [--show N]

Renovate (npm `renovate@39`, the last line that runs on Node 20) is run with
`--platform=local --dry-run=extract` and its report read: every Docker
dependency it extracts without a skip reason, by file. For each file
Renovate reads, the images it finds that imagelint does not (recall) and
those imagelint finds that Renovate does not, by manager. Renovate reads
references as written (no interpolation, no chart rendering), so the
second list is judged, not counted as imagelint's error.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (export, canonical, the inventory)

MANAGERS = ["dockerfile", "docker-compose", "kubernetes", "helm-values", "gitlabci"]


def renovate_deps(binary, tree):
    """{(manager, file): {canonical image}} from Renovate's extract."""
    if subprocess.run(["git", "-C", tree, "rev-parse", "-q", "--verify", "HEAD"],
                      capture_output=True).returncode != 0:
        subprocess.run(["git", "-C", tree, "add", "-A"], check=True, capture_output=True)
        subprocess.run(["git", "-C", tree, "-c", "user.email=oracle@localhost", "-c",
                        "user.name=oracle", "commit", "-qm", "export"], check=True,
                       capture_output=True)
    config = {
        "enabledManagers": MANAGERS,
        # Every YAML file is a candidate Kubernetes manifest, as imagelint reads them.
        "kubernetes": {"fileMatch": ["\\.ya?ml$"]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        env = {**os.environ, "LOG_LEVEL": "warn", "RENOVATE_ONBOARDING": "false",
               "RENOVATE_REQUIRE_CONFIG": "optional", "RENOVATE_CONFIG": json.dumps(config)}
        subprocess.run([binary, "--platform=local", "--dry-run=extract", "--report-type=file",
                        f"--report-path={report}"], cwd=tree, env=env, capture_output=True,
                       timeout=900)
        if not os.path.exists(report):
            return None
        data = json.load(open(report))
    out = collections.defaultdict(set)
    for repo in data.get("repositories", {}).values():
        for manager, files in repo.get("packageFiles", {}).items():
            for f in files:
                for dep in f.get("deps", []):
                    if dep.get("skipReason") or dep.get("datasource") != "docker":
                        continue
                    ref = dep.get("depName") or ""
                    if dep.get("currentValue"):
                        ref += ":" + dep["currentValue"]
                    if dep.get("currentDigest"):
                        ref += "@" + dep["currentDigest"]
                    c = run.canonical(ref)
                    if c:
                        out[manager, f["packageFile"]].add(c)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renovate", default="renovate")
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--work", default="/tmp/imagelint-realworld")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--show", type=int, default=15)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=run.ROOT, check=True)
    counts = collections.defaultdict(collections.Counter)
    missed, extra = collections.defaultdict(list), collections.defaultdict(list)
    repos = [l.split("\t") for l in open(os.path.join(HERE, "repos.tsv")).read().split("\n") if l]
    for repo, commit in repos:
        if args.only and repo not in args.only:
            continue
        tree = run.export(args.mirrors, args.work, repo, commit)
        theirs = renovate_deps(args.renovate, tree)
        if theirs is None:
            print(f"{repo}: Renovate wrote no report", file=sys.stderr)
            continue
        entries, _ = run.imagelint_inventory(tree)
        ours = run.ours_by_file(entries)
        for (manager, path), images in sorted(theirs.items()):
            mine = ours.get(path, set())
            c = counts[manager]
            c["renovate"] += len(images)
            c["both"] += len(images & mine)
            c["imagelint only"] += len(mine - images)
            missed[manager] += [f"{repo}:{path}: {i}" for i in sorted(images - mine)]
            extra[manager] += [f"{repo}:{path}: {i}" for i in sorted(mine - images)]
    print(f"{'manager':15} {'renovate':>8} {'both':>6} {'recall':>7} {'imagelint only':>15}")
    for manager, c in sorted(counts.items()):
        recall = c["both"] / c["renovate"] if c["renovate"] else 1.0
        print(f"{manager:15} {c['renovate']:8} {c['both']:6} {recall:7.4f} {c['imagelint only']:15}")
    for manager in sorted(counts):
        for title, items in (("Renovate only", missed[manager]), ("imagelint only", extra[manager])):
            if items:
                print(f"\n{manager}: {title} ({len(items)})")
                for item in items[:args.show]:
                    print("  " + item)


if __name__ == "__main__":
    main()
