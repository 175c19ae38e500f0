// Packing one row of an INT8 convolution's input (libjit_pack_i8.cpp, and
// the 1x1 convolutions of libjit_conv_i8.cpp that pack their own rows):
// int8 blocks of 16 channels become unsigned codes (x + 128) with the
// padding columns written out, their pixel sums, and for the depthwise
// kernel the transposition by quads of pixels.

#ifndef GLOW_BACKENDS_CPU_LIBJIT_LIBJITPACKROWI8_H
#define GLOW_BACKENDS_CPU_LIBJIT_LIBJITPACKROWI8_H

#include "LibjitCommon.h"

#if defined(__AVX512VNNI__)
#include <immintrin.h>
#endif

namespace glow {
namespace libjit {

typedef int32_t v16i32 __attribute__((vector_size(64), aligned(4)));

#if defined(__AVX512VNNI__)
/// The index vectors of tapsOf. They pass through an empty asm statement:
/// with constant indices LLVM rewrites the two shuffles into a longer
/// sequence of in-lane ones for some CPUs.
struct TapShuffles {
  __m512i perm, shuf;
  TapShuffles() {
    perm =
        _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    shuf = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    asm("" : "+v"(perm), "+v"(shuf));
  }
};

/// The codes of 16 channels at 4 neighbouring pixels (\p v: 16 bytes a
/// pixel) as vpdpbusd wants them: dword c holds channel c's four codes,
/// one a pixel. The dword transpose crosses the 128-bit lanes, the byte
/// transpose stays within them.
LIBJIT_INLINE __m512i quadTaps(__m512i v, const TapShuffles &t) {
  return _mm512_shuffle_epi8(_mm512_permutexvar_epi32(t.perm, v), t.shuf);
}

/// quadTaps of the 64 bytes from \p px (the bytes outside \p m read as 0).
LIBJIT_INLINE __m512i tapsOf(const uint8_t *px, __mmask64 m,
                             const TapShuffles &t) {
  return quadTaps(_mm512_maskz_loadu_epi8(m, px), t);
}
#endif

/// Turns a packed row of \p Wp pixels of 16 codes at \p d, in place, into
/// quads of [16][4] bytes: lane c of quad q holds channel c's codes at
/// pixels 4q to 4q + 3, as vpdpbusd takes four taps (the pixels from Wp on
/// hold the zero code).
LIBJIT_INLINE void transposeQuadsI8(uint8_t *d, int64_t Wp, uint8_t zero) {
  const int64_t pixels = quadRowPixels(Wp);
  std::memset(d + Wp * kBlock, zero, (pixels - Wp) * kBlock);
#if defined(__AVX512VNNI__)
  const TapShuffles shuffles;
  for (int64_t w = 0; w < pixels; w += 4) {
    __m512i v = tapsOf(d + w * kBlock, ~__mmask64(0), shuffles);
    _mm512_storeu_si512(d + w * kBlock, v);
  }
#else
  for (int64_t w = 0; w < pixels; w += 4) {
    uint8_t t[kBlock * 4];
    std::memcpy(t, d + w * kBlock, sizeof(t));
    for (int64_t c = 0; c < kBlock; c++) {
      for (int64_t k = 0; k < 4; k++) {
        d[w * kBlock + c * 4 + k] = t[k * kBlock + c];
      }
    }
  }
#endif
}

#if defined(__AVX512VNNI__)
/// One row of libjit_pack_conv_input_i8 from an int8 blocked source
/// (\p srcRow: pixel 0 of the row of the block), four padded pixels at a
/// time: the pixels outside the image load as the zero code (masked), the
/// codes become unsigned, their pixel sums go to \p sums (when not null),
/// and with \p quads the four pixels are transposed (transposeQuadsI8).
LIBJIT_INLINE void packRowBlocksI8(uint8_t *d, int32_t *sums,
                                   const uint8_t *srcRow, int64_t W, int64_t PL,
                                   int64_t Wp, int32_t quads, uint8_t zero) {
  const int64_t pixels = quads ? quadRowPixels(Wp) : Wp;
  const TapShuffles shuffles;
  // The int8 code that the sign flip makes the zero code.
  const __m512i zeroSigned = _mm512_set1_epi8(char(zero ^ 0x80));
  const __m512i flip = _mm512_set1_epi8(char(0x80));
  const __m512i firstDwords =
      _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  for (int64_t wp = 0; wp < pixels; wp += 4) {
    // Pixels lo to hi - 1 of the four from source pixel w0 lie in the row.
    int64_t w0 = wp - PL;
    int64_t lo = w0 < 0 ? (-w0 < 4 ? -w0 : 4) : 0;
    int64_t hi = W - w0 < 4 ? W - w0 : 4;
    hi = hi < lo ? lo : hi;
    __mmask64 in = __mmask64(_bzhi_u64(~0ULL, unsigned(16 * (hi - lo))))
                   << (16 * lo);
    __m512i v = _mm512_xor_si512(
        _mm512_mask_loadu_epi8(zeroSigned, in, srcRow + w0 * kBlock), flip);
    int64_t count = pixels - wp < 4 ? pixels - wp : 4;
    if (sums) {
      // Each pixel's 16 codes: two sums of 8 in its 128-bit lane, added.
      __m512i s8 = _mm512_sad_epu8(v, _mm512_setzero_si512());
      s8 = _mm512_add_epi64(s8, _mm512_bsrli_epi128(s8, 8));
      __m128i s =
          _mm512_castsi512_si128(_mm512_permutexvar_epi32(firstDwords, s8));
      __mmask8 sm = __mmask8((1u << count) - 1);
      __m128i old = _mm_maskz_loadu_epi32(sm, sums + wp);
      _mm_mask_storeu_epi32(sums + wp, sm, _mm_add_epi32(old, s));
    }
    if (quads) {
      v = quadTaps(v, shuffles);
    }
    _mm512_mask_storeu_epi8(
        d + wp * kBlock, __mmask64(_bzhi_u64(~0ULL, unsigned(16 * count))), v);
  }
}
#else
LIBJIT_INLINE void packRowBlocksI8(uint8_t *d, int32_t *sums,
                                   const uint8_t *srcRow, int64_t W, int64_t PL,
                                   int64_t Wp, int32_t quads, uint8_t zero) {
  const int64_t CBp = kBlock;
  for (int64_t wp = 0; wp < Wp; wp++) {
    int64_t w = wp - PL;
    uint8_t *o = d + wp * CBp;
    if (w < 0 || w >= W) {
      std::memset(o, zero, CBp);
      if (sums) {
        sums[wp] += int32_t(zero) * int32_t(CBp);
      }
      continue;
    }
    // int8 -> unsigned code: x + 128 flips the sign bit.
    v16u8 v = *(const v16u8 *)(srcRow + w * kBlock);
    v ^= uint8_t(0x80);
    *(v16u8 *)o = v;
    if (sums) {
      sums[wp] += __builtin_reduce_add(__builtin_convertvector(v, v16i32));
    }
  }
  if (quads) {
    transposeQuadsI8(d, Wp, zero);
  }
}
#endif

} // namespace libjit
} // namespace glow

#endif // GLOW_BACKENDS_CPU_LIBJIT_LIBJITPACKROWI8_H
