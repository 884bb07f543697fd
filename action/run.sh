#!/usr/bin/env bash
# The GitHub Action's logic, kept out of action.yml so it can be tested.
# Inputs arrive only through IMAGELINT_* environment variables.
set -euo pipefail

: "${GITHUB_ACTION_PATH:?}" "${GITHUB_WORKSPACE:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"
# The default is the version of this action's own checkout, so bumping the
# action's tag bumps the tool.
version="${IMAGELINT_VERSION:-}"
if [[ -z "$version" ]]; then
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -n 1)"
fi
install_root="$RUNNER_TEMP/imagelint"
bin="$install_root/bin/imagelint"

fail() {
    # One annotation, the exit-code output, and exit 2: a setup failure is
    # never mistaken for findings, and a workflow can still read the code.
    echo "::error title=imagelint::$1"
    echo "exit-code=2" >> "$GITHUB_OUTPUT"
    exit 2
}

release_target() {
    # Sets `target`, the release's name for this runner.
    local os="${RUNNER_OS:-$(uname -s)}" arch="${RUNNER_ARCH:-$(uname -m)}"
    case "$arch" in
        X64 | x86_64 | amd64) arch=x86_64 ;;
        ARM64 | aarch64 | arm64) arch=aarch64 ;;
        *) fail "no released binary for the runner's architecture $arch; set version: source" ;;
    esac
    case "$os" in
        Linux) target="$arch-unknown-linux-musl" ;;
        macOS | Darwin) target="$arch-apple-darwin" ;;
        Windows | MINGW* | MSYS*) target="$arch-pc-windows-msvc" ;;
        *) fail "no released binary for the runner's system $os; set version: source" ;;
    esac
}

sha256_of() {
    if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d ' ' -f 1
}

install_release() {
    # The released archive for this runner, checked against the checksum
    # published beside it; any mismatch or missing file fails closed.
    local base="${IMAGELINT_RELEASE_URL:-https://github.com/${GITHUB_ACTION_REPOSITORY:-imagelint/imagelint}/releases/download}"
    local target asset url got want
    release_target
    asset="imagelint-$target.tar.gz"
    url="$base/v$version/$asset"
    mkdir -p "$install_root/bin" "$RUNNER_TEMP/imagelint-download"
    local file="$RUNNER_TEMP/imagelint-download/$asset"
    curl -fsSL --retry 3 "$url" -o "$file" || fail "cannot download $url (is v$version released for $target?)"
    curl -fsSL --retry 3 "$url.sha256" -o "$file.sha256" || fail "cannot download $url.sha256"
    want="$(cut -d ' ' -f 1 < "$file.sha256")"
    got="$(sha256_of "$file")"
    [[ "$got" == "$want" ]] || fail "checksum mismatch for $asset: expected $want, got $got; not installed"
    # Only the binary leaves the archive: nothing else it may hold lands on PATH.
    local member=imagelint
    [[ "$target" == *-windows-* ]] && member=imagelint.exe
    tar -xzf "$file" -C "$install_root/bin" "$member" || fail "$asset holds no $member binary"
    [[ -x "$install_root/bin/$member" ]] || fail "$asset holds no executable $member"
}

install_source() {
    command -v cargo >/dev/null ||
        fail "version: source builds with cargo, which is not on PATH; use a released version (remove version: source) or install Rust first"
    echo "::group::Building imagelint from source"
    local code=0
    cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$install_root" || code=$?
    echo "::endgroup::"
    ((code == 0)) || fail "cargo install failed (exit $code)"
}

if [[ ! -x "$bin" ]]; then
    if [[ "$version" == "source" ]]; then
        install_source
    else
        install_release
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
