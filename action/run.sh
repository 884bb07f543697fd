#!/usr/bin/env bash
# The GitHub Action's logic, kept out of action.yml so it can be tested.
# Inputs arrive only through IMAGELINT_* environment variables.
set -euo pipefail

: "${GITHUB_ACTION_PATH:?}" "${GITHUB_WORKSPACE:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"
version="${IMAGELINT_VERSION:-source}"
install_root="$RUNNER_TEMP/imagelint"
bin="$install_root/bin/imagelint"

install_release() {
    # A released binary for this runner, checked against its published
    # sha256; none is published yet, so this path only answers `no`.
    local url="${IMAGELINT_RELEASE_URL:-}"
    [[ -n "$url" && "$version" != "source" ]] || return 1
    local os arch asset
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    arch="$(uname -m)"
    asset="imagelint-$version-$arch-$os.tar.gz"
    mkdir -p "$install_root/bin"
    curl -fsSL "$url/v$version/$asset" -o "$RUNNER_TEMP/$asset" || return 1
    curl -fsSL "$url/v$version/$asset.sha256" -o "$RUNNER_TEMP/$asset.sha256" || return 1
    (cd "$RUNNER_TEMP" && sha256sum -c "$asset.sha256") || return 1
    tar -xzf "$RUNNER_TEMP/$asset" -C "$install_root/bin" imagelint
}

if [[ ! -x "$bin" ]]; then
    if ! install_release; then
        echo "::group::Building imagelint from source"
        cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$install_root"
        echo "::endgroup::"
    fi
fi

args=(check)
if [[ "${IMAGELINT_ANNOTATIONS:-true}" == "true" ]]; then
    args+=(--format github)
else
    args+=(--format human)
fi
if [[ "${IMAGELINT_SARIF:-false}" == "true" ]]; then
    sarif="$RUNNER_TEMP/imagelint.sarif"
    args+=(--format "sarif:$sarif")
    echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
# Extra arguments and paths are split on white space, never evaluated.
read -r -a extra <<< "${IMAGELINT_ARGS:-}"
read -r -a paths <<< "${IMAGELINT_PATHS:-.}"
args+=("${extra[@]}" -- "${paths[@]}")

cd "$GITHUB_WORKSPACE"
code=0
"$bin" "${args[@]}" || code=$?
echo "exit-code=$code" >> "$GITHUB_OUTPUT"
exit "$code"
