"""The Terraform side of more_kinds.py's oracle: python-hcl2 (PyPI) reads
each `.tf` file, and the image positions are found from its dictionaries
as each provider's documentation places them, written here apart from
imagelint's extractor:

- `container`, `init_container`, `ephemeral_container` blocks of
  `kubernetes_*` resources, at any depth: `image`;
- `containers` blocks of `google_cloud_run_*`: `image`;
- `container`, `init_container` blocks of `azurerm_container_*`: `image`;
- `docker_image`, `docker_registry_image` (resources and data sources):
  `name`; `docker_container`: `image`; `docker_service`'s
  `container_spec`: `image`;
- `aws_lambda_function`: `image_uri`;
- `aws_ecs_task_definition.container_definitions` and
  `aws_batch_job_definition.container_properties`: each `image` of the
  `jsonencode(...)` expression or of the heredoc's JSON, by regular
  expression over python-hcl2's text of it;
- `helm_release` `set` blocks: a name `image` or `*.image` is a whole
  reference; `P.repository` joins `P.registry`, `P.tag`, `P.digest`;
- `module` calls: inputs named `image` or `container_image`, at any depth
  of their maps and lists, when a string literal with a tag or digest.

`var.x` and `local.x` (alone) are counted where their default or value is
written in the folder's `.tf` files when it is a string literal;
`"…${var.x}…"` has them put in; anything else is counted as written.
python-hcl2 gives no lines for attributes, so each position is keyed by
its file, its text and how many times that text came before in the file.
"""
import json
import os
import re

import hcl2

ANY = None


def unquote(s):
    """A python-hcl2 string literal's value, or None for an expression."""
    if isinstance(s, str) and len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        try:
            return json.loads(s)
        except ValueError:
            return s[1:-1]
    return None


def blocks(body, names, depth=0):
    """Every block named in `names` at any depth below `body`."""
    if depth > 64 or not isinstance(body, dict):
        return
    for key, value in body.items():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and item.get("__is_block__"):
                    if key in names:
                        yield item
                    yield from blocks(item, names, depth + 1)


RESOURCES = [
    (lambda t: t.startswith("kubernetes_"), ("container", "init_container", "ephemeral_container"), "image"),
    (lambda t: t.startswith("google_cloud_run_"), ("containers",), "image"),
    (lambda t: t.startswith("azurerm_container_"), ("container", "init_container"), "image"),
    (lambda t: t in ("docker_image", "docker_registry_image"), (), "name"),
    (lambda t: t == "docker_container", (), "image"),
    (lambda t: t == "docker_service", ("container_spec",), "image"),
    (lambda t: t == "aws_lambda_function", (), "image_uri"),
]

JSON_ATTRS = {"aws_ecs_task_definition": "container_definitions",
              "aws_batch_job_definition": "container_properties"}


def json_images(expr):
    if expr.startswith("${jsonencode("):
        return [m for m in re.findall(r'(?:\bimage|"image")\s*=\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][\w.]*)', expr)]
    if expr.startswith('"<<'):
        return ['"' + m + '"' for m in re.findall(r'"image"\s*:\s*"([^"]*)"', expr)]
    return []


def positions(doc):
    """(raw value as python-hcl2 gives it) of each image position."""
    out = []
    for kind in ("resource", "data"):
        for entry in doc.get(kind, []):
            for rtype, named in entry.items():
                rtype = unquote(rtype) or rtype
                for body in named.values():
                    for test, names, attr in RESOURCES:
                        if not test(rtype):
                            continue
                        holders = list(blocks(body, names)) if names else [body]
                        out += [h[attr] for h in holders if attr in h]
                    if kind == "resource" and rtype in JSON_ATTRS and JSON_ATTRS[rtype] in body:
                        out += json_images(body[JSON_ATTRS[rtype]])
                    if kind == "resource" and rtype == "helm_release":
                        out += helm(body)
    for entry in doc.get("module", []):
        for body in entry.values():
            out += module_inputs(body, 0)
    return out


def helm(body):
    sets = {}
    for s in body.get("set", []):
        if isinstance(s, dict) and "name" in s and "value" in s:
            sets[unquote(s["name"])] = s["value"]
    out = []
    for name, value in sets.items():
        if name == "image" or (name or "").endswith(".image"):
            out.append(value)
        elif (name or "").endswith("repository"):
            prefix = name[: -len("repository")]
            parts = [(sets.get(prefix + "registry"), ""), (value, "/"), (sets.get(prefix + "tag"), ":"),
                     (sets.get(prefix + "digest"), "@")]
            text = ""
            for raw, lead in parts:
                v = unquote(raw) if raw is not None else None
                if v:
                    text += (lead if text else "") + v
            out.append(json.dumps(text))
    return out


def module_inputs(value, depth):
    out = []
    if depth > 64:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("image", "container_image"):
                lit = unquote(v)
                if lit is not None and "${" not in lit and re.search(r"[:@]", lit.rsplit("/", 1)[-1]):
                    out.append(v)
            else:
                out += module_inputs(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            out += module_inputs(v, depth + 1)
    return out


def named_values(doc):
    out = {}
    for v in doc.get("variable", []):
        for name, body in v.items():
            out["var." + (unquote(name) or name)] = unquote(body.get("default")) if isinstance(body, dict) else None
    for block in doc.get("locals", []):
        for k, v in block.items():
            if k != "__is_block__":
                out["local." + k] = unquote(v)
    return out


NAME = re.compile(r"^\$\{((?:var|local)\.[A-Za-z_][\w-]*)\}$")
PIECE = re.compile(r"\$\{([^}]*)\}")


def read_folder(tree, folder, files):
    docs = {}
    for f in files:
        with open(os.path.join(tree, folder, f), encoding="utf-8") as fh:
            try:
                docs[f] = hcl2.loads(fh.read())
            except Exception:
                continue  # imagelint names it and exits 2
    return docs


def terraform(tree):
    """(kind, path, 0, 'text#n') of each image position under `tree`."""
    found = set()
    for dirpath, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        tf = sorted(f for f in files if f.endswith(".tf"))
        if not tf:
            continue
        folder = os.path.relpath(dirpath, tree)
        docs = read_folder(tree, folder, tf)
        where = {}
        values = {}
        for f, doc in docs.items():
            for name, value in named_values(doc).items():
                where[name] = f
                values[name] = value
        counts = {}

        def add(f, text):
            path = os.path.normpath(os.path.join(folder, f))
            key = (path, text)
            counts[key] = counts.get(key, 0) + 1
            found.add(("terraform", path, 0, f"{text}#{counts[key]}"))

        reported_defaults = set()
        for f, doc in docs.items():
            for raw in positions(doc):
                lit = unquote(raw)
                m = NAME.match(raw) if isinstance(raw, str) else None
                if m is None and lit is not None:
                    m = NAME.match(lit)
                if m:
                    name = m.group(1)
                    if values.get(name) is not None:
                        if name not in reported_defaults:
                            reported_defaults.add(name)
                            add(where[name], values[name])
                        continue
                    add(f, name if lit is None else lit)
                    continue
                if lit is not None and "${" not in lit:
                    add(f, lit)
                    continue
                if lit is None:
                    expr = raw[2:-1] if raw.startswith("${") else raw
                    if re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+(\[\d+\])?", expr) and \
                            not expr.startswith(("var.", "local.")):
                        continue  # another resource's attribute
                    if re.fullmatch(r"[A-Za-z_][\w.]*", expr) and expr.startswith(("var.", "local.")):
                        add(f, expr)
                        continue
                    add(f, expr)
                    continue
                resolved = PIECE.sub(lambda p: values.get(p.group(1)) or "\0", lit)
                add(f, resolved if "\0" not in resolved else lit)
    return found


def bake(tree):
    """(kind, path, 0, 'text#n') of each `docker-image://` context of the
    `docker-bake.hcl` / `docker-bake.*.hcl` files under `tree`: python-hcl2
    reads them; `${NAME}` takes the file's variable defaults, a bare NAME
    its default."""
    found = set()
    for dirpath, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in sorted(files):
            if not re.fullmatch(r"docker-bake(\.[^/]+)?\.hcl", f):
                continue
            path = os.path.relpath(os.path.join(dirpath, f), tree)
            try:
                with open(os.path.join(tree, path), encoding="utf-8") as fh:
                    doc = hcl2.loads(fh.read())
            except Exception:
                continue
            defaults = {}
            for v in doc.get("variable", []):
                for name, body in v.items():
                    d = body.get("default") if isinstance(body, dict) else None
                    defaults[unquote(name) or name] = unquote(d) if isinstance(d, str) else None
            counts = {}
            for t in doc.get("target", []):
                for body in t.values():
                    contexts = body.get("contexts") if isinstance(body, dict) else None
                    for value in (contexts or {}).values():
                        lit = unquote(value)
                        if lit is None and isinstance(value, str) and value.startswith("${"):
                            lit = defaults.get(value[2:-1])
                        if not lit or not lit.startswith("docker-image://"):
                            continue
                        resolved = PIECE.sub(lambda p: defaults.get(p.group(1)) or "\0", lit)
                        text = resolved[len("docker-image://"):] if "\0" not in resolved else lit
                        counts[text] = counts.get(text, 0) + 1
                        found.add(("docker-bake", path, 0, f"{text}#{counts[text]}"))
    return found
