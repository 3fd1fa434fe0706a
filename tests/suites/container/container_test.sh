#!/usr/bin/env bash
# Usage: container_test.sh KIT_ROOT
#
# ctest's kit/container_image: runs `scripts/container test`, or exits 77,
# which ctest counts as skipped, when the tools it needs are missing.
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 KIT_ROOT" >&2; exit 2; }

skip() { echo "skipped: $*"; exit 77; }
command -v podman >/dev/null ||
  skip "podman is not installed (apt-get install podman runc debootstrap; scripts/setup leaves it out)"
if ! podman image exists localhost/debian:bookworm-minbase 2>/dev/null; then
  command -v debootstrap >/dev/null ||
    skip "the base image is missing and debootstrap, which makes it, is not installed (apt-get install debootstrap)"
fi
exec "$1/scripts/container" test
