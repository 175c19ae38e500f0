#ifndef GLOW_TUNER_SIZESEARCH_H
#define GLOW_TUNER_SIZESEARCH_H

#include "glow/Tuner/ConfigurationMeasurer.h"
#include "glow/Tuner/StudyCheckpoint.h"

#include <functional>
#include <string>
#include <vector>

namespace glow {

/// One configuration of the size search: the precision of every unit, its
/// total weight bytes and its accuracy; \p unit (or -1 for the start) is
/// the unit that was raised to get it.
struct SizeSearchStep {
  long unit{-1};
  std::vector<LayerPrecision> precisions;
  uint64_t weightBytes{0};
  Measurement measured;
};

/// What precision-tuner -objective=size found.
struct SizeSearchResult {
  Measurement fp32;
  uint64_t fp32Bytes{0};
  /// The start (every unit at the smallest precision) then one step per
  /// raised unit; the last is the answer.
  std::vector<SizeSearchStep> steps;
  double target{0};
  bool targetMet{false};
  size_t evaluations{0};
};

/// The smallest total weight bytes that meets the accuracy target, greedy
/// with re-ranking: every unit starts at the smallest precision of
/// \p precisions (bytes as PrecisionUnit::weightBytes; a unit without
/// weights skips w4a8, the same as int8 for it); while the accuracy
/// on all images of \p data is below the target (\p targetAccuracy, or
/// FP32's minus \p maxDrop when it is negative), every unit that can go one
/// precision up is measured so, and the one with the most accuracy gained
/// per byte added (the most accuracy when none gains) goes up; every
/// configuration is measured by \p measurer (initialised). Needs
/// labels. \p log gets one line per step.
llvm::Expected<SizeSearchResult> searchSmallestWeights(
    ConfigurationMeasurer &measurer, const EvaluationSet &data,
    const std::vector<PrecisionUnit> &units,
    std::vector<LayerPrecision> precisions, double targetAccuracy,
    double maxDrop, const std::function<void(const std::string &)> &log);

} // namespace glow

#endif // GLOW_TUNER_SIZESEARCH_H
