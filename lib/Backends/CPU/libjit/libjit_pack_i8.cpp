// The packing of the INT8 convolutions' inputs (libjit_conv_i8.cpp): the
// unsigned codes (x + 128) of a plain or blocked, int8 or float source with
// the spatial padding written out, rows transposed by quads of pixels for
// the depthwise kernel, the pixel sums of each row, and the window sums
// that asymmetric filters need from them.

#include "LibjitCommon.h"

#if defined(__AVX512VNNI__)
#include <immintrin.h>
#endif

using namespace glow;
using namespace glow::libjit;

typedef int32_t v16i32 __attribute__((vector_size(64), aligned(4)));

/// One row (input row h, block cb of image n) of libjit_pack_conv_input_i8
/// from any source but int8 blocks: the padding columns and the lanes past
/// C or CB get the zero code.
LIBJIT_INLINE void packRowI8(uint8_t *d, const uint8_t *src, int32_t srcFloat,
                             int32_t srcBlocked, int64_t C, int64_t H,
                             int64_t W, int64_t CB, int64_t CBp, int64_t PL,
                             int64_t Wp, int64_t n, int64_t cb, int64_t h,
                             const TensorQuantizationParams &p, uint8_t zero) {
  int64_t Cs = divUp(C, kBlock);
  for (int64_t wp = 0; wp < Wp; wp++) {
    if (wp < PL || wp >= PL + W) {
      std::memset(d + wp * CBp, zero, CBp);
    }
  }
  if (!srcFloat && !srcBlocked && CB == kBlock && CBp == kBlock) {
    // A plain int8 source, 16 channels a block: 16 pixels of the block's
    // channel rows at a time, transposed into 16 pixel vectors.
    int64_t count = C - cb * kBlock < kBlock ? C - cb * kBlock : kBlock;
    const uint8_t *rows = src + ((n * C + cb * kBlock) * H + h) * W;
    uint8_t *o = d + PL * kBlock;
    v16u8 zeros = (v16u8){} + zero;
    // Reading 16 bytes of a row may run into the next row, but not past
    // the image's last byte.
    const uint8_t *imageEnd = src + (n + 1) * C * H * W;
    for (int64_t w0 = 0; w0 < W; w0 += kBlock) {
      // A last step past the row's end moves back to end with it (when the
      // row has 16 pixels) or takes the pixels left.
      int64_t w = W >= kBlock && w0 + kBlock > W ? W - kBlock : w0;
      int64_t pixels = W - w < kBlock ? W - w : kBlock;
      v16u8 t[kBlock];
      for (int64_t k = 0; k < kBlock; k++) {
        const uint8_t *r = rows + k * H * W + w;
        if (k >= count) {
          t[k] = zeros;
        } else if (r + kBlock <= imageEnd) {
          t[k] = *(const v16u8 *)r ^ uint8_t(0x80);
        } else {
          t[k] = zeros;
          for (int64_t j = 0; j < pixels; j++) {
            t[k][j] = r[j] ^ uint8_t(0x80);
          }
        }
      }
      transposeBytes16x16(t);
      for (int64_t j = 0; j < pixels; j++) {
        *(v16u8 *)(o + (w + j) * kBlock) = t[j];
      }
    }
    return;
  }
  for (int64_t ci = 0; ci < CBp; ci++) {
    int64_t c = cb * CB + ci;
    uint8_t *o = d + PL * CBp + ci;
    if (ci >= CB || c >= C) {
      for (int64_t w = 0; w < W; w++) {
        o[w * CBp] = zero;
      }
      continue;
    }
    // Element w of channel c's row is at row[w * step].
    int64_t first =
        srcBlocked ? ((n * Cs + c / kBlock) * H + h) * W * kBlock + c % kBlock
                   : ((n * C + c) * H + h) * W;
    int64_t step = srcBlocked ? kBlock : 1;
    if (srcFloat) {
      const float *row = (const float *)src + first;
      for (int64_t w = 0; w < W; w++) {
        o[w * CBp] = uint8_t(int32_t(quantizeValue(row[w * step], p)) + 128);
      }
    } else {
      const int8_t *row = (const int8_t *)src + first;
      for (int64_t w = 0; w < W; w++) {
        o[w * CBp] = uint8_t(int32_t(row[w * step]) + 128);
      }
    }
  }
}

/// Row h of image n of libjit_pack_conv_input_i8 from a plain float source
/// of at most 4 channels (CBp = 4, one block: the first convolution's
/// image), kVec pixels at a time: each pixel's four codes as one 32-bit
/// word, and its pixel sum when \p sums is not null.
LIBJIT_INLINE void packRowF32Quad(uint8_t *d, int32_t *sums, const float *src,
                                  int64_t C, int64_t H, int64_t W, int64_t PL,
                                  int64_t Wp, int64_t n, int64_t h, float scale,
                                  int32_t offset, uint8_t zero) {
  uint32_t *o = (uint32_t *)d;
  const uint32_t zeroWord = uint32_t(zero) * 0x01010101u;
  for (int64_t wp = 0; wp < Wp; wp++) {
    if (wp < PL || wp >= PL + W) {
      o[wp] = zeroWord;
      if (sums) {
        sums[wp] = 4 * int32_t(zero);
      }
    }
  }
  const float *rows[4];
  for (int64_t c = 0; c < C; c++) {
    rows[c] = src + ((n * C + c) * H + h) * W;
  }
  TensorQuantizationParams p;
  p.scale = scale;
  p.offset = offset;
  int64_t w = 0;
  for (; w + kVec <= W; w += kVec) {
    vint word = {}, sum = {};
    for (int64_t c = 0; c < 4; c++) {
      vint code;
      if (c < C) {
        code = vquantizeInt(vload(rows[c] + w), scale, offset) + 128;
      } else {
        code = vint{} + int32_t(zero);
      }
      word |= code << int32_t(8 * c);
      sum += code;
    }
    *(vint *)(o + PL + w) = word;
    if (sums) {
      *(vint *)(sums + PL + w) = sum;
    }
  }
  for (; w < W; w++) {
    uint32_t word = 0;
    int32_t sum = 0;
    for (int64_t c = 0; c < 4; c++) {
      int32_t code =
          c < C ? int32_t(quantizeValue(rows[c][w], p)) + 128 : int32_t(zero);
      word |= uint32_t(code) << (8 * c);
      sum += code;
    }
    o[PL + w] = word;
    if (sums) {
      sums[PL + w] = sum;
    }
  }
}

namespace {
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
LIBJIT_INLINE void packRowBlockedI8(uint8_t *d, int32_t *sums,
                                    const uint8_t *srcRow, int64_t W,
                                    int64_t PL, int64_t Wp, int32_t quads,
                                    uint8_t zero) {
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
#endif
} // namespace

/// Items: N * ceil(Cb / sumBlocks) * Hp: row hp of run `plane` of sumBlocks
/// blocks of image n is item (n * planes + plane) * Hp + hp, so that threads
/// split a depthwise convolution's input (sumBlocks 1) by channel blocks,
/// as its kernel does. Writes the packed INT8 input
/// [N][Cb][Hp][Wp][CBp] as unsigned codes (x + 128) from an int8
/// (srcFloat = 0) or float source (quantized with scale and offset on the
/// way: a fused Quantize), plain or blocked; padding and lanes past C hold
/// the zero code. CB = channels taken per block (16 or C), CBp = CB rounded
/// up to 4. With \p pixelSums, also writes the sum of every pixel's codes
/// over all lanes of each run of sumBlocks blocks, [N][ceil(Cb /
/// sumBlocks)][Hp][Wp] (for the window sums; a dense convolution sums all
/// its blocks, a grouped one the blocks of each output block). With
/// \p quads (a depthwise convolution's input, CBp = 16), every row is
/// transposed by quads of pixels: [N][Cb][Hp][quadRowPixels(Wp) / 4][16][4]
/// (transposeQuadsI8).
LIBJIT_EXPORT void libjit_pack_conv_input_i8(
    int64_t begin, int64_t end, uint8_t *dst, int32_t *pixelSums,
    const uint8_t *src, int32_t srcFloat, int32_t srcBlocked, int64_t C,
    int64_t H, int64_t W, int64_t CB, int64_t CBp, int64_t sumBlocks,
    int64_t PT, int64_t PL, int64_t Hp, int64_t Wp, float scale, int32_t offset,
    int32_t quads) {
  int64_t Cb = divUp(C, CB), Cs = divUp(C, kBlock);
  const int64_t rowBytes = (quads ? quadRowPixels(Wp) : Wp) * CBp;
  int64_t planes = divUp(Cb, sumBlocks);
  uint8_t zero = uint8_t(offset + 128);
  TensorQuantizationParams p;
  p.scale = scale;
  p.offset = offset;
  bool copyBlocks = srcBlocked && !srcFloat && CB == kBlock && CBp == kBlock;
  for (int64_t r = begin; r < end; r++) {
    int64_t hp = r % Hp, plane = (r / Hp) % planes, n = r / (Hp * planes);
    int64_t h = hp - PT;
    int64_t cbEnd = (plane + 1) * sumBlocks < Cb ? (plane + 1) * sumBlocks : Cb;
    for (int64_t cb = plane * sumBlocks; cb < cbEnd; cb++) {
      int32_t *sums =
          pixelSums ? pixelSums + ((n * planes + cb / sumBlocks) * Hp + hp) * Wp
                    : nullptr;
      if (sums && cb % sumBlocks == 0) {
        for (int64_t wp = 0; wp < Wp; wp++) {
          sums[wp] = 0;
        }
      }
      uint8_t *d = dst + ((n * Cb + cb) * Hp + hp) * rowBytes;
      if (h < 0 || h >= H) {
        std::memset(d, zero, rowBytes);
        if (sums) {
          for (int64_t wp = 0; wp < Wp; wp++) {
            sums[wp] += int32_t(zero) * int32_t(CBp);
          }
        }
        continue;
      }
      if (srcFloat && !srcBlocked && CBp == 4 && Cb == 1 && !quads) {
        packRowF32Quad(d, sums, (const float *)src, C, H, W, PL, Wp, n, h,
                       scale, offset, zero);
        continue;
      }
      if (!copyBlocks) {
        // Channel by channel: each channel's row of the source is read
        // in order (a plain source holds it contiguously).
        packRowI8(d, src, srcFloat, srcBlocked, C, H, W, CB, CBp, PL, Wp, n, cb,
                  h, p, zero);
        if (quads) {
          transposeQuadsI8(d, Wp, zero);
        }
        if (sums && CBp == kBlock) {
          for (int64_t wp = 0; wp < Wp; wp++) {
            v16u8 v = *(const v16u8 *)(d + wp * kBlock);
            sums[wp] +=
                __builtin_reduce_add(__builtin_convertvector(v, v16i32));
          }
        } else if (sums) {
          for (int64_t wp = 0; wp < Wp; wp++) {
            int32_t s = 0;
            for (int64_t ci = 0; ci < CBp; ci++) {
              s += d[wp * CBp + ci];
            }
            sums[wp] += s;
          }
        }
        continue;
      }
#if defined(__AVX512VNNI__)
      packRowBlockedI8(d, sums, src + ((n * Cs + cb) * H + h) * W * kBlock, W,
                       PL, Wp, quads, zero);
      continue;
#endif
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
        v16u8 v =
            *(const v16u8 *)(src + (((n * Cs + cb) * H + h) * W + w) * kBlock);
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
  }
}

/// Items: N * OH output rows (N counts the sum planes of every image).
/// sums[n][oh][ow] = the sum of the packed input's codes under the window
/// of output pixel (oh, ow), over every lane of a plane (the correction
/// for non-zero filter offsets), from the pixel sums [N][Hp][Wp] of
/// libjit_pack_conv_input_i8.
LIBJIT_EXPORT void
libjit_conv_window_sums_i8(int64_t begin, int64_t end, int32_t *sums,
                           const int32_t *pixelSums, int64_t Hp, int64_t Wp,
                           int64_t OH, int64_t OW, int64_t KH, int64_t KW,
                           int64_t SH, int64_t SW, int64_t DH, int64_t DW) {
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, n = r / OH;
    int32_t *out = sums + r * OW;
    for (int64_t ow = 0; ow < OW; ow++) {
      out[ow] = 0;
    }
    for (int64_t kh = 0; kh < KH; kh++) {
      const int32_t *row = pixelSums + (n * Hp + oh * SH + kh * DH) * Wp;
      for (int64_t kw = 0; kw < KW; kw++) {
        for (int64_t ow = 0; ow < OW; ow++) {
          out[ow] += row[ow * SW + kw * DW];
        }
      }
    }
  }
}
