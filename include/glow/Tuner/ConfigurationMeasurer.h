#ifndef GLOW_TUNER_CONFIGURATIONMEASURER_H
#define GLOW_TUNER_CONFIGURATIONMEASURER_H

#include "glow/Support/Distributed.h"
#include "glow/Tuner/PrecisionEvaluator.h"
#include "glow/Tuner/StudyCheckpoint.h"

#include <cstdio>
#include <memory>
#include <vector>

namespace glow {

/// Measures configurations (top-1 and SQNR against FP32) on the evaluation
/// images, the work shared among the ranks of a Communicator.
///
/// The images are cut into blocks of one batch. A call's work is every
/// (block, configuration) pair, block-major, cut into one contiguous share
/// per rank; a rank runs each of its blocks with all of its configurations
/// of that block together, so the evaluator still shares the FP32 prefix.
/// Every block gives integer counts of correct images and per-image sums of
/// squared error; a sum over ranks in which one rank holds each block's
/// values and the others zeros is exact, and the totals are then added in
/// block order on every rank. So the measurements are the same, bit for
/// bit, with any number of ranks, one process included.
///
/// The FP32 outputs, the reference of the SQNR, are kept in a temporary
/// file (with each image's FP32 correctness and signal in memory), so that
/// memory does not grow with the number of images.
class ConfigurationMeasurer {
public:
  /// \p units: how many units a configuration sets; \p batch: the
  /// evaluator's images per run.
  ConfigurationMeasurer(PrecisionEvaluator &evaluator,
                        const EvaluationSet &data, size_t units, size_t batch,
                        Communicator &comm);
  ~ConfigurationMeasurer();

  /// Runs FP32 on every image and keeps the reference. \returns an error
  /// if a label is not a class of the model.
  llvm::Error init();
  /// \returns the measurement of each configuration of \p configs on the
  /// first \p images images (all-FP32 configurations from the reference,
  /// without running).
  llvm::Expected<std::vector<Measurement>>
  measure(const std::vector<UnitPrecisions> &configs, size_t images);
  /// Configurations worth measuring at once: the evaluator's group. Not
  /// more with more ranks: the order in which the checkpoint grows must
  /// not depend on them.
  size_t groupSize() const { return eval_.groupSize(); }
  /// Outputs per image.
  size_t classes() const { return classes_; }
  /// Configurations run so far, init's FP32 run included.
  size_t evaluations() const { return evaluations_; }
  /// Images run so far by all ranks together, summed over the
  /// configurations (the work of the cost model in docs/MixedPrecision.md).
  uint64_t imageRuns() const { return imageRuns_; }

private:
  /// Runs \p configs on the blocks of [0, images) that this rank's share
  /// of the (block, configuration) pairs holds; \p sink as the
  /// evaluator's.
  llvm::Error runShare(const std::vector<UnitPrecisions> &configs,
                       size_t images, const OutputSink &sink);
  /// Stores \p values FP32 outputs from image \p first on in the
  /// temporary file (classes_ must be known).
  llvm::Error writeReference(size_t first, const float *rows, size_t values);
  /// Reads the FP32 outputs of images [first, first + n) into \p rows.
  llvm::Error readReference(size_t first, size_t n, std::vector<float> &rows);

  PrecisionEvaluator &eval_;
  const EvaluationSet &data_;
  size_t units_, batch_;
  Communicator &comm_;
  size_t classes_{0};
  /// FP32 per image: 1 if top-1 is right, and the sum of squared outputs.
  std::vector<double> fp32Correct_, fp32Signal_;
  std::FILE *reference_{nullptr};
  size_t evaluations_{0};
  uint64_t imageRuns_{0};
};

/// \returns the SQNR in dB of a signal and noise sum: 10 log10(signal /
/// noise), at most 200.
double sqnrOf(double signal, double noise);

} // namespace glow

#endif // GLOW_TUNER_CONFIGURATIONMEASURER_H
