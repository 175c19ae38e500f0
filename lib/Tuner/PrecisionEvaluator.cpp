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

UnitPrecisions precisionsOf(const std::vector<bool> &int8) {
  UnitPrecisions out;
  for (bool b : int8) {
    out.push_back(b ? LayerPrecision::INT8 : LayerPrecision::FP32);
  }
  return out;
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
  std::vector<dim_t> dims = s.data->imageDims;
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

/// Reads the batch of images [first, first + n) into \p in, announcing
/// the batch after it (up to \p end) to the prefetcher.
llvm::Error readBatch(const EvaluationSet &data, Tensor &in, size_t first,
                      size_t n, size_t end) {
  if (data.prefetch && first + n < end) {
    data.prefetch(first + n, std::min<size_t>(n, end - first - n));
  }
  return data.read(first, n, in);
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

  llvm::Error run(const std::vector<UnitPrecisions> &configs, size_t first,
                  size_t end, const OutputSink &sink) override {
    std::vector<std::vector<bool>> int8;
    for (const UnitPrecisions &c : configs) {
      std::vector<bool> bits;
      for (LayerPrecision p : c) {
        if (p == LayerPrecision::W4A8) {
          return makeError("the switching evaluator runs FP32 and INT8 "
                           "only; w4a8 needs the recompiling one");
        }
        bits.push_back(p == LayerPrecision::INT8);
      }
      int8.push_back(std::move(bits));
    }
    Tensor *inT = bindings_.get(fp32_.input);
    std::vector<Tensor> outs;
    for (size_t at = first; at < end; at += s_.batch) {
      size_t n = std::min<size_t>(s_.batch, end - at);
      if (auto err = readBatch(*s_.data, *inT, at, n, end)) {
        return err;
      }
      if (auto err =
              fn_->executeConfigurations(bindings_, fp32_.output, int8, outs)) {
        return err;
      }
      for (size_t k = 0; k < configs.size(); k++) {
        if (auto err = sink(k, at, n, outs[k].getHandle<float>().data(),
                            outs[k].size() / s_.batch)) {
          return err;
        }
      }
    }
    return llvm::Error::success();
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

  llvm::Error run(const std::vector<UnitPrecisions> &configs, size_t first,
                  size_t end, const OutputSink &sink) override {
    for (size_t k = 0; k < configs.size(); k++) {
      if (!model_.engine || configs[k] != config_) {
        if (auto err = compile(configs[k])) {
          return err;
        }
      }
      Tensor *inT = bindings_.get(model_.input);
      Tensor *outT = bindings_.get(model_.output);
      for (size_t at = first; at < end; at += s_.batch) {
        size_t n = std::min<size_t>(s_.batch, end - at);
        if (auto err = readBatch(*s_.data, *inT, at, n, end)) {
          return err;
        }
        if (auto err = compiled_->execute(bindings_)) {
          return err;
        }
        if (auto err = sink(k, at, n, outT->getHandle<float>().data(),
                            outT->size() / s_.batch)) {
          return err;
        }
      }
    }
    return llvm::Error::success();
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
                                        unsigned numBins,
                                        std::function<void(size_t)> progress) {
  EvaluatorSetup s = setup;
  s.data = &calibration;
  // The instrumented function keeps every profiled value of the whole
  // batch (about 100 MB an image for MobileNetV2 at 224): the batch is cut
  // so that they stay within kProfileBatchBytes.
  constexpr uint64_t kProfileBatchBytes = uint64_t(256) << 20;
  llvm::Expected<LoadedModel> m = makeError("not loaded");
  std::unique_ptr<Profiler> profiler;
  for (int attempt = 0; attempt < 2; attempt++) {
    llvm::consumeError(m.takeError());
    m = loadModel(s);
    if (!m) {
      return m.takeError();
    }
    profiler = Profiler::instrument(m->function, m->hash, numBins,
                                    s.quantization.crossLayerEqualization);
    if (s.backendOptions.numThreads > 0) {
      profiler->setThreads(s.backendOptions.numThreads);
    }
    uint64_t bytes = 0;
    for (const Placeholder *p : m->engine->getModule().getPlaceholders()) {
      bytes += p->getType().getSizeInBytes();
    }
    dim_t fits = dim_t(std::max<uint64_t>(
        1, kProfileBatchBytes / std::max<uint64_t>(1, bytes / s.batch)));
    if (fits >= s.batch) {
      break;
    }
    s.batch = fits;
  }
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
  size_t count = calibration.count();
  for (size_t first = 0; first < count; first += s.batch) {
    size_t n = std::min<size_t>(s.batch, count - first);
    if (auto err = readBatch(calibration, *inT, first, n, count)) {
      return std::move(err);
    }
    if (auto err = (*fn)->execute(bindings)) {
      return std::move(err);
    }
    profiler->record(bindings, n);
    if (progress) {
      progress(first + n);
    }
  }
  return profiler->getProfile();
}

} // namespace glow
