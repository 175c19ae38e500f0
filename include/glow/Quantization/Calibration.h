#ifndef GLOW_QUANTIZATION_CALIBRATION_H
#define GLOW_QUANTIZATION_CALIBRATION_H

#include "glow/Quantization/Profile.h"

#include <utility>

namespace glow {

/// The name of \p mode as the tools spell it ("none", "KL", "percentile",
/// "MSE").
const char *getCalibrationModeName(CalibrationMode mode);

/// \returns the range [min, max] of \p p to quantize with under \p mode:
/// the observed range (None); for KL the clipping range whose quantized
/// histogram is closest (KL divergence) to the observed one; for
/// Percentile the range holding \p percentile percent of the values at
/// each end; for MSE the range anchored at 0 whose expected squared error
/// (clipping outside, rounding to 255 steps inside) is least; for Auto the
/// range of chooseBestRange. An empty histogram or a range of one value
/// gives [min, max].
std::pair<float, float> chooseCalibratedRange(const NodeProfile &p,
                                              CalibrationMode mode,
                                              double percentile = 99.99);

/// Auto calibration of \p p: of the ranges of None, KL, Percentile and
/// MSE, the one with the best expected SQNR of the tensor's values (the
/// least expected squared error of the histogram, widened to hold 0 as
/// the quantized range is; the signal is the same for all). \returns that
/// method and its range; ties go to the method listed first.
std::pair<CalibrationMode, std::pair<float, float>>
chooseBestRange(const NodeProfile &p, double percentile = 99.99);

} // namespace glow

#endif // GLOW_QUANTIZATION_CALIBRATION_H
