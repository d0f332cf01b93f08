#!/usr/bin/env bash
# Prepare this machine to build and run the connector's image without a Docker engine.
#
# Docker Hub cannot be reached here and no Docker engine runs, but podman with the runc runtime can
# build and run OCI images. This script:
#   1. installs podman, runc and debootstrap from Debian's packages (once);
#   2. lets containers start in this sandbox (no per-container rlimits);
#   3. builds a local base image with Debian's Python 3 (debootstrap, from the machine's own apt mirror)
#      and tags it localhost/hoteleitos-base:bookworm (once; reused afterwards).
# The tests (tests/integration/test_container.py) then build the project's Dockerfile on that base and run it;
# by hand, for example:
#   podman --runtime runc build --build-arg BASE_IMAGE=localhost/hoteleitos-base:bookworm -t hoteleitos-connector:test .
#   podman --runtime runc run --rm --network host hoteleitos-connector:test --help
# (CONTAINERS_CONF is exported by this script: source it, or export it yourself as it prints.)
# The Dockerfile should take the base as `ARG BASE_IMAGE=python:3.12-slim` and call `python3`, so that the
# same file builds on Docker Hub's image for users and on this base here.
set -euo pipefail
BASE=localhost/hoteleitos-base:bookworm
CONF=/etc/containers/hoteleitos-ci.conf

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
mkdir -p /etc/containers
printf '[containers]\ndefault_ulimits = []\n' > "$CONF"
export CONTAINERS_CONF="$CONF"

if ! podman image exists "$BASE"; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
  rootfs=$(mktemp -d)
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$mirror" >/dev/null
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" -c . | podman import - "$BASE" >/dev/null 2>&1
  rm -rf "$rootfs"
fi
echo "export CONTAINERS_CONF=$CONF   # base image: $BASE   runtime flag: --runtime runc"
