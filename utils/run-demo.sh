#!/usr/bin/env bash
# Installs what is missing (as root), builds, and classifies the bundled
# Fashion-MNIST sample images with the bundled reference ResNet-18, then the
# full 10,000-image test set from Debian's dataset-fashion-mnist.
set -euo pipefail
cd "$(dirname "$0")/.."
source utils/common.sh
glow_install_packages
glow_build
MODEL=tests/models/resnet18.onnx
PP=(-image-mode=0to1 -mean=72.93 -stddev=0.353)
mkdir -p build/demo
echo
echo "== image-classifier on the 100 bundled sample images (top-3) =="
build/bin/image-classifier -m=$MODEL "${PP[@]}" -topk=3 -compute-softmax \
  -dump-graph-DOT=build/demo/resnet18.dot -input-image-dir=tests/images/fashion
echo "(optimized graph written to build/demo/resnet18.dot)"
DATA=/usr/share/datasets/fashion-mnist
echo
echo "== image-classifier on the 10,000-image Fashion-MNIST test set =="
build/bin/image-classifier -m=$MODEL "${PP[@]}" -minibatch=50 \
  -input-dataset=idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz
echo
echo "== the same on the LLVM CPU backend (INT8 would add -load-profile=...) =="
build/bin/image-classifier -m=$MODEL "${PP[@]}" -backend=CPU -minibatch=50 \
  -input-dataset=idx:$DATA/t10k-images-idx3-ubyte.gz,$DATA/t10k-labels-idx1-ubyte.gz
echo "PyTorch's accuracy on the same set: $(grep -o '"pytorch_top1": *[0-9.]*' \
  tests/models/resnet18.reference.json | grep -o '[0-9.]*$')"
