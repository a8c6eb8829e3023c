# syntax=docker/dockerfile:1
#
# One image for Ovenline: the four services (intake, consumer, promoter, hub), the Kitchen
# operator and its file mode, the migration command and the dead-letter tool. Each Kubernetes
# container picks its entry point:
#
#   deno run --node-modules-dir=manual --frozen --cached-only \
#     --allow-net --allow-env --allow-read --allow-sys src/services/<name>/main.ts
#
# (ENTRYPOINT below holds the flags; the chart spells the whole command out.)
#
# Base: the official denoland/deno image at exactly 2.8.3 (Debian). The machines install Deno
# from npm (`npm install deno@2.8.3`, the same release binary); in an image that would also need
# Node and npm for nothing. 2.9.x is excluded on purpose: it aborts inside nghttp2 when a gRPC
# client disconnects from a @grpc/grpc-js server under load (see docs/deploy.md).
#
# BASE_IMAGE replaces that base where it cannot be pulled: `./dev image` (scripts/image.sh) makes
# one from Debian's packages plus the same deno 2.8.3 release binary, with the same `deno` user.
ARG DENO_VERSION=2.8.3
ARG BASE_IMAGE=denoland/deno:debian-${DENO_VERSION}
FROM ${BASE_IMAGE}

# Deno's cache lives in the image: at run time the root filesystem is read-only, so everything
# Deno needs (npm packages in node_modules, transpiled sources in DENO_DIR) is prepared here.
ENV DENO_DIR=/deno-dir \
    DENO_NO_UPDATE_CHECK=1 \
    DENO_NO_PROMPT=1 \
    NO_COLOR=1 \
    KAFKAJS_NO_PARTITIONER_WARNING=1

WORKDIR /app

# Only for a build whose network passes a TLS-inspecting proxy: a CA file that the build mounts
# (scripts/image.sh does, from the host's bundle). Unset otherwise; never part of the image.
ARG DENO_CERT

COPY deno.json deno.lock ./
COPY src/ src/
COPY lua/ lua/
COPY migrations/ migrations/

# Install exactly the npm packages the entry points import (node_modules, from deno.lock, which
# must not change: --frozen), then transpile and cache every module they load.
RUN deno install --frozen --entrypoint \
      src/services/intake/main.ts \
      src/services/consumer/main.ts \
      src/services/promoter/main.ts \
      src/services/hub/main.ts \
      src/services/dlq/main.ts \
      src/services/housekeeper/main.ts \
      src/services/tokens/main.ts \
      src/services/kitchen_operator/main.ts \
      src/services/kitchen_operator/apply_cli.ts \
      src/adapters/postgres/migrate_cli.ts \
 && deno cache --frozen \
      src/services/intake/main.ts \
      src/services/consumer/main.ts \
      src/services/promoter/main.ts \
      src/services/hub/main.ts \
      src/services/dlq/main.ts \
      src/services/housekeeper/main.ts \
      src/services/tokens/main.ts \
      src/services/kitchen_operator/main.ts \
      src/services/kitchen_operator/apply_cli.ts \
      src/adapters/postgres/migrate_cli.ts \
 && chmod -R a+rX,go-w /app "$DENO_DIR"

# The image's `deno` user (uid 1993), numeric so that Kubernetes can check runAsNonRoot. It can
# read but not write /app and DENO_DIR; the only writable place at run time is an emptyDir /tmp.
USER 1993:1993

EXPOSE 50051 9464 8080 8081 8082 8083
ENTRYPOINT ["deno", "run", "--node-modules-dir=manual", "--frozen", "--cached-only", \
            "--allow-net", "--allow-env", "--allow-read", "--allow-sys"]
CMD ["src/services/hub/main.ts"]
