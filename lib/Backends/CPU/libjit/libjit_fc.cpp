// Fast FullyConnected kernels: FP32 with packed weights [Mb][K][16], INT8
// with VNNI-packed weights [Mb][Kp/4][16][4] (LibjitLayout.h).

#include "LibjitCommon.h"

using namespace glow;
using namespace glow::libjit;

#if defined(__AVX512VNNI__)
#include <immintrin.h>
#endif

namespace {
/// Rows r0 .. r0 + R - 1 by output blocks mb0 .. mb0 + NB - 1 of
/// libjit_fc_f32, in R x NB x kVecsPerBlock accumulators: per k, NB
/// block loads and R broadcasts for R x NB multiply-adds.
template <int R, int NB>
LIBJIT_INLINE void fcTileF32(float *out, const float *x, const float *weights,
                             const float *bias, int64_t K, int64_t M,
                             int64_t r0, int64_t mb0) {
  vfloat acc[R][NB][kVecsPerBlock];
#pragma unroll
  for (int b = 0; b < NB; b++) {
#pragma unroll
    for (int v = 0; v < kVecsPerBlock; v++) {
      vfloat bv = vload(bias + (mb0 + b) * kBlock + v * kVec);
#pragma unroll
      for (int r = 0; r < R; r++) {
        acc[r][b][v] = bv;
      }
    }
  }
  const float *xr = x + r0 * K;
  const float *w = weights + mb0 * K * kBlock;
  for (int64_t k = 0; k < K; k++) {
    vfloat wv[NB][kVecsPerBlock];
#pragma unroll
    for (int b = 0; b < NB; b++) {
#pragma unroll
      for (int v = 0; v < kVecsPerBlock; v++) {
        wv[b][v] = vload(w + (b * K + k) * kBlock + v * kVec);
      }
    }
#pragma unroll
    for (int r = 0; r < R; r++) {
      vfloat xv = vsplat(xr[r * K + k]);
#pragma unroll
      for (int b = 0; b < NB; b++) {
#pragma unroll
        for (int v = 0; v < kVecsPerBlock; v++) {
          acc[r][b][v] += wv[b][v] * xv;
        }
      }
    }
  }
#pragma unroll
  for (int r = 0; r < R; r++) {
#pragma unroll
    for (int b = 0; b < NB; b++) {
      int64_t m0 = (mb0 + b) * kBlock;
      float *y = out + (r0 + r) * M + m0;
      if (M - m0 >= kBlock) {
#pragma unroll
        for (int v = 0; v < kVecsPerBlock; v++) {
          vstore(y + v * kVec, acc[r][b][v]);
        }
        continue;
      }
      float t[kBlock];
#pragma unroll
      for (int v = 0; v < kVecsPerBlock; v++) {
        vstore(t + v * kVec, acc[r][b][v]);
      }
      std::memcpy(y, t, (M - m0) * sizeof(float));
    }
  }
}

/// fcTileF32 for R rows (1 to kFcTileRows).
template <int NB>
LIBJIT_INLINE void fcTileRowsF32(int64_t R, float *out, const float *x,
                                 const float *weights, const float *bias,
                                 int64_t K, int64_t M, int64_t r0,
                                 int64_t mb0) {
  static_assert(kFcTileRows == 6, "one case per row count");
  switch (R) {
  case 6:
    return fcTileF32<6, NB>(out, x, weights, bias, K, M, r0, mb0);
  case 5:
    return fcTileF32<5, NB>(out, x, weights, bias, K, M, r0, mb0);
  case 4:
    return fcTileF32<4, NB>(out, x, weights, bias, K, M, r0, mb0);
  case 3:
    return fcTileF32<3, NB>(out, x, weights, bias, K, M, r0, mb0);
  case 2:
    return fcTileF32<2, NB>(out, x, weights, bias, K, M, r0, mb0);
  default:
    return fcTileF32<1, NB>(out, x, weights, bias, K, M, r0, mb0);
  }
}
} // namespace

/// Items: ceil(N / kFcTileRows) * ceil(Mb / blocksPerItem): item t holds up
/// to kFcTileRows rows (from (t / ceil(Mb / blocksPerItem)) * kFcTileRows)
/// by up to blocksPerItem (2 or 4) output blocks. out[n][m] = bias[m] +
/// sum_k x[n][k] w[k][m], weights packed [Mb][K][16] (the last block cut
/// at M). Each output is the bias plus its products added in the order of
/// k, whatever the tile: results do not depend on N (the tuner's ranks
/// run batches of different sizes and must agree bit for bit). The
/// planner gives few rows four blocks an item, so that a classifier's one
/// row still has four independent chains of multiply-adds.
LIBJIT_EXPORT void libjit_fc_f32(int64_t begin, int64_t end, float *out,
                                 const float *x, const float *weights,
                                 const float *bias, int64_t K, int64_t M,
                                 int64_t N, int64_t blocksPerItem) {
  const int64_t Mb = divUp(M, kBlock), groups = divUp(Mb, blocksPerItem);
  for (int64_t it = begin; it < end; it++) {
    int64_t r0 = it / groups * kFcTileRows, mb0 = it % groups * blocksPerItem;
    int64_t R = N - r0 < kFcTileRows ? N - r0 : kFcTileRows;
    // Where a block is one register (AVX-512) the item is one tile; where
    // it takes two or more, one block at a time (the accumulators of more
    // would spill).
    if (kVecsPerBlock == 1 && mb0 + blocksPerItem <= Mb) {
      if (blocksPerItem == 4 && R <= 5) {
        fcTileRowsF32<4>(R, out, x, weights, bias, K, M, r0, mb0);
        continue;
      }
      if (blocksPerItem == 2) {
        fcTileRowsF32<2>(R, out, x, weights, bias, K, M, r0, mb0);
        continue;
      }
    }
    for (int64_t mb = mb0; mb < mb0 + blocksPerItem && mb < Mb; mb++) {
      fcTileRowsF32<1>(R, out, x, weights, bias, K, M, r0, mb);
    }
  }
}

/// Items: N rows. Writes row n of x (int8, K codes) as unsigned codes
/// (x + 128) padded to Kp with the zero code (inOffset + 128), and its sum
/// in sums[n] when sums is not null.
LIBJIT_EXPORT void libjit_pack_fc_input_i8(int64_t begin, int64_t end,
                                           uint8_t *dst, int32_t *sums,
                                           const int8_t *x, int64_t K,
                                           int64_t Kp, int32_t inOffset) {
  for (int64_t n = begin; n < end; n++) {
    int32_t s = 0;
    for (int64_t k = 0; k < Kp; k++) {
      uint8_t u = uint8_t((k < K ? int32_t(x[n * K + k]) : inOffset) + 128);
      dst[n * Kp + k] = u;
      s += u;
    }
    if (sums) {
      sums[n] = s;
    }
  }
}

namespace {
/// Finishes output block mb of row n of libjit_fc_i8 from its 16 int32
/// sums of products \p acc: bias'[m] + acc - weightOffset * sums[n] (the
/// Interpreter's accumulator), requantizeAccumulator'd; the last block is
/// cut at M.
LIBJIT_INLINE void finishFcI8(const int32_t *acc, int8_t *out, int64_t n,
                              int64_t mb, const int32_t *bias,
                              const int32_t *sums, int32_t weightOffset,
                              int64_t M, float scale, int32_t outOffset) {
  int64_t count = M - mb * kBlock < kBlock ? M - mb * kBlock : kBlock;
  int32_t s = sums ? sums[n] : 0;
  int8_t y[kBlock];
  for (int l = 0; l < kBlock; l++) {
    // The sum is the Interpreter's int32 accumulator; its parts may not be.
    int64_t a =
        int64_t(acc[l]) + bias[mb * kBlock + l] - int64_t(weightOffset) * s;
    y[l] = requantizeAccumulator(int32_t(a), scale, outOffset);
  }
  std::memcpy(out + n * M + mb * kBlock, y, count);
}

#if defined(__AVX512VNNI__)
/// Rows r0 .. r0 + R - 1 by output blocks mb0 .. mb0 + NB - 1 of
/// libjit_fc_i8 in R x NB accumulators: per group of four k, NB weight
/// loads and R broadcasts for R x NB vpdpbusd.
template <int R, int NB>
LIBJIT_INLINE void fcTileI8(int8_t *out, const uint8_t *x,
                            const int8_t *weights, const int32_t *bias,
                            const int32_t *sums, int32_t weightOffset,
                            int64_t Kp, int64_t M, float scale,
                            int32_t outOffset, int64_t r0, int64_t mb0) {
  __m512i acc[R][NB];
#pragma unroll
  for (int r = 0; r < R; r++) {
#pragma unroll
    for (int b = 0; b < NB; b++) {
      acc[r][b] = _mm512_setzero_si512();
    }
  }
  const int64_t G = Kp / 4;
  const int8_t *w = weights + mb0 * Kp * kBlock;
  for (int64_t g = 0; g < G; g++) {
    __m512i wv[NB];
#pragma unroll
    for (int b = 0; b < NB; b++) {
      wv[b] = _mm512_loadu_si512(w + (b * G + g) * 64);
    }
#pragma unroll
    for (int r = 0; r < R; r++) {
      int32_t xq;
      std::memcpy(&xq, x + (r0 + r) * Kp + g * 4, 4);
      __m512i xv = _mm512_set1_epi32(xq);
#pragma unroll
      for (int b = 0; b < NB; b++) {
        acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], xv, wv[b]);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < R; r++) {
#pragma unroll
    for (int b = 0; b < NB; b++) {
      alignas(64) int32_t a[kBlock];
      _mm512_store_si512(a, acc[r][b]);
      finishFcI8(a, out, r0 + r, mb0 + b, bias, sums, weightOffset, M, scale,
                 outOffset);
    }
  }
}

/// fcTileI8 for R rows (1 to kFcTileRows).
template <int NB>
LIBJIT_INLINE void fcTileRowsI8(int64_t R, int8_t *out, const uint8_t *x,
                                const int8_t *weights, const int32_t *bias,
                                const int32_t *sums, int32_t weightOffset,
                                int64_t Kp, int64_t M, float scale,
                                int32_t outOffset, int64_t r0, int64_t mb0) {
#define LIBJIT_FC_I8_TILE(RR)                                                  \
  return fcTileI8<RR, NB>(out, x, weights, bias, sums, weightOffset, Kp, M,    \
                          scale, outOffset, r0, mb0)
  switch (R) {
  case 6:
    LIBJIT_FC_I8_TILE(6);
  case 5:
    LIBJIT_FC_I8_TILE(5);
  case 4:
    LIBJIT_FC_I8_TILE(4);
  case 3:
    LIBJIT_FC_I8_TILE(3);
  case 2:
    LIBJIT_FC_I8_TILE(2);
  default:
    LIBJIT_FC_I8_TILE(1);
  }
#undef LIBJIT_FC_I8_TILE
}
#endif
} // namespace

/// Items: ceil(N / kFcTileRows) * ceil(Mb / blocksPerItem), as
/// libjit_fc_f32. INT8 FullyConnected of packed unsigned rows [N][Kp] with
/// weights [Mb][Kp/4][16][4]: acc = bias'[m] + sum u[k] w[k][m] -
/// weightOffset * sums[n], requantized to int8 (requantizeAccumulator).
LIBJIT_EXPORT void libjit_fc_i8(int64_t begin, int64_t end, int8_t *out,
                                const uint8_t *x, const int8_t *weights,
                                const int32_t *bias, const int32_t *sums,
                                int32_t weightOffset, int64_t Kp, int64_t M,
                                float scale, int32_t outOffset, int64_t N,
                                int64_t blocksPerItem) {
  const int64_t Mb = divUp(M, kBlock), groups = divUp(Mb, blocksPerItem);
  for (int64_t it = begin; it < end; it++) {
    int64_t r0 = it / groups * kFcTileRows, mb0 = it % groups * blocksPerItem;
    int64_t R = N - r0 < kFcTileRows ? N - r0 : kFcTileRows;
#if defined(__AVX512VNNI__)
    if (mb0 + blocksPerItem <= Mb) {
      if (blocksPerItem == 4 && R <= 5) {
        fcTileRowsI8<4>(R, out, x, weights, bias, sums, weightOffset, Kp, M,
                        scale, outOffset, r0, mb0);
        continue;
      }
      if (blocksPerItem == 2) {
        fcTileRowsI8<2>(R, out, x, weights, bias, sums, weightOffset, Kp, M,
                        scale, outOffset, r0, mb0);
        continue;
      }
    }
    for (int64_t mb = mb0; mb < mb0 + blocksPerItem && mb < Mb; mb++) {
      fcTileRowsI8<1>(R, out, x, weights, bias, sums, weightOffset, Kp, M,
                      scale, outOffset, r0, mb);
    }
#else
    for (int64_t n = r0; n < r0 + R; n++) {
      for (int64_t mb = mb0; mb < mb0 + blocksPerItem && mb < Mb; mb++) {
        const int8_t *w = weights + mb * Kp * kBlock;
        const uint8_t *xr = x + n * Kp;
        int32_t acc[kBlock] = {};
        for (int64_t k = 0; k < Kp; k += 4) {
          const int8_t *wg = w + k * kBlock;
          for (int l = 0; l < kBlock; l++) {
            for (int j = 0; j < 4; j++) {
              acc[l] += int32_t(xr[k + j]) * int32_t(wg[l * 4 + j]);
            }
          }
        }
        finishFcI8(acc, out, n, mb, bias, sums, weightOffset, M, scale,
                   outOffset);
      }
    }
#endif
  }
}
