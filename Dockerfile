# syntax=docker/dockerfile:1
# ClawScale Gateway in one image: the exported web frontend on 4040 and the backend on 4041,
# started as `CLAWSCALE_ENV=production scripts/run` starts them (scripts/container/entrypoint).
# Building, running, docker-compose.yml and the proof: docs/operations.md, "Containers".

# Any Debian-based image with Python 3.11+ and apt; scripts/container-proof builds one from
# Debian's own packages.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
# The registries (PyPI and npm unless given). A TLS-intercepting egress's CA bundle may be passed
# as the build secret `ca_bundle`; scripts/container/with-build-ca trusts it for one step, and
# neither it nor these addresses reach the final image.
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
# The ports and public addresses the frontend is exported for here (a local address must name
# its port); a start with other values exports again before serving.
ARG WEB_PORT=4040
ARG API_PORT=4041
ARG CLAWSCALE_PUBLIC_API_URL=http://localhost:4041
ARG DOMAIN_CLIENT=http://localhost:4040
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
# The virtualenv and bun, set up by scripts/lib/setup.sh exactly as scripts/run does (so its
# set-up steps find them current and skip), before the code so code changes keep this layer.
COPY requirements.txt ./
COPY scripts/ scripts/
COPY clawscale/i18n/locales/ clawscale/i18n/locales/
RUN --mount=type=secret,id=ca_bundle scripts/container/with-build-ca \
    bash -c 'source scripts/lib/setup.sh && setup_python && setup_frontend_toolchain'
COPY . .
RUN --mount=type=secret,id=ca_bundle scripts/container/with-build-ca \
    bash -c 'source scripts/lib/setup.sh && compile_catalogs && cd "$ROOT" \
      && env CLAWSCALE_ENV=production MAIL_TRANSPORT=none ADMIN_JWT_SECRET=build-only \
        CUSTOMER_JWT_SECRET=build-only CLAWSCALE_SECRET_KEY=build-only \
        CLAWSCALE_OUTBOUND_API_KEY=build-only CLAWSCALE_IDENTITY_API_KEY=build-only \
        "$VENV/bin/python" -m clawscale.web_export'

FROM ${BASE_IMAGE}
ARG APP_UID=10001
ENV CLAWSCALE_ENV=production \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --uid "$APP_UID" --user-group --create-home --shell /usr/sbin/nologin clawscale
WORKDIR /app
# The code, the virtualenv and bun belong to root; the app may write only what a start rewrites:
# the frontend export (.web), Reflex's lockfiles and locks, page states and the compiled catalogs.
COPY --from=build /app/.venv .venv/
COPY --from=build /app/.tools/bun .tools/bun/
COPY . .
COPY --from=build --chown=${APP_UID}:${APP_UID} /app/.web .web/
COPY --from=build --chown=${APP_UID}:${APP_UID} /app/reflex.lock reflex.lock/
COPY --from=build --chown=${APP_UID}:${APP_UID} /app/clawscale/i18n/locales clawscale/i18n/locales/
RUN install -d -o "$APP_UID" -g "$APP_UID" .states .tools/reflex .tools/bun-cache
USER ${APP_UID}
EXPOSE 4040 4041
HEALTHCHECK --interval=30s --timeout=10s --start-period=300s --retries=3 \
    CMD ["/app/.venv/bin/python", "/app/scripts/container/healthcheck.py"]
ENTRYPOINT ["/app/scripts/container/entrypoint"]
