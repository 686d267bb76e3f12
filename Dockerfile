# syntax=docker/dockerfile:1
# RustChat as a container image: the one executable on a slim glibc base, run as a non-root user.
#
#   docker build -t rustchat .                                  # builds from source (stage "build")
#   npm ci && npm run build && docker build --target prebuilt -t rustchat .   # uses dist/rustchat
#
# dist/rustchat needs glibc, libstdc++ and libgcc_s and nothing else (`ldd dist/rustchat`): no
# Node, no shell tools (the embedded database is flushed with fdatasync/fsync from Node, the
# HEALTHCHECK is `rustchat health`). debian:bookworm-slim has all three; so does
# gcr.io/distroless/cc-debian12, where the file runs as well (it has no shell for the RUN lines
# below: copy the executable in and use its nonroot user 65532). docs/containers.md covers
# Compose, volumes, secrets and backups.

ARG BUILD_IMAGE=node:20-bookworm

# ---- from source: npm ci && npm run build ------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first, so a change to the source reuses this layer.
COPY package.json package-lock.json ./
# npm ci's postinstall applies these to the installed packages (patch-package; see patches/README.md).
COPY patches/ patches/
RUN npm ci --no-audit --no-fund
COPY . .
# The commit for `rustchat version` (the build context has no .git): --build-arg BUILD_COMMIT=$(git rev-parse --short=12 HEAD)
ARG BUILD_COMMIT=unknown
RUN BUILD_COMMIT="${BUILD_COMMIT}" npm run build && ./dist/rustchat version

# ---- what both variants share ----------------------------------------------------------------
FROM debian:bookworm-slim AS base
# A fixed uid/gid, so volume ownership and Kubernetes' runAsUser/fsGroup can name it.
RUN groupadd --system --gid 10001 rustchat \
 && useradd --system --uid 10001 --gid rustchat --home-dir /var/lib/rustchat --no-create-home --shell /usr/sbin/nologin rustchat \
 && install -d -m 0700 -o rustchat -g rustchat /var/lib/rustchat
ENV RUSTCHAT_DATA_DIR=/var/lib/rustchat \
    RUSTCHAT_HOST=0.0.0.0 \
    RUSTCHAT_PORT=8080
# Embedded database, local files and the admin socket; almost empty with PostgreSQL and S3.
VOLUME ["/var/lib/rustchat"]
WORKDIR /var/lib/rustchat
USER 10001:10001
EXPOSE 8080
# The embedded database's first boot takes a few seconds on a slow disk: start-period covers it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["rustchat", "health"]
ENTRYPOINT ["rustchat"]
CMD ["serve"]

# ---- docker build --target prebuilt: the dist/rustchat of the build context ------------------
FROM base AS prebuilt
COPY --chmod=0755 dist/rustchat /usr/local/bin/rustchat
RUN ["rustchat", "version"]

# ---- default: the executable built from source above -----------------------------------------
FROM base AS runtime
COPY --from=build --chmod=0755 /src/dist/rustchat /usr/local/bin/rustchat
RUN ["rustchat", "version"]
