#ifndef GLOW_TUNER_PRECISIONEVALUATOR_H
#define GLOW_TUNER_PRECISIONEVALUATOR_H

#include "glow/Tuner/PrecisionUnits.h"

#include "glow/Base/Tensor.h"

#include "glow/Backends/Backend.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Profile.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace glow {

/// The evaluation images: every label known up front, the pixels read
/// batch by batch (decoded and pre-processed when needed, never all at
/// once, so that memory does not grow with the number of images).
struct EvaluationSet {
  /// Each image's label (-1 where unknown).
  std::vector<int> labels;
  /// The model input of one image, [1, ...].
  std::vector<dim_t> imageDims;
  /// Writes images [first, first + n) into slots 0..n-1 of the float batch
  /// tensor and zeroes the slots after them.
  std::function<llvm::Error(size_t first, size_t n, Tensor &batch)> read;
  /// Optional hint: images [first, first + n) are read next.
  std::function<void(size_t first, size_t n)> prefetch;

  size_t count() const { return labels.size(); }
  /// \returns true if every image has a label.
  bool hasLabels() const;
};

/// What an evaluator runs: the model, its input, the backend, the
/// quantization, the units, the images.
struct EvaluatorSetup {
  std::string modelPath;
  std::string inputName;
  /// Images per run.
  dim_t batch{100};
  std::string backend;
  BackendOptions backendOptions;
  ProfileSet profile;
  QuantizationOptions quantization;
  std::vector<PrecisionUnit> units;
  const EvaluationSet *data{nullptr};
};

/// One configuration: the precision of every unit (FP32, INT8 or W4A8).
using UnitPrecisions = std::vector<LayerPrecision>;

/// Receives the outputs of configuration \p config on images
/// [first, first + n): n rows of \p width values of the first model
/// output, row-major.
using OutputSink = std::function<llvm::Error(
    size_t config, size_t first, size_t n, const float *rows, size_t width)>;

/// Runs the model with each unit in a chosen precision on a range of the
/// evaluation images, a batch at a time.
class PrecisionEvaluator {
public:
  virtual ~PrecisionEvaluator() = default;
  /// Runs every configuration of \p configs on images [first, end) in
  /// batches of the setup's size starting at \p first, and passes each
  /// batch's outputs to \p sink. The outputs of one configuration on one
  /// batch do not depend on the other configurations run with it.
  virtual llvm::Error run(const std::vector<UnitPrecisions> &configs,
                          size_t first, size_t end, const OutputSink &sink) = 0;
  /// How many configurations are worth passing to run at once: 1 where
  /// running them together shares nothing.
  virtual size_t groupSize() const { return 1; }
  /// Compilations so far and the seconds they took.
  unsigned compiles() const { return compiles_; }
  double compileSeconds() const { return compileSeconds_; }

protected:
  unsigned compiles_{0};
  double compileSeconds_{0};
};

/// \returns INT8 for the units set in \p int8, FP32 for the others.
UnitPrecisions precisionsOf(const std::vector<bool> &int8);

/// The fast evaluator: one precision-switchable compile
/// (Backend::compileSwitchable); a configuration is a switch setting, and
/// runMany shares the FP32 part before each configuration's first INT8 unit
/// (SwitchableFunction::executeConfigurations). FP32 and INT8 only.
llvm::Expected<std::unique_ptr<PrecisionEvaluator>>
createSwitchingEvaluator(const EvaluatorSetup &setup);

/// The naive evaluator: every new configuration loads, quantizes (with the
/// FP32 units as the keep list) and compiles the model again. Works on
/// every backend.
std::unique_ptr<PrecisionEvaluator>
createRecompilingEvaluator(const EvaluatorSetup &setup);

/// Profiles the FP32 model of \p setup (its backend, batch and input) on
/// the images \p calibration with \p numBins histogram bins; \p progress,
/// if given, is told how many images are done after each batch.
llvm::Expected<ProfileSet>
profileModel(const EvaluatorSetup &setup, const EvaluationSet &calibration,
             unsigned numBins, std::function<void(size_t)> progress = nullptr);

} // namespace glow

#endif // GLOW_TUNER_PRECISIONEVALUATOR_H
