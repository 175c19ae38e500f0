// Fast FullyConnected kernels: FP32 with packed weights [Mb][K][16], INT8
// with VNNI-packed weights [Mb][Kp/4][16][4] (LibjitLayout.h).

#include "LibjitCommon.h"

using namespace glow;
using namespace glow::libjit;

#if defined(__AVX512VNNI__)
#include <immintrin.h>
#endif

/// Items: N * Mb (row, output block). out[n][m] = bias[m] + sum_k x[n][k] *
/// w[k][m] for the 16 outputs of block mb (the last block is cut at M).
LIBJIT_EXPORT void libjit_fc_f32(int64_t begin, int64_t end, float *out,
                                 const float *x, const float *weights,
                                 const float *bias, int64_t K, int64_t M) {
  int64_t Mb = divUp(M, kBlock);
  for (int64_t it = begin; it < end; it++) {
    int64_t n = it / Mb, mb = it % Mb;
    const float *w = weights + mb * K * kBlock;
    const float *xr = x + n * K;
    // Four independent accumulator sets hide the FMA latency.
    vfloat acc[4][kVecsPerBlock] = {};
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
#pragma unroll
      for (int u = 0; u < 4; u++) {
        vfloat xv = vsplat(xr[k + u]);
#pragma unroll
        for (int v = 0; v < kVecsPerBlock; v++) {
          acc[u][v] += vload(w + (k + u) * kBlock + v * kVec) * xv;
        }
      }
    }
    for (; k < K; k++) {
      vfloat xv = vsplat(xr[k]);
      for (int v = 0; v < kVecsPerBlock; v++) {
        acc[0][v] += vload(w + k * kBlock + v * kVec) * xv;
      }
    }
    float y[kBlock];
    for (int v = 0; v < kVecsPerBlock; v++) {
      vstore(y + v * kVec,
             vload(bias + mb * kBlock + v * kVec) +
                 ((acc[0][v] + acc[1][v]) + (acc[2][v] + acc[3][v])));
    }
    int64_t count = M - mb * kBlock < kBlock ? M - mb * kBlock : kBlock;
    std::memcpy(out + n * M + mb * kBlock, y, count * sizeof(float));
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

/// Items: N * Mb. INT8 FullyConnected of packed unsigned rows [N][Kp] with
/// weights [Mb][Kp/4][16][4]: acc = bias'[m] + sum u[k] w[k][m] -
/// weightOffset * sums[n], requantized to int8 (requantizeAccumulator).
LIBJIT_EXPORT void libjit_fc_i8(int64_t begin, int64_t end, int8_t *out,
                                const uint8_t *x, const int8_t *weights,
                                const int32_t *bias, const int32_t *sums,
                                int32_t weightOffset, int64_t Kp, int64_t M,
                                float scale, int32_t outOffset) {
  int64_t Mb = divUp(M, kBlock);
  for (int64_t it = begin; it < end; it++) {
    int64_t n = it / Mb, mb = it % Mb;
    const int8_t *w = weights + mb * Kp * kBlock;
    const uint8_t *xr = x + n * Kp;
    int32_t acc[kBlock];
#if defined(__AVX512VNNI__)
    __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
    int64_t g = 0, G = Kp / 4;
    for (; g + 2 <= G; g += 2) {
      int32_t x0, x1;
      std::memcpy(&x0, xr + g * 4, 4);
      std::memcpy(&x1, xr + g * 4 + 4, 4);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(x0),
                               _mm512_loadu_si512(w + g * 64));
      a1 = _mm512_dpbusd_epi32(a1, _mm512_set1_epi32(x1),
                               _mm512_loadu_si512(w + g * 64 + 64));
    }
    if (g < G) {
      int32_t x0;
      std::memcpy(&x0, xr + g * 4, 4);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(x0),
                               _mm512_loadu_si512(w + g * 64));
    }
    _mm512_storeu_si512(acc, _mm512_add_epi32(a0, a1));
#else
    for (int l = 0; l < kBlock; l++) {
      acc[l] = 0;
    }
    for (int64_t k = 0; k < Kp; k += 4) {
      const int8_t *wg = w + k * kBlock;
      for (int l = 0; l < kBlock; l++) {
        for (int j = 0; j < 4; j++) {
          acc[l] += int32_t(xr[k + j]) * int32_t(wg[l * 4 + j]);
        }
      }
    }
#endif
    int64_t count = M - mb * kBlock < kBlock ? M - mb * kBlock : kBlock;
    int32_t s = sums ? sums[n] : 0;
    for (int64_t l = 0; l < count; l++) {
      // The sum is the Interpreter's int32 accumulator; its parts may not be.
      int64_t a =
          int64_t(acc[l]) + bias[mb * kBlock + l] - int64_t(weightOffset) * s;
      out[n * M + mb * kBlock + l] =
          requantizeAccumulator(int32_t(a), scale, outOffset);
    }
  }
}
