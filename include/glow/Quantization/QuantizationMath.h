#ifndef GLOW_QUANTIZATION_QUANTIZATIONMATH_H
#define GLOW_QUANTIZATION_QUANTIZATIONMATH_H

// The arithmetic of quantization, shared by the quantizer and every backend
// so that all of them round and saturate the same way (docs/Quantization.md).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace glow {

/// How a float range is mapped onto int8 (Glow's -quantization-schema).
enum class QuantizationSchema {
  Asymmetric,         ///< [min, max] (widened to hold 0) onto [-128, 127]
  Symmetric,          ///< [-a, a], offset 0
  SymmetricWithUInt8, ///< symmetric, or [0, max] onto [-128, 127] if min >= 0
  SymmetricWithPower2Scale, ///< symmetric with the scale rounded up to 2^k
};

/// How the range of an activation is chosen from its profile.
enum class CalibrationMode {
  None,       ///< the observed min and max
  KL,         ///< the range that minimises the KL divergence of the histogram
  Percentile, ///< the range holding a percentile of the values at each end
  MSE,        ///< the range of least expected squared quantization error
  Auto,       ///< per tensor, whichever of the above has the best expected SQNR
};

/// Scale and offset of a quantized tensor: real = scale * (q - offset).
struct TensorQuantizationParams {
  float scale{1.0f};
  int32_t offset{0};
};

/// The codes of an N-bit quantization (2 <= N <= 8) inside an int8
/// container: [-2^(N-1), 2^(N-1) - 1].
struct QuantizationRange {
  int32_t min{-128};
  int32_t max{127};
  explicit QuantizationRange(unsigned bits = 8)
      : min(-(1 << (bits - 1))), max((1 << (bits - 1)) - 1) {}
  /// Number of steps between the lowest and highest code (255 for 8 bits).
  float levels() const { return float(max - min); }
};

/// \returns the scale and offset for the range [min, max] under \p schema
/// for \p bits-bit codes [qmin, qmax] (8 bits: [-128, 127], L = 255 steps):
/// - Asymmetric: min' = min(min, 0), max' = max(max, 0),
///   scale = (max' - min') / L, offset = clamp(round(qmin - min'/scale)).
/// - Symmetric: a = max(|min|, |max|), scale = 2a / L, offset = 0.
/// - SymmetricWithUInt8: if min >= 0, scale = max / L, offset = qmin
///   (all codes cover [0, max]); else Symmetric.
/// - SymmetricWithPower2Scale: Symmetric, then scale = 2^ceil(log2(scale)).
/// An all-zero range is read as a unit range ([0, 1], or [-0.5, 0.5] for
/// the symmetric schemas), so that no scale is 0.
inline TensorQuantizationParams
chooseQuantizationParams(float min, float max, QuantizationSchema schema,
                         unsigned bits = 8) {
  const float tiny = 1e-10f;
  const QuantizationRange q(bits);
  min = std::min(min, 0.f);
  max = std::max(max, 0.f);
  if (min == max) {
    // All values 0 (e.g. a pruned filter channel): a unit range, [0, 1]
    // or [-0.5, 0.5], so that a bias rounded at input scale x this scale
    // stays representable in int32.
    bool positive = schema == QuantizationSchema::Asymmetric ||
                    schema == QuantizationSchema::SymmetricWithUInt8;
    min = positive ? 0.f : -0.5f;
    max = positive ? 1.f : 0.5f;
  }
  TensorQuantizationParams p;
  if (schema == QuantizationSchema::Asymmetric) {
    p.scale = std::max((max - min) / q.levels(), tiny);
    float off = std::nearbyint(float(q.min) - min / p.scale);
    p.offset = int32_t(std::min(std::max(off, float(q.min)), float(q.max)));
    return p;
  }
  if (schema == QuantizationSchema::SymmetricWithUInt8 && min >= 0.f) {
    p.scale = std::max(max / q.levels(), tiny);
    p.offset = q.min;
    return p;
  }
  float a = std::max(std::fabs(min), std::fabs(max));
  p.scale = std::max(2.f * a / q.levels(), tiny);
  p.offset = 0;
  if (schema == QuantizationSchema::SymmetricWithPower2Scale) {
    p.scale = std::exp2(std::ceil(std::log2(p.scale)));
  }
  return p;
}

/// Saturates \p v to int8.
inline int8_t clampToInt8(int64_t v) {
  return int8_t(std::min<int64_t>(std::max<int64_t>(v, -128), 127));
}

/// Float -> int8: q = clamp(nearbyint(x / scale) + offset), computed in
/// float with round-half-to-even, clamped to the codes of \p range.
inline int8_t quantizeValue(float x, TensorQuantizationParams p,
                            QuantizationRange range = QuantizationRange(8)) {
  float q = std::nearbyint(x / p.scale) + float(p.offset);
  q = std::min(std::max(q, float(range.min)), float(range.max));
  return int8_t(q);
}

/// Float -> int32 bias with offset 0: q = clamp(nearbyint(x / scale)).
inline int32_t quantizeBias(float x, float scale) {
  double q = std::nearbyint(double(x) / double(scale));
  q = std::min(std::max(q, -2147483648.0), 2147483647.0);
  return int32_t(q);
}

/// int8 -> float: x = scale * (q - offset), computed in float.
inline float dequantizeValue(int32_t q, TensorQuantizationParams p) {
  return p.scale * float(q - p.offset);
}

/// A positive real ratio as a fixed-point number: ratio ~ multiplier *
/// 2^-shift with multiplier in [2^30, 2^31). Every requantization other
/// than an accumulator's (requantizeAccumulator below) in every backend uses
/// it, so results are bit-exact across backends.
struct QuantizationTransform {
  int64_t multiplier{1 << 30};
  int32_t shift{30};
};

/// \returns the fixed-point form of \p ratio (> 0), computed in double.
inline QuantizationTransform makeQuantizationTransform(double ratio) {
  QuantizationTransform t;
  int exp = 0;
  double frac = std::frexp(ratio, &exp); // ratio = frac * 2^exp, frac in [.5,1)
  int64_t m = int64_t(std::llround(frac * double(int64_t(1) << 31)));
  if (m == (int64_t(1) << 31)) {
    m >>= 1;
    exp++;
  }
  t.multiplier = m;
  t.shift = 31 - exp;
  if (t.shift > 62) { // Ratios below 2^-31 round every int32 input to 0.
    t.multiplier = 0;
    t.shift = 62;
  }
  return t;
}

/// \returns round(v * ratio) for the transform of ratio, rounding halves
/// towards +infinity: (v * multiplier + 2^(shift-1)) >> shift. |v| must be
/// below 2^31. Shifts below 1 (ratios of 2^30 and more) saturate.
inline int64_t applyQuantizationTransform(int64_t v, QuantizationTransform t) {
  int64_t p = v * t.multiplier;
  if (t.shift <= 0) {
    return p > 0 ? INT32_MAX : (p < 0 ? INT32_MIN : 0);
  }
  return (p + (int64_t(1) << (t.shift - 1))) >> t.shift;
}

/// \returns clamp(round(v * ratio) + offset) as int8: the requantization of
/// a value \p v (codes less their offset, their sums or products) into an
/// output with offset \p offset.
inline int8_t requantize(int64_t v, QuantizationTransform t, int32_t offset) {
  return clampToInt8(applyQuantizationTransform(v, t) + offset);
}

/// The requantization of an int32 accumulator (Conv, FullyConnected,
/// MatMul: sums of int8 products plus an int32 bias) into int8, as ONNX
/// QLinearConv and ONNX Runtime define it: y = clamp(nearbyint(float(acc)
/// * scale) + offset), the product one float32 multiplication and the
/// rounding half to even. Every step is exactly specified by IEEE 754, so
/// every backend computes it bit for bit alike, and a vector unit in six
/// instructions for a vector of lanes (convert, multiply, clamp twice,
/// convert, add) where the fixed-point transform needs thirteen.
///
/// \returns the scale of ratio = in scale x weight scale / out scale
/// (computed in double, rounded once to float). Ratios below 2^-40 give
/// 0: every int32 acc times such a ratio rounds to 0 anyway, and the
/// scale is never a subnormal float. Ratios above 2^40 are capped there:
/// every nonzero acc saturates either way.
inline float accumulatorScale(double inScale, double weightScale,
                              double outScale) {
  double r = inScale * weightScale / outScale;
  if (!(r >= 0x1p-40)) {
    return 0.f;
  }
  return float(std::min(r, 0x1p40));
}

/// \returns float(acc) x scale rounded half to even, clamped to [lo, hi]
/// (integers, |lo|, |hi| < 2^30). Clamping before the rounding gives the
/// same result (the bounds are integers and rounding is monotone) and
/// keeps the conversion to int in range.
inline int32_t roundAccumulator(int32_t acc, float scale, int32_t lo,
                                int32_t hi) {
  float r = float(acc) * scale; // a product alone: nothing to contract
  float c = std::min(std::max(r, float(lo)), float(hi));
  return int32_t(std::nearbyint(c));
}

/// \returns clamp(nearbyint(float(acc) * scale) + offset) as int8.
inline int8_t requantizeAccumulator(int32_t acc, float scale, int32_t offset) {
  return int8_t(roundAccumulator(acc, scale, -128 - offset, 127 - offset) +
                offset);
}

/// The bounds [lo, hi] that an INT8 Relu (\p isClip false: [0, inf)) or
/// Clip [\p min, \p max] puts on x - offset, the input in units of its
/// scale \p inScale: ceil(min / scale) and floor(max / scale), computed in
/// float and kept within +-1e9.
inline std::pair<int64_t, int64_t>
quantizedClipBounds(bool isClip, float min, float max, float inScale) {
  if (!isClip) {
    return {0, INT32_MAX};
  }
  float l = std::ceil(min / inScale);
  float h = std::floor(max / inScale);
  int64_t lo = std::isfinite(l) ? int64_t(std::max(l, -1e9f)) : -1000000000;
  int64_t hi = std::isfinite(h) ? int64_t(std::min(h, 1e9f)) : 1000000000;
  return {lo, hi};
}

} // namespace glow

#endif // GLOW_QUANTIZATION_QUANTIZATIONMATH_H
