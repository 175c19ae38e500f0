# Shared by utils/run-tests.sh and utils/run-demo.sh: install the Debian
# packages the project needs (when root), configure and build into build/.
# Source it from the repository root.

# DESIGN.md §7. python3-onnx and python3-numpy write the hostile models of
# tests/scripts/hostile_input.sh and check the INT8 reference
# (int8_reference.sh); python3-torch is needed only to retrain the reference
# model (utils/train_reference_model.py), not to build or test.
GLOW_PACKAGES=(cmake ninja-build g++ llvm-15-dev clang-15 libprotobuf-dev
  protobuf-compiler libonnx-dev libgoogle-glog-dev libgflags-dev libgtest-dev
  libpng-dev zlib1g-dev ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
  libonnx-testdata dataset-fashion-mnist ccache python3-onnx python3-numpy
  libturbojpeg0-dev openmpi-bin libopenmpi-dev)

glow_install_packages() {
  local missing=()
  for p in "${GLOW_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "run this script as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

glow_build() {
  local start=$SECONDS
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  ninja -C build -j2
  echo "Build finished in $((SECONDS - start)) s"
}
