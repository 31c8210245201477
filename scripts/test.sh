#!/usr/bin/env bash
# The test command: prepares the machine (scripts/setup.sh), then runs the whole suite
# against the real container engine. Extra arguments go to `swift test`, e.g.
#   bash scripts/test.sh --filter SlipwayCoreTests
# `--unit` runs just the unit suite: everything but the tests that need Podman, the registry or
# the kmock emulator (a few seconds after a build; further arguments go to `swift test` too).
# The whole run (no arguments) also runs the lint step, scripts/lint.sh.
# Exit code: that of `swift test` or the lint step (or of the first preparation step that failed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
unit=0
if [[ ${1:-} == --unit ]]; then
    unit=1
    shift
fi

# 1. Machine: packages, containers.conf, Podman service, busybox base image, swift on PATH.
source scripts/setup.sh

# 2. Further test prerequisites go here.

# 3. The suite, built once, then run in three groups: the unit tests, the Docker API client's
#    tests and the integration tests. The two engine-backed groups run one after the other
#    (and the integration suites one test at a time): they share one container engine on a
#    small machine. SLIPWAY_REQUIRE_ENGINE=1: engine-backed tests fail instead of skipping when
#    the engine cannot be reached. Extra arguments (e.g. --filter X) run just those tests.
export SLIPWAY_REQUIRE_ENGINE=1 DOCKER_SOCKET=/run/podman/podman.sock
# What CI keeps of a run (the dashboard's screenshots, one PNG per page): left in place after the run.
export SLIPWAY_ARTIFACTS=${SLIPWAY_ARTIFACTS:-$PWD/.build/artifacts}
mkdir -p "$SLIPWAY_ARTIFACTS"
echo "test: swift build --build-tests"
swift build --build-tests
status=0
# The suites that start Podman containers, the registry or kmock; the unit suite is the rest
# (with SLIPWAY_UNIT_SUITE=1 a suite that starts one anyway fails, naming this list).
integration_suites=(
    DockerAPITests.EngineTests
    'OCIRegistryTests\.(OCIRegistryPushTests|OCIRegistryBasicAuthTests|OCIRegistryTokenAuthTests|PodmanPullTests)'
    KubernetesAPITests.KmockSmokeTests
    S3StorageTests.S3ClientTests
    BackupStoreTests.S3BackupStoreTests
    'SlipwayEnginesTests\.(KubernetesEngineFlowTests|KubernetesEngineConfigTests|KubernetesEngineAutoscaleTests|KubernetesRolloutTests|ImagePushTests)'
    SlipwayIntegrationTests
)
if ((unit)); then
    skips=()
    for suite in "${integration_suites[@]}"; do skips+=(--skip "$suite"); done
    echo "test: swift test (unit suite) $*"
    SLIPWAY_UNIT_SUITE=1 swift test --skip-build "${skips[@]}" "$@" || status=$?
elif (($# > 0)); then
    echo "test: swift test $*"
    swift test --skip-build "$@" || status=$?
else
    # The lint step first (seconds): its findings fail the run, but the tests still run after it.
    echo "test: lint (scripts/lint.sh)"
    bash scripts/lint.sh || status=$?
    for group in "--skip DockerAPITests --skip SlipwayIntegrationTests" "--filter DockerAPITests" "--filter SlipwayIntegrationTests"; do
        echo "test: swift test $group"
        # shellcheck disable=SC2086
        swift test --skip-build $group || status=$?
    done
fi
echo "test: swift test exited with $status; artifacts (screenshots) in $SLIPWAY_ARTIFACTS: $(find "$SLIPWAY_ARTIFACTS" -type f | wc -l) files"
exit "$status"
