// INT8 kernels in the plain layout. The arithmetic is the Interpreter's
// (QuantizationMath.h): int32 accumulation, the float requantization of
// accumulators (convolution, matrix product: requantizeAccumulator with a
// float scale) and the fixed-point requantize of everything else, so
// results are bit-exact. A fixed-point requantization is passed as its
// multiplier and shift (QuantizationTransform).

#include "LibjitCommon.h"

#include <initializer_list>
#include <type_traits>

#if defined(__AVX512BW__)
#include <immintrin.h>
#endif

using namespace glow;
using namespace glow::libjit;

namespace {
LIBJIT_INLINE QuantizationTransform qt(int64_t mult, int32_t shift) {
  QuantizationTransform t;
  t.multiplier = mult;
  t.shift = shift;
  return t;
}

/// applyQuantizationTransform, without its branch for shifts below 1 when
/// \p Shifted (the caller checked shift >= 1): the loops of the kernels
/// below then vectorise with the transform a run-time value.
template <bool Shifted>
LIBJIT_INLINE int64_t transform(int64_t v, QuantizationTransform t) {
  if (Shifted) {
    return (v * t.multiplier + (int64_t(1) << (t.shift - 1))) >> t.shift;
  }
  return applyQuantizationTransform(v, t);
}

/// Calls \p body with std::true_type when every transform of \p ts has a
/// shift of at least 1 (every ratio below 2^30), std::false_type otherwise.
template <typename Body>
LIBJIT_INLINE void withShifts(std::initializer_list<QuantizationTransform> ts,
                              Body body) {
  for (const QuantizationTransform &t : ts) {
    if (t.shift < 1) {
      body(std::false_type());
      return;
    }
  }
  body(std::true_type());
}
/// applyQuantizationTransform of a value v of at most 9 bits (|v| <= 511)
/// in 32-bit arithmetic, for shifts s of 17 to 47. With the multiplier m =
/// mh 2^16 + ml (mh < 2^15, ml < 2^16):
///   v m + 2^(s-1) = A 2^16 + v ml, A = v mh + 2^(s-17) (|A| < 2^31),
/// and floor((A 2^16 + v ml) / 2^s) = (A + (v ml >> 16)) >> (s - 16), both
/// shifts being floors.
struct Narrow9BitTransform {
  int32_t mh, ml, round, shift;
  static bool fits(QuantizationTransform t) {
    return t.shift >= 17 && t.shift <= 47 && t.multiplier >= 0 &&
           t.multiplier < (int64_t(1) << 31);
  }
  explicit Narrow9BitTransform(QuantizationTransform t)
      : mh(int32_t(t.multiplier >> 16)), ml(int32_t(t.multiplier & 0xffff)),
        round(int32_t(1) << (t.shift - 17)), shift(t.shift - 16) {}
  __attribute__((always_inline)) int32_t apply(int32_t v) const {
    return (v * mh + round + ((v * ml) >> 16)) >> shift;
  }
};
} // namespace

/// Items: elements. Float -> int8 with scale and offset.
LIBJIT_EXPORT void libjit_quantize(int64_t begin, int64_t end, int8_t *out,
                                   const float *in, float scale,
                                   int32_t offset) {
  TensorQuantizationParams p;
  p.scale = scale;
  p.offset = offset;
  for (int64_t i = begin; i < end; i++) {
    out[i] = quantizeValue(in[i], p);
  }
}

/// Items: elements. Int8 -> float.
LIBJIT_EXPORT void libjit_dequantize(int64_t begin, int64_t end, float *out,
                                     const int8_t *in, float scale,
                                     int32_t offset) {
  TensorQuantizationParams p;
  p.scale = scale;
  p.offset = offset;
  for (int64_t i = begin; i < end; i++) {
    out[i] = dequantizeValue(in[i], p);
  }
}

/// Items: rows. out[r * dstStride + i] = requantize(in[r * srcStride + i]
/// - inOffset) for i < rowLen (RescaleQuantized with one row; Concat).
LIBJIT_EXPORT void libjit_rescale_rows_i8(int64_t begin, int64_t end,
                                          int8_t *out, const int8_t *in,
                                          int64_t rowLen, int64_t dstStride,
                                          int64_t srcStride, int32_t inOffset,
                                          int64_t mult, int32_t shift,
                                          int32_t outOffset) {
  QuantizationTransform t = qt(mult, shift);
  withShifts({t}, [&](auto shifted) {
    constexpr bool S = decltype(shifted)::value;
    for (int64_t r = begin; r < end; r++) {
      const int8_t *x = in + r * srcStride;
      int8_t *y = out + r * dstStride;
      for (int64_t i = 0; i < rowLen; i++) {
        y[i] =
            clampToInt8(transform<S>(int32_t(x[i]) - inOffset, t) + outOffset);
      }
    }
  });
}

namespace {
#if defined(__AVX512BW__)
/// A table of 256 int16 in eight registers, looked up by 32 indices (0 to
/// 255, one a 16-bit lane) at once: two-register permutes pick among each
/// 64 entries, index bits 6 and 7 select one of the four.
struct Table256I16 {
  __m512i t[8];
  explicit Table256I16(const int16_t *p) {
    for (int j = 0; j < 8; j++) {
      t[j] = _mm512_loadu_si512(p + 32 * j);
    }
  }
  __attribute__((always_inline)) __m512i lookup(__m512i idx) const {
    __m512i q0 = _mm512_permutex2var_epi16(t[0], idx, t[1]);
    __m512i q1 = _mm512_permutex2var_epi16(t[2], idx, t[3]);
    __m512i q2 = _mm512_permutex2var_epi16(t[4], idx, t[5]);
    __m512i q3 = _mm512_permutex2var_epi16(t[6], idx, t[7]);
    __mmask32 b6 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(64));
    __mmask32 b7 = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(128));
    return _mm512_mask_blend_epi16(b7, _mm512_mask_blend_epi16(b6, q0, q1),
                                   _mm512_mask_blend_epi16(b6, q2, q3));
  }
};
#endif

/// Elements [begin, end) of an Add or Sub by tables (libjit_binary_i8):
/// out = clamp(ta[a] + tb[b], lo, hi), ta and tb (\p tables, 256 int16
/// each, indexed by code + 128) the operands' codes rescaled to the
/// output's scale, the output offset in ta and a Sub's sign in tb. Out of
/// line: one copy for every specialised clone of libjit_binary_i8 keeps
/// the JIT fast.
static __attribute__((noinline)) void
tableRangeI8(int64_t begin, int64_t end, int8_t *out, const int8_t *a,
             const int8_t *b, const int16_t *tables, int32_t lo, int32_t hi) {
  int64_t i = begin;
#if defined(__AVX512BW__)
  if (end - begin >= 64) {
    const Table256I16 ta(tables), tb(tables + 256);
    const __m512i flip = _mm512_set1_epi8(-128);
    const __m512i vlo = _mm512_set1_epi8(int8_t(lo)),
                  vhi = _mm512_set1_epi8(int8_t(hi));
    // packs_epi16 interleaves the halves by 8 bytes.
    const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
    auto sum = [&](__m256i x, __m256i y) {
      return _mm512_add_epi16(ta.lookup(_mm512_cvtepu8_epi16(x)),
                              tb.lookup(_mm512_cvtepu8_epi16(y)));
    };
    for (; i + 64 <= end; i += 64) {
      __m512i x = _mm512_xor_si512(_mm512_loadu_si512(a + i), flip);
      __m512i y = _mm512_xor_si512(_mm512_loadu_si512(b + i), flip);
      __m512i s0 = sum(_mm512_castsi512_si256(x), _mm512_castsi512_si256(y));
      __m512i s1 =
          sum(_mm512_extracti64x4_epi64(x, 1), _mm512_extracti64x4_epi64(y, 1));
      __m512i v = _mm512_permutexvar_epi64(order, _mm512_packs_epi16(s0, s1));
      _mm512_storeu_si512(out + i,
                          _mm512_min_epi8(_mm512_max_epi8(v, vlo), vhi));
    }
  }
#endif
  for (; i < end; i++) {
    int32_t v = tables[a[i] + 128] + tables[256 + b[i] + 128];
    out[i] = int8_t(v < lo ? lo : (v > hi ? hi : v));
  }
}

/// Elements [begin, end) of libjit_binary_i8.
LIBJIT_INLINE void
binaryRangeI8(int64_t begin, int64_t end, int8_t *out, const int8_t *a,
              const int8_t *b, int32_t op, int32_t aOffset, int32_t bOffset,
              int32_t outOffset, int64_t multA, int32_t shiftA, int64_t multB,
              int32_t shiftB, int32_t lo, int32_t hi, const int16_t *tables) {
  if (tables) {
    tableRangeI8(begin, end, out, a, b, tables, lo, hi);
    return;
  }
  QuantizationTransform ta = qt(multA, shiftA), tb = qt(multB, shiftB);
  auto finish = [&](int64_t v) {
    v += outOffset;
    return int8_t(v < lo ? lo : (v > hi ? hi : v));
  };
  if (op == kOpMul) {
    withShifts({ta}, [&](auto shifted) {
      constexpr bool S = decltype(shifted)::value;
      for (int64_t i = begin; i < end; i++) {
        int64_t p = int64_t(a[i] - aOffset) * int64_t(b[i] - bOffset);
        out[i] = finish(transform<S>(p, ta));
      }
    });
    return;
  }
  int64_t sign = op == kOpSub ? -1 : 1;
  // An operand less its offset has at most 9 bits, so with shifts of 17
  // to 47 the 64-bit transform splits exactly into 32-bit pieces
  // (Narrow9BitTransform): 16 lanes a vector instead of 8.
  if (Narrow9BitTransform::fits(ta) && Narrow9BitTransform::fits(tb)) {
    const Narrow9BitTransform na(ta), nb(tb);
    const int32_t s32 = int32_t(sign), o32 = outOffset;
    for (int64_t i = begin; i < end; i++) {
      int32_t v = na.apply(int32_t(a[i]) - aOffset) +
                  s32 * nb.apply(int32_t(b[i]) - bOffset) + o32;
      out[i] = int8_t(v < lo ? lo : (v > hi ? hi : v));
    }
    return;
  }
  withShifts({ta, tb}, [&](auto shifted) {
    constexpr bool S = decltype(shifted)::value;
    for (int64_t i = begin; i < end; i++) {
      int64_t va = transform<S>(a[i] - aOffset, ta);
      int64_t vb = transform<S>(b[i] - bOffset, tb);
      out[i] = finish(va + sign * vb);
    }
  });
}
} // namespace

/// Items: elements, in row order: with a blocked layout ([N][Cb][H][rowLen]
/// with rowLen = W * 16) item ((n * H + h) * Cb + cb) * rowLen + i is
/// element i of row h of block cb of image n, so that threads share the
/// rows as the convolutions around do (Cb = H = 1 for any other layout:
/// the items are the elements in memory order). Add/Sub: each operand rescaled
/// to the output scale, then summed; Mul: the product requantized (transform
/// A). The codes are saturated to [lo, hi]: [-128, 127], or narrower for a
/// fused Relu/Clip of the same scale and offset (its bounds as codes, clamped
/// to int8 range, which composes exactly with saturating first and clipping
/// after). An Add or Sub may come with \p tables (else null): its operands'
/// rescaled codes (tableRangeI8), which the planner made with the
/// transforms above.
LIBJIT_EXPORT void
libjit_binary_i8(int64_t begin, int64_t end, int8_t *out, const int8_t *a,
                 const int8_t *b, int32_t op, int32_t aOffset, int32_t bOffset,
                 int32_t outOffset, int64_t multA, int32_t shiftA,
                 int64_t multB, int32_t shiftB, int32_t lo, int32_t hi,
                 int64_t Cb, int64_t H, int64_t rowLen, const int16_t *tables) {
  // Whole images hold the same elements in either order: one run.
  const int64_t image = Cb * H * rowLen;
  if (begin % image == 0 && end % image == 0) {
    binaryRangeI8(begin, end, out, a, b, op, aOffset, bOffset, outOffset, multA,
                  shiftA, multB, shiftB, lo, hi, tables);
    return;
  }
  for (int64_t e = begin; e < end;) {
    int64_t q = e / rowLen, i = e % rowLen;
    int64_t cb = q % Cb, h = (q / Cb) % H, n = q / (Cb * H);
    int64_t at = ((n * Cb + cb) * H + h) * rowLen + i;
    int64_t len = rowLen - i < end - e ? rowLen - i : end - e;
    binaryRangeI8(at, at + len, out, a, b, op, aOffset, bOffset, outOffset,
                  multA, shiftA, multB, shiftB, lo, hi, tables);
    e += len;
  }
}

/// Items: N * planes planes, as libjit_channel_mul_f32: out = requantize(
/// (in - inOffset) x (gate[n][c] - gateOffset)), the INT8 Mul's arithmetic;
/// lanes past C give outOffset.
LIBJIT_EXPORT void libjit_channel_mul_i8(int64_t begin, int64_t end,
                                         int8_t *out, const int8_t *in,
                                         const int8_t *gate, int64_t C,
                                         int64_t planes, int64_t lanes,
                                         int64_t HW, int32_t inOffset,
                                         int32_t gateOffset, int32_t outOffset,
                                         int64_t mult, int32_t shift) {
  QuantizationTransform t = qt(mult, shift);
  withShifts({t}, [&](auto shifted) {
    constexpr bool S = decltype(shifted)::value;
    for (int64_t r = begin; r < end; r++) {
      int64_t n = r / planes, first = r % planes * lanes;
      int32_t g[kBlock];
      for (int64_t l = 0; l < lanes; l++) {
        g[l] =
            first + l < C ? int32_t(gate[n * C + first + l]) - gateOffset : 0;
      }
      const int8_t *x = in + r * HW * lanes;
      int8_t *y = out + r * HW * lanes;
      for (int64_t p = 0; p < HW; p++) {
        for (int64_t l = 0; l < lanes; l++) {
          int64_t v = int64_t(int32_t(x[p * lanes + l]) - inOffset) * g[l];
          y[p * lanes + l] = clampToInt8(transform<S>(v, t) + outOffset);
        }
      }
    }
  });
}

/// Items: elements. Relu/Clip: (x - inOffset) clamped to [lo, hi], then
/// requantized.
LIBJIT_EXPORT void libjit_clip_i8(int64_t begin, int64_t end, int8_t *out,
                                  const int8_t *in, int32_t inOffset,
                                  int64_t lo, int64_t hi, int64_t mult,
                                  int32_t shift, int32_t outOffset) {
  QuantizationTransform t = qt(mult, shift);
  withShifts({t}, [&](auto shifted) {
    constexpr bool S = decltype(shifted)::value;
    for (int64_t i = begin; i < end; i++) {
      int64_t v = int64_t(in[i]) - inOffset;
      v = v < lo ? lo : (v > hi ? hi : v);
      out[i] = clampToInt8(transform<S>(v, t) + outOffset);
    }
  });
}

/// Items: elements. An element-wise function as a table of its 256 int8
/// results: out = table[in + 128].
LIBJIT_EXPORT void libjit_lookup_i8(int64_t begin, int64_t end, int8_t *out,
                                    const int8_t *in, const int8_t *table) {
  int64_t i = begin;
#if defined(__AVX512BW__)
  // 64 codes at a time: the table as 16 rows of 16 entries, each row
  // broadcast to the four 128-bit lanes; vpshufb picks the entry of the low
  // 4 bits of every code (+ 128) in every row, and each code keeps the
  // pick of the row of its high 4 bits.
  __m512i rows[16];
  for (int k = 0; k < 16; k++) {
    rows[k] = _mm512_broadcast_i32x4(
        _mm_loadu_si128((const __m128i *)(table + 16 * k)));
  }
  const __m512i sign = _mm512_set1_epi8(char(0x80)),
                low = _mm512_set1_epi8(0x0F);
  for (; i + 64 <= end; i += 64) {
    __m512i idx = _mm512_xor_si512(_mm512_loadu_si512(in + i), sign);
    __m512i lo = _mm512_and_si512(idx, low);
    __m512i hi = _mm512_and_si512(_mm512_srli_epi16(idx, 4), low);
    __m512i r = _mm512_setzero_si512();
    for (int k = 0; k < 16; k++) {
      __mmask64 m = _mm512_cmpeq_epi8_mask(hi, _mm512_set1_epi8(char(k)));
      r = _mm512_mask_shuffle_epi8(r, m, rows[k], lo);
    }
    _mm512_storeu_si512(out + i, r);
  }
#endif
  for (; i < end; i++) {
    out[i] = table[int32_t(in[i]) + 128];
  }
}

/// Items: N * C planes. INT8 max or average pooling (the Interpreter's
/// rules: max of x - offset requantized; average = sum requantized with
/// the ratio in scale / (out scale x count)).
LIBJIT_EXPORT void
libjit_pool_i8(int64_t begin, int64_t end, int8_t *out, const int8_t *in,
               int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t KH,
               int64_t KW, int64_t SH, int64_t SW, int64_t PT, int64_t PL,
               int64_t PB, int64_t PR, int32_t isMax, int32_t includePads,
               int32_t inOffset, float inScale, int32_t outOffset,
               float outScale) {
  QuantizationTransform maxT =
      makeQuantizationTransform(double(inScale) / double(outScale));
  for (int64_t p = begin; p < end; p++) {
    const int8_t *x = in + p * H * W;
    int8_t *y = out + p * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t h0 = oh * SH - PT, w0 = ow * SW - PL;
        int32_t best = INT32_MIN, sum = 0;
        int64_t count = 0;
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
            int32_t v = int32_t(x[ih * W + iw]) - inOffset;
            best = v > best ? v : best;
            sum += v;
            count++;
          }
        }
        if (isMax) {
          y[oh * OW + ow] = requantize(count ? best : 0, maxT, outOffset);
          continue;
        }
        if (includePads) {
          int64_t hEnd = h0 + KH < H + PB ? h0 + KH : H + PB;
          int64_t wEnd = w0 + KW < W + PR ? w0 + KW : W + PR;
          count = (hEnd - h0) * (wEnd - w0);
        }
        if (!count) {
          y[oh * OW + ow] = clampToInt8(outOffset);
          continue;
        }
        QuantizationTransform t = makeQuantizationTransform(
            double(inScale) / (double(outScale) * double(count)));
        y[oh * OW + ow] = requantize(sum, t, outOffset);
      }
    }
  }
}

/// Items: N * O output planes. INT8 convolution in the plain layout (any
/// group, stride, dilation, padding). Per output channel: the filter
/// offset, and the scale of the accumulator's requantization
/// (accumulatorScale).
LIBJIT_EXPORT void
libjit_conv_i8(int64_t begin, int64_t end, int8_t *out, const int8_t *in,
               const int8_t *filter, const int32_t *bias,
               const int32_t *filterOffsets, const float *scales,
               int32_t inOffset, int32_t outOffset, int64_t C, int64_t H,
               int64_t W, int64_t O, int64_t OH, int64_t OW, int64_t KH,
               int64_t KW, int64_t SH, int64_t SW, int64_t PT, int64_t PL,
               int64_t DH, int64_t DW, int64_t G, int32_t *scratch) {
  // scratch holds OH * OW accumulators for each thread's current plane; the
  // generated code gives each thread its own.
  int64_t CG = C / G, OG = O / G;
  int32_t *acc = scratch;
  for (int64_t p = begin; p < end; p++) {
    int64_t n = p / O, o = p % O, g = o / OG;
    for (int64_t i = 0; i < OH * OW; i++) {
      acc[i] = bias[o];
    }
    for (int64_t cg = 0; cg < CG; cg++) {
      const int8_t *xp = in + (n * C + g * CG + cg) * H * W;
      for (int64_t kh = 0; kh < KH; kh++) {
        for (int64_t kw = 0; kw < KW; kw++) {
          int32_t wv = int32_t(filter[((o * CG + cg) * KH + kh) * KW + kw]) -
                       filterOffsets[o];
          int64_t off = kw * DW - PL;
          int64_t owBegin = off >= 0 ? 0 : (-off + SW - 1) / SW;
          int64_t owEnd = W - off <= 0 ? 0 : (W - off + SW - 1) / SW;
          owEnd = owEnd < OW ? owEnd : OW;
          for (int64_t oh = 0; oh < OH; oh++) {
            int64_t ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H) {
              continue;
            }
            int32_t *ar = acc + oh * OW;
            const int8_t *xr = xp + ih * W + off;
            for (int64_t ow = owBegin; ow < owEnd; ow++) {
              ar[ow] += wv * (int32_t(xr[ow * SW]) - inOffset);
            }
          }
        }
      }
    }
    int8_t *y = out + p * OH * OW;
    for (int64_t i = 0; i < OH * OW; i++) {
      y[i] = requantizeAccumulator(acc[i], scales[o], outOffset);
    }
  }
}

/// Items: rows of the result. y[n][m] = requantizeAccumulator(bias[m] +
/// sum_k (a[n][k] - aOffset)(b[k][m] - bOffset)); \p bias may be null.
/// \p scratch holds M int32 per thread.
LIBJIT_EXPORT void libjit_matmul_i8(int64_t begin, int64_t end, int8_t *out,
                                    const int8_t *a, const int8_t *b,
                                    const int32_t *bias, int64_t K, int64_t M,
                                    int32_t aOffset, int32_t bOffset,
                                    float scale, int32_t outOffset,
                                    int32_t *scratch) {
  int32_t *acc = scratch;
  for (int64_t i = begin; i < end; i++) {
    for (int64_t m = 0; m < M; m++) {
      acc[m] = bias ? bias[m] : 0;
    }
    for (int64_t k = 0; k < K; k++) {
      int32_t av = int32_t(a[i * K + k]) - aOffset;
      const int8_t *br = b + k * M;
      for (int64_t m = 0; m < M; m++) {
        acc[m] += av * (int32_t(br[m]) - bOffset);
      }
    }
    for (int64_t m = 0; m < M; m++) {
      out[i * M + m] = requantizeAccumulator(acc[m], scale, outOffset);
    }
  }
}
