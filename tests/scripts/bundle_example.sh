#!/usr/bin/env bash
# The bundle example apps (examples/bundles) must classify every sample
# image exactly as image-classifier does on the Interpreter with the same
# model, profile and keep list (FP32, and mixed precision), and reach at
# least 90% on the sample images' labels.
# The w4a8 bundle (layer3 and layer4 with 4-bit weights, -layer-precision)
# must too, with its 4-bit weights packed two to a byte in the weights file
# (smaller than its constant region by about half of those weights).
# Usage: bundle_example.sh FP32_APP MIXED_APP PROFILE KEEP_LIST W4A8_APP
#                          LAYER_PRECISION_FILE
set -u
BIN=${GLOW_BIN:-build/bin}
FP32_APP=$1 MIXED_APP=$2 PROFILE=$3 KEEP=$4 W4A8_APP=$5 PRECISIONS=$6
MODEL=tests/models/resnet18.onnx
PP=(-image-mode=0to1 -mean=72.93 -stddev=0.353)
IMAGES=(tests/images/fashion/*.png)
status=0

# "PATH LABEL" lines from image-classifier's " File: PATH<TAB>Label-K1: N".
reference() {
  "$BIN/image-classifier" -m=$MODEL "${PP[@]}" "$@" "${IMAGES[@]}" |
    sed -n 's/^ File: \(.*\)\tLabel-K1: \([0-9]*\) .*/\1 \2/p'
}

check() {
  local what=$1 app=$2; shift 2
  local want got
  want=$(reference "$@") || { echo "FAIL $what: image-classifier failed"; return 1; }
  got=$("$app" "${IMAGES[@]}") || { echo "FAIL $what: $app failed"; return 1; }
  local n_want n_same
  n_want=$(echo "$want" | grep -c .)
  n_same=$(comm -12 <(echo "$want" | sort) <(echo "$got" | grep -v '^accuracy' | sort) | grep -c .)
  echo "$what: $n_same of $n_want images labelled as image-classifier does; $(echo "$got" | grep '^accuracy')"
  if [ "$n_want" -ne ${#IMAGES[@]} ] || [ "$n_same" -ne "$n_want" ]; then
    echo "FAIL $what: labels differ"; return 1
  fi
  local correct
  correct=$(echo "$got" | sed -n 's/^accuracy .*(\([0-9]*\)\/.*/\1/p')
  if [ "${correct:-0}" -lt 90 ]; then
    echo "FAIL $what: only $correct correct"; return 1
  fi
}

# The dynamic API: NAME_config must describe the same regions and
# placeholders as the static header of the same network, and the entry point
# must run with buffers sized from it.
dynamic_api() {
  local tmp
  tmp=$(mktemp -d) || return 1
  trap 'rm -rf "$tmp"' RETURN
  "$BIN/model-compiler" -m=$MODEL -backend=CPU -emit-bundle="$tmp" \
    -network-name=net -bundle-api=dynamic > /dev/null || return 1
  "$BIN/model-compiler" -m=$MODEL -backend=CPU -emit-bundle="$tmp/static" \
    -network-name=net > /dev/null || return 1
  cat > "$tmp/main.c" <<'C'
#include "net.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  const struct BundleConfig *c = &net_config;
  printf("sizes %llu %llu %llu %llu\n",
         (unsigned long long)c->constantWeightVarsMemSize,
         (unsigned long long)c->mutableWeightVarsMemSize,
         (unsigned long long)c->activationsMemSize,
         (unsigned long long)c->alignment);
  for (unsigned i = 0; i < c->numSymbols; i++) {
    printf("symbol %s %llu %llu %c\n", c->symbolTable[i].name,
           (unsigned long long)c->symbolTable[i].offset,
           (unsigned long long)c->symbolTable[i].size, c->symbolTable[i].kind);
  }
  unsigned char *w = aligned_alloc(64, c->constantWeightVarsMemSize);
  unsigned char *m = aligned_alloc(64, (c->mutableWeightVarsMemSize + 63) / 64 * 64);
  unsigned char *a = aligned_alloc(64, (c->activationsMemSize + 63) / 64 * 64);
  FILE *f = fopen("net.weights.bin", "rb");
  if (!f || fread(w, 1, c->constantWeightVarsMemSize, f) != c->constantWeightVarsMemSize) return 3;
  fclose(f);
  memset(m, 0, c->mutableWeightVarsMemSize);
  printf("status %d\n", net(w, m, a));
  return 0;
}
C
  gcc -O1 -I"$tmp" "$tmp/main.c" "$tmp/net.o" -lm -o "$tmp/app" || return 1
  local got want
  got=$(cd "$tmp" && ./app) || return 1
  want="sizes $(sed -n 's/^#define NET_CONSTANT_MEM_SIZE \([0-9]*\)/\1/p' "$tmp/static/net.h")"
  want="$want $(sed -n 's/^#define NET_MUTABLE_MEM_SIZE \([0-9]*\)/\1/p' "$tmp/static/net.h")"
  want="$want $(sed -n 's/^#define NET_ACTIVATIONS_MEM_SIZE \([0-9]*\)/\1/p' "$tmp/static/net.h") 64"
  echo "dynamic API: $(echo "$got" | tr '\n' ';')"
  echo "$got" | grep -qx "$want" || { echo "FAIL dynamic API: expected '$want'"; return 1; }
  echo "$got" | grep -qx "symbol input $(sed -n 's/^#define NET_input \([0-9]*\).*/\1/p' "$tmp/static/net.h") 3136 I" ||
    { echo "FAIL dynamic API: input symbol"; return 1; }
  echo "$got" | grep -qx "symbol save_logits $(sed -n 's/^#define NET_save_logits \([0-9]*\).*/\1/p' "$tmp/static/net.h") 40 O" ||
    { echo "FAIL dynamic API: output symbol"; return 1; }
  echo "$got" | grep -qx "status 0" || { echo "FAIL dynamic API: run"; return 1; }
}

check "FP32 bundle" "$FP32_APP" || status=1
check "mixed bundle" "$MIXED_APP" -load-profile="$PROFILE" \
  -keep-original-precision-for-layers=@"$KEEP" || status=1
check "w4a8 bundle" "$W4A8_APP" -load-profile="$PROFILE" \
  -layer-precision=@"$PRECISIONS" || status=1
# The packed file: its size as the header says, below the constant region;
# the other bundles' files are their constant regions.
packed() {
  local dir=$1 name=$2 upper
  upper=$(echo "$name" | tr a-z A-Z)
  local file region flag
  file=$(stat -c %s "$dir/$name.weights.bin")
  region=$(sed -n "s/^#define ${upper}_CONSTANT_MEM_SIZE \([0-9]*\)/\1/p" "$dir/$name.h")
  flag=$(sed -n "s/^#define ${upper}_WEIGHTS_PACKED \([0-9]*\)/\1/p" "$dir/$name.h")
  size=$(sed -n "s/^#define ${upper}_WEIGHTS_FILE_SIZE \([0-9]*\)/\1/p" "$dir/$name.h")
  echo "$name: weights file $file bytes, constant region $region, packed $flag"
  [ "$file" = "$size" ] || { echo "FAIL $name: the header says $size bytes"; return 1; }
  if [ "$3" = 1 ]; then
    [ "$flag" = 1 ] && [ "$file" -lt "$region" ] || { echo "FAIL $name: not packed"; return 1; }
  else
    [ "$flag" = 0 ] && [ "$file" = "$region" ] || { echo "FAIL $name: packed"; return 1; }
  fi
}
BUNDLES=$(dirname "$PROFILE")
packed "$BUNDLES/resnet18_w4a8" resnet18_w4a8 1 || status=1
packed "$BUNDLES/resnet18_mixed" resnet18_mixed 0 || status=1
dynamic_api || { echo "FAIL dynamic API"; status=1; }
exit $status
