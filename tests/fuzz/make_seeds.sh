#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the project's own files:
#   make_seeds.sh OUTDIR [GLOW_BIN]
# writes OUTDIR/fuzz_<target>/ for every target of tests/fuzz. GLOW_BIN (the
# second argument or the environment; default build/bin) is where
# image-classifier is, to dump a real profile; without it the profile seeds
# are the hand-written ones only. Run from anywhere; paths are taken from
# the repository root. Existing seed directories are replaced.
set -eu
OUT=${1:?usage: make_seeds.sh OUTDIR [GLOW_BIN]}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${2:-${GLOW_BIN:-$ROOT/build/bin}}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$ROOT"
for t in onnx_loader profile png jpeg idx keep_list checkpoint; do
  rm -rf "$OUT/fuzz_$t"; mkdir -p "$OUT/fuzz_$t"
done

# --- ONNX models: the test models (those under 1 MB: the two reference
# networks would make every mutation slow; FuzzRegression replays them) and
# the ONNX node conformance models when libonnx-testdata is installed.
for m in tests/models/*.onnx; do
  [ "$(stat -c %s "$m")" -lt 1048576 ] && cp "$m" "$OUT/fuzz_onnx_loader/"
done
N=/usr/share/libonnx-testdata/data/node
if [ -d "$N" ]; then
  for d in "$N"/*/; do
    [ -f "$d/model.onnx" ] && cp "$d/model.onnx" "$OUT/fuzz_onnx_loader/node_$(basename "$d").onnx"
  done
fi

# --- PNG images (Fashion-MNIST samples and the odd formats of bad/).
find tests/images -name '*.png' | while read -r f; do
  cp "$f" "$OUT/fuzz_png/$(basename "$(dirname "$f")")_$(basename "$f")"
done

# --- Profiles: one dumped by image-classifier from the reference model,
# and small hand-written ones.
if [ -x "$BIN/image-classifier" ]; then
  "$BIN/image-classifier" -m=tests/models/resnet18.onnx -image-mode=0to1 \
      -mean=72.93 -stddev=0.353 -dump-profile="$OUT/fuzz_profile/resnet18.yaml" \
      tests/images/fashion/fmnist_000*.png > /dev/null 2>&1 ||
    echo "make_seeds.sh: warning: image-classifier -dump-profile failed" >&2
else
  echo "make_seeds.sh: note: no $BIN/image-classifier; hand-written profiles only" >&2
fi
cat > "$OUT/fuzz_profile/small.yaml" <<'YAML'
---
GlowToolsVersion: ''
---
GraphPreLowerHash: 1234567890
...
---
- NodeOutputName:  'conv1:0'
  Min:             -1.5
  Max:             2.25
  Histogram:       [ 0, 1, 2, 3 ]
- NodeOutputName:  'relu:0'
  Min:             0
  Max:             0
  Histogram:       [ ]
...
YAML
printf -- '---\nGlowToolsVersion: x\n---\nGraphPreLowerHash: 0\n---\n[]\n' > "$OUT/fuzz_profile/empty.yaml"

# --- IDX: input = [limit][images length, 2 bytes LE][images][labels].
# idx_input NAME LIMIT IMAGES_FILE LABELS_FILE
idx_input() {
  local n; n=$(stat -c %s "$3")
  { printf "\\x$(printf %02x "$2")\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))"
    cat "$3" "$4"; } > "$OUT/fuzz_idx/$1"
}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# 3 images of 2x3, 3 labels.
printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x03' > "$T/img"
printf '\x00\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0\xff\x01' >> "$T/img"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x07\x00\x09' > "$T/lab"
idx_input plain_all 0 "$T/img" "$T/lab"
idx_input plain_limit2 2 "$T/img" "$T/lab"
gzip -9 -n -c "$T/img" > "$T/img.gz"; gzip -9 -n -c "$T/lab" > "$T/lab.gz"
idx_input gzip_all 0 "$T/img.gz" "$T/lab.gz"
idx_input gzip_limit1 1 "$T/img.gz" "$T/lab.gz"
# count 0
printf '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c' > "$T/img0"
printf '\x00\x00\x08\x01\x00\x00\x00\x00' > "$T/lab0"
idx_input empty 0 "$T/img0" "$T/lab0"

# --- Keep lists.
cp examples/bundles/keep-layers.txt "$OUT/fuzz_keep_list/keep-layers.txt"
printf '/conv1/Conv,/layer1/layer1.0/relu/Relu,/fc/Gemm' > "$OUT/fuzz_keep_list/inline.txt"
printf '# comment\n\n  /a/Conv  \n/b/Relu # trailing\n@nested\n,\n' > "$OUT/fuzz_keep_list/comments.txt"

# --- Precision-tuner checkpoints (format of tools/precision-tuner/
# StudyCheckpoint.cpp; fingerprint as in tests/fuzz/fuzz_checkpoint.cpp):
# "M KEY ACCURACY SQNR IMAGES CRC32HEX" with the CRC-32 of the line before
# its last field (taken here from gzip's trailer).
crc32() { printf '%s' "$1" | gzip -c | tail -c8 | head -c4 | od -An -tx4 | tr -d ' \n'; }
mline() { local b="M $1 $2 $3 $4"; printf '%s %s\n' "$b" "$(crc32 "$b")"; }
H=$'# glow precision-tuner checkpoint v1\nfingerprint 0123456789abcdef\nsettings fuzz settings\n'
C=$OUT/fuzz_checkpoint
printf '%s' "$H" > "$C/empty.txt"
{ printf '%s' "$H"; mline fp32 0.91500000000000004 0 2000
  mline int8 0.90149999999999997 31.25 2000
  mline unit/0 0.91000000000000003 45.5 2000
  mline /conv1/Conv -1 inf 200; } > "$C/three.txt"
{ cat "$C/three.txt"; printf 'M unit/1 0.5 1'; } > "$C/cut.txt"
{ printf '%s' "$H"; mline fp32 0.5 10 10 | sed 's/ \([0-9a-f]*\)$/ 00000000/'; } > "$C/badsum.txt"
{ printf '# glow precision-tuner checkpoint v1\nfingerprint other\nsettings x\n'; } > "$C/other.txt"

for t in onnx_loader profile png jpeg idx keep_list checkpoint; do
  echo "seeds fuzz_$t: $(ls "$OUT/fuzz_$t" | wc -l)"
done
