// FP32 (and plain integer) kernels in the plain layout: element-wise,
// BatchNormalization, pooling, SoftMax, and the general convolution and
// matrix product that handle every shape the fast blocked kernels do not.

#include "LibjitCommon.h"

#include <cmath>

using namespace glow::libjit;

namespace {
template <class T> LIBJIT_INLINE T applyBinary(int32_t op, T l, T r) {
  switch (op) {
  case kOpAdd:
    return l + r;
  case kOpSub:
    return l - r;
  case kOpMul:
    return l * r;
  case kOpDiv:
    if constexpr (__is_integral(T)) {
      return r == 0 ? T(0) : T(l / r);
    } else {
      return l / r;
    }
  case kOpMax:
    return l > r ? l : r;
  case kOpMin:
    return l < r ? l : r;
  default:
    return T(std::pow(double(l), double(r)));
  }
}

template <class T>
LIBJIT_INLINE void binary(int64_t begin, int64_t end, T *out, const T *l,
                          const T *r, int32_t op) {
  switch (op) {
  case kOpAdd:
    for (int64_t i = begin; i < end; i++)
      out[i] = l[i] + r[i];
    return;
  case kOpSub:
    for (int64_t i = begin; i < end; i++)
      out[i] = l[i] - r[i];
    return;
  case kOpMul:
    for (int64_t i = begin; i < end; i++)
      out[i] = l[i] * r[i];
    return;
  case kOpMax:
    for (int64_t i = begin; i < end; i++)
      out[i] = l[i] > r[i] ? l[i] : r[i];
    return;
  case kOpMin:
    for (int64_t i = begin; i < end; i++)
      out[i] = l[i] < r[i] ? l[i] : r[i];
    return;
  default:
    for (int64_t i = begin; i < end; i++)
      out[i] = applyBinary<T>(op, l[i], r[i]);
  }
}
} // namespace

/// Items: N * planes planes of HW pixels of \p lanes values (blocked:
/// planes = ceil(C / 16), lanes = 16; plain: planes = C, lanes = 1).
/// out = in x gate[n][c], c the channel of each value, gate [N][C] (a
/// squeeze-excitation gate); lanes past C get 0.
LIBJIT_EXPORT void libjit_channel_mul_f32(int64_t begin, int64_t end,
                                          float *out, const float *in,
                                          const float *gate, int64_t C,
                                          int64_t planes, int64_t lanes,
                                          int64_t HW) {
  for (int64_t r = begin; r < end; r++) {
    int64_t n = r / planes, first = r % planes * lanes;
    float g[kBlock];
    for (int64_t l = 0; l < lanes; l++) {
      g[l] = first + l < C ? gate[n * C + first + l] : 0.f;
    }
    const float *x = in + r * HW * lanes;
    float *y = out + r * HW * lanes;
    for (int64_t p = 0; p < HW; p++) {
      for (int64_t l = 0; l < lanes; l++) {
        y[p * lanes + l] = x[p * lanes + l] * g[l];
      }
    }
  }
}

/// Items: elements. out = x OP s, or s OP x when \p scalarFirst (BinaryOp):
/// an operand that is one value broadcast, read as that value (any layout).
/// x^2 (LayerNorm's variance as ONNX exports it) is x * x: a float squared
/// in double, as pow computes it, is exact, so both round to the same float.
LIBJIT_EXPORT void libjit_binary_scalar_f32(int64_t begin, int64_t end,
                                            float *out, const float *x, float s,
                                            int32_t op, int32_t scalarFirst) {
  if (op == kOpPow && !scalarFirst && s == 2.f) {
    for (int64_t i = begin; i < end; i++) {
      out[i] = x[i] * x[i];
    }
    return;
  }
  if (scalarFirst) {
    for (int64_t i = begin; i < end; i++) {
      out[i] = applyBinary(op, s, x[i]);
    }
    return;
  }
  for (int64_t i = begin; i < end; i++) {
    out[i] = applyBinary(op, x[i], s);
  }
}

/// Items: rows of \p rowLen elements. out = x OP b, or b OP x when
/// \p bFirst (BinaryOp), b broadcast along the rows: b[r] for the whole of
/// row r when \p perRow, else b[j] for element j of every row.
LIBJIT_EXPORT void libjit_binary_rows_f32(int64_t begin, int64_t end,
                                          float *out, const float *x,
                                          const float *b, int64_t rowLen,
                                          int32_t perRow, int32_t op,
                                          int32_t bFirst) {
  for (int64_t r = begin; r < end; r++) {
    const float *xr = x + r * rowLen;
    float *yr = out + r * rowLen;
    if (perRow) {
      libjit_binary_scalar_f32(0, rowLen, yr, xr, b[r], op, bFirst);
      continue;
    }
    if (bFirst) {
      binary(0, rowLen, yr, b, xr, op);
    } else {
      binary(0, rowLen, yr, xr, b, op);
    }
  }
}

/// Items: elements. out = l OP r (BinaryOp).
LIBJIT_EXPORT void libjit_binary_f32(int64_t begin, int64_t end, float *out,
                                     const float *l, const float *r,
                                     int32_t op) {
  binary(begin, end, out, l, r, op);
}
LIBJIT_EXPORT void libjit_binary_i32(int64_t begin, int64_t end, int32_t *out,
                                     const int32_t *l, const int32_t *r,
                                     int32_t op) {
  binary(begin, end, out, l, r, op);
}
LIBJIT_EXPORT void libjit_binary_i64(int64_t begin, int64_t end, int64_t *out,
                                     const int64_t *l, const int64_t *r,
                                     int32_t op) {
  binary(begin, end, out, l, r, op);
}

namespace {
/// exp(x) for x in [-87, 88.3] (clamped there; a NaN stays NaN), within 1
/// ulp of exp there (0.98 at worst, measured every 0.0007): x = n ln2 + r with
/// |r| <= ln2 / 2 (ln2 in two parts, so that r is exact), exp(r) by Cephes'
/// degree-7 polynomial, times 2^n built in the exponent bits. No call, so loops
/// over it vectorise.
LIBJIT_INLINE float expNarrow(float x) {
  float c = x < -87.f ? -87.f : x;
  c = c > 88.3f ? 88.3f : c;
  float n = __builtin_rintf(c * 1.44269504088896341f);
  float r = c - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  float y = p * scale;
  return x == x ? y : x;
}

/// 1 / (1 + exp(-x)): beyond the clamp of expNarrow the result is within
/// 1e-38 of 0 or 1.
LIBJIT_INLINE float sigmoid(float x) { return 1.f / (1.f + expNarrow(-x)); }

/// erf(x) within 3.5e-7 (against std::erf every 1e-5 on [-10, 10]:
/// absolute, and relative below |x| = 0.5), without a call, so that loops
/// over it vectorise (GELU's erf took a fifth of ConvNeXt's time through
/// std::erf). Below |x| = 0.5
/// the odd Taylor series 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)) to
/// x^13; above, Abramowitz and Stegun 7.1.26: 1 - t P(t) exp(-x^2) with
/// t = 1 / (1 + 0.3275911 |x|), the sign of x. NaN stays NaN.
LIBJIT_INLINE float erfNarrow(float x) {
  float a = __builtin_fabsf(x), z = x * x;
  float series =
      1.f +
      z * (-1.f / 3 +
           z * (1.f / 10 +
                z * (-1.f / 42 +
                     z * (1.f / 216 + z * (-1.f / 1320 + z * (1.f / 9360))))));
  float small = 1.1283791671f * x * series;
  float t = 1.f / (1.f + 0.3275911f * a);
  float p =
      t * (0.254829592f +
           t * (-0.284496736f +
                t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  float large = __builtin_copysignf(1.f - p * expNarrow(-z), x);
  return a < 0.5f ? small : large;
}
} // namespace

/// Items: elements. SiLU: out = x * sigmoid(x), a Sigmoid and the Mul of
/// its input by it in one pass (the same float operations as the two).
LIBJIT_EXPORT void libjit_silu_f32(int64_t begin, int64_t end, float *out,
                                   const float *in) {
  for (int64_t i = begin; i < end; i++) {
    float x = in[i];
    out[i] = x * sigmoid(x);
  }
}

/// Items: elements. GELU as PyTorch exports it: out = (x * (erf(x / c) +
/// 1)) * 0.5, the same float operations as the five nodes apart.
LIBJIT_EXPORT void libjit_gelu_f32(int64_t begin, int64_t end, float *out,
                                   const float *in, float divisor) {
  for (int64_t i = begin; i < end; i++) {
    float x = in[i];
    out[i] = (x * (erfNarrow(x / divisor) + 1.f)) * 0.5f;
  }
}

/// Items: elements. out = OP(in) (UnaryOp); Clip uses [p0, p1], LeakyRelu
/// the slope p0.
LIBJIT_EXPORT void libjit_unary_f32(int64_t begin, int64_t end, float *out,
                                    const float *in, int32_t op, float p0,
                                    float p1) {
  switch (op) {
  case kOpRelu:
    for (int64_t i = begin; i < end; i++)
      out[i] = in[i] < 0.f ? 0.f : in[i]; // as std::max(x, 0): NaN stays
    return;
  case kOpClip:
    for (int64_t i = begin; i < end; i++) {
      float v = in[i] < p0 ? p0 : in[i];
      out[i] = p1 < v ? p1 : v;
    }
    return;
  case kOpLeakyRelu:
    for (int64_t i = begin; i < end; i++)
      out[i] = in[i] >= 0.f ? in[i] : p0 * in[i];
    return;
  case kOpSigmoid:
    for (int64_t i = begin; i < end; i++)
      out[i] = sigmoid(in[i]);
    return;
  case kOpTanh:
    for (int64_t i = begin; i < end; i++)
      out[i] = std::tanh(in[i]);
    return;
  case kOpExp:
    for (int64_t i = begin; i < end; i++)
      out[i] = std::exp(in[i]);
    return;
  case kOpLog:
    for (int64_t i = begin; i < end; i++)
      out[i] = std::log(in[i]);
    return;
  case kOpSqrt:
    for (int64_t i = begin; i < end; i++)
      out[i] = std::sqrt(in[i]);
    return;
  case kOpNeg:
    for (int64_t i = begin; i < end; i++)
      out[i] = -in[i];
    return;
  case kOpErf:
    for (int64_t i = begin; i < end; i++)
      out[i] = erfNarrow(in[i]);
    return;
  default:
    for (int64_t i = begin; i < end; i++)
      out[i] = std::fabs(in[i]);
    return;
  }
}

/// Items: N * C planes of \p inner elements. Inference batch normalisation.
LIBJIT_EXPORT void libjit_batchnorm_f32(int64_t begin, int64_t end, float *out,
                                        const float *in, const float *scale,
                                        const float *bias, const float *mean,
                                        const float *var, int64_t C,
                                        int64_t planes, int64_t lanes,
                                        int64_t inner, float epsilon) {
  // Plain: plane p is channel p % C (lanes 1). Blocked: plane p holds
  // channels (p % planes) * 16 .. + 15, lane i % 16 of its values; the
  // padding lanes (channels from C on) become 0.
  for (int64_t p = begin; p < end; p++) {
    float s[16], t[16];
    for (int64_t l = 0; l < lanes; l++) {
      int64_t c = lanes == 1 ? p % C : (p % planes) * lanes + l;
      s[l] = 0.f;
      t[l] = 0.f;
      if (c < C) {
        s[l] = scale[c] / std::sqrt(var[c] + epsilon);
        t[l] = bias[c] - mean[c] * s[l];
      }
    }
    const float *x = in + p * inner;
    float *y = out + p * inner;
    for (int64_t i = 0; i < inner / lanes; i++) {
      for (int64_t l = 0; l < lanes; l++) {
        y[i * lanes + l] = x[i * lanes + l] * s[l] + t[l];
      }
    }
  }
}

/// Items: N * C planes. Max (isMax) or average pooling in the plain layout;
/// pads are top, left, bottom, right.
LIBJIT_EXPORT void
libjit_pool_f32(int64_t begin, int64_t end, float *out, const float *in,
                int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t KH,
                int64_t KW, int64_t SH, int64_t SW, int64_t PT, int64_t PL,
                int64_t PB, int64_t PR, int32_t isMax, int32_t includePads) {
  for (int64_t p = begin; p < end; p++) {
    const float *x = in + p * H * W;
    float *y = out + p * OH * OW;
    for (int64_t oh = 0; oh < OH; oh++) {
      for (int64_t ow = 0; ow < OW; ow++) {
        int64_t h0 = oh * SH - PT, w0 = ow * SW - PL;
        float acc = isMax ? -__builtin_inff() : 0.f;
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
            float v = x[ih * W + iw];
            acc = isMax ? (v > acc ? v : acc) : acc + v;
            count++;
          }
        }
        if (!isMax) {
          if (includePads) {
            int64_t hEnd = h0 + KH < H + PB ? h0 + KH : H + PB;
            int64_t wEnd = w0 + KW < W + PR ? w0 + KW : W + PR;
            count = (hEnd - h0) * (wEnd - w0);
          }
          acc = count ? acc / float(count) : 0.f;
        }
        y[oh * OW + ow] = acc;
      }
    }
  }
}

/// Items: outer slices. The index of the largest (or, with \p min, the
/// smallest) of \p len elements of stride \p inner, for every one of the
/// \p inner columns of a slice; the first of equal ones unless \p last.
LIBJIT_EXPORT void libjit_argminmax_f32(int64_t begin, int64_t end,
                                        int64_t *out, const float *in,
                                        int64_t len, int64_t inner, int64_t min,
                                        int64_t last) {
  for (int64_t o = begin; o < end; o++) {
    for (int64_t c = 0; c < inner; c++) {
      const float *col = in + o * len * inner + c;
      float best = col[0];
      int64_t at = 0;
      for (int64_t i = 1; i < len; i++) {
        float v = col[i * inner];
        if ((min ? v < best : v > best) || (last && v == best)) {
          best = v;
          at = i;
        }
      }
      out[o * inner + c] = at;
    }
  }
}

/// Items: outer slices. ONNX TopK's indices: for each of the \p inner
/// columns of a slice (\p len elements of stride \p inner), the \p k best
/// (largest, or smallest unless \p largest), best first, of equal ones the
/// lower index first, NaN last: an insertion into the sorted output.
LIBJIT_EXPORT void libjit_topk_f32(int64_t begin, int64_t end, int64_t *out,
                                   const float *in, int64_t len, int64_t inner,
                                   int64_t k, int64_t largest) {
  if (k == 0) {
    return;
  }
  for (int64_t o = begin; o < end; o++) {
    for (int64_t c = 0; c < inner; c++) {
      const float *col = in + o * len * inner + c;
      int64_t *best = out + o * k * inner + c;
      int64_t n = 0;
      for (int64_t i = 0; i < len; i++) {
        float v = col[i * inner];
        // Whether v (index i, after every kept one) goes before index j.
        auto before = [&](int64_t j) {
          float e = col[j * inner];
          if (v != v) {
            return false;
          }
          return e != e || (largest ? v > e : v < e);
        };
        int64_t p = n < k ? n : k;
        if (p == k && !before(best[(k - 1) * inner])) {
          continue;
        }
        while (p > 0 && before(best[(p - 1) * inner])) {
          if (p < k) {
            best[p * inner] = best[(p - 1) * inner];
          }
          p--;
        }
        best[p * inner] = i;
        n += n < k;
      }
    }
  }
}

namespace {
template <class T>
LIBJIT_INLINE void compareAll(int64_t begin, int64_t end, int8_t *out,
                              const T *l, const T *r, int32_t mode) {
  for (int64_t i = begin; i < end; i++) {
    T a = l[i], b = r[i];
    bool v;
    switch (mode) {
    case kCmpEqual:
      v = a == b;
      break;
    case kCmpLess:
      v = a < b;
      break;
    case kCmpLessEqual:
      v = a <= b;
      break;
    case kCmpGreater:
      v = a > b;
      break;
    case kCmpGreaterEqual:
      v = a >= b;
      break;
    case kCmpAnd:
      v = a && b;
      break;
    case kCmpOr:
      v = a || b;
      break;
    case kCmpXor:
      v = bool(a) != bool(b);
      break;
    default: // Not
      v = !a;
    }
    out[i] = v;
  }
}
} // namespace

/// Items: elements. ONNX comparisons and logic (CompareMode) of operands
/// of scalar kind \p kind (Not reads only \p l); a Bool (0/1 byte) result.
LIBJIT_EXPORT void libjit_compare(int64_t begin, int64_t end, int8_t *out,
                                  const uint8_t *l, const uint8_t *r,
                                  int32_t kind, int32_t mode) {
  switch (kind) {
  case kScalarFloat:
    return compareAll(begin, end, out, (const float *)l, (const float *)r,
                      mode);
  case kScalarInt32:
    return compareAll(begin, end, out, (const int32_t *)l, (const int32_t *)r,
                      mode);
  case kScalarInt64:
    return compareAll(begin, end, out, (const int64_t *)l, (const int64_t *)r,
                      mode);
  default: // Bool
    return compareAll(begin, end, out, (const int8_t *)l, (const int8_t *)r,
                      mode);
  }
}

/// Items: outer slices. SoftMax along an axis of \p len elements with
/// stride \p inner, for every one of the \p inner columns of a slice.
LIBJIT_EXPORT void libjit_softmax_f32(int64_t begin, int64_t end, float *out,
                                      const float *in, int64_t len,
                                      int64_t inner) {
  for (int64_t o = begin; o < end; o++) {
    for (int64_t c = 0; c < inner; c++) {
      int64_t base = o * len * inner + c;
      float mx = -__builtin_inff();
      for (int64_t i = 0; i < len; i++) {
        float v = in[base + i * inner];
        mx = v > mx ? v : mx;
      }
      double sum = 0;
      for (int64_t i = 0; i < len; i++) {
        float e = std::exp(in[base + i * inner] - mx);
        out[base + i * inner] = e;
        sum += e;
      }
      for (int64_t i = 0; i < len; i++) {
        out[base + i * inner] = float(out[base + i * inner] / sum);
      }
    }
  }
}

/// Items: N * O output planes. Convolution in the plain layout (any group,
/// stride, dilation, padding); pads are top and left. Weights [O][C/G][KH][KW].
LIBJIT_EXPORT void libjit_conv_f32(int64_t begin, int64_t end, float *out,
                                   const float *in, const float *filter,
                                   const float *bias, int64_t C, int64_t H,
                                   int64_t W, int64_t O, int64_t OH, int64_t OW,
                                   int64_t KH, int64_t KW, int64_t SH,
                                   int64_t SW, int64_t PT, int64_t PL,
                                   int64_t DH, int64_t DW, int64_t G) {
  int64_t CG = C / G, OG = O / G;
  for (int64_t p = begin; p < end; p++) {
    int64_t n = p / O, o = p % O, g = o / OG;
    float *plane = out + p * OH * OW;
    for (int64_t i = 0; i < OH * OW; i++) {
      plane[i] = bias[o];
    }
    for (int64_t cg = 0; cg < CG; cg++) {
      const float *xp = in + (n * C + g * CG + cg) * H * W;
      for (int64_t kh = 0; kh < KH; kh++) {
        for (int64_t kw = 0; kw < KW; kw++) {
          float wv = filter[((o * CG + cg) * KH + kh) * KW + kw];
          int64_t off = kw * DW - PL;
          int64_t owBegin = off >= 0 ? 0 : (-off + SW - 1) / SW;
          int64_t owEnd = W - off <= 0 ? 0 : (W - off + SW - 1) / SW;
          owEnd = owEnd < OW ? owEnd : OW;
          for (int64_t oh = 0; oh < OH; oh++) {
            int64_t ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H) {
              continue;
            }
            float *yr = plane + oh * OW;
            const float *xr = xp + ih * W + off;
            for (int64_t ow = owBegin; ow < owEnd; ow++) {
              yr[ow] += wv * xr[ow * SW];
            }
          }
        }
      }
    }
  }
}

/// Items: rows of the result. out[n][m] = sum_k a[n][k] b[k][m] (+ bias[m]
/// if \p bias is not null).
LIBJIT_EXPORT void libjit_matmul_f32(int64_t begin, int64_t end, float *out,
                                     const float *a, const float *b,
                                     const float *bias, int64_t K, int64_t M) {
  for (int64_t i = begin; i < end; i++) {
    float *o = out + i * M;
    for (int64_t m = 0; m < M; m++) {
      o[m] = bias ? bias[m] : 0.f;
    }
    for (int64_t k = 0; k < K; k++) {
      float av = a[i * K + k];
      const float *br = b + k * M;
      for (int64_t m = 0; m < M; m++) {
        o[m] += av * br[m];
      }
    }
  }
}
