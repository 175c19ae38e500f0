#ifndef GLOW_BACKENDS_CPU_LIBJIT_LIBJITCOMMON_H
#define GLOW_BACKENDS_CPU_LIBJIT_LIBJITCOMMON_H

// Shared by the kernel-library sources. These files are compiled by clang-15
// to LLVM bitcode (once per instruction-set variant: generic x86-64, AVX2,
// AVX-512 with VNNI); the CPU backend links the bitcode into each compiled
// network. Every kernel is extern "C", takes the range [begin, end) of its
// work items first (the generated code splits a kernel's items across
// threads) and plain pointers and integers after that. The integer
// arguments are constants in the generated code, so the backend
// specialises each kernel for the shapes of the graph.

#include "LibjitLayout.h"
#include "glow/Quantization/QuantizationMath.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

#define LIBJIT_EXPORT extern "C"
#define LIBJIT_INLINE static inline __attribute__((always_inline))

#if defined(__AVX512F__)
#define LIBJIT_VEC 16
#elif defined(__AVX2__)
#define LIBJIT_VEC 8
#else
#define LIBJIT_VEC 4
#endif

namespace glow {
namespace libjit {

/// One SIMD register of floats / int32s (unaligned loads and stores).
typedef float vfloat __attribute__((vector_size(LIBJIT_VEC * 4), aligned(4)));
typedef int32_t vint __attribute__((vector_size(LIBJIT_VEC * 4), aligned(4)));
constexpr int kVec = LIBJIT_VEC;
/// SIMD registers per 16-channel block.
constexpr int kVecsPerBlock = int(kBlock) / kVec;

LIBJIT_INLINE vfloat vload(const float *p) { return *(const vfloat *)p; }
LIBJIT_INLINE void vstore(float *p, vfloat v) { *(vfloat *)p = v; }
/// Every lane x. (Not "(vfloat){} + x": 0 + x must keep a zero's sign, which
/// costs an addition before every broadcast.)
LIBJIT_INLINE vfloat vsplat(float x) {
  vfloat v;
  for (int i = 0; i < kVec; i++) {
    v[i] = x;
  }
  return v;
}
LIBJIT_INLINE vfloat vmax(vfloat a, vfloat b) { return a > b ? a : b; }
LIBJIT_INLINE vfloat vmin(vfloat a, vfloat b) { return a < b ? a : b; }

typedef int8_t vbyte __attribute__((vector_size(LIBJIT_VEC), aligned(1)));

/// quantizeValue(y, {scale, offset}) of every lane: the same float
/// arithmetic (divide, round half to even, add, clamp).
LIBJIT_INLINE vint vquantizeInt(vfloat y, float scale, int32_t offset) {
  vfloat q = __builtin_elementwise_roundeven(y / vsplat(scale)) +
             vsplat(float(offset));
  q = vmin(vmax(q, vsplat(-128.f)), vsplat(127.f));
  return __builtin_convertvector(q, vint);
}

/// Stores vquantizeInt of every lane at \p out.
LIBJIT_INLINE void vquantize(int8_t *out, vfloat y, float scale,
                             int32_t offset) {
  *(vbyte *)out =
      __builtin_convertvector(vquantizeInt(y, scale, offset), vbyte);
}

/// 16 bytes (unaligned loads and stores).
typedef uint8_t v16u8 __attribute__((vector_size(16), aligned(1)));

/// Transposes the 16x16 bytes t[row][col] in place: afterwards t[c][r] holds
/// what t[r][c] held. Four rounds of the same byte interleave: each rotates
/// the 8 bits (row, col) of an element's position left by one (row r = 8b +
/// i and column c = 8h + k go to row 2i + h, column 2k + b), so four of them
/// swap row and column.
LIBJIT_INLINE void transposeBytes16x16(v16u8 t[16]) {
  for (int round = 0; round < 4; round++) {
    v16u8 u[16];
    for (int i = 0; i < 8; i++) {
      u[2 * i] = __builtin_shufflevector(t[i], t[i + 8], 0, 16, 1, 17, 2, 18, 3,
                                         19, 4, 20, 5, 21, 6, 22, 7, 23);
      u[2 * i + 1] =
          __builtin_shufflevector(t[i], t[i + 8], 8, 24, 9, 25, 10, 26, 11, 27,
                                  12, 28, 13, 29, 14, 30, 15, 31);
    }
    for (int i = 0; i < 16; i++) {
      t[i] = u[i];
    }
  }
}

} // namespace libjit
} // namespace glow

#endif // GLOW_BACKENDS_CPU_LIBJIT_LIBJITCOMMON_H
