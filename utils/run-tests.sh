#!/usr/bin/env bash
# Installs what is missing (as root), builds (Release, ninja, ccache when
# present, -j2) and runs the whole test suite with ctest.
#
# Without arguments every test runs except the full model zoo (label zoo,
# about 25 torchvision models); the default run includes its subset
# (ModelZoo, five small models). Arguments go to ctest instead:
#   utils/run-tests.sh -L zoo        the model zoo, subset and full
#   utils/run-tests.sh -R Conformance
set -euo pipefail
cd "$(dirname "$0")/.."
source utils/common.sh
# The model zoo tests export torchvision models, the image input test
# checks against PIL (they skip without these).
GLOW_PACKAGES+=(python3-torch python3-torchvision python3-pil)
glow_install_packages
glow_build
# The QDQ export test runs ONNX Runtime through onnxruntime-node, installed
# here when node's npm is present; without it (or the registry) it skips.
if [ ! -d build/ort/node_modules/onnxruntime-node ] && command -v npm > /dev/null; then
  ONNXRUNTIME_NODE_INSTALL=skip timeout 600 npm install --no-save --no-audit \
      --no-fund --prefix build/ort onnxruntime-node > build/ort-install.log 2>&1 ||
    echo "note: onnxruntime-node could not be installed (build/ort-install.log);" \
         "OnnxQdqExport will be skipped"
fi
start=$SECONDS
cd build
if [ $# -eq 0 ]; then
  set -- -LE '^zoo$'
fi
ctest --output-on-failure -j2 "$@"
echo "Test suite finished in $((SECONDS - start)) s"
