#!/usr/bin/env python3
"""Builds each fuzz target's seed corpus from the fixtures.

    fuzz/seed.py

Writes fuzz/corpus/<target>/ (not committed): every fixture file, and for
the targets whose first byte picks the file kind, each file once per kind
byte that could read it. Reference seeds are the valid and invalid vectors
of fixtures/references.tsv; Helm template seeds are each chart template
of the fixtures after its chart's values and a NUL.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# The order of the kind table (src/kinds.rs), which the JSON schema lists
# (a unit test holds them together): the first byte modulo their number.
with open(os.path.join(ROOT, "docs", "json-output.schema.json")) as _f:
    KINDS = json.load(_f)["definitions"]["kind"]["enum"]


def files():
    for base, _, names in os.walk(os.path.join(ROOT, "fixtures")):
        for name in sorted(names):
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                yield path, f.read()


def write(target, name, data):
    out = os.path.join(HERE, "corpus", target)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def main():
    n = 0
    for path, data in files():
        rel = os.path.relpath(path, ROOT).replace("/", "_")
        if path.endswith("references.tsv"):
            for i, line in enumerate(data.decode().splitlines()):
                write("reference", f"vector-{i}", line.split("\t")[0].encode())
            continue
        # A chart's template, with the chart's values: the values, NUL, it.
        if "/templates/" in path:
            values = os.path.join(path.split("/templates/")[0], "values.yaml")
            if os.path.isfile(values):
                with open(values, "rb") as f:
                    write("helm_template", rel, f.read() + b"\0" + data)
        is_dockerfile = "dockerfile" in path.lower() or "containerfile" in path.lower()
        if is_dockerfile:
            write("dockerfile", rel, data)
        if not is_dockerfile:
            write("yaml_quick", rel, data)
        for i, kind in enumerate(KINDS):
            # A Dockerfile as a YAML kind, or YAML as a Dockerfile, teaches
            # the fuzzer little; every other pairing may.
            if (kind == "dockerfile") != is_dockerfile:
                continue
            write("yaml", f"{kind}-{rel}", bytes([i]) + data)
            write("fix_round_trip", f"{kind}-{rel}", bytes([i]) + data)
        n += 1
    print(f"seeded from {n} fixture files into {os.path.join(HERE, 'corpus')}")


if __name__ == "__main__":
    main()
