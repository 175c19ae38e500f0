#include "glow/Tuner/PrecisionEvaluator.h"
#include "glow/Backends/SwitchableCompiler.h"

#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Lowering/Lowering.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Quantization/Equalization.h"
#include "glow/Quantization/Profiler.h"
#include "glow/Support/Error.h"

#include <chrono>
#include <cstring>

namespace glow {

bool EvaluationSet::hasLabels() const {
  for (int l : labels) {
    if (l < 0) {
      return false;
    }
  }
  return !labels.empty();
}

namespace {

/// A model loaded into its own engine, optimized, with its placeholders.
struct LoadedModel {
  std::unique_ptr<ExecutionEngine> engine;
  Function *function{nullptr};
  Placeholder *input{nullptr}, *output{nullptr};
  uint64_t hash{0};
};

llvm::Expected<LoadedModel> loadModel(const EvaluatorSetup &s) {
  LoadedModel m;
  auto ee = ExecutionEngine::create(s.backend, s.backendOptions);
  if (!ee) {
    return ee.takeError();
  }
  m.engine = std::move(*ee);
  std::vector<dim_t> dims(s.data->images.dims().begin(),
                          s.data->images.dims().end());
  dims[0] = s.batch;
  auto loader =
      ONNXModelLoader::load(s.modelPath, m.engine->getModule(),
                            {{s.inputName, Type(ElemKind::FloatTy, dims)}});
  if (!loader) {
    return loader.takeError();
  }
  m.function = (*loader)->getFunction();
  auto in = (*loader)->getInputByName(s.inputName);
  if (!in) {
    return in.takeError();
  }
  m.input = *in;
  if ((*loader)->getOutputs().empty()) {
    return makeError("the model has no outputs");
  }
  m.output = (*loader)->getOutputs()[0].second;
  if (!m.output->getType().isFloat() || m.output->dims().size() < 2 ||
      m.output->dims()[0] != s.batch) {
    return makeError("the first model output " +
                     m.output->getType().toString() +
                     " is not a float [batch, classes] tensor");
  }
  m.hash = hashGraph(*m.function);
  if (auto err = optimizeFunction(m.function)) {
    return std::move(err);
  }
  if (s.quantization.crossLayerEqualization) {
    equalizeCrossLayerRanges(m.function);
  }
  return std::move(m);
}

/// \returns INT8 for the units set in \p int8, FP32 for the others.
std::vector<LayerPrecision> precisionsOf(const std::vector<bool> &int8) {
  std::vector<LayerPrecision> out;
  for (bool b : int8) {
    out.push_back(b ? LayerPrecision::INT8 : LayerPrecision::FP32);
  }
  return out;
}

/// Quantizes \p m with each unit's layers in \p precisions (all INT8 when
/// empty).
llvm::Error quantize(const EvaluatorSetup &s, LoadedModel &m,
                     const std::vector<LayerPrecision> &precisions) {
  PrecisionConfig config;
  config.quantization = s.quantization;
  for (size_t u = 0; u < precisions.size() && u < s.units.size(); u++) {
    for (const std::string &layer : s.units[u].layers) {
      config.layerPrecisions[layer] = precisions[u];
    }
  }
  const Backend &backend = m.engine->getBackend();
  auto report = transformForPrecisionMode(
      m.function, m.hash, s.profile, config,
      [&](const Node &n) { return isQuantizableOn(n, backend); });
  if (!report) {
    return report.takeError();
  }
  return llvm::Error::success();
}

/// Copies images [first, first + n) of \p images into the batch \p in,
/// zeroing the rest of it.
void loadBatch(const Tensor &images, Tensor &in, size_t first, size_t n) {
  size_t imageBytes = in.getSizeInBytes() / in.dims()[0];
  in.zero();
  std::memcpy(in.getUnsafePtr(), images.getUnsafePtr() + first * imageBytes,
              n * imageBytes);
}

/// Runs \p fn over the first \p count images in batches, \returns the
/// output rows.
llvm::Expected<std::vector<float>> runBatches(const EvaluatorSetup &s,
                                              CompiledFunction &fn,
                                              PlaceholderBindings &bindings,
                                              Placeholder *in, Placeholder *out,
                                              size_t count) {
  Tensor *inT = bindings.get(in);
  Tensor *outT = bindings.get(out);
  size_t classes = outT->size() / s.batch;
  std::vector<float> rows(count * classes);
  for (size_t first = 0; first < count; first += s.batch) {
    size_t n = std::min<size_t>(s.batch, count - first);
    loadBatch(s.data->images, *inT, first, n);
    if (auto err = fn.execute(bindings)) {
      return std::move(err);
    }
    std::memcpy(rows.data() + first * classes, outT->getUnsafePtr(),
                n * classes * sizeof(float));
  }
  return rows;
}

class SwitchingEvaluator final : public PrecisionEvaluator {
public:
  explicit SwitchingEvaluator(const EvaluatorSetup &s) : s_(s) {}

  llvm::Error init() {
    auto fp32 = loadModel(s_);
    if (!fp32) {
      return fp32.takeError();
    }
    auto int8 = loadModel(s_);
    if (!int8) {
      return int8.takeError();
    }
    fp32_ = std::move(*fp32);
    int8_ = std::move(*int8);
    if (auto err = quantize(s_, int8_, {})) {
      return err;
    }
    std::vector<std::vector<std::string>> units;
    for (auto &u : s_.units) {
      units.push_back(u.layers);
    }
    for (Function *F : {fp32_.function, int8_.function}) {
      if (auto err = lowerFunction(F).takeError()) {
        return err;
      }
    }
    auto start = std::chrono::steady_clock::now();
    auto compiler = getSwitchableCompiler(fp32_.engine->getBackend());
    if (!compiler) {
      return compiler.takeError();
    }
    auto fn =
        (*compiler)->compileSwitchable(*fp32_.function, *int8_.function, units);
    if (!fn) {
      return fn.takeError();
    }
    compiles_++;
    compileSeconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    fn_ = std::move(*fn);
    bindings_.allocate(fp32_.engine->getModule().getPlaceholders());
    return llvm::Error::success();
  }

  llvm::Expected<std::vector<float>> run(const std::vector<bool> &int8,
                                         size_t count) override {
    if (auto err = fn_->setInt8Units(int8)) {
      return std::move(err);
    }
    return runBatches(s_, *fn_, bindings_, fp32_.input, fp32_.output, count);
  }

  llvm::Expected<std::vector<std::vector<float>>>
  runMany(const std::vector<std::vector<bool>> &configs,
          size_t count) override {
    Tensor *inT = bindings_.get(fp32_.input);
    size_t classes = fp32_.output->getType().size() / s_.batch;
    std::vector<std::vector<float>> rows(configs.size(),
                                         std::vector<float>(count * classes));
    std::vector<Tensor> outs;
    for (size_t first = 0; first < count; first += s_.batch) {
      size_t n = std::min<size_t>(s_.batch, count - first);
      loadBatch(s_.data->images, *inT, first, n);
      if (auto err = fn_->executeConfigurations(bindings_, fp32_.output,
                                                configs, outs)) {
        return std::move(err);
      }
      for (size_t k = 0; k < configs.size(); k++) {
        std::memcpy(rows[k].data() + first * classes, outs[k].getUnsafePtr(),
                    n * classes * sizeof(float));
      }
    }
    return rows;
  }

  /// Enough to share the FP32 prefix; few enough that the checkpoint
  /// grows often.
  size_t groupSize() const override { return 8; }

private:
  const EvaluatorSetup &s_;
  LoadedModel fp32_, int8_;
  std::unique_ptr<SwitchableFunction> fn_;
  PlaceholderBindings bindings_;
};

class RecompilingEvaluator final : public PrecisionEvaluator {
public:
  explicit RecompilingEvaluator(const EvaluatorSetup &s) : s_(s) {}

  llvm::Expected<std::vector<float>> run(const std::vector<bool> &int8,
                                         size_t count) override {
    return runPrecisions(precisionsOf(int8), count);
  }

  llvm::Expected<std::vector<float>>
  runPrecisions(const std::vector<LayerPrecision> &precisions,
                size_t count) override {
    if (!model_.engine || precisions != config_) {
      if (auto err = compile(precisions)) {
        return std::move(err);
      }
    }
    return runBatches(s_, *compiled_, bindings_, model_.input, model_.output,
                      count);
  }

private:
  llvm::Error compile(const std::vector<LayerPrecision> &precisions) {
    auto start = std::chrono::steady_clock::now();
    model_ = LoadedModel();
    auto m = loadModel(s_);
    if (!m) {
      return m.takeError();
    }
    model_ = std::move(*m);
    bool any = false;
    for (LayerPrecision p : precisions) {
      any |= p != LayerPrecision::FP32;
    }
    if (any) {
      if (auto err = quantize(s_, model_, precisions)) {
        return err;
      }
    }
    if (auto err = lowerFunction(model_.function).takeError()) {
      return err;
    }
    auto fn = model_.engine->getBackend().compile(*model_.function);
    if (!fn) {
      return fn.takeError();
    }
    compiled_ = std::move(*fn);
    config_ = precisions;
    bindings_.clear();
    bindings_.allocate(model_.engine->getModule().getPlaceholders());
    compiles_++;
    compileSeconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    return llvm::Error::success();
  }

  const EvaluatorSetup &s_;
  LoadedModel model_;
  std::unique_ptr<CompiledFunction> compiled_;
  std::vector<LayerPrecision> config_;
  PlaceholderBindings bindings_;
};

} // namespace

llvm::Expected<std::vector<float>>
PrecisionEvaluator::runPrecisions(const std::vector<LayerPrecision> &precisions,
                                  size_t count) {
  std::vector<bool> int8;
  for (LayerPrecision p : precisions) {
    if (p == LayerPrecision::W4A8) {
      return makeError("this evaluator switches between FP32 and INT8 only; "
                       "w4a8 needs the recompiling one");
    }
    int8.push_back(p == LayerPrecision::INT8);
  }
  return run(int8, count);
}

llvm::Expected<std::vector<std::vector<float>>>
PrecisionEvaluator::runMany(const std::vector<std::vector<bool>> &configs,
                            size_t count) {
  std::vector<std::vector<float>> rows;
  for (const auto &config : configs) {
    auto out = run(config, count);
    if (!out) {
      return out.takeError();
    }
    rows.push_back(std::move(*out));
  }
  return rows;
}

llvm::Expected<std::unique_ptr<PrecisionEvaluator>>
createSwitchingEvaluator(const EvaluatorSetup &setup) {
  auto e = std::make_unique<SwitchingEvaluator>(setup);
  if (auto err = e->init()) {
    return std::move(err);
  }
  return std::unique_ptr<PrecisionEvaluator>(std::move(e));
}

std::unique_ptr<PrecisionEvaluator>
createRecompilingEvaluator(const EvaluatorSetup &setup) {
  return std::make_unique<RecompilingEvaluator>(setup);
}

llvm::Expected<ProfileSet> profileModel(const EvaluatorSetup &setup,
                                        const EvaluationSet &calibration,
                                        unsigned numBins) {
  EvaluatorSetup s = setup;
  s.data = &calibration;
  auto m = loadModel(s);
  if (!m) {
    return m.takeError();
  }
  auto profiler = Profiler::instrument(m->function, m->hash, numBins,
                                       s.quantization.crossLayerEqualization);
  if (auto err = lowerFunction(m->function).takeError()) {
    return std::move(err);
  }
  auto fn = m->engine->getBackend().compile(*m->function);
  if (!fn) {
    return fn.takeError();
  }
  PlaceholderBindings bindings;
  bindings.allocate(m->engine->getModule().getPlaceholders());
  Tensor *inT = bindings.get(m->input);
  for (size_t first = 0; first < calibration.count(); first += s.batch) {
    size_t n = std::min<size_t>(s.batch, calibration.count() - first);
    loadBatch(calibration.images, *inT, first, n);
    if (auto err = (*fn)->execute(bindings)) {
      return std::move(err);
    }
    profiler->record(bindings, n);
  }
  return profiler->getProfile();
}

} // namespace glow
