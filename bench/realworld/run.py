#!/usr/bin/env python3
"""Measures imagelint on real public repositories against the real consumers.

    bench/realworld/run.py [--mirrors DIR] [--work DIR] [--only NAME ...]

`repos.tsv` lists the repositories and the commit measured. Each is taken
from a bare git mirror (`DIR/owner+name/repo`, as the library's `fetch`
leaves them; default /work/.mirror) and exported to a work folder; nothing
of theirs is committed here. For each repository the script runs
`imagelint inventory --format json` and `imagelint check` and compares with
the oracles:

- YAML: every YAML file imagelint reads (not Helm templates) that PyYAML's
  libyaml loader loads must not be rejected by imagelint.
- compose: `docker-compose -f F config --format json` (Compose v5): the
  `image` of every service without `build`.
- dockerfile: BuildKit's parser (PyPI `dockerfile`): `FROM` images that are
  not stages, `scratch` or variables.
- helm: Helm (`helm-python-sdk`) renders each chart with its default values;
  the `image:` values of the output, against what imagelint reads in the
  chart's values.yaml and templates/.
- kubernetes: with PyYAML, every `image:` string in a document that has
  `apiVersion` and `kind` (a container at any depth).

With `--fix`, each repository is also copied, given a mirror for Docker
Hub and a lock with a digest for every tagged image, and fixed with
`imagelint check --fix`; every Helm chart is rendered and every compose
file resolved before and after. Each image after must be the image before
under the mirror, pinned by the lock's digest, or the image before,
unchanged (or only mirrored) and still reported by `imagelint check`.

Prints recall and precision per kind over all repositories, and every
disagreement. References are compared in canonical form
(`docker.io/library/nginx:latest`); ones with variables left are skipped.
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.path.join(ROOT, "target", "release", "imagelint")


def canonical(ref):
    """Docker's normalisation, enough for comparing."""
    ref = ref.strip().strip('"').strip("'")
    if not ref or "$" in ref or "{{" in ref or re.search(r"@[A-Z0-9_]+@", ref):
        return None  # variables and workflow placeholders
    name, digest = (ref.split("@", 1) + [None])[:2]
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" not in name or not ("." in first or ":" in first or first == "localhost"):
        name = "docker.io/" + name
    if name.startswith("docker.io/") and name.count("/") == 1:
        name = "docker.io/library/" + name[len("docker.io/"):]
    if tag is None and digest is None:
        tag = "latest"
    out = name.lower() if False else name
    if tag:
        out += ":" + tag
    if digest:
        out += "@" + digest
    return out


def export(mirrors, work, repo, commit):
    """The tree at `commit`, without the blobs the snapshot lacks (its
    largest files, images mostly)."""
    dest = os.path.join(work, repo.replace("/", "+"))
    if os.path.isdir(dest):
        return dest
    git_dir = os.path.join(mirrors, repo.replace("/", "+"), "repo")
    listing = subprocess.run(["git", "-C", git_dir, "ls-tree", "-r", "-z", commit], check=True,
                             capture_output=True).stdout.split(b"\0")
    files = []
    for item in listing:
        if not item:
            continue
        meta, path = item.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            files.append((sha.decode(), path.decode("utf-8", "replace")))
    batch = subprocess.Popen(["git", "-C", git_dir, "cat-file", "--batch"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    os.makedirs(dest)
    for sha, path in files:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            continue  # missing from the snapshot
        data = batch.stdout.read(int(header[2]) + 1)[:-1]
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
    batch.stdin.close()
    batch.wait()
    # A repository of its own, so imagelint sees its root and .gitignore.
    subprocess.run(["git", "init", "-q", dest], check=True)
    return dest


def imagelint_inventory(tree):
    out = subprocess.run([BINARY, "inventory", "--format", "json", "--no-ignore", "."], cwd=tree,
                         capture_output=True, text=True)
    entries = json.loads(out.stdout)["images"] if out.stdout.strip() else []
    errors = {}
    for line in out.stderr.splitlines():
        m = re.match(r"^imagelint: (.+?): (.*)$", line)
        if m:
            errors[m.group(1)] = m.group(2)
    return entries, errors


def ours_by_file(entries):
    by = collections.defaultdict(set)
    for e in entries:
        img = e.get("image") or {}
        c = canonical(img.get("text") or "")
        if c:
            by[e["path"]].add(c)
    return by


def libyaml_loads(path):
    try:
        with open(path, "rb") as f:
            list(yaml.load_all(f, Loader=yaml.CSafeLoader))
        return True
    except Exception:
        return False


def compose_oracle(path):
    images = compose_list(path)
    return None if images is None else {canonical(i) for i in images}


def dockerfile_oracle(path):
    import dockerfile
    try:
        cmds = dockerfile.parse_file(path)
    except Exception:
        return None
    stages, images, args = set(), set(), {}
    seen_from = False
    for c in cmds:
        # Global ARGs (before the first FROM) with defaults are what BuildKit
        # expands in FROM lines when no --build-arg is given.
        if c.cmd.upper() == "ARG" and not seen_from and c.value:
            name, _, default = c.value[0].partition("=")
            if default:
                args[name] = default.strip('"').strip("'")
            continue
        if c.cmd.upper() != "FROM" or not c.value:
            continue
        seen_from = True
        value = re.sub(r"\$\{(\w+)\}|\$(\w+)",
                       lambda m: args.get(m.group(1) or m.group(2), m.group(0)), c.value[0])
        if len(c.value) >= 3 and c.value[1].upper() == "AS":
            stages.add(c.value[2].lower())
        if value.lower() in stages or value == "scratch":
            continue
        ref = canonical(value)
        if ref:
            images.add(ref)
    return images


def skaffold_built(tree):
    """Image names a skaffold.yaml of the repository builds: Skaffold puts
    its own builds in place of them when it deploys, so they are no pulls."""
    names = set()
    for path in glob.glob(os.path.join(tree, "**", "skaffold.y*ml"), recursive=True):
        try:
            with open(path, "rb") as f:
                for doc in yaml.load_all(f, Loader=yaml.CSafeLoader):
                    for a in ((doc or {}).get("build") or {}).get("artifacts") or []:
                        if isinstance(a, dict) and isinstance(a.get("image"), str):
                            names.add(canonical(a["image"]))
        except Exception:
            pass
    return names


def helm_oracle(chart):
    """Images Helm renders with the default values, and (second set) with
    the `false` switches of values.yaml (`enabled:`, `create:`) turned on:
    a values image of a feature off by default is a pull once it is on."""
    from helm_python.chart import Chart
    try:
        c = Chart.load(chart)
        default = images_of_render(c.render())
    except Exception:
        return None
    switched = set()
    try:
        with open(os.path.join(chart, "values.yaml"), "rb") as f:
            values = yaml.load(f, Loader=yaml.CSafeLoader) or {}
    except Exception:
        values = {}
    paths = list(switches(values)) + list(tested_absent(chart, values))

    def override_of(group):
        override = {}
        for path in group:
            node = override
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = True
        return override

    # Each switch alone; then switches added one by one while the chart
    # still renders (a feature that needs two, and charts that refuse all
    # at once).
    failed = []
    for p in paths:
        dropped = []
        switched |= render_tolerant(chart, c, override_of([p]), dropped=dropped) or set()
        if dropped:
            failed.append(p)
    # A switch that fails alone, with each other feature switch: a feature
    # that needs another one on (traefik's marketplace images render with
    # `hub.enabled` on, their hub variant).
    features = [p for p in paths if p[-1] in SWITCH_KEYS]
    for a in failed[:24]:
        for b in features:
            if b != a:
                switched |= render_tolerant(chart, c, override_of([a, b])) or set()
    kept = []
    for p in paths:
        images = render_tolerant(chart, c, override_of(kept + [p]), drop_failing=False)
        if images is not None:
            kept.append(p)
            switched |= images
    return default, switched


def render_tolerant(chart, loaded, override, drop_failing=True, dropped=None):
    """The images of a render with `override`; None when it fails. A
    template that fails (`fail`, `required`) is left out and the rest
    rendered again, a few times: the other files' images do not depend on
    it (traefik refuses tag `latest` in its RBAC template only)."""
    from helm_python.chart import Chart
    import shutil
    import tempfile
    try:
        return images_of_render(loaded.render(override))
    except Exception as e:
        error = str(e)
    if dropped is not None:
        dropped.append(override)
    if not drop_failing:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(chart))
        shutil.copytree(chart, copy, symlinks=True)
        for _ in range(5):
            m = re.search(r"execution error at \([^/]+/(templates/[^:]+):", error)
            if not m or not os.path.isfile(os.path.join(copy, m.group(1))):
                return None
            os.remove(os.path.join(copy, m.group(1)))
            try:
                return images_of_render(Chart.load(copy).render(override))
            except Exception as e:
                error = str(e)
    return None


def image_lines(text):
    """The `image:` values of rendered manifests that are references."""
    return [m for m in re.findall(r'image:\s*"?([^"\s]+)"?', text) if canonical(m)]


def images_of_render(out):
    return {canonical(m) for text in out.values() for m in image_lines(text)}


SWITCH_KEYS = ("enabled", "enable", "create", "install", "deploy")


def switches(values, path=(), depth=0):
    """Key paths of `false` in values (`enabled:`, `create:`...), and of
    switches left empty (`enabled:`, the chart decides)."""
    if depth > 12 or not isinstance(values, dict):
        return
    for k, v in values.items():
        if v is False or v is None and k in SWITCH_KEYS:
            yield path + (k,)
        elif isinstance(v, dict):
            yield from switches(v, path + (k,), depth + 1)


def tested_absent(chart, values):
    """Key paths a template tests (`if .Values.a.enable`) that values.yaml
    does not set, under a map it does: a feature its values leave off by
    not naming the switch (prometheus-modbus-exporter's sidecar)."""
    found = set()
    for path in glob.glob(os.path.join(chart, "templates", "**", "*"), recursive=True):
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for m in re.finditer(r"\{\{-?\s*if\s+\.Values\.([\w.]+)\s*-?\}\}", text):
            keys = tuple(m.group(1).split("."))
            node = values
            for k in keys[:-1]:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict) and keys[-1] not in node and keys[-1] in SWITCH_KEYS:
                found.add(keys)
    return sorted(found)


def k8s_oracle(path):
    found = set()

    def walk(node, depth=0):
        if depth > 40:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("withItems", "withParam"):
                    continue  # Argo loop data, not containers
                if k == "image" and isinstance(v, str):
                    c = canonical(v)
                    if c:
                        found.add(c)
                else:
                    walk(v, depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, depth + 1)
    try:
        with open(path, "rb") as f:
            docs = list(yaml.load_all(f, Loader=yaml.CSafeLoader))
    except Exception:
        return None
    for d in docs:
        if isinstance(d, dict) and "apiVersion" in d and "kind" in d and d.get("kind") != "Kustomization":
            walk(d.get("spec", {}))
    return found


MIRROR = "registry.corp.example/dockerhub"


def parse_ref(ref):
    """(registry, repository, tag, digest) in canonical form."""
    c = canonical(ref)
    if not c:
        return None
    name, _, digest = c.partition("@")
    last = name.rsplit("/", 1)
    tag = None
    if ":" in last[-1]:
        name, tag = name.rsplit(":", 1)
    registry, repository = name.split("/", 1)
    return registry, repository, tag, digest or None


def expected_after(before, lock):
    """What a fix may make of `before`: mirrored (Docker Hub) and pinned by
    the lock's digest. The tag may stay, or go where a chart writes only
    the digest once one is set; an untagged image stays untagged. An
    explicit `docker.io/` is mirrored too (bypasses-mirror), and a tag
    pinned by another digest than the lock's takes the lock's
    (stale-digest)."""
    r = parse_ref(before)
    if not r:
        return set()
    registry, repository, tag, digest = r
    names = {f"{registry}/{repository}"}
    if registry == "docker.io":
        names = {f"{MIRROR}/{repository}", f"{MIRROR}/{repository.removeprefix('library/')}"}
    locked = lock.get(f"{registry}/{repository}:{tag or 'latest'}")
    pin = (locked if tag else None) or digest or locked
    out = set()
    for n in names:
        out.add(canonical(f"{n}@{pin}"))
        if tag:
            out.add(canonical(f"{n}:{tag}@{pin}"))
    return out


def fix_round_trip(tree, entries):
    """Fixes a copy of `tree`; returns (checked, problems)."""
    import shutil
    import tempfile
    work = tempfile.mkdtemp(prefix="imagelint-fix-")
    copy = os.path.join(work, "tree")
    shutil.copytree(tree, copy, symlinks=True)
    lock = {}
    for e in entries:
        r = parse_ref((e.get("image") or {}).get("text") or "")
        if r and not r[3]:
            key = f"{r[0]}/{r[1]}:{r[2] or 'latest'}"
            lock.setdefault(key, "sha256:" + format(len(lock) + 1, "x").rjust(64, "0"))
    with open(os.path.join(copy, ".imagelint.toml"), "w") as f:
        f.write(f'[mirrors]\n"docker.io" = "{MIRROR}"\n')
    with open(os.path.join(copy, "imagelint.lock"), "w") as f:
        f.write("version = 1\n[digests]\n")
        for k, v in sorted(lock.items()):
            f.write(f'"{k}" = "{v}"\n')
    subprocess.run([BINARY, "check", "--fix", "--no-ignore", "."], cwd=copy, capture_output=True)
    left = subprocess.run([BINARY, "check", "--format", "json", "--no-ignore", "."], cwd=copy,
                          capture_output=True, text=True)
    reported = set()
    try:
        for f in json.loads(left.stdout)["findings"]:
            img = (f.get("image") or {}).get("canonical")
            if img:
                reported.add(canonical(img))
    except Exception:
        pass
    checked, problems = 0, []
    switched_checked = [0]
    outcome = collections.Counter()

    def judge(where, before, after, switched=False):
        nonlocal checked
        if len(before) != len(after):
            problems.append(f"{where}: {len(before)} images before, {len(after)} after")
            return
        for b, a in zip(before, after):
            checked += 1
            if canonical(a) in expected_after(b, lock):
                outcome["mirrored and pinned" if canonical(a) != canonical(b) else "already pinned"] += 1
                continue
            if canonical(a) == canonical(b) and (canonical(b) in reported or "@" in b):
                outcome["left as it was, reported" if "@" not in b else "already pinned"] += 1
                continue
            # Mirrored where the digest has no place to go, and still reported.
            if canonical(a) in reported and any(
                    canonical(a) == e.split("@")[0] or canonical(a) == canonical(e.split("@")[0])
                    for e in expected_after(b, lock)):
                outcome["mirrored, not pinned (no place for a digest), reported"] += 1
                continue
            # With a switch that picks another variant of an image (not
            # one the values as written render), unchanged is not broken.
            if switched and a == b:
                outcome["left as it was, a variant of a reported image"] += 1
                continue
            problems.append(f"{where}: {b} -> {a}")

    for path in glob.glob(os.path.join(tree, "**", "Chart.yaml"), recursive=True):
        chart = os.path.dirname(path)
        if not os.path.isdir(os.path.join(chart, "templates")):
            continue
        rel = os.path.relpath(chart, tree)
        b, a = rendered_list(chart), rendered_list(os.path.join(copy, rel))
        if b is not None:
            judge(f"helm {rel}", b, a or [])
        # A feature off by default must still render right once on.
        for path in chart_switches(chart):
            override = {}
            node = override
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = True
            b = rendered_list(chart, override)
            if b is not None:
                a = rendered_list(os.path.join(copy, rel), override)
                switched_checked[0] += len(b)
                judge(f"helm {rel} with {'.'.join(map(str, path))}", b, a or [], switched=True)
    for path in glob.glob(os.path.join(tree, "**", "*"), recursive=True):
        if re.fullmatch(r"(docker-)?compose[^/]*\.ya?ml", os.path.basename(path)):
            rel = os.path.relpath(path, tree)
            b, a = compose_list(path), compose_list(os.path.join(copy, rel))
            if b is not None:
                judge(f"compose {rel}", b, a or [])
    shutil.rmtree(work, ignore_errors=True)
    outcome["(of those, in renders with a feature switched on)"] = switched_checked[0]
    return checked, problems, outcome


def chart_switches(chart):
    """The `false` switches of a chart's values.yaml."""
    try:
        with open(os.path.join(chart, "values.yaml"), "rb") as f:
            return list(switches(yaml.load(f, Loader=yaml.CSafeLoader) or {}))
    except Exception:
        return []


def rendered_list(chart, override=None):
    """The images Helm renders with the default values (and `override`),
    in output order."""
    from helm_python.chart import Chart
    try:
        out = Chart.load(chart).render(override)
    except Exception:
        return None
    return [m for _, text in sorted(out.items()) for m in image_lines(text)]


def compose_list(path):
    """The images Compose pulls (services without `build`), by service."""
    out = subprocess.run(["docker-compose", "-f", path, "config", "--format", "json"],
                         capture_output=True, text=True, cwd=os.path.dirname(path),
                         env={**os.environ, "COMPOSE_PROJECT_NAME": "oracle"})
    if out.returncode != 0:
        return None
    services = json.loads(out.stdout).get("services", {})
    return [s["image"] for _, s in sorted(services.items())
            if "image" in s and "build" not in s and canonical(s["image"])]


class Tally:
    def __init__(self):
        self.n = collections.Counter()
        self.misses = collections.defaultdict(list)

    def add(self, kind, where, oracle, ours, also=frozenset()):
        """`also`: images the oracle shows in other configurations, not
        counted as missed, not extra when found."""
        ours_seen = ours - (also - oracle)
        self.n[kind, "also"] += len(ours) - len(ours_seen)
        ours = ours_seen
        both = oracle & ours
        self.n[kind, "oracle"] += len(oracle)
        self.n[kind, "ours"] += len(ours)
        self.n[kind, "both"] += len(both)
        for m in sorted(oracle - ours):
            self.misses[kind].append(f"missed   {where}: {m}")
        for m in sorted(ours - oracle):
            self.misses[kind].append(f"extra    {where}: {m}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--work", default="/tmp/imagelint-realworld")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--show", type=int, default=15, help="disagreements shown per kind")
    ap.add_argument("--fix", action="store_true", help="also check --fix against the renderers")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tally = Tally()
    rejected = []
    fixed_checked, fix_problems, fix_outcomes = [], [], collections.Counter()
    repos = [l.split("\t") for l in open(os.path.join(HERE, "repos.tsv")).read().split("\n") if l]
    for repo, commit in repos:
        if args.only and repo not in args.only:
            continue
        tree = export(args.mirrors, args.work, repo, commit)
        built = skaffold_built(tree)
        entries, errors = imagelint_inventory(tree)
        if args.fix:
            checked, problems, outcome = fix_round_trip(tree, entries)
            fixed_checked.append(checked)
            fix_outcomes.update(outcome)
            fix_problems.extend(f"{repo}: {p}" for p in problems)
        ours = ours_by_file(entries)
        kinds = {}
        for e in entries:
            kinds[e["path"]] = e["kind"]
        # YAML files imagelint refused that libyaml loads.
        for path, why in errors.items():
            if "YAML" in why and libyaml_loads(os.path.join(tree, path)):
                rejected.append(f"{repo}: {path}: {why}")
        for path in glob.glob(os.path.join(tree, "**", "*"), recursive=True):
            rel = os.path.relpath(path, tree)
            name = os.path.basename(path)
            if not os.path.isfile(path) or "/.git/" in path:
                continue
            where = f"{repo}:{rel}"
            if re.fullmatch(r"(docker-)?compose[^/]*\.ya?ml", name):
                oracle = compose_oracle(path)
                if oracle is not None:
                    tally.add("compose", where, oracle, ours.get(rel, set()))
            elif re.fullmatch(r"(Dockerfile(\..*)?|.*\.[Dd]ockerfile|Containerfile(\..*)?)", name):
                oracle = dockerfile_oracle(path)
                mine = {c for e in entries if e["path"] == rel and e["context"].startswith("FROM")
                        for c in [canonical((e.get("image") or {}).get("text") or "")] if c}
                if oracle is not None:
                    tally.add("dockerfile", where, oracle, mine)
            elif name == "Chart.yaml" and os.path.isdir(os.path.join(os.path.dirname(path), "templates")):
                chart = os.path.dirname(path)
                oracle = helm_oracle(chart)
                crel = os.path.relpath(chart, tree)
                mine = set()
                for p, refs in ours.items():
                    if p == f"{crel}/values.yaml" or p.startswith(f"{crel}/templates/"):
                        mine |= refs
                if oracle is not None:
                    tally.add("helm", f"{repo}:{crel}", oracle[0], mine, oracle[1])
            elif kinds.get(rel) == "kubernetes" or (name.endswith((".yaml", ".yml")) and rel not in kinds
                                                    and "/templates/" not in f"/{rel}"):
                oracle = k8s_oracle(path)
                if oracle:
                    tally.n["kubernetes", "skaffold"] += len(oracle & built)
                    oracle -= built
                    tally.add("kubernetes", where, oracle, ours.get(rel, set()))
    print(f"{'kind':<12} {'oracle':>7} {'ours':>7} {'both':>7} {'recall':>8} {'precision':>9}")
    for kind in ["compose", "dockerfile", "helm", "kubernetes"]:
        o, m, b = (tally.n[kind, k] for k in ("oracle", "ours", "both"))
        recall = b / o if o else 1.0
        precision = b / m if m else 1.0
        print(f"{kind:<12} {o:>7} {m:>7} {b:>7} {recall:>8.4f} {precision:>9.4f}")
    print(f"(kubernetes: {tally.n['kubernetes', 'skaffold']} names a skaffold.yaml builds;"
          " not counted)")
    print(f"(helm: {tally.n['helm', 'also']} more found that Helm renders once a feature is switched on;"
          " not counted)")
    print(f"\nYAML files libyaml loads and imagelint rejects: {len(rejected)}")
    for r in rejected:
        print("  " + r)
    if args.fix:
        print(f"\n--fix: {sum(fixed_checked)} rendered images checked after the fix;"
              f" {len(fix_problems)} not mirrored-and-pinned nor reported")
        for what, n in fix_outcomes.most_common():
            print(f"  {n:>5}  {what}")
        for p in fix_problems[: args.show]:
            print("  " + p)
    for kind, lines in tally.misses.items():
        print(f"\n{kind}: {len(lines)} disagreements")
        for line in lines[: args.show]:
            print("  " + line)


if __name__ == "__main__":
    main()
