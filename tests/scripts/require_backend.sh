# Sourced by the script tests: require_backend NAME exits with 77 (skipped)
# when the backend cannot be opened on this machine (no OpenCL platform),
# and with 1 for any other failure to open it.
require_backend() {
  local probe
  if ! probe=$("${GLOW_BIN:-build/bin}/model-compiler" -m=tests/models/resnet18.onnx \
      -backend="$1" 2>&1); then
    echo "$probe"
    case "$probe" in
      *"no OpenCL platform"*|*"have no devices"*) echo "SKIP: no $1 device"; exit 77 ;;
    esac
    exit 1
  fi
}
