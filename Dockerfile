# hoteleitos-connector: one image for every HIS database (Oracle thin mode, PostgreSQL, SQL Server via
# FreeTDS, MySQL/MariaDB, Firebird, SQLite). The base is an argument so the same file builds on Docker Hub's
# Python image and on a local Debian base; only `python3` is assumed.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# scripts/build-image removes this stage's image after the build (podman and Docker's classic builder keep it).
LABEL hoteleitos.stage=build
# Behind the hospital's proxy: --build-arg HTTP_PROXY=... HTTPS_PROXY=... (and http_proxy/https_proxy for apt) are
# predefined arguments, never recorded in the image; PIP_INDEX_URL (a PyPI mirror, maybe with a password) is
# declared in this stage only, and the final image keeps nothing of this stage but /opt/hoteleitos.
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_TRUSTED_HOST=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python3 -m venv /opt/hoteleitos
COPY pyproject.toml README.md ./
COPY connector ./connector
COPY adapters ./adapters
RUN /opt/hoteleitos/bin/pip install --upgrade pip \
    && /opt/hoteleitos/bin/pip install . \
    && /opt/hoteleitos/bin/pip uninstall --yes pip setuptools \
    && find /opt/hoteleitos -name '__pycache__' -prune -exec rm -rf {} + \
    && /opt/hoteleitos/bin/python -m compileall -q /opt/hoteleitos/lib

FROM ${BASE_IMAGE}
# unixODBC + FreeTDS: the SQL Server driver pyodbc uses (Microsoft's driver is used instead when installed).
# libfbclient2: the Firebird client library firebird-driver loads (SPDATA); it talks to Firebird 3 and later.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends unixodbc tdsodbc libfbclient2 \
    && odbcinst -q -d -n FreeTDS >/dev/null \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
    && groupadd --gid 10001 hoteleitos \
    && useradd --uid 10001 --gid hoteleitos --home-dir /app --no-create-home --shell /usr/sbin/nologin hoteleitos \
    && mkdir -p /app/state /app/log \
    && chown hoteleitos:hoteleitos /app/state /app/log
COPY --from=build /opt/hoteleitos /opt/hoteleitos
ENV PATH=/opt/hoteleitos/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOTELEITOS_STATE_DIR=/app/state \
    HOTELEITOS_LOG_DIR=/app/log \
    HOTELEITOS_LOG_FORMAT=json \
    HOTELEITOS_HEALTH_PORT=8080
WORKDIR /app
USER hoteleitos
VOLUME ["/app/state"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HOTELEITOS_HEALTH_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["hoteleitos-connector"]
CMD ["run"]
