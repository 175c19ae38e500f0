#ifndef GLOW_TUNER_PRECISIONEVALUATOR_H
#define GLOW_TUNER_PRECISIONEVALUATOR_H

#include "glow/Tuner/PrecisionUnits.h"

#include "glow/Base/Tensor.h"

#include "glow/Backends/Backend.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Profile.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace glow {

/// Images pre-processed once into one tensor [count, ...] with their labels
/// (-1 where unknown).
struct EvaluationSet {
  Tensor images;
  std::vector<int> labels;
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

/// Runs the model with a chosen set of units in INT8 (the others FP32) on
/// the first images of the evaluation set.
class PrecisionEvaluator {
public:
  virtual ~PrecisionEvaluator() = default;
  /// \returns the first model output, [count, classes] row-major, of the
  /// first \p count images with unit u in INT8 where \p int8[u].
  virtual llvm::Expected<std::vector<float>> run(const std::vector<bool> &int8,
                                                 size_t count) = 0;
  /// \returns the outputs (as run returns them) of every configuration of
  /// \p configs on the first \p count images; the default runs them one
  /// after the other.
  virtual llvm::Expected<std::vector<std::vector<float>>>
  runMany(const std::vector<std::vector<bool>> &configs, size_t count);
  /// \returns the first model output with unit u in \p precisions[u]
  /// (FP32, INT8 or W4A8) on the first \p count images. The default runs
  /// FP32/INT8 mixes through run and refuses W4A8; the recompiling
  /// evaluator runs every precision.
  virtual llvm::Expected<std::vector<float>>
  runPrecisions(const std::vector<LayerPrecision> &precisions, size_t count);
  /// How many configurations are worth passing to runMany at once: 1 where
  /// running them together shares nothing.
  virtual size_t groupSize() const { return 1; }
  /// Compilations so far and the seconds they took.
  unsigned compiles() const { return compiles_; }
  double compileSeconds() const { return compileSeconds_; }

protected:
  unsigned compiles_{0};
  double compileSeconds_{0};
};

/// The fast evaluator: one precision-switchable compile
/// (Backend::compileSwitchable); a configuration is a switch setting, and
/// runMany shares the FP32 part before each configuration's first INT8 unit
/// (SwitchableFunction::executeConfigurations).
llvm::Expected<std::unique_ptr<PrecisionEvaluator>>
createSwitchingEvaluator(const EvaluatorSetup &setup);

/// The naive evaluator: every new configuration loads, quantizes (with the
/// FP32 units as the keep list) and compiles the model again. Works on
/// every backend.
std::unique_ptr<PrecisionEvaluator>
createRecompilingEvaluator(const EvaluatorSetup &setup);

/// Profiles the FP32 model of \p setup (its backend, batch and input) on
/// the images \p calibration with \p numBins histogram bins.
llvm::Expected<ProfileSet> profileModel(const EvaluatorSetup &setup,
                                        const EvaluationSet &calibration,
                                        unsigned numBins);

} // namespace glow

#endif // GLOW_TUNER_PRECISIONEVALUATOR_H
