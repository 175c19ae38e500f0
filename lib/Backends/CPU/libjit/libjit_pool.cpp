// Pooling in the blocked layout: the window runs over the pixels of a
// 16-channel block, every lane at once. Same rules as the plain kernels
// (libjit_float.cpp, libjit_int8.cpp).

#include "LibjitCommon.h"

using namespace glow;
using namespace glow::libjit;

namespace {
/// The divisor of an average window at (h0, w0).
LIBJIT_INLINE int64_t avgCount(int64_t h0, int64_t w0, int64_t H, int64_t W,
                               int64_t KH, int64_t KW, int64_t PB, int64_t PR,
                               int32_t includePads, int64_t valid) {
  if (!includePads) {
    return valid;
  }
  int64_t hEnd = h0 + KH < H + PB ? h0 + KH : H + PB;
  int64_t wEnd = w0 + KW < W + PR ? w0 + KW : W + PR;
  return (hEnd - h0) * (wEnd - w0);
}

/// INT8 max pooling of a blocked tensor whose result has the input's scale
/// and offset: the largest value is the largest code (the requantization
/// is the identity), so the window's codes are compared as they are, 16
/// lanes a compare. A window with no pixel gives the code of 0.
LIBJIT_INLINE void maxCodesBlocked(int64_t begin, int64_t end, int8_t *out,
                                   const int8_t *in, int64_t H, int64_t W,
                                   int64_t OH, int64_t OW, int64_t KH,
                                   int64_t KW, int64_t SH, int64_t SW,
                                   int64_t PT, int64_t PL, int32_t offset) {
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, plane = r / OH;
    const int8_t *x = in + plane * H * W * kBlock;
    int64_t h0 = oh * SH - PT;
    int64_t khLo = h0 < 0 ? -h0 : 0, khHi = H - h0 < KH ? H - h0 : KH;
    for (int64_t ow = 0; ow < OW; ow++) {
      int64_t w0 = ow * SW - PL;
      int64_t kwLo = w0 < 0 ? -w0 : 0, kwHi = W - w0 < KW ? W - w0 : KW;
      int8_t best[kBlock];
      for (int l = 0; l < kBlock; l++) {
        best[l] = khLo < khHi && kwLo < kwHi ? INT8_MIN : clampToInt8(offset);
      }
      int8_t *y = out + ((plane * OH + oh) * OW + ow) * kBlock;
      if (khLo == 0 && khHi == KH && kwLo == 0 && kwHi == KW) {
        // The whole window (KH and KW are compiled in: unrolled).
        const int8_t *p = x + (h0 * W + w0) * kBlock;
        for (int64_t kh = 0; kh < KH; kh++) {
          for (int64_t kw = 0; kw < KW; kw++) {
            for (int l = 0; l < kBlock; l++) {
              int8_t v = p[(kh * W + kw) * kBlock + l];
              best[l] = v > best[l] ? v : best[l];
            }
          }
        }
        for (int l = 0; l < kBlock; l++) {
          y[l] = best[l];
        }
        continue;
      }
      for (int64_t kh = khLo; kh < khHi; kh++) {
        const int8_t *p = x + ((h0 + kh) * W + w0) * kBlock;
        for (int64_t kw = kwLo; kw < kwHi; kw++) {
          for (int l = 0; l < kBlock; l++) {
            int8_t v = p[kw * kBlock + l];
            best[l] = v > best[l] ? v : best[l];
          }
        }
      }
      for (int l = 0; l < kBlock; l++) {
        y[l] = best[l];
      }
    }
  }
}
} // namespace

/// Items: N * Cb * OH output rows of a blocked tensor. FP32 max or average
/// pooling.
LIBJIT_EXPORT void
libjit_pool_blocked_f32(int64_t begin, int64_t end, float *out, const float *in,
                        int64_t Cb, int64_t H, int64_t W, int64_t OH,
                        int64_t OW, int64_t KH, int64_t KW, int64_t SH,
                        int64_t SW, int64_t PT, int64_t PL, int64_t PB,
                        int64_t PR, int32_t isMax, int32_t includePads) {
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, plane = r / OH;
    const float *x = in + plane * H * W * kBlock;
    for (int64_t ow = 0; ow < OW; ow++) {
      int64_t h0 = oh * SH - PT, w0 = ow * SW - PL;
      vfloat acc[kVecsPerBlock];
      for (int v = 0; v < kVecsPerBlock; v++) {
        acc[v] = vsplat(isMax ? -__builtin_inff() : 0.f);
      }
      int64_t valid = 0;
      for (int64_t kh = 0; kh < KH; kh++) {
        int64_t ih = h0 + kh;
        if (ih < 0 || ih >= H) {
          continue;
        }
        for (int64_t kw = 0; kw < KW; kw++) {
          int64_t iw = w0 + kw;
          if (iw < 0 || iw >= W) {
            continue;
          }
          const float *p = x + (ih * W + iw) * kBlock;
          for (int v = 0; v < kVecsPerBlock; v++) {
            vfloat xv = vload(p + v * kVec);
            acc[v] = isMax ? (xv > acc[v] ? xv : acc[v]) : acc[v] + xv;
          }
          valid++;
        }
      }
      float *y = out + ((plane * OH + oh) * OW + ow) * kBlock;
      if (isMax) {
        for (int v = 0; v < kVecsPerBlock; v++) {
          vstore(y + v * kVec, acc[v]);
        }
        continue;
      }
      int64_t count =
          avgCount(h0, w0, H, W, KH, KW, PB, PR, includePads, valid);
      for (int v = 0; v < kVecsPerBlock; v++) {
        vstore(y + v * kVec,
               count ? acc[v] / vsplat(float(count)) : vsplat(0.f));
      }
    }
  }
}

/// Items: N * Cb * OH output rows of a blocked tensor. INT8 max or average
/// pooling (requantized as in the plain INT8 kernel).
LIBJIT_EXPORT void libjit_pool_blocked_i8(
    int64_t begin, int64_t end, int8_t *out, const int8_t *in, int64_t Cb,
    int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t KH, int64_t KW,
    int64_t SH, int64_t SW, int64_t PT, int64_t PL, int64_t PB, int64_t PR,
    int32_t isMax, int32_t includePads, int32_t inOffset, float inScale,
    int32_t outOffset, float outScale) {
  if (isMax && inScale == outScale && inOffset == outOffset) {
    maxCodesBlocked(begin, end, out, in, H, W, OH, OW, KH, KW, SH, SW, PT, PL,
                    outOffset);
    return;
  }
  QuantizationTransform maxT =
      makeQuantizationTransform(double(inScale) / double(outScale));
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, plane = r / OH;
    const int8_t *x = in + plane * H * W * kBlock;
    for (int64_t ow = 0; ow < OW; ow++) {
      int64_t h0 = oh * SH - PT, w0 = ow * SW - PL;
      int32_t best[kBlock], sum[kBlock];
      for (int l = 0; l < kBlock; l++) {
        best[l] = INT32_MIN;
        sum[l] = 0;
      }
      int64_t valid = 0;
      for (int64_t kh = 0; kh < KH; kh++) {
        int64_t ih = h0 + kh;
        if (ih < 0 || ih >= H) {
          continue;
        }
        for (int64_t kw = 0; kw < KW; kw++) {
          int64_t iw = w0 + kw;
          if (iw < 0 || iw >= W) {
            continue;
          }
          const int8_t *p = x + (ih * W + iw) * kBlock;
          for (int l = 0; l < kBlock; l++) {
            int32_t v = int32_t(p[l]) - inOffset;
            best[l] = v > best[l] ? v : best[l];
            sum[l] += v;
          }
          valid++;
        }
      }
      int8_t *y = out + ((plane * OH + oh) * OW + ow) * kBlock;
      if (isMax) {
        for (int l = 0; l < kBlock; l++) {
          y[l] = requantize(valid ? best[l] : 0, maxT, outOffset);
        }
        continue;
      }
      int64_t count =
          avgCount(h0, w0, H, W, KH, KW, PB, PR, includePads, valid);
      if (!count) {
        for (int l = 0; l < kBlock; l++) {
          y[l] = clampToInt8(outOffset);
        }
        continue;
      }
      QuantizationTransform t = makeQuantizationTransform(
          double(inScale) / (double(outScale) * double(count)));
      for (int l = 0; l < kBlock; l++) {
        y[l] = requantize(sum[l], t, outOffset);
      }
    }
  }
}
