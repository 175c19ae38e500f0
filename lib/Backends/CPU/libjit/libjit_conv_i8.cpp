// Fast INT8 convolutions in the blocked layout (LibjitLayout.h): direct
// convolution with a register tile of output channels x output columns
// (AVX-512 VNNI dot products, a portable int32 form elsewhere), depthwise
// convolutions and the fused epilogues (requantization, Relu/Clip,
// Dequantize). Their inputs are packed into unsigned codes, and the window
// sums of asymmetric filters made, by libjit_pack_i8.cpp.

#include "LibjitConvTiles.h"
#include "LibjitPackRowI8.h"

using namespace glow;
using namespace glow::libjit;

#if defined(__AVX512VNNI__)
#include <immintrin.h>
#endif

//===----------------------------------------------------------------------===//
// INT8
//===----------------------------------------------------------------------===//

namespace {

/// Epilogue of an INT8 convolution, per output channel c of a tile:
///   y1 = requantizeAccumulator(acc - filterOffset[c] * windowSum,
///                              scales[c], outOffset)
/// then optionally a fused Relu/Clip (act): y2 = requantize(clamp(y1 -
/// actInOffset, lo, hi), actMult, actShift) + actOutOffset (the fixed-point
/// transform of an int8 value; actShift at least 1, the planner checks),
/// then stored as int8 or, with dequantize, as float scale * (y - offset).
struct Int8Epilogue {
  const int32_t *filterOffsets; // null: all 0 (no window sums)
  const float *scales;
  const ConvScalars *p;
};

#if defined(__AVX512VNNI__)
/// What requantizeLanes needs of the multipliers m and shifts s of 16
/// lanes, made once for the many vectors of one output block: the even and
/// odd lanes' multipliers and shifts as 64-bit lanes, and the rounding
/// terms 2^(s - 1).
struct RequantLanes {
  __m512i m, mOdd, sEven, sOdd, rEven, rOdd;
  RequantLanes() = default;
  RequantLanes(__m512i mults, __m512i shifts) {
    const __m512i lo32 = _mm512_set1_epi64(0xffffffffLL);
    const __m512i one = _mm512_set1_epi64(1);
    m = mults;
    mOdd = _mm512_srli_epi64(mults, 32);
    sEven = _mm512_and_si512(shifts, lo32);
    sOdd = _mm512_srli_epi64(shifts, 32);
    rEven = _mm512_sllv_epi64(one, _mm512_sub_epi64(sEven, one));
    rOdd = _mm512_sllv_epi64(one, _mm512_sub_epi64(sOdd, one));
  }
};

/// Per lane: round(v * m / 2^s) (halves up) with 64-bit products, as
/// applyQuantizationTransform, clamped to [lo, hi] (64-bit lanes), the
/// even and odd lanes' results put back in order.
LIBJIT_INLINE __m512i requantizeClampLanes(__m512i v, const RequantLanes &k,
                                           __m512i lo, __m512i hi) {
  __m512i pEven = _mm512_add_epi64(_mm512_mul_epi32(v, k.m), k.rEven);
  __m512i pOdd = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(v, 32), k.mOdd), k.rOdd);
  pEven = _mm512_srav_epi64(pEven, k.sEven);
  pOdd = _mm512_srav_epi64(pOdd, k.sOdd);
  pEven = _mm512_min_epi64(_mm512_max_epi64(pEven, lo), hi);
  pOdd = _mm512_min_epi64(_mm512_max_epi64(pOdd, lo), hi);
  // The low halves: dword 2i of each.
  const __m512i pick = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10,
                                         26, 12, 28, 14, 30);
  return _mm512_permutex2var_epi32(pEven, pick, pOdd);
}

/// requantizeClampLanes saturated to +-2^30 (the callers clamp to int8
/// after adding an offset, so the result is the same).
LIBJIT_INLINE __m512i requantizeLanes(__m512i v, const RequantLanes &k) {
  return requantizeClampLanes(v, k, _mm512_set1_epi64(-(int64_t(1) << 30)),
                              _mm512_set1_epi64(int64_t(1) << 30));
}

/// A clamp to [lo, hi] after adding k: y -> clamp(y + k, lo, hi).
struct ShiftClamp {
  int64_t k, lo, hi;
  /// This clamp, then \p next: one clamp again (both monotone, slope 1),
  /// clamp(y + k + next.k, clamp(lo + next.k, next.lo, next.hi),
  /// clamp(hi + next.k, next.lo, next.hi)), with clamp(v, l, h) =
  /// min(max(v, l), h) as the kernels compute it (also when l > h).
  ShiftClamp then(ShiftClamp next) const {
    auto c = [&](int64_t v) {
      v = v > next.lo ? v : next.lo;
      return v < next.hi ? v : next.hi;
    };
    return {k + next.k, c(lo + next.k), c(hi + next.k)};
  }
};

LIBJIT_INLINE __m512i clampLanes(__m512i v, __m512i lo, __m512i hi) {
  return _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
}

/// round(float(v) x scale) per lane, clamped to [lo, hi] (integers) before
/// the rounding: requantizeAccumulator's roundAccumulator, bit for bit (the
/// conversions round half to even, as MXCSR has it by default).
LIBJIT_INLINE __m512i roundAccumulatorLanes(__m512i v, const float *scales,
                                            __m512 lo, __m512 hi) {
  __m512 r = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_loadu_ps(scales));
  return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(r, lo), hi));
}

/// The epilogue of one output block blk, its constants made once (the
/// stores of the results may alias what they were read from, so the
/// compiler could not keep them across pixels itself). Few and cheap: the
/// scales are read where they are used, and the fused clip's
/// requantization is made only when there is one.
///
/// Without a fused Relu/Clip, or with one that keeps the scale, everything
/// after the rounding is one clamp (ShiftClamp::then): clamp to int8 after
/// adding the output offset, subtract the clip's input offset, clamp to its
/// bounds, add its output offset, clamp to int8. The product is clamped in
/// float to the bounds less the shift, then rounded.
struct BlockEpilogueI8 {
  bool windowSums, actRequant, dequantize;
  __m512i filterOffsets;
  const float *scales;
  // The one clamp: products to [clampLo, clampHi], plus shift.
  __m512 clampLo, clampHi;
  __m512i shift;
  // A fused clip that changes the scale (actRequant).
  __m512i actInOffset, actLo, actHi, actOutOffset;
  RequantLanes actQ;
  __m512 dqScale;
  __m512i dqOffset;
  BlockEpilogueI8(int64_t blk, const Int8Epilogue &ep)
      : scales(ep.scales + blk * kBlock) {
    const ConvScalars &p = *ep.p;
    actRequant = p.act != 0 && p.act != kActIdentityScale;
    ShiftClamp c{p.outOffset, -128, 127};
    if (p.act == kActIdentityScale) {
      c = c.then({-int64_t(p.actInOffset), p.actLo, p.actHi})
              .then({p.actOutOffset, -128, 127});
    }
    clampLo = _mm512_set1_ps(float(c.lo - c.k));
    clampHi = _mm512_set1_ps(float(c.hi - c.k));
    shift = _mm512_set1_epi32(int32_t(c.k));
    windowSums = ep.filterOffsets != nullptr;
    if (windowSums) {
      filterOffsets = _mm512_loadu_si512(ep.filterOffsets + blk * kBlock);
    }
    if (actRequant) {
      actInOffset = _mm512_set1_epi32(p.actInOffset);
      actLo = _mm512_set1_epi32(int32_t(p.actLo));
      actHi = _mm512_set1_epi32(int32_t(p.actHi));
      actOutOffset = _mm512_set1_epi32(p.actOutOffset);
      actQ = RequantLanes(_mm512_set1_epi32(int32_t(p.actMult)),
                          _mm512_set1_epi32(p.actShift));
    }
    dequantize = p.dequantize != 0;
    if (dequantize) {
      dqScale = _mm512_set1_ps(p.dqScale);
      dqOffset = _mm512_set1_epi32(p.dqOffset);
    }
  }
};

/// The int8 results, as int32 lanes, of the 16 accumulators \p a of the
/// block of \p k.
LIBJIT_INLINE __m512i epilogueLanesI8(__m512i a, const BlockEpilogueI8 &k,
                                      int32_t windowSum) {
  const __m512i i8min = _mm512_set1_epi32(-128), i8max = _mm512_set1_epi32(127);
  if (k.windowSums) {
    a = _mm512_sub_epi32(
        a, _mm512_mullo_epi32(k.filterOffsets, _mm512_set1_epi32(windowSum)));
  }
  __m512i y = _mm512_add_epi32(
      roundAccumulatorLanes(a, k.scales, k.clampLo, k.clampHi), k.shift);
  if (k.actRequant) {
    __m512i r =
        clampLanes(_mm512_sub_epi32(y, k.actInOffset), k.actLo, k.actHi);
    r = requantizeLanes(r, k.actQ);
    y = clampLanes(_mm512_add_epi32(r, k.actOutOffset), i8min, i8max);
  }
  return y;
}

/// Stores the 16 results \p y of the block of \p k at element \p at.
LIBJIT_INLINE void storeLanesI8(__m512i y, const BlockEpilogueI8 &k,
                                uint8_t *out, int64_t at) {
  if (!k.dequantize) {
    _mm_storeu_si128((__m128i *)(out + at), _mm512_cvtepi32_epi8(y));
    return;
  }
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(y, k.dqOffset)),
                           k.dqScale);
  _mm512_storeu_ps((float *)out + at, f);
}

/// Finishes the 16 accumulators \p a of the block of \p k.
LIBJIT_INLINE void finishLanesI8(__m512i a, const BlockEpilogueI8 &k,
                                 int32_t windowSum, uint8_t *out, int64_t at) {
  storeLanesI8(epilogueLanesI8(a, k, windowSum), k, out, at);
}

/// Stores the int8 results of four neighbouring pixels (y[p] holds pixel
/// p's 16 lanes, each within int8) as the 64 bytes from \p out: two packs
/// leave dword 4L + p holding pixel p's lanes 4L to 4L + 3, one permute
/// puts them in pixel order.
LIBJIT_INLINE void storeFourPixelsI8(const __m512i y[4], uint8_t *out) {
  __m512i bytes = _mm512_packs_epi16(_mm512_packs_epi32(y[0], y[1]),
                                     _mm512_packs_epi32(y[2], y[3]));
  const __m512i order =
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  _mm512_storeu_si512(out, _mm512_permutexvar_epi32(order, bytes));
}

/// Finishes the 16 accumulators \p a of output block \p blk.
LIBJIT_INLINE void finishLanesI8(__m512i a, int64_t blk, int32_t windowSum,
                                 const Int8Epilogue &ep, uint8_t *out,
                                 int64_t at) {
  finishLanesI8(a, BlockEpilogueI8(blk, ep), windowSum, out, at);
}

/// finishLanesI8 out of line: one shared copy instead of one per tile
/// column keeps the JIT fast, and the vector travels in a register.
static __attribute__((noinline)) void finishBlockI8(__m512i a, int64_t blk,
                                                    int32_t windowSum,
                                                    const Int8Epilogue &ep,
                                                    uint8_t *out, int64_t at) {
  finishLanesI8(a, blk, windowSum, ep, out, at);
}

LIBJIT_INLINE void finishBlockI8(const int32_t *acc, int64_t blk,
                                 int32_t windowSum, const Int8Epilogue &ep,
                                 uint8_t *out, int64_t at) {
  finishBlockI8(_mm512_loadu_si512(acc), blk, windowSum, ep, out, at);
}

/// Finishes a tile of nb output blocks from ob x cols pixels: acc holds
/// its vectors block by block, sums (null: none) the window sums of its
/// pixels; pixel t of block ob + b goes to output pixel base + b *
/// blockStride + t.
static __attribute__((noinline)) void
finishTileI8(const int32_t *acc, int nb, int cols, int64_t ob,
             const int32_t *sums, const Int8Epilogue &ep, uint8_t *out,
             int64_t base, int64_t blockStride) {
  for (int b = 0; b < nb; b++) {
    const BlockEpilogueI8 k(ob + b, ep);
    for (int t = 0; t < cols; t++) {
      finishLanesI8(_mm512_load_si512(acc + (b * cols + t) * kBlock), k,
                    sums ? sums[t] : 0, out,
                    (base + b * blockStride + t) * kBlock);
    }
  }
}
#else
/// Finishes 16 accumulators of output block blk (one shared out-of-line
/// copy: this portable form is long).
static __attribute__((noinline)) void
finishBlockI8(const int32_t *acc, int64_t blk, int32_t windowSum,
              const Int8Epilogue &ep, uint8_t *out, int64_t at) {
  int8_t y[kBlock];
  for (int l = 0; l < kBlock; l++) {
    int64_t c = blk * kBlock + l;
    int64_t a = acc[l];
    if (ep.filterOffsets) {
      a -= int64_t(ep.filterOffsets[c]) * windowSum;
    }
    int32_t v =
        requantizeAccumulator(int32_t(a), ep.scales[c], ep.p->outOffset);
    if (ep.p->act) {
      int64_t r = int64_t(v) - ep.p->actInOffset;
      r = r < ep.p->actLo ? ep.p->actLo : (r > ep.p->actHi ? ep.p->actHi : r);
      if (ep.p->act == kActIdentityScale) {
        r += ep.p->actOutOffset;
        v = int32_t(r < -128 ? -128 : (r > 127 ? 127 : r));
      } else {
        QuantizationTransform ta;
        ta.multiplier = ep.p->actMult;
        ta.shift = ep.p->actShift;
        v = requantize(r, ta, ep.p->actOutOffset);
      }
    }
    y[l] = int8_t(v);
  }
  if (!ep.p->dequantize) {
    std::memcpy(out + at, y, kBlock);
    return;
  }
  TensorQuantizationParams p;
  p.scale = ep.p->dqScale;
  p.offset = ep.p->dqOffset;
  for (int l = 0; l < kBlock; l++) {
    ((float *)out)[at + l] = dequantizeValue(y[l], p);
  }
}
#endif

#if defined(__AVX512VNNI__)
typedef int32_t vacc __attribute__((vector_size(64), aligned(4)));
/// acc[l] += sum_j x4[j] * w[4l + j] (u8 x s8).
LIBJIT_INLINE vacc dot4(vacc acc, const uint8_t *x4, const int8_t *w) {
  int32_t xb;
  std::memcpy(&xb, x4, 4);
  return (vacc)_mm512_dpbusd_epi32((__m512i)acc, _mm512_set1_epi32(xb),
                                   _mm512_loadu_si512(w));
}
constexpr int kAccPerBlock = 1;
#else
typedef vint vacc;
/// acc[l] += sum_j x4[j] * w[4l + j] (u8 x s8), kVec lanes.
LIBJIT_INLINE vacc dot4(vacc acc, const uint8_t *x4, const int8_t *w) {
  vint wv = *(const vint *)w;
#pragma unroll
  for (int j = 0; j < 4; j++) {
    vint wj = (wv << (24 - 8 * j)) >> 24;
    acc += wj * int32_t(x4[j]);
  }
  return acc;
}
constexpr int kAccPerBlock = kVecsPerBlock;
#endif
constexpr int kAccLanes = int(kBlock) / kAccPerBlock;

/// As ConvShape; the window sums (when there are) are [N][NG][OH][OW], one
/// plane per run of Cb input blocks (NG = ceil(CbIn / Cb)).
struct ConvShapeI8 {
  int64_t Cb, CBp, Hp, Wp, Ob, OH, OW, KH, KW, SH, SW, DH, DW;
  int64_t CbIn, obPerStep, cbStep;
  int64_t firstInBlock(int64_t ob) const { return ob / obPerStep * cbStep; }
  int64_t sumPlanes() const { return divUp(CbIn, Cb); }
  /// The first input row that output row \p oh of output block \p ob of
  /// image \p n reads (its first input block), and the first window sum of
  /// that output row (null without window sums).
  const uint8_t *inputRow(const uint8_t *in, int64_t n, int64_t ob,
                          int64_t oh) const {
    return in + ((n * CbIn + firstInBlock(ob)) * Hp + oh * SH) * Wp * CBp;
  }
  const int32_t *sumsRow(const int32_t *windowSums, int64_t n, int64_t ob,
                         int64_t oh) const {
    return windowSums
               ? windowSums +
                     ((n * sumPlanes() + firstInBlock(ob) / Cb) * OH + oh) * OW
               : nullptr;
  }
};

/// Where a tile's input and window sums come from: \p row is the first
/// input row of the output row (libjit_conv_blocked_i8: a row of the
/// packed input; libjit_conv_1x1_rows_i8: the row it packed itself), the
/// next input block \p blockStride bytes on, and \p sums the output row's
/// window sums (or null).
struct ConvRowInputI8 {
  const uint8_t *row;
  int64_t blockStride;
  const int32_t *sums;
};

template <int NB, int COLS>
LIBJIT_TILE void convTileI8(const ConvShapeI8 &s, const ConvRowInputI8 &x0,
                            const int8_t *filter, const int32_t *bias,
                            uint8_t *out, int64_t n, int64_t ob, int64_t oh,
                            int64_t ow0, const Int8Epilogue &ep) {
  constexpr int NA = NB * kAccPerBlock;
  vacc acc[NA][COLS];
#pragma unroll
  for (int v = 0; v < NA; v++) {
    vacc b = *(const vacc *)(bias + ob * kBlock + v * kAccLanes);
#pragma unroll
    for (int t = 0; t < COLS; t++) {
      acc[v][t] = b;
    }
  }
  const int64_t groups = s.CBp / 4;
  const int64_t filterBlock = s.Cb * s.KH * s.KW * s.CBp * kBlock;
  const int64_t colStep = s.SW * s.CBp;
  for (int64_t cb = 0; cb < s.Cb; cb++) {
    for (int64_t kh = 0; kh < s.KH; kh++) {
      const uint8_t *row = x0.row + cb * x0.blockStride +
                           (kh * s.DH * s.Wp + ow0 * s.SW) * s.CBp;
      const int8_t *wrow =
          filter + ((ob * s.Cb + cb) * s.KH + kh) * s.KW * s.CBp * kBlock;
      for (int64_t kw = 0; kw < s.KW; kw++) {
        const uint8_t *x = row + kw * s.DW * s.CBp;
        const int8_t *w = wrow + kw * s.CBp * kBlock;
        for (int64_t g = 0; g < groups; g++) {
#pragma unroll
          for (int t = 0; t < COLS; t++) {
#pragma unroll
            for (int v = 0; v < NA; v++) {
              acc[v][t] =
                  dot4(acc[v][t], x + t * colStep + g * 4,
                       w + (v / kAccPerBlock) * filterBlock + g * 4 * kBlock +
                           (v % kAccPerBlock) * kAccLanes * 4);
            }
          }
        }
      }
    }
  }
  const int32_t *sums = x0.sums ? x0.sums + ow0 : nullptr;
#if defined(__AVX512VNNI__)
  // One call finishes the tile: its vectors go through the epilogue one
  // after the other, without a call between them.
  alignas(64) int32_t tile[NB * COLS * kBlock];
#pragma unroll
  for (int b = 0; b < NB; b++) {
#pragma unroll
    for (int t = 0; t < COLS; t++) {
      _mm512_store_si512(tile + (b * COLS + t) * kBlock, (__m512i)acc[b][t]);
    }
  }
  finishTileI8(tile, NB, COLS, ob, sums, ep, out,
               ((n * s.Ob + ob) * s.OH + oh) * s.OW + ow0, s.OH * s.OW);
#else
#pragma unroll
  for (int b = 0; b < NB; b++) {
    int64_t blk = ob + b;
    int64_t base = ((n * s.Ob + blk) * s.OH + oh) * s.OW + ow0;
#pragma unroll
    for (int t = 0; t < COLS; t++) {
      int32_t sum = sums ? sums[t] : 0;
      int32_t a[kBlock];
#pragma unroll
      for (int v = 0; v < kAccPerBlock; v++) {
        *(vacc *)(a + v * kAccLanes) = acc[b * kAccPerBlock + v][t];
      }
      finishBlockI8(a, blk, sum, ep, out, (base + t) * kBlock);
    }
  }
#endif
}

template <int NB>
LIBJIT_INLINE void convRowI8(const ConvShapeI8 &s, const ConvRowInputI8 &x0,
                             const int8_t *filter, const int32_t *bias,
                             uint8_t *out, int64_t n, int64_t ob, int64_t oh,
                             const Int8Epilogue &ep) {
  const int64_t full = s.OW / kTileColsI8 * kTileColsI8, rest = s.OW - full;
  for (int64_t ow = 0; ow < full; ow += kTileColsI8) {
    convTileI8<NB, kTileColsI8>(s, x0, filter, bias, out, n, ob, oh, ow, ep);
  }
  const int64_t ow = full;
#define LIBJIT_CALL(C)                                                         \
  convTileI8<NB, C>(s, x0, filter, bias, out, n, ob, oh, ow, ep)
  LIBJIT_DISPATCH_COLS(rest, LIBJIT_CALL)
#undef LIBJIT_CALL
}

} // namespace

/// Items: N * ceil(Ob / 2) * OH output rows (pairs of output blocks). INT8
/// convolution of a
/// packed input (unsigned codes) with a packed filter
/// [Ob][Cb][KH][KW][CBp/4][16][4]; bias holds the int32 bias with the
/// offset corrections folded in (WeightPacking.cpp), windowSums is null
/// when every filter offset is 0; Ob and obOdd as libjit_conv_blocked_f32.
LIBJIT_EXPORT void libjit_conv_blocked_i8(
    int64_t begin, int64_t end, uint8_t *out, const uint8_t *in,
    const int8_t *filter, const int32_t *bias, const int32_t *windowSums,
    const int32_t *filterOffsets, const float *scales, int64_t Cb, int64_t CBp,
    int64_t CbIn, int64_t obPerStep, int64_t cbStep, int64_t Hp, int64_t Wp,
    int64_t Ob, int64_t obOdd, int64_t OH, int64_t OW, int64_t KH, int64_t KW,
    int64_t SH, int64_t SW, int64_t DH, int64_t DW,
    const ConvScalars *scalars) {
  ConvShapeI8 s{Cb, CBp, Hp, Wp, Ob, OH,   OW,        KH,
                KW, SH,  SW, DH, DW, CbIn, obPerStep, cbStep};
  Int8Epilogue ep{windowSums ? filterOffsets : nullptr, scales, scalars};
  int64_t pairs = divUp(Ob, 2);
  const bool pairable = cbStep == 0 || obPerStep % 2 == 0;
  const int64_t blockStride = Hp * Wp * CBp;
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, pair = (r / OH) % pairs, n = r / (OH * pairs);
    int64_t ob = pair * 2;
    // (!obOdd folds, obOdd being a constant: an even Ob drops the other
    // path.)
    if (kTileBlocks == 2 && pairable && (!obOdd || ob + 2 <= Ob)) {
      ConvRowInputI8 x0{s.inputRow(in, n, ob, oh), blockStride,
                        s.sumsRow(windowSums, n, ob, oh)};
      convRowI8<2>(s, x0, filter, bias, out, n, ob, oh, ep);
      continue;
    }
    for (int64_t b = ob; b < ob + 2 && b < Ob; b++) {
      ConvRowInputI8 x0{s.inputRow(in, n, b, oh), blockStride,
                        s.sumsRow(windowSums, n, b, oh)};
      convRowI8<1>(s, x0, filter, bias, out, n, b, oh, ep);
    }
  }
}

/// Items: N * OH * ceil(Ob / 2): item (n * OH + oh) * ceil(Ob / 2) + pair is
/// output row oh of a pair of output blocks. A dense 1x1 convolution of
/// stride 1 without padding of int8 blocks (the blocked activations,
/// [N][Cb][OH][OW][16]): the kernel packs each input row that its items
/// read (unsigned codes and, \p withSums, their pixel sums, as
/// libjit_pack_conv_input_i8 does) into the calling thread's \p scratch
/// (Cb * OW * 16 bytes, then OW int32) and convolves it with the pairs of
/// its items. A thread reads only the rows it packs (the row its share
/// begins in is packed by both threads that share it): no call, and so no
/// barrier, separates the packing from the convolution, the packed row
/// stays in the first-level cache, and with several threads the rows that
/// move from one core's cache to another's are at most those of the row
/// where the shares meet. Filter, bias, offsets and epilogue as
/// libjit_conv_blocked_i8.
LIBJIT_EXPORT void libjit_conv_1x1_rows_i8(
    int64_t begin, int64_t end, uint8_t *out, const uint8_t *in,
    const int8_t *filter, const int32_t *bias, int32_t withSums,
    const int32_t *filterOffsets, const float *scales, int64_t Cb, int64_t Ob,
    int64_t OH, int64_t OW, uint8_t *scratch, const ConvScalars *scalars) {
  ConvShapeI8 s{Cb, kBlock, OH, OW, Ob, OH, OW, 1, 1, 1, 1, 1, 1, Cb, Ob, 0};
  Int8Epilogue ep{withSums ? filterOffsets : nullptr, scales, scalars};
  const int64_t rowBytes = OW * kBlock, pairs = divUp(Ob, 2);
  int32_t *sums = withSums ? (int32_t *)(scratch + Cb * rowBytes) : nullptr;
  const ConvRowInputI8 x0{scratch, rowBytes, sums};
  int64_t packedRow = -1;
  for (int64_t r = begin; r < end; r++) {
    int64_t row = r / pairs, ob = r % pairs * 2;
    int64_t oh = row % OH, n = row / OH;
    if (row != packedRow) {
      if (sums) {
        for (int64_t ow = 0; ow < OW; ow++) {
          sums[ow] = 0;
        }
      }
      for (int64_t cb = 0; cb < Cb; cb++) {
        // No padding: the zero code is never written.
        packRowBlocksI8(scratch + cb * rowBytes, sums,
                        in + ((n * Cb + cb) * OH + oh) * rowBytes, OW, 0, OW, 0,
                        0);
      }
      packedRow = row;
    }
    if (kTileBlocks == 2 && ob + 2 <= Ob) {
      convRowI8<2>(s, x0, filter, bias, out, n, ob, oh, ep);
      continue;
    }
    for (int64_t b = ob; b < ob + 2 && b < Ob; b++) {
      convRowI8<1>(s, x0, filter, bias, out, n, b, oh, ep);
    }
  }
}

namespace {
#if defined(__AVX512VNNI__)

/// Lane c of the window of four pixels from pixel \p w of a row transposed
/// by quads (libjit_pack_i8.cpp): channel c at pixels w to w + 3. Within a
/// quad, a load; across two, each lane's bytes shifted together.
LIBJIT_INLINE __m512i windowAt(const uint8_t *row, int64_t w) {
  const uint8_t *quad = row + (w & ~int64_t(3)) * kBlock;
  __m512i a = _mm512_loadu_si512(quad);
  switch (w & 3) {
  case 1:
    return _mm512_or_si512(
        _mm512_srli_epi32(a, 8),
        _mm512_slli_epi32(_mm512_loadu_si512(quad + 64), 24));
  case 2:
    return _mm512_or_si512(
        _mm512_srli_epi32(a, 16),
        _mm512_slli_epi32(_mm512_loadu_si512(quad + 64), 16));
  case 3:
    return _mm512_or_si512(_mm512_srli_epi32(a, 24),
                           _mm512_slli_epi32(_mm512_loadu_si512(quad + 64), 8));
  default:
    return a;
  }
}

/// How a depthwise tile takes off offset x (sum of the window's codes) for
/// a filter offset that is not 0.
enum class DepthwiseOffsets {
  None,   // every filter offset of the layer is 0
  Folded, // none is -128: a second vpdpbusd of the window with -offset in
          // each tap's byte adds -offset x sum into the accumulators
  Summed, // the window sums apart (vpdpbusd with ones), then one multiply
};

/// P output pixels from column ow0 (a multiple of 4) of output row oh of
/// channel block cb of an input transposed by quads: per kernel row, the
/// taps four at a time through one vpdpbusd (and one more for the filter
/// offsets, as \p O says).
template <int P, DepthwiseOffsets O>
LIBJIT_INLINE void
depthwiseTileI8(const uint8_t *plane, const int8_t *w, const int32_t *bias,
                const int32_t *filterOffsets, int64_t cb, int64_t Wp,
                int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t DH,
                int64_t oh, int64_t ow0, uint8_t *out, int64_t at,
                const Int8Epilogue &ep) {
  const int64_t G4 = divUp(KW, 4), rowBytes = quadRowPixels(Wp) * kBlock;
  // A window's bytes past the kernel's last tap have weight 0, and count
  // for none of the window sums: the taps of group j are the bytes of
  // tapMask(j) (KW % 4 taps in the last group, when not 0).
  static constexpr int32_t kOnes[5] = {0, 0x1, 0x101, 0x10101, 0x1010101};
  auto tapMask = [&](int64_t j) {
    int64_t taps = KW - 4 * j < 4 ? KW - 4 * j : 4;
    return _mm512_set1_epi32(kOnes[taps]);
  };
  __m512i acc[P], sx[P];
  __m512i b = _mm512_loadu_si512(bias + cb * kBlock);
  const __m512i fo = O != DepthwiseOffsets::None
                         ? _mm512_loadu_si512(filterOffsets + cb * kBlock)
                         : _mm512_setzero_si512();
  // -offset as a byte in each lane (Folded).
  const __m512i negOffset = _mm512_and_si512(
      _mm512_sub_epi32(_mm512_setzero_si512(), fo), _mm512_set1_epi32(0xff));
#pragma unroll
  for (int p = 0; p < P; p++) {
    acc[p] = b;
    sx[p] = _mm512_setzero_si512();
  }
  for (int64_t kh = 0; kh < KH; kh++) {
    const uint8_t *row = plane + (oh * SH + kh * DH) * rowBytes;
    for (int64_t j = 0; j < G4; j++) {
      const __m512i ones = tapMask(j);
      const __m512i offsetTaps = _mm512_mullo_epi32(negOffset, ones);
      __m512i wv = _mm512_loadu_si512(w + (kh * G4 + j) * kBlock * 4);
#pragma unroll
      for (int p = 0; p < P; p++) {
        __m512i v = windowAt(row, (ow0 + p) * SW + 4 * j);
        acc[p] = _mm512_dpbusd_epi32(acc[p], v, wv);
        if (O == DepthwiseOffsets::Folded) {
          acc[p] = _mm512_dpbusd_epi32(acc[p], v, offsetTaps);
        } else if (O == DepthwiseOffsets::Summed) {
          sx[p] = _mm512_dpbusd_epi32(sx[p], v, ones);
        }
      }
    }
  }
  const BlockEpilogueI8 k(cb, ep);
  __m512i y[P];
#pragma unroll
  for (int p = 0; p < P; p++) {
    __m512i a = acc[p];
    if (O == DepthwiseOffsets::Summed) {
      a = _mm512_sub_epi32(a, _mm512_mullo_epi32(fo, sx[p]));
    }
    y[p] = epilogueLanesI8(a, k, 0);
  }
  if (P == 4 && !k.dequantize) {
    storeFourPixelsI8(y, out + at);
    return;
  }
#pragma unroll
  for (int p = 0; p < P; p++) {
    storeLanesI8(y[p], k, out, at + p * kBlock);
  }
}

/// The tiles of output row oh of block cb (stride-1 columns), four pixels
/// at a time, then the last ones.
template <DepthwiseOffsets O>
LIBJIT_INLINE void
depthwiseRowI8(const uint8_t *plane, const int8_t *w, const int32_t *bias,
               const int32_t *filterOffsets, int64_t cb, int64_t Wp, int64_t OW,
               int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t DH,
               int64_t oh, uint8_t *out, int64_t at0, const Int8Epilogue &ep) {
  constexpr int kPixels = 4;
  const int64_t full = OW / kPixels * kPixels;
  for (int64_t ow = 0; ow < full; ow += kPixels) {
    depthwiseTileI8<kPixels, O>(plane, w, bias, filterOffsets, cb, Wp, KH, KW,
                                SH, SW, DH, oh, ow, out, at0 + ow * kBlock, ep);
  }
#define LIBJIT_LAST(PX)                                                        \
  depthwiseTileI8<PX, O>(plane, w, bias, filterOffsets, cb, Wp, KH, KW, SH,    \
                         SW, DH, oh, full, out, at0 + full * kBlock, ep)
  switch (OW - full) {
  case 3:
    LIBJIT_LAST(3);
    break;
  case 2:
    LIBJIT_LAST(2);
    break;
  case 1:
    LIBJIT_LAST(1);
    break;
  default:
    break;
  }
#undef LIBJIT_LAST
}
#endif
} // namespace

/// Output row \p oh of channel block \p cb of a depthwise convolution, its
/// input rows read from \p plane (the block's packed rows, transposed by
/// quads; row oh * SH + kh * DH is the one that kernel row kh reads).
LIBJIT_INLINE void
depthwiseOutputRowI8(const uint8_t *plane, const int8_t *w, const int32_t *bias,
                     const int32_t *filterOffsets, int64_t cb, int64_t Wp,
                     int64_t OW, int64_t KH, int64_t KW, int64_t SH, int64_t SW,
                     int64_t DH, int64_t DW, int32_t foldOffsets, int64_t oh,
                     uint8_t *out, int64_t at0, const Int8Epilogue &ep) {
  const int64_t G4 = divUp(KW, 4);
  const int64_t rowBytes = quadRowPixels(Wp) * kBlock;
#if defined(__AVX512VNNI__)
  if (DW == 1) {
    if (!filterOffsets) {
      depthwiseRowI8<DepthwiseOffsets::None>(plane, w, bias, filterOffsets, cb,
                                             Wp, OW, KH, KW, SH, SW, DH, oh,
                                             out, at0, ep);
    } else if (foldOffsets) {
      depthwiseRowI8<DepthwiseOffsets::Folded>(plane, w, bias, filterOffsets,
                                               cb, Wp, OW, KH, KW, SH, SW, DH,
                                               oh, out, at0, ep);
    } else {
      depthwiseRowI8<DepthwiseOffsets::Summed>(plane, w, bias, filterOffsets,
                                               cb, Wp, OW, KH, KW, SH, SW, DH,
                                               oh, out, at0, ep);
    }
    return;
  }
#endif
  for (int64_t ow = 0; ow < OW; ow++) {
    int32_t acc[kBlock], sum[kBlock];
    for (int l = 0; l < kBlock; l++) {
      acc[l] = bias[cb * kBlock + l];
      sum[l] = 0;
    }
    for (int64_t kh = 0; kh < KH; kh++) {
      const uint8_t *x = plane + (oh * SH + kh * DH) * rowBytes;
      for (int64_t kw = 0; kw < KW; kw++) {
        const int8_t *wk = w + ((kh * G4 + kw / 4) * kBlock) * 4 + kw % 4;
        // Pixel px of lane l: byte px % 4 of lane l of quad px / 4.
        int64_t px = ow * SW + kw * DW;
        for (int l = 0; l < kBlock; l++) {
          int32_t v = x[(px & ~int64_t(3)) * kBlock + l * 4 + (px & 3)];
          acc[l] += v * wk[l * 4];
          sum[l] += v;
        }
      }
    }
    if (filterOffsets) {
      for (int l = 0; l < kBlock; l++) {
        acc[l] -= filterOffsets[cb * kBlock + l] * sum[l];
      }
    }
    finishBlockI8(acc, cb, 0, ep, out, at0 + ow * kBlock);
  }
}

/// Items: N * OH * Cb: item (n * OH + oh) * Cb + cb is output row oh of
/// block cb, so that threads share the rows (as the packing of the input
/// and the 1x1 convolutions around do) and each reads the rows that it
/// wrote. Depthwise INT8 convolution of a packed
/// input transposed by quads (libjit_pack_conv_input_i8 with quads, CBp =
/// 16, unsigned codes) with a filter [Cb][KH][ceil(KW/4)][16][4]
/// of int8 codes (four horizontal taps a channel, the missing ones 0) and a
/// bias with the zero-code corrections folded in (packDepthwiseI8): per
/// channel, bias + sum x w - filterOffset * sum x over the window, which is
/// sum (x - zero)(w - filterOffset) + the bias of the graph. filterOffsets
/// is null when they are all 0; foldOffsets says that none is -128
/// (DepthwiseOffsets::Folded). With the INT8 epilogue.
LIBJIT_EXPORT void libjit_conv_depthwise_i8(
    int64_t begin, int64_t end, uint8_t *out, const uint8_t *in,
    const int8_t *filter, const int32_t *bias, const int32_t *filterOffsets,
    const float *scales, int64_t Cb, int64_t Hp, int64_t Wp, int64_t OH,
    int64_t OW, int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t DH,
    int64_t DW, int32_t foldOffsets, const ConvScalars *scalars) {
  Int8Epilogue ep{nullptr, scales, scalars};
  const int64_t G4 = divUp(KW, 4);
  const int64_t rowBytes = quadRowPixels(Wp) * kBlock;
  for (int64_t r = begin; r < end; r++) {
    int64_t cb = r % Cb, oh = (r / Cb) % OH, n = r / (OH * Cb);
    const int8_t *w = filter + cb * KH * G4 * kBlock * 4;
    const uint8_t *plane = in + (n * Cb + cb) * Hp * rowBytes;
    int64_t at0 = (((n * Cb + cb) * OH + oh) * OW) * kBlock;
    depthwiseOutputRowI8(plane, w, bias, filterOffsets, cb, Wp, OW, KH, KW, SH,
                         SW, DH, DW, foldOffsets, oh, out, at0, ep);
  }
}

/// Items: N * OH * Cb, as libjit_conv_depthwise_i8, from int8 blocks
/// [N][Cb][H][W][16] (the blocked activations): the kernel packs the input
/// rows that its share of the items reads (all blocks, padding included)
/// into the calling thread's \p scratch, then convolves them. No call, and
/// so no barrier, separates the packing from the convolution, and with
/// several threads each packs the rows it reads (the rows at the edge of
/// two shares twice). \p scratch holds Cb * bandRows packed rows, bandRows
/// at least the input rows of the largest share (the planner's
/// depthwiseBandRows); \p inZero is the input's zero code (offset + 128).
LIBJIT_EXPORT void libjit_conv_depthwise_packs_i8(
    int64_t begin, int64_t end, uint8_t *out, const uint8_t *src,
    const int8_t *filter, const int32_t *bias, const int32_t *filterOffsets,
    const float *scales, int64_t Cb, int64_t H, int64_t W, int64_t PT,
    int64_t PL, int32_t inZero, int64_t Wp, int64_t OH, int64_t OW, int64_t KH,
    int64_t KW, int64_t SH, int64_t SW, int64_t DH, int64_t DW,
    int32_t foldOffsets, uint8_t *scratch, const ConvScalars *scalars) {
  Int8Epilogue ep{nullptr, scales, scalars};
  const int64_t G4 = divUp(KW, 4);
  const int64_t rowBytes = quadRowPixels(Wp) * kBlock;
  const uint8_t zero = uint8_t(inZero);
  for (int64_t r = begin; r < end;) {
    // The items of one image: the input rows they read, packed.
    int64_t n = r / (OH * Cb);
    int64_t last = (n + 1) * OH * Cb < end ? (n + 1) * OH * Cb : end;
    int64_t oh0 = (r / Cb) % OH, oh1 = ((last - 1) / Cb) % OH;
    int64_t hp0 = oh0 * SH, rows = (oh1 - oh0) * SH + (KH - 1) * DH + 1;
    for (int64_t cb = 0; cb < Cb; cb++) {
      for (int64_t j = 0; j < rows; j++) {
        uint8_t *d = scratch + (cb * rows + j) * rowBytes;
        int64_t h = hp0 + j - PT;
        if (h < 0 || h >= H) {
          std::memset(d, zero, rowBytes);
          continue;
        }
        packRowBlocksI8(d, nullptr, src + ((n * Cb + cb) * H + h) * W * kBlock,
                        W, PL, Wp, 1, zero);
      }
    }
    for (; r < last; r++) {
      int64_t cb = r % Cb, oh = (r / Cb) % OH;
      const int8_t *w = filter + cb * KH * G4 * kBlock * 4;
      int64_t at0 = (((n * Cb + cb) * OH + oh) * OW) * kBlock;
      depthwiseOutputRowI8(scratch + cb * rows * rowBytes, w, bias,
                           filterOffsets, cb, Wp, OW, KH, KW, SH, SW, DH, DW,
                           foldOffsets, oh - oh0, out, at0, ep);
    }
  }
}
