# The imagelint container image (ghcr.io/imagelint/imagelint): a static musl
# binary on Alpine. Alpine rather than scratch because the GitLab template
# runs `script:` lines, which need a shell in the image.
#
#   docker build -t imagelint .
#   docker run --rm -v "$PWD:/src" imagelint check .
#
# The builder's Rust version is at least Cargo.toml's rust-version (a test
# holds them together). The two bases are not pinned by digest: where this
# repository is built and tested no registry but 127.0.0.1 is reachable, so
# their digests cannot be looked up, and a made-up digest would be worse than
# none. Each carries a suppression saying so; `imagelint lock` followed by
# `imagelint check --fix` pins them wherever Docker Hub can be reached.

# imagelint: ignore[missing-digest] -- no registry reachable here to look up its digest
FROM docker.io/library/rust:1.89.0-alpine3.22 AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
# Exactly the crate's package contents (Cargo.toml's `include`).
COPY Cargo.toml Cargo.lock build.rs README.md ./
COPY src src
COPY rules rules
RUN cargo build --locked --profile dist && cp target/dist/imagelint /usr/local/bin/imagelint

# imagelint: ignore[missing-digest] -- no registry reachable here to look up its digest
FROM docker.io/library/alpine:3.22.2
COPY --from=build /usr/local/bin/imagelint /usr/local/bin/imagelint
WORKDIR /src
ENTRYPOINT ["imagelint"]
CMD ["check", "."]
