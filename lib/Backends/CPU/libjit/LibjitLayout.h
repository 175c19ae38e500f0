#ifndef GLOW_BACKENDS_CPU_LIBJIT_LIBJITLAYOUT_H
#define GLOW_BACKENDS_CPU_LIBJIT_LIBJITLAYOUT_H

// The memory layouts that the CPU backend's packing code (host side,
// WeightPacking.cpp) and the kernel library (bitcode side) agree on. Plain
// C++ with no dependencies, included by both.
//
// Blocked activations ("NCHW16c"): a 4-D tensor [N, C, H, W] is stored as
// [N][ceil(C/16)][H][W][16]; channel c lives in block c/16, lane c%16.
// Lanes past C hold finite values that every kernel ignores (float: the
// weights they meet are 0; int8: the weights they meet equal the filter
// offset, so their terms cancel).
//
// Packed convolution input: [N][Cb][Hp][Wp][CB] with the spatial padding
// written out (float 0, or the zero code of an int8 tensor), where CB is the
// input-channel block: 16, or C itself when C < 16 (the first convolution
// of an RGB model). INT8 rounds CB up to a multiple of 4 (the VNNI group).
//
// Packed FP32 filter: [Ob][Cb][KH][KW][CB][16] (16 output channels a lane).
// Packed INT8 filter: [Ob][Cb][KH][KW][CB/4][16][4].
// Packed FP32 FC weights: [Mb][K][16]; INT8: [Mb][Kp/4][16][4].

#include <cstdint>

namespace glow {
namespace libjit {

/// Channels per block of the blocked layout.
constexpr int64_t kBlock = 16;

/// The rows of a work item of libjit_fc_f32 (by 2 or 4 output blocks).
constexpr int64_t kFcTileRows = 6;

/// \returns ceil(a / b).
inline int64_t divUp(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// \returns a rounded up to a multiple of b.
inline int64_t roundUp(int64_t a, int64_t b) { return divUp(a, b) * b; }

/// \returns the input-channel block of a packed convolution input with C
/// channels; \p int8 rounds it to the VNNI group of 4.
inline int64_t convInputBlock(int64_t C, bool int8) {
  int64_t cb = C < kBlock ? C : kBlock;
  return int8 ? roundUp(cb, 4) : cb;
}

/// \returns the output rows that one work item of the FP32 convolution
/// computes for an output of OH x OW pixels: the most whole rows that
/// divide OH and fit in 14 pixels (one AVX-512 register tile), when that
/// is at least two (libjit_conv_rows_f32: short rows still fill a tile);
/// else one (libjit_conv_blocked_f32).
inline int64_t convRowsPerItem(int64_t OH, int64_t OW) {
  for (int64_t rows = OW > 0 ? 14 / OW : 1; rows >= 2; rows--) {
    if (OH % rows == 0) {
      return rows;
    }
  }
  return 1;
}

/// \returns the pixels of a row of a depthwise INT8 convolution's packed
/// input, transposed by quads of pixels, for \p Wp padded pixels: whole
/// quads, and one more quad (a window of four pixels that starts in the
/// last quad reads the next one).
inline int64_t quadRowPixels(int64_t Wp) { return (divUp(Wp, 4) + 1) * 4; }

// The operation and element-kind codes (glow/Backends/KernelOps.def).
enum ScalarKind : int32_t {
#define KERNEL_SCALAR_KIND(NAME, CODE) kScalar##NAME = CODE,
#include "glow/Backends/KernelOps.def"
};
enum BinaryOp : int32_t {
#define KERNEL_BINARY_OP(KIND, CODE) kOp##KIND = CODE,
#include "glow/Backends/KernelOps.def"
};
enum UnaryOp : int32_t {
#define KERNEL_UNARY_OP(KIND, CODE) kOp##KIND = CODE,
#include "glow/Backends/KernelOps.def"
};
enum PadMode : int32_t {
#define KERNEL_PAD_MODE(NAME, CODE) kPad##NAME = CODE,
#include "glow/Backends/KernelOps.def"
};
enum CompareMode : int32_t {
#define KERNEL_COMPARE_MODE(NAME, CODE) kCmp##NAME = CODE,
#include "glow/Backends/KernelOps.def"
};

/// The scalars of a blocked convolution that are not shapes: its epilogue
/// and input zero code. They are passed in the constant region rather than
/// as constants, so that convolutions of one shape share one specialised
/// kernel. Plain 4-byte fields: the same layout for gcc and clang.
struct ConvScalars {
  // FP32 epilogue: clamp to [lo, hi]; then with quantize, store int8 codes
  // of (scale, offset).
  float lo, hi;
  int32_t quantize;
  float scale;
  int32_t offset;
  // INT8: the input's zero code (offset + 128, unsigned), the output
  // offset; a fused Relu/Clip (act): clamp(y - actInOffset, actLo, actHi)
  // requantized by (actMult, actShift) plus actOutOffset; a fused
  // Dequantize: float dqScale * (y - dqOffset).
  int32_t inZero, outOffset;
  int32_t act, actInOffset, actLo, actHi, actMult, actShift, actOutOffset;
  int32_t dequantize;
  float dqScale;
  int32_t dqOffset;
};

/// ConvScalars::act of a fused Relu/Clip whose output has the convolution's
/// scale: its requantization is the identity (only the clamp and the
/// offsets remain).
constexpr int32_t kActIdentityScale = 2;

/// Error codes a run returns (0: success).
enum RunStatus : int32_t {
#define KERNEL_RUN_STATUS(NAME, CODE) kStatus##NAME = CODE,
#include "glow/Backends/KernelOps.def"
};

} // namespace libjit
} // namespace glow

#endif // GLOW_BACKENDS_CPU_LIBJIT_LIBJITLAYOUT_H
