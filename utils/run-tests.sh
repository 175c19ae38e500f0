#!/usr/bin/env bash
# Installs what is missing (as root), builds (Release, ninja, ccache when
# present, -j2) and runs the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
source utils/common.sh
glow_install_packages
glow_build
start=$SECONDS
cd build
ctest --output-on-failure -j2 "$@"
echo "Test suite finished in $((SECONDS - start)) s"
