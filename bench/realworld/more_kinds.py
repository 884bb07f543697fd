#!/usr/bin/env python3
"""Recall and precision of the kinds added after run.py's (Bitbucket
Pipelines, CircleCI, Drone, Woodpecker, Podman quadlets) on real
repositories, against a count of our own.

    bench/realworld/more_kinds.py [--mirrors DIR] [--binary B]

`more-repos.tsv` lists each repository, the commit measured and the kinds
it holds. Each is exported from its mirror as run.py does. The oracle reads
each file the way each format's own documentation describes it (YAML with
PyYAML), written here apart from imagelint's extractors:

- bitbucket-pipelines: the top-level `image`, `definitions.services.*.image`,
  and the `image` of every `step` map found anywhere under `pipelines`
  (a name, or a map's `name`);
- circleci: `docker[].image` of every job and executor (and of inline
  orbs), with `<< parameters.x >>` / `<< pipeline.parameters.x >>`
  replaced by the parameter's default where it has one;
- drone and woodpecker: `image` of each entry of `steps`, `pipeline`,
  `services` and `clone`, as a list or a map, in every document;
- quadlet: each `Image=` line of a `[Container]` or `[Image]` section, the
  value unquoted, unless it names another quadlet (`.image`, `.build`);
- jenkinsfile: by regular expressions over the text, `docker { ... image
  '...' }` blocks, `agent { docker '...' }` and `docker.image('...')`;
- devcontainer: the top-level `image` of the JSON once `//` and `/* */`
  comments and trailing commas are taken out;
- cloudformation: the image property of each resource of the six types
  (ECS task definitions, Batch jobs, Lambda and SAM functions, App Runner,
  SageMaker), a `Ref` to a parameter counted at the parameter's `Default`,
  a `Sub` with the parameters' defaults put in, anything else at its first
  string, unresolved;
- azure-pipelines: `resources.containers[].image`, and the `container` and
  `services` values of the pipeline, `jobs[]` and `stages[].jobs[]` (a map's
  `image`, or a string that is not a declared alias; in a file declaring
  none, a string with a tag, registry or digest);
- terraform and docker-bake: see terraform_oracle.py (python-hcl2); keyed
  by file and text, python-hcl2 giving no lines.

`--kind K` measures only the repositories listed with kind K. A repository
listed with `cloudformation-json` is measured with a config naming its JSON
files as templates (`[files.kinds] cloudformation = ["**/*.json"]`).

Each position is compared by its file, line and text (an image holding
`$`, or a `<< >>` with no default, as written).
imagelint's side is `imagelint inventory --format json`. Prints per kind
the oracle's count, imagelint's, both, recall and precision, and every
difference. Exits 1 when recall is under 0.99 or anything is found that the
oracle does not hold.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import run  # noqa: E402  (export)
import terraform_oracle  # noqa: E402

KIND_PATHS = {
    "bitbucket-pipelines": re.compile(r"(^|/)bitbucket-pipelines\.ya?ml$"),
    "circleci": re.compile(r"(^|/)\.circleci/[^/]+\.ya?ml$"),
    "drone": re.compile(r"(^|/)\.drone\.ya?ml$"),
    "woodpecker": re.compile(r"(^|/)\.woodpecker(\.ya?ml|/[^/]+\.ya?ml)$"),
    "quadlet": re.compile(r"\.(container|image)$"),
    "jenkinsfile": re.compile(r"(^|/)(Jenkinsfile(\.[^/]*)?|[^/]*\.jenkinsfile)$"),
    "cloudformation": re.compile(r"\.(ya?ml|json|template)$"),
    "azure-pipelines": re.compile(r"(^|/)(azure-pipelines[^/]*|\.azure-pipelines/(.*/)?[^/]+)\.ya?ml$"),
    "devcontainer": re.compile(r"(^|/)(\.devcontainer\.json|\.devcontainer/(.*/)?devcontainer\.json)$"),
    "terraform": re.compile(r"\.tf$"),
    "docker-bake": re.compile(r"(^|/)docker-bake(\.[^/]+)?\.hcl$"),
}


class Doc:
    """A composed YAML node read as the CI reads it: maps (with `<<`
    merges), lists and strings, each string with the line it starts on."""

    def __init__(self, node):
        self.node = node

    def get(self, key):
        node = self.node
        if not isinstance(node, yaml.MappingNode):
            return None
        merged = []
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return Doc(v)
            if isinstance(k, yaml.ScalarNode) and k.value == "<<":
                merged += v.value if isinstance(v, yaml.SequenceNode) else [v]
        for m in merged:
            found = Doc(m).get(key)
            if found:
                return found
        return None

    def items(self):
        """(key, value) of a map, in order, merges after."""
        node = self.node
        if isinstance(node, yaml.SequenceNode):
            return [(None, Doc(v)) for v in node.value]
        if not isinstance(node, yaml.MappingNode):
            return []
        out = []
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "<<":
                for m in v.value if isinstance(v, yaml.SequenceNode) else [v]:
                    out += Doc(m).items()
            else:
                out.append((k.value if isinstance(k, yaml.ScalarNode) else None, Doc(v)))
        return out

    def text(self):
        n = self.node
        return n.value if isinstance(n, yaml.ScalarNode) else None

    def is_map(self):
        return isinstance(self.node, yaml.MappingNode)

    def line(self):
        return self.node.start_mark.line + 1


def name_of(image):
    if image and image.is_map():
        image = image.get("name")
    return (image.line(), image.text()) if image and image.text() else None


def bitbucket(doc):
    out = []
    if not doc.is_map():
        return out
    out.append(name_of(doc.get("image")))
    services = (doc.get("definitions") or Doc(None)).get("services")
    for _, s in services.items() if services else []:
        if s.is_map():
            out.append(name_of(s.get("image")))

    def walk(node, depth=0):
        if depth > 32:
            return
        for key, value in node.items():
            if key == "step":
                if value.is_map():
                    out.append(name_of(value.get("image")))
            else:
                walk(value, depth + 1)

    pipelines = doc.get("pipelines")
    if pipelines:
        walk(pipelines)
    return out


def circleci(doc):
    out = []
    if not doc.is_map():
        return out
    pipeline = doc.get("parameters")

    def default(params, key):
        p = params.get(key) if params else None
        d = p.get("default") if p and p.is_map() else None
        return d.text() if d else None

    def subst(text, own):
        def one(m):
            name = m.group(1).strip()
            if name.startswith("pipeline.parameters."):
                d = default(pipeline, name[len("pipeline.parameters."):])
            elif name.startswith("parameters."):
                d = default(own, name[len("parameters."):])
            else:
                d = None
            return d if d is not None else m.group(0)
        return re.sub(r"<<(.*?)>>", one, text)

    def holders(root):
        for section in ("jobs", "executors"):
            defs = root.get(section)
            for _, job in defs.items() if defs else []:
                docker = job.get("docker") if job.is_map() else None
                for _, item in docker.items() if docker else []:
                    image = item.get("image") if item.is_map() else None
                    if image and image.text():
                        out.append((image.line(), subst(image.text(), job.get("parameters"))))

    holders(doc)
    orbs = doc.get("orbs")
    for _, orb in orbs.items() if orbs else []:
        if orb.is_map():
            holders(orb)
    return out


def drone(doc):
    out = []
    if not doc.is_map():
        return out
    for section in ("steps", "pipeline", "services", "clone"):
        steps = doc.get(section)
        for _, step in steps.items() if steps else []:
            image = step.get("image") if step.is_map() else None
            if image and image.text():
                out.append((image.line(), image.text()))
    return out


def quadlet(text):
    out, section = [], None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section in ("[Container]", "[Image]") and line.startswith("Image"):
            key, _, value = line.partition("=")
            value = value.strip()
            if key.strip() != "Image" or not value:
                continue
            if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            if not value.endswith((".image", ".build")):
                out.append((number, value))
    return out


JENKINS = [
    re.compile(r"""\bdocker\s*\{[^{}]*?\bimage\s*\(?\s*(['"])(.*?)\1"""),
    re.compile(r"""\bagent\s*\{\s*docker\s*\(?\s*(['"])(.*?)\1"""),
    re.compile(r"""\bdocker\.image\(\s*(['"])(.*?)\1"""),
]


def jenkinsfile(text):
    out = []
    for pattern in JENKINS:
        for m in pattern.finditer(text):
            out.append((text.count("\n", 0, m.start(2)) + 1, m.group(2)))
    return out


def devcontainer(text):
    plain = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S)
    plain = re.sub(r",(\s*[}\]])", r"\1", plain)
    image = json.loads(plain).get("image")
    if not isinstance(image, str):
        return []
    at = re.search(r'"image"\s*:\s*"', text)
    return [(text.count("\n", 0, at.end()) + 1, image)]


def azure(doc):
    out = []
    if not doc.is_map():
        return out
    resources = (doc.get("resources") or Doc(None)).get("containers")
    aliases = set()
    for _, r in resources.items() if resources else []:
        alias = r.get("container") if r.is_map() else None
        if alias and alias.text():
            aliases.add(alias.text())
        image = r.get("image") if r.is_map() else None
        if image and image.text():
            out.append((image.line(), image.text()))

    def one(node):
        if node.is_map():
            node = node.get("image")
            if node and node.text():
                out.append((node.line(), node.text()))
            return
        text = node.text()
        if not text:
            return
        alias = text in aliases if resources else not re.search(r"[:/@$]", text)
        if not alias:
            out.append((node.line(), text))

    def job(j):
        if not j.is_map():
            return
        if j.get("container"):
            one(j.get("container"))
        services = j.get("services")
        for _, svc in services.items() if services else []:
            one(svc)

    job(doc)
    jobs = doc.get("jobs")
    for _, j in jobs.items() if jobs else []:
        job(j)
    stages = doc.get("stages")
    for _, st in stages.items() if stages else []:
        sj = st.get("jobs") if st.is_map() else None
        for _, j in sj.items() if sj else []:
            job(j)
    return out


CFN_IMAGES = {
    "AWS::ECS::TaskDefinition": [("ContainerDefinitions", "Image")],
    "AWS::Batch::JobDefinition": [("ContainerProperties.Image",)],
    "AWS::Lambda::Function": [("Code.ImageUri",)],
    "AWS::Serverless::Function": [("ImageUri",)],
    "AWS::AppRunner::Service": [("SourceConfiguration.ImageRepository.ImageIdentifier",)],
    "AWS::SageMaker::Model": [("PrimaryContainer.Image",), ("Containers", "Image")],
}


def cloudformation(doc):
    out = []
    if not doc.is_map() or not doc.get("Resources"):
        return out
    params = doc.get("Parameters")

    def default(name):
        p = params.get(name) if params else None
        d = p.get("Default") if p and p.is_map() else None
        return d if d and d.text() is not None else None

    def first(node):
        if node.text() is not None:
            return node
        for _, child in node.items():
            found = first(child)
            if found:
                return found
        return None

    def value(node):
        tag = node.node.tag
        if tag.startswith("!") and not tag.startswith("!!"):
            fn, arg = tag[1:], node
        elif node.is_map() and len(node.items()) == 1:
            key, arg = node.items()[0]
            fn = key[len("Fn::"):] if key.startswith("Fn::") else key
        elif node.text() is not None:
            return (node.line(), node.text())
        else:
            fn, arg = "?", node
        at = first(arg)
        if at is None:
            return None
        if fn == "Ref" and default(at.text()):
            d = default(at.text())
            return (d.line(), d.text())
        if fn == "Sub":
            text, ok = at.text(), True
            def put(m):
                nonlocal ok
                name = m.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                d = default(name)
                if d is None:
                    ok = False
                    return m.group(0)
                return d.text()
            done = re.sub(r"\$\{([^}]*)\}", put, text)
            return (at.line(), done if ok else text)
        return (at.line(), at.text())

    for _, res in doc.get("Resources").items():
        kind = res.get("Type") if res.is_map() else None
        props = res.get("Properties") if res.is_map() else None
        if not kind or not props:
            continue
        for spec in CFN_IMAGES.get(kind.text(), []):
            if len(spec) == 1:
                node = props
                for key in spec[0].split("."):
                    node = node.get(key) if node else None
                nodes = [node] if node else []
            else:
                items = props.get(spec[0])
                nodes = [i.get(spec[1]) for _, i in (items.items() if items else []) if i.is_map()]
            out += [value(n) for n in nodes if n]
    return out


ORACLES = {"cloudformation": cloudformation, "azure-pipelines": azure, "bitbucket-pipelines": bitbucket, "circleci": circleci, "drone": drone, "woodpecker": drone}


# The JSON files imagelint takes for templates by name; others only when
# the repository's config names them (`cloudformation-json` in the list).
CFN_JSON_NAMES = re.compile(
    r"(\.template|\.template\.json|(^|/)template\.json|\.cfn\.json|(^|/)cloudformation/(.*/)?[^/]+\.json)$")


def oracle(tree, any_json=False):
    found = set()
    for dirpath, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in files:
            path = os.path.relpath(os.path.join(dirpath, f), tree)
            for kind, pattern in KIND_PATHS.items():
                if kind in ("terraform", "docker-bake") or not pattern.search(path):
                    continue
                if kind == "cloudformation" and re.search(r"\.(json|template)$", path) and \
                        not (any_json and path.endswith(".json")) and not CFN_JSON_NAMES.search(path):
                    continue
                with open(os.path.join(tree, path), encoding="utf-8") as fh:
                    text_reader = {"quadlet": quadlet, "jenkinsfile": jenkinsfile,
                                   "devcontainer": devcontainer}.get(kind)
                    if text_reader:
                        found |= {(kind, path) + x for x in text_reader(fh.read())}
                        continue
                    text = fh.read()
                    if kind == "cloudformation" and not re.search(
                            r"AWSTemplateFormatVersion|Type\"?: ?['\"]?AWS::", text):
                        continue
                    if path.endswith(".json"):
                        text = text.replace("\t", " ")
                    try:
                        docs = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
                    except yaml.YAMLError:
                        continue  # imagelint names it and exits 2
                for doc in docs:
                    for image in ORACLES[kind](Doc(doc)) if doc else []:
                        if image:
                            found.add((kind, path) + image)
    # A folder's files are read together (a module's values).
    return found | terraform_oracle.terraform(tree) | terraform_oracle.bake(tree)


def ours(binary, tree):
    out = subprocess.run([binary, "inventory", "--format", "json", "."], cwd=tree,
                         capture_output=True, text=True)
    found = set()
    counts = {}
    for entry in json.loads(out.stdout)["images"]:
        if entry["kind"] not in KIND_PATHS:
            continue
        image = entry.get("image")
        # Unresolved: compared as written; resolved: as imagelint shows it.
        text = image["text"] if image and not entry.get("problem") else entry["text"]
        line = entry["location"]["start"]["line"]
        if entry["kind"] in ("terraform", "docker-bake"):
            # Keyed as the oracle keys it (see terraform_oracle).
            key = (entry["path"], text)
            counts[key] = counts.get(key, 0) + 1
            line, text = 0, f"{text}#{counts[key]}"
        found.add((entry["kind"], entry["path"], line, text))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--binary")
    ap.add_argument("--kind", help="only the repositories listed with this kind")
    args = ap.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "imagelint")
    work = tempfile.mkdtemp(prefix="imagelint-ci-")
    want, got = set(), set()
    with open(os.path.join(HERE, "more-repos.tsv")) as f:
        for line in f:
            repo, commit, *kinds = line.split()
            if args.kind and args.kind not in kinds:
                continue
            tree = run.export(args.mirrors, work, repo, commit)
            if "cloudformation-json" in kinds:
                # JSON templates named anyhow: the user names them in config.
                with open(os.path.join(tree, ".imagelint.toml"), "w") as f:
                    f.write('[files.kinds]\ncloudformation = ["**/*.json"]\n')
            want |= {(repo,) + x for x in oracle(tree, "cloudformation-json" in kinds)}
            got |= {(repo,) + x for x in ours(binary, tree)}
    ok = True
    print(f"{'kind':22}{'oracle':>8}{'ours':>8}{'both':>8}{'recall':>9}{'precision':>11}")
    for kind in [args.kind] if args.kind else KIND_PATHS:
        w = {x for x in want if x[1] == kind}
        g = {x for x in got if x[1] == kind}
        both = len(w & g)
        recall = both / len(w) if w else 1.0
        precision = both / len(g) if g else 1.0
        print(f"{kind:22}{len(w):>8}{len(g):>8}{both:>8}{recall:>9.4f}{precision:>11.4f}")
        ok &= recall >= 0.99 and not (g - w)
    for x in sorted(want - got):
        print("missed:", *x)
    for x in sorted(got - want):
        print("not in the oracle:", *x)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
