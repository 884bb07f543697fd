#!/usr/bin/env python3
"""Runs one job of a GitLab CI template as a shell runner would, far enough to
test what the template ships: the CI/CD component's `spec: inputs:` defaults
interpolated (`$[[ inputs.x ]]`), `extends:` merged, the global and job
`variables:` exported with a runner's `CI_*` variables, and the `script:`
lines run in order by `sh` in the project directory, stopping at the first
that fails. Prints JSON: the job's exit code, its image and entrypoint with
variables expanded, and the Code Quality report's path.

    gitlab_job.py TEMPLATE JOB PROJECT_DIR
"""
import json, os, re, subprocess, sys
import yaml

template, job_name, project = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
text = open(template, encoding="utf-8").read()
docs = text.split("\n---\n")
if len(docs) == 2:
    spec = yaml.load(docs[0], Loader=yaml.CSafeLoader)["spec"]["inputs"]
    defaults = {name: str(i.get("default", "")) for name, i in spec.items()}

    def interpolate(m):
        name = m.group(1)
        if name not in defaults:
            sys.exit(f"{template}: unknown input {name}")
        return defaults[name]

    text = re.sub(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]", interpolate, docs[1])
config = yaml.load(text, Loader=yaml.CSafeLoader)


def resolve(name):
    job = dict(config[name])
    parents = job.pop("extends", [])
    merged = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged.update(resolve(parent))
    merged.update(job)
    return merged


job = resolve(job_name)
env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
env.update({
    "CI": "true",
    "GITLAB_CI": "true",
    "CI_PROJECT_DIR": project,
    "CI_JOB_NAME": job_name,
    "CI_JOB_STAGE": str(job.get("stage", "test")),
    "CI_PIPELINE_SOURCE": "merge_request_event",
    "CI_COMMIT_SHA": "0" * 40,
    "CI_SERVER_FQDN": "gitlab.example",
})
for scope in (config.get("variables") or {}, job.get("variables") or {}):
    env.update({k: str(v) for k, v in scope.items()})


def expand(value):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), value)


image = job.get("image")
image = image if isinstance(image, dict) else {"name": image}
script = "set -e\n" + "\n".join(job["script"]) + "\n"
run = subprocess.run(["sh", "-c", script], cwd=project, env=env)
print(json.dumps({
    "exit": run.returncode,
    "image": expand(image["name"]),
    "entrypoint": image.get("entrypoint"),
    "report": expand(job["artifacts"]["reports"]["codequality"]),
    "when": job["artifacts"].get("when"),
}))
