# pyexec image: the NestJS service plus nsjail and the Python runtime user code runs with (a venv
# of Debian's Python 3 holding runtime/requirements.txt, built by scripts/build-runtime.sh).
# One image serves every role; ROLE=api|worker|all picks what the process does (see
# docker-compose.yml). Build:  docker build -t pyexec .
#
# Stages:
#   nsjail-build  compiles nsjail from upstream source at a pinned tag (nsjail is not packaged
#                 in Debian 12 and not on npm)
#   app-build     npm ci, nest build (copies src/sandbox/harness/harness.py into dist/ as a
#                 nest-cli asset), then prunes devDependencies
#   runtime       node:24-bookworm-slim + python3 + nsjail's shared libraries + the Python
#                 runtime, built the same way as scripts/setup.sh builds it (PyPI wheels only)
#
# nsjail-build and runtime are both Debian 12 (bookworm), so the nsjail binary links against the
# same libprotobuf32 / libnl-route-3-200 that the runtime stage installs. Keep them on one release.
# For fully reproducible builds, pin the base images by digest (FROM image:tag@sha256:...).

# nsjail release tag (https://github.com/google/nsjail/tags). Bump deliberately, never "master".
ARG NSJAIL_TAG=3.4

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS nsjail-build
ARG NSJAIL_TAG
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libprotobuf-dev protobuf-compiler libnl-route-3-dev bison flex pkg-config g++ make \
      git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# --recurse-submodules brings kafel (nsjail's seccomp policy compiler) at the commit the tag pins.
# Plain `make` (not -j): older nsjail Makefiles race on the generated protobuf headers.
RUN git clone --depth 1 --branch "${NSJAIL_TAG}" --recurse-submodules \
      https://github.com/google/nsjail.git nsjail \
 && make -C nsjail \
 && strip nsjail/nsjail \
 && nsjail/nsjail --help >/dev/null 2>&1

# ---------------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS app-build
WORKDIR /app
# No usage-analytics call from @scarf/scarf's install script during the build.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && test -f dist/main.js \
 && test -f dist/sandbox/harness/harness.py \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
# python3, python3-venv: Debian's /usr/bin/python3 is the interpreter of the runtime venv (the
#          jail bind-mounts /usr, /lib, /lib64 and /bin read-only; see src/sandbox/nsjail-args.ts).
# libprotobuf32, libnl-route-3-200: nsjail's shared libraries (libnl-3-200 comes with the latter).
# libseccomp2: the fork server compiles the runs' seccomp policy with it (zygote.py).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv libprotobuf32 libnl-route-3-200 libseccomp2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=nsjail-build /build/nsjail/nsjail /usr/local/bin/nsjail

WORKDIR /app
# The runtime of user code: the curated packages, or an operator's file
# (docker build --build-arg RUNTIME_REQUIREMENTS=my-requirements.txt, a path in the build context).
ARG RUNTIME_REQUIREMENTS=runtime/requirements.txt
COPY runtime ./runtime
COPY scripts/build-runtime.sh ./scripts/build-runtime.sh
COPY ${RUNTIME_REQUIREMENTS} ./runtime/operator-requirements.txt
RUN bash scripts/build-runtime.sh runtime/operator-requirements.txt /opt/pyexec/runtime
COPY --from=app-build /app/package.json ./package.json
COPY --from=app-build /app/node_modules ./node_modules
COPY --from=app-build /app/dist ./dist
COPY deploy/healthcheck.js ./deploy/healthcheck.js

# Fail the build, not the first request, if nsjail's libraries or the runtime are missing.
RUN /usr/local/bin/nsjail --help >/dev/null 2>&1 && /opt/pyexec/runtime/bin/python3 -I -c 'pass'

# The service's memory settings (docs/operations.md, memory): two malloc arenas, and allocations of
# 128 KiB or more always mapped on their own (glibc's per-thread arenas fragment under the thread
# pool's work, and keep what large outputs took); a young generation of 4 MiB semi-spaces, since V8
# grows it to 64 MiB ones under load (RSS 246 -> 323 MiB over 9,000 runs).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    NODE_OPTIONS=--max-semi-space-size=4 \
    PORT=8080 \
    NSJAIL_PATH=/usr/local/bin/nsjail \
    RUNTIME_DIR=/opt/pyexec/runtime

# The service runs as root inside the container, deliberately. nsjail needs CAP_SYS_ADMIN (and
# friends) to create the user/pid/mount/net/ipc/uts namespaces of each jail, mount its tmpfs and
# bind mounts, and write the memory/pids cgroups; an unprivileged container user cannot do that.
# User code never runs as root: nsjail maps the jail's user to the unprivileged uid/gid 99999
# (uid 0 is not mapped inside the jail), with no capabilities and no network. The container also
# needs `privileged: true` (or CAP_SYS_ADMIN with seccomp/AppArmor unconfined) to run jails: see
# the worker service in docker-compose.yml.
USER root

EXPOSE 8080
# Liveness only (the process answers HTTP). Readiness (/health/ready: Redis and sandbox usable)
# is checked by docker-compose.yml per role.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "deploy/healthcheck.js", "/health"]

CMD ["node", "dist/main.js"]
