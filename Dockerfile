# hoteleitos-connector: one image for every HIS database (Oracle thin mode, PostgreSQL, SQL Server via
# FreeTDS, MySQL/MariaDB, Firebird, SQLite). The base is an argument so the same file builds on Docker Hub's
# Python image and on a local Debian base; only `python3` is assumed.
#
#   docker build .                          the image, without any Oracle binary (Oracle in thin mode; an Oracle
#                                           Client can still be mounted at /opt/oracle/instantclient at run time)
#   docker build --target oracle-client .   the same image with the Oracle Instant Client 19 inside, unpacked from
#                                           the Basic Light zip the hospital downloaded from Oracle and put beside
#                                           this file (instantclient-basiclite-linux.x64-19.*.zip); no Internet
#                                           access for it (docs/oracle.md)
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
COPY queries ./queries
RUN /opt/hoteleitos/bin/pip install --upgrade pip \
    && /opt/hoteleitos/bin/pip install . \
    && /opt/hoteleitos/bin/pip uninstall --yes pip setuptools \
    && find /opt/hoteleitos -name '__pycache__' -prune -exec rm -rf {} + \
    && /opt/hoteleitos/bin/python -m compileall -q /opt/hoteleitos/lib

FROM ${BASE_IMAGE} AS runtime
# unixODBC + FreeTDS: the SQL Server driver pyodbc uses (Microsoft's driver is used instead when installed).
# libfbclient2: the Firebird client library firebird-driver loads (SPDATA); it talks to Firebird 3 and later.
# tini: PID 1 of the container. The kernel ignores a signal PID 1 has no handler for, so without it a stop in the
# agent's first second (before its SIGTERM handler is in place) waited for the runtime's kill timeout; tini forwards
# SIGTERM/SIGHUP to the agent and reaps what exits.
# libaio: what the Oracle Instant Client loads, under the name it asks for (libaio.so.1; Debian 13 ships it as
# libaio.so.1t64), so that a client mounted at run time or built in works.
RUN apt-get update \
    && aio=libaio1 && if apt-cache show libaio1t64 >/dev/null 2>&1; then aio=libaio1t64; fi \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini unixodbc tdsodbc libfbclient2 "$aio" \
    && lib=$(dpkg -L "$aio" | grep -E '/libaio\.so\.1(t64)?$' | head -n 1) \
    && { [ -e "$(dirname "$lib")/libaio.so.1" ] || ln -s "$(basename "$lib")" "$(dirname "$lib")/libaio.so.1"; } \
    && odbcinst -q -d -n FreeTDS >/dev/null \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
    && groupadd --gid 10001 hoteleitos \
    && useradd --uid 10001 --gid hoteleitos --home-dir /app --no-create-home --shell /usr/sbin/nologin hoteleitos \
    && mkdir -p /app/state /app/log /opt/oracle/instantclient \
    && chown hoteleitos:hoteleitos /app/state /app/log
COPY --from=build /opt/hoteleitos /opt/hoteleitos
ENV PATH=/opt/hoteleitos/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOTELEITOS_STATE_DIR=/app/state \
    HOTELEITOS_LOG_DIR=/app/log \
    HOTELEITOS_LOG_FORMAT=json \
    HOTELEITOS_HEALTH_PORT=8080 \
    LD_LIBRARY_PATH=/opt/oracle/instantclient
WORKDIR /app
USER hoteleitos
VOLUME ["/app/state"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HOTELEITOS_HEALTH_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["/usr/bin/tini", "--", "hoteleitos-connector"]
CMD ["run"]

# The Oracle Instant Client, from the zip beside this file (unzip keeps the zip's symbolic links, such as
# libclntsh.so -> libclntsh.so.19.1). Only 19.12 and later: the line that reaches both Oracle 11.2 and servers that
# refuse weak crypto. Oracle's license files travel with the libraries.
FROM ${BASE_IMAGE} AS instantclient
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends unzip \
    && rm -rf /var/lib/apt/lists/*
COPY instantclient-basic*.zip /tmp/instantclient/
RUN set -eu; cd /tmp/instantclient; \
    zips=$(ls instantclient-basic*.zip | wc -l); \
    if [ "$zips" != 1 ]; then echo "Deixe ao lado do Dockerfile um só zip do Instant Client (há $zips)." >&2; exit 1; fi; \
    unzip -q instantclient-basic*.zip; \
    folder=$(ls -d instantclient_*/ | head -n 1); release=${folder#instantclient_}; release=${release%/}; \
    major=${release%%_*}; minor=${release#*_}; \
    if [ "$major" != 19 ] || [ "$minor" -lt 12 ]; then \
      echo "Instant Client $major.$minor: use o 19.12 ou mais novo (o 19 fala com Oracle 11.2 e 19c; veja docs/oracle.md)." >&2; \
      exit 1; \
    fi; \
    if [ ! -e "$folder/libclntsh.so" ]; then echo "O zip não tem libclntsh.so: é o pacote Basic ou Basic Light?" >&2; exit 1; fi; \
    mkdir -p /opt/oracle; mv "$folder" /opt/oracle/instantclient

FROM runtime AS oracle-client
COPY --from=instantclient /opt/oracle/instantclient /opt/oracle/instantclient

# The default target: the image without any Oracle binary.
FROM runtime
