#!/usr/bin/env bash
# The test command: prepares the machine (scripts/setup.sh), then runs the whole suite
# against the real container engine. Extra arguments go to `swift test`, e.g.
#   bash scripts/test.sh --filter SlipwayCoreTests
# Exit code: that of `swift test` (or of the first preparation step that failed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# 1. Machine: packages, containers.conf, Podman service, busybox base image, swift on PATH.
source scripts/setup.sh

# 2. Further test prerequisites go here.

# 3. The suite. SLIPWAY_REQUIRE_ENGINE=1: engine-backed tests fail instead of skipping
#    when the engine cannot be reached.
echo "test: swift test${*:+ $*}"
status=0
SLIPWAY_REQUIRE_ENGINE=1 DOCKER_SOCKET=/run/podman/podman.sock swift test "$@" || status=$?
echo "test: swift test exited with $status"
exit "$status"
