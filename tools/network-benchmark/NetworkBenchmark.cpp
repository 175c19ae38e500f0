// network-benchmark: times one configuration of a model (backend, threads,
// precision flags) on random inputs and prints one JSON line. Driven by
// utils/run_benchmark.py, which builds the table; not a test.

#include "../loader/Loader.h"

#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace glow;

namespace {
const char *kTool = "network-benchmark";
/// Most runs -repeats and -warmups may ask for.
constexpr int64_t kMaxRuns = 10000000;

llvm::cl::OptionCategory category("network-benchmark options");
llvm::cl::opt<unsigned> batchSize(
    "batch-size",
    llvm::cl::desc("Batch size for inputs whose first dimension is open"),
    llvm::cl::init(1), llvm::cl::cat(category));
llvm::cl::opt<unsigned> repeats("repeats",
                                llvm::cl::desc("Timed runs (default 10)"),
                                llvm::cl::init(10), llvm::cl::cat(category));
llvm::cl::opt<unsigned>
    warmups("warmups", llvm::cl::desc("Untimed runs first (default 2)"),
            llvm::cl::init(2), llvm::cl::cat(category));
llvm::cl::opt<float> inputLow("input-low",
                              llvm::cl::desc("Random inputs are uniform in "
                                             "[input-low, input-high)"),
                              llvm::cl::init(0.f), llvm::cl::cat(category));
llvm::cl::opt<float> inputHigh("input-high", llvm::cl::init(1.f),
                               llvm::cl::cat(category));
} // namespace

int main(int argc, char **argv) {
  parseToolCommandLine(
      argc, argv, category, nullptr,
      "Time a model on random inputs: compile time, then minimum and median "
      "latency of -repeats runs, as one JSON line. With -dump-profile the "
      "runs also profile (calibration on random inputs).\n\n"
      "  network-benchmark -m=model.onnx -backend=CPU -num-threads=1 "
      "-repeats=20\n");
  exitOnError(kTool, checkRange(repeats, 1, kMaxRuns, "-repeats"));
  exitOnError(kTool, checkRange(warmups, 0, kMaxRuns, "-warmups"));
  auto types = exitOnError(kTool, resolveInputTypes(batchSize));
  auto start = std::chrono::steady_clock::now();
  CompiledModel cm = exitOnError(kTool, loadAndCompileModel(types));
  double loadSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  PlaceholderBindings bindings;
  bindings.allocate(cm.engine->getModule().getPlaceholders());
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> dist(inputLow, inputHigh);
  for (auto &[name, ty] : types) {
    auto ph = cm.loader->getInputByName(name);
    if (!ph) {
      exitOnError(kTool, ph.takeError());
    }
    Tensor *t = bindings.get(*ph);
    if (t && t->getElementType() == ElemKind::FloatTy) {
      float *p = t->getHandle<float>().data();
      for (size_t i = 0; i < t->size(); i++) {
        p[i] = dist(rng);
      }
    }
  }
  // The batch the model runs (fixed in the file, or -batch-size).
  dim_t batch = 1;
  if (!types.empty() && !types.begin()->second.dims().empty()) {
    batch = types.begin()->second.dims()[0];
  }
  std::vector<double> times;
  for (unsigned i = 0; i < warmups + repeats; i++) {
    auto t0 = std::chrono::steady_clock::now();
    exitOnError(kTool, cm.engine->run(bindings));
    auto t1 = std::chrono::steady_clock::now();
    cm.afterRun(bindings);
    if (i >= warmups) {
      times.push_back(
          std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  exitOnError(kTool, cm.finish());
  std::sort(times.begin(), times.end());
  double minMs = times.front();
  size_t mid = times.size() / 2;
  double medianMs =
      times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  llvm::outs() << "{\"backend\": \"" << loader::backendName
               << "\", \"batch\": " << batch
               << ", \"threads\": " << loader::numThreads
               << ", \"int8_nodes\": " << cm.precision.quantizedNodes
               << ", \"load_compile_s\": " << llvm::format("%.3f", loadSeconds)
               << ", \"compile_s\": " << llvm::format("%.3f", cm.compileSeconds)
               << ", \"runs\": " << times.size()
               << ", \"min_ms\": " << llvm::format("%.3f", minMs)
               << ", \"median_ms\": " << llvm::format("%.3f", medianMs)
               << "}\n";
  return 0;
}
