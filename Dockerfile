# syntax=docker/dockerfile:1.7
#
# PostWriter image. Stages:
#   builder  builds the postwriter wheel and the wheels of all its dependencies
#   builder-dev  the same with the dev extras (only the test stage uses it)
#   browser  Debian's Chromium + fonts + tini on python:3.11-slim (shared by test and runtime)
#   test     runtime + dev extras + tests/  (docker build --target test .)
#   runtime  the default (last) stage: non-root, no build tools, no secrets
#
# One image runs every process; the command picks it:
#   docker run IMAGE api | consume scrape | consume analysis | schedule run | submit URL
# Nothing secret is baked in: POSTWRITER_AMQP_URL, POSTWRITER_MONGODB_URL,
# POSTWRITER_API_KEYS and the session vault's POSTWRITER_KEYS (or a mounted
# POSTWRITER_KEYS_FILE) come from the environment at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# ---------------------------------------------------------------------------
FROM base AS builder
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY postwriter ./postwriter
COPY consumers ./consumers
COPY producers ./producers
# Every dependency ships manylinux wheels, so no compiler is needed. The later
# stages install exactly these files (--no-index): what was resolved here is
# what runs.
RUN pip wheel --wheel-dir /wheels .

FROM builder AS builder-dev
RUN pip wheel --wheel-dir /wheels-dev ".[dev]"

# ---------------------------------------------------------------------------
FROM base AS browser
# Versions are not pinned on purpose: Debian security updates for chromium
# replace the previous version in the archive, so a pin breaks the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        chromium \
        fonts-liberation \
        fonts-dejavu-core \
        fonts-noto-color-emoji \
        tini \
        ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 postwriter \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/postwriter \
        --create-home --shell /usr/sbin/nologin postwriter
ENV POSTWRITER_CHROMIUM_PATH=/usr/bin/chromium \
    HOME=/home/postwriter

# ---------------------------------------------------------------------------
FROM browser AS test
WORKDIR /src
RUN --mount=type=bind,from=builder-dev,source=/wheels-dev,target=/wheels-dev \
    pip install --no-index --find-links=/wheels-dev /wheels-dev/*.whl \
    && chown 10001:10001 /src
COPY --chown=10001:10001 setup.cfg pyproject.toml ./
COPY --chown=10001:10001 tests ./tests
USER 10001:10001
# Unit tests need nothing else; integration/e2e tests need
# POSTWRITER_TEST_AMQP_URL and POSTWRITER_TEST_MONGODB_URL.
CMD ["python", "-m", "pytest", "-m", "not integration and not e2e"]

# ---------------------------------------------------------------------------
FROM browser AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="postwriter" \
      org.opencontainers.image.description="Marketing-intelligence scraping service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Proprietary"
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels /wheels/*.whl
ENV POSTWRITER_API_HOST=0.0.0.0 \
    POSTWRITER_API_PORT=8080 \
    POSTWRITER_METRICS_HOST=0.0.0.0 \
    POSTWRITER_METRICS_PORT=9101 \
    HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
WORKDIR /home/postwriter
USER 10001:10001
EXPOSE 8080 9101
# api: /healthz on 8080 (the default above); run the scrape consumer with
# HEALTHCHECK_URL=http://127.0.0.1:9101/healthz. The scheduler serves no HTTP:
# disable the check for it (docker run --no-healthcheck; Compose does). (No
# POSTWRITER_ prefix: the application refuses unknown POSTWRITER_* variables.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=4)"]
# tini reaps the zombie processes Chromium leaves behind and forwards signals.
ENTRYPOINT ["/usr/bin/tini", "--", "postwriter"]
CMD ["api"]
