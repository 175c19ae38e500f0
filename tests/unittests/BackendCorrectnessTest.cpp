// Every backend against the reference Interpreter: the same graph (built
// twice by one builder, or loaded twice from the reference models) runs on
// both, FP32 within a reassociation bound and INT8 bit-exact. The CPU
// backend runs with each kernel variant the host supports (generic x86-64,
// AVX2, AVX-512 VNNI) and with one and three threads, so that every code
// path of the kernel library meets the reference.

#include "glow/Backends/SwitchableCompiler.h"
#include "glow/Base/Image.h"
#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Equalization.h"
#include "glow/Quantization/Profile.h"
#include "glow/Quantization/Profiler.h"
#include "glow/Quantization/Quantizer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace glow;

namespace {

/// A backend under test: its name and options.
struct Target {
  std::string backend;
  BackendOptions options;
  std::string label;
};

/// \returns the backend configurations to check against the Interpreter:
/// each CPU kernel variant on one thread, and the widest on three (an odd
/// count, so that work splits unevenly); OpenCL on its default device.
std::vector<Target> targets() {
  std::vector<Target> out;
  for (auto [variant, threads] :
       {std::pair<const char *, unsigned>{"generic", 1},
        {"avx2", 1},
        {"avx512", 1},
        {"avx512", 3}}) {
    Target t;
    t.backend = "CPU";
    t.options.settings["cpu-kernels"] = variant;
    t.options.numThreads = threads;
    t.label = std::string("CPU_") + variant + "_" + std::to_string(threads) +
              "threads";
    out.push_back(t);
  }
  Target ocl;
  ocl.backend = "OpenCL";
  ocl.label = "OpenCL";
  out.push_back(ocl);
  return out;
}

/// Interpreter results, computed once per test program and shared by the
/// targets.
template <class Key>
Tensor &referenceFor(const Key &key, const std::function<Tensor()> &make) {
  static std::map<Key, Tensor> cache;
  auto it = cache.find(key);
  if (it == cache.end()) {
    it = cache.emplace(key, make()).first;
  }
  return it->second;
}

/// Precision of a run: FP32, or INT8 with a quantization schema.
struct Precision {
  bool int8{false};
  QuantizationSchema schema{QuantizationSchema::Asymmetric};
  bool channelwise{false};
  bool biasCorrection{false};
  /// Cross-layer equalization before profiling and quantizing (applied to
  /// FP32 runs too).
  bool cle{false};
  std::vector<std::string> keepLayers;
};

using Builder = std::function<NodeValue(Function *F, Placeholder *in)>;

/// Checks that \p got equals \p want: exactly for INT8 runs, else within
/// 1e-5 relative to the larger of the element and the output's largest
/// magnitude (summation order differs between the backends, and the
/// rounding error of a sum scales with its terms, i.e. with the outputs).
void expectClose(const Tensor &want, const Tensor &got, bool exact,
                 const std::string &what) {
  ASSERT_EQ(want.getType(), got.getType()) << what;
  double scale = 0;
  for (size_t i = 0; i < want.size(); i++) {
    scale = std::max(scale, std::fabs(want.getAsDouble(i)));
  }
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); i++) {
    double w = want.getAsDouble(i), g = got.getAsDouble(i);
    double tol = exact ? 0.0 : 1e-5 * (std::fabs(w) + scale);
    if (!(std::fabs(w - g) <= tol) && bad++ < 5) {
      ADD_FAILURE() << what << ": element " << i << " is " << g
                    << ", the Interpreter says " << w << " (tolerance " << tol
                    << ")";
    }
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << want.size()
                     << " elements differ";
}

/// Builds the graph of \p build on \p backend, optimizes it, applies
/// \p precision (with \p profile) and \returns the output for \p input.
Tensor runGraph(const std::string &backend, const BackendOptions &opts,
                const Builder &build, const Tensor &input,
                const Precision &precision, const ProfileSet *profile,
                ProfileSet *profileOut = nullptr) {
  auto ee = ExecutionEngine::create(backend, opts);
  EXPECT_TRUE(bool(ee)) << llvm::toString(ee.takeError());
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  Placeholder *in = M.createPlaceholder(input.getType(), "input");
  NodeValue out = build(F, in);
  Placeholder *result = F->createSave("result", out)->getPlaceholder();
  uint64_t hash = hashGraph(*F);
  llvm::Error err = optimizeFunction(F);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  if (precision.cle) {
    equalizeCrossLayerRanges(F);
  }
  std::unique_ptr<Profiler> profiler;
  if (profileOut) {
    profiler = Profiler::instrument(F, hash, 64, precision.cle);
  }
  if (precision.int8 && profile) {
    PrecisionConfig config;
    config.quantization.schema = precision.schema;
    config.quantization.channelwise = precision.channelwise;
    config.quantization.biasCorrection = precision.biasCorrection;
    config.quantization.crossLayerEqualization = precision.cle;
    config.keepLayers = precision.keepLayers;
    // Every kind in these graphs has an INT8 form (lookup tables included).
    config.assertAllNodesQuantized = true;
    auto report = transformForPrecisionMode(F, hash, *profile, config,
                                            [](const Node &) { return true; });
    EXPECT_TRUE(bool(report)) << llvm::toString(report.takeError());
  }
  err = (*ee)->compile(F);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  PlaceholderBindings bindings;
  bindings.allocate(M.getPlaceholders());
  *bindings.get(in) = input.clone();
  err = (*ee)->run(bindings);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  if (profiler) {
    profiler->record(bindings);
    *profileOut = profiler->getProfile();
  }
  return bindings.get(result)->clone();
}

/// A float tensor of \p dims with values uniform in [lo, hi).
Tensor randomTensor(llvm::ArrayRef<dim_t> dims, unsigned seed, float lo = -1,
                    float hi = 1) {
  Tensor t(ElemKind::FloatTy, dims);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  auto h = t.getHandle<float>();
  for (size_t i = 0; i < t.size(); i++) {
    h.raw(i) = dist(rng);
  }
  return t;
}

/// Convenience builders for the cases below; weights are seeded from the
/// node name so both copies of a graph get the same values.
struct Net {
  Function *F;
  unsigned seed{7};

  Constant *weights(llvm::StringRef name, llvm::ArrayRef<dim_t> dims,
                    float amplitude) {
    return F->getParent().createConstant(
        name, randomTensor(dims, seed++, -amplitude, amplitude));
  }
  NodeValue conv(NodeValue x, dim_t out, unsigned k, unsigned stride,
                 unsigned pad, unsigned group = 1, unsigned dilation = 1,
                 bool relu = true) {
    dim_t c = x.dims()[1];
    std::string name = "conv" + std::to_string(seed);
    float amp = 1.5f / std::sqrt(float(c / group * k * k));
    Constant *w = weights(name + ".w", {out, c / group, k, k}, amp);
    Constant *b = weights(name + ".b", {out}, 0.2f);
    NodeValue y =
        F->createConv(name, x, w, b, {k, k}, {stride, stride},
                      {pad, pad, pad, pad}, group, {dilation, dilation});
    return relu ? F->createRelu(name + ".relu", y) : y;
  }
  NodeValue fc(NodeValue x, dim_t out) {
    dim_t k = x.getType().size() / x.dims()[0];
    std::string name = "fc" + std::to_string(seed);
    Constant *w = weights(name + ".w", {k, out}, 1.f / std::sqrt(float(k)));
    Constant *b = weights(name + ".b", {out}, 0.2f);
    return F->createFullyConnected(name, x, w, b);
  }
};

/// One graph to check: its input shape and builder.
struct Case {
  std::string name;
  std::vector<dim_t> inputDims;
  Builder build;
  /// Layers that INT8 runs keep in FP32 (with a Dequantize before and a
  /// Quantize after them).
  std::vector<std::string> keepFP32 = {};
};

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"conv3x3Relu", {1, 16, 8, 8}, [](Function *F, Placeholder *in) {
                 return Net{F}.conv(in, 32, 3, 1, 1);
               }});
  c.push_back({"firstLayerRGB7x7Stride2MaxPool",
               {2, 3, 20, 20},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue y = n.conv(in, 16, 7, 2, 3);
                 return NodeValue(
                     F->createMaxPool("pool", y, {3, 3}, {2, 2}, {1, 1, 1, 1}));
               }});
  c.push_back({"oddChannels5x5NoRelu",
               {1, 24, 9, 11},
               [](Function *F, Placeholder *in) {
                 return Net{F}.conv(in, 20, 5, 1, 2, 1, 1, false);
               }});
  c.push_back(
      {"residualBlockToFC", {3, 8, 12, 12}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue a = n.conv(in, 16, 3, 1, 1);
         NodeValue b = n.conv(a, 32, 3, 2, 1, 1, 1, false);
         NodeValue d = n.conv(a, 32, 1, 2, 0, 1, 1, false);
         NodeValue s = F->createRelu(
             "sum.relu", F->createArithmetic(Node::Kind::AddKind, "sum", b, d));
         NodeValue e = n.conv(s, 32, 1, 1, 0);
         NodeValue g =
             F->createAvgPool("gap", e, {6, 6}, {1, 1}, {0, 0, 0, 0}, false);
         return n.fc(g, 10);
       }});
  c.push_back(
      {"depthwiseChain", {1, 8, 10, 10}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue a = n.conv(in, 24, 1, 1, 0);
         NodeValue d = n.conv(a, 24, 3, 2, 1, 24);
         return n.conv(d, 16, 1, 1, 0, 1, 1, false);
       }});
  // ShuffleNet V2's unit: a Concat, the channel shuffle (Reshape,
  // Transpose, Reshape: whole planes move, one run each, split at odd
  // places between threads) and the Slices of the next unit. Branches of
  // 10 channels: a thread's share of the 20 planes ends inside one; of 20:
  // the 1x1 convolution after the Slice packs a plain int8 input of two
  // blocks, the second partly empty, from rows shorter than 16 pixels (7x9)
  // or longer but not a multiple of 16 (5x19).
  auto shuffleUnit = [](dim_t branch) {
    return [branch](Function *F, Placeholder *in) {
      Net n{F};
      dim_t H = in->dims()[2], W = in->dims()[3];
      NodeValue a = n.conv(in, branch, 1, 1, 0);
      NodeValue b = n.conv(n.conv(a, branch, 3, 1, 1, branch), branch, 1, 1, 0);
      NodeValue cat = F->createConcat("cat", {a, b}, 1);
      NodeValue r = F->createReshape("shuffle.in", cat, {1, 2, branch, H, W});
      NodeValue t = F->createTranspose("shuffle", r, {0, 2, 1, 3, 4});
      NodeValue s = F->createReshape("shuffle.out", t, {1, 2 * branch, H, W});
      NodeValue lo = F->createSlice("lo", s, {0, 0, 0, 0}, {1, 1, 1, 1},
                                    {1, branch, H, W});
      NodeValue hi = F->createSlice("hi", s, {0, branch, 0, 0}, {1, 1, 1, 1},
                                    {1, branch, H, W});
      NodeValue h = n.conv(hi, branch, 1, 1, 0);
      return NodeValue(F->createConcat("cat2", {lo, h}, 1));
    };
  };
  c.push_back({"channelShuffle", {1, 6, 7, 9}, shuffleUnit(10)});
  c.push_back({"channelShuffle40", {1, 6, 7, 9}, shuffleUnit(20)});
  c.push_back({"channelShuffle40Wide", {1, 6, 5, 19}, shuffleUnit(20)});
  // Depthwise 5x5 and 7x3 (two groups of four taps a row, the second
  // partly empty), rows whose width is not a multiple of four pixels, and
  // 20 channels (the second block partly empty).
  c.push_back({"depthwiseWideKernels",
               {1, 20, 13, 11},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue a = n.conv(in, 20, 5, 1, 2, 20);
                 NodeValue b = n.conv(a, 20, 3, 2, 1, 20);
                 dim_t c = b.dims()[1];
                 Constant *w = n.weights("dw73.w", {c, 1, 7, 3}, 0.3f);
                 Constant *bias = n.weights("dw73.b", {c}, 0.2f);
                 NodeValue d = F->createConv("dw73", b, w, bias, {7, 3}, {1, 2},
                                             {3, 1, 3, 1}, unsigned(c), {1, 1});
                 return n.conv(d, 8, 1, 1, 0, 1, 1, false);
               }});
  // A depthwise filter with channels whose weights are all positive: with
  // channelwise parameters their filter offset is -128, which the CPU
  // kernel cannot negate into an int8 (it sums those blocks' windows
  // apart); the other blocks fold their offsets into the dot products.
  c.push_back({"depthwisePositiveChannels",
               {1, 32, 9, 10},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 Tensor wt = randomTensor({32, 1, 3, 3}, 11, -0.4f, 0.4f);
                 auto h = wt.getHandle<float>();
                 for (dim_t c : {dim_t(3), dim_t(17)}) {
                   for (dim_t i = 0; i < 9; i++) {
                     h.raw(c * 9 + i) = std::abs(h.raw(c * 9 + i)) + 0.05f;
                   }
                 }
                 Constant *w =
                     F->getParent().createConstant("dwpos.w", std::move(wt));
                 Constant *b = n.weights("dwpos.b", {32}, 0.2f);
                 NodeValue d = F->createConv("dwpos", in, w, b, {3, 3}, {1, 1},
                                             {1, 1, 1, 1}, 32, {1, 1});
                 return n.conv(d, 16, 1, 1, 0);
               }});
  c.push_back(
      {"dilatedAndGrouped", {1, 12, 11, 11}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue a = n.conv(in, 16, 3, 1, 2, 1, 2);
         return n.conv(a, 16, 3, 1, 1, 2);
       }});
  // Grouped convolutions as ResNeXt and RegNet have them, each way the
  // blocked kernels read them: 8 groups of 4 (4 groups an output block,
  // stride 2), 3 groups of 16 (one block each), 2 groups of 32 (two output
  // blocks a group), inputs twice as wide as outputs (16 -> 8 a group),
  // three groups of 8 (the last block half full), and 6 channels a group
  // (the plain kernel).
  c.push_back({"groupedLikeResNeXtAndRegNet",
               {2, 16, 9, 9},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue a = n.conv(in, 32, 1, 1, 0);
                 NodeValue b = n.conv(a, 32, 3, 2, 1, 8);
                 NodeValue d = n.conv(n.conv(b, 48, 1, 1, 0), 48, 3, 1, 1, 3);
                 NodeValue e = n.conv(n.conv(d, 64, 1, 1, 0), 64, 3, 1, 1, 2);
                 NodeValue f = n.conv(e, 32, 3, 1, 1, 2);
                 NodeValue g = n.conv(n.conv(f, 24, 1, 1, 0), 24, 3, 1, 1, 3);
                 return n.conv(g, 12, 3, 1, 1, 2, 1, false);
               }});
  // A dense block as DenseNet has them: each layer (Relu, 1x1 and 3x3
  // convolutions) reads the concatenation of all before it, so its layers
  // differ only in their input channels (20, 28, 36: partial blocks). The
  // CPU backend compiles one kernel for all of them, with the channel
  // counts as run-time arguments; a count taken from the wrong layer gives
  // wrong results here. Two pools of different widths share a kernel the
  // same way.
  // 1x1 convolutions of stride 1 on int8 blocks pack their own rows in
  // INT8 (libjit_conv_1x1_rows_i8): a partial input block (24 channels),
  // an odd number of output blocks (40 channels: a pair and a single), a
  // residual Add after one, 5 rows shared by 1 or 3 threads, a wide row
  // (19 pixels: a full tile and a partial one), and a 1x1 convolution that
  // keeps the separate packing (stride 2) beside them.
  c.push_back({"pointwiseConvsPackTheirRows",
               {1, 8, 5, 19},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue a = n.conv(in, 24, 3, 1, 1);
                 NodeValue b = n.conv(a, 40, 1, 1, 0);
                 NodeValue c = n.conv(b, 24, 1, 1, 0, 1, 1, false);
                 NodeValue sum =
                     F->createArithmetic(Node::Kind::AddKind, "residual", c, a);
                 NodeValue d = n.conv(sum, 48, 1, 1, 0);
                 NodeValue e = n.conv(d, 16, 1, 2, 0);
                 return n.conv(e, 8, 1, 1, 0, 1, 1, false);
               }});
  c.push_back({"denseBlockSharesKernels",
               {1, 20, 9, 9},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue x = in;
                 for (int layer = 0; layer < 3; layer++) {
                   std::string name = "dense" + std::to_string(layer);
                   NodeValue a = F->createRelu(name + ".relu", x);
                   NodeValue y = n.conv(n.conv(a, 24, 1, 1, 0), 8, 3, 1, 1);
                   x = F->createConcat(name + ".cat", {x, y}, 1);
                 }
                 NodeValue p = F->createMaxPool("pool.a", x, {3, 3}, {2, 2},
                                                {1, 1, 1, 1});
                 NodeValue q =
                     F->createMaxPool("pool.b", n.conv(p, 16, 1, 1, 0), {3, 3},
                                      {2, 2}, {1, 1, 1, 1});
                 return n.conv(q, 8, 1, 1, 0, 1, 1, false);
               }});
  // Concats the CPU backend makes without a copy (one image, channel counts
  // multiple of 16: the inputs' blocked buffers lie back to back in the
  // result; in INT8 the quantizer gives a Concat's operands its scale): a
  // fire module (SqueezeNet), a dense block whose Concats each extend the
  // last (DenseNet: BatchNorm and Relu between them, the BatchNorm blocked
  // in FP32 and a channelwise depthwise 1x1 convolution in INT8), inputs
  // also read after their Concat, and the Concats that must still copy (a
  // 20-channel input that is not last, one value twice).
  c.push_back(
      {"concatsInPlace", {1, 16, 8, 8}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue s = n.conv(in, 16, 1, 1, 0);
         NodeValue fire = F->createConcat(
             "fire", {n.conv(s, 32, 1, 1, 0), n.conv(s, 16, 3, 1, 1)}, 1);
         NodeValue x = fire;
         for (int layer = 0; layer < 2; layer++) {
           std::string name = "dense" + std::to_string(layer);
           dim_t c = x.dims()[1];
           Constant *var = F->getParent().createConstant(
               name + ".var", randomTensor({c}, 40 + layer, 0.5f, 2));
           NodeValue bn = F->createBatchNormalization(
               name + ".bn", x, n.weights(name + ".gamma", {c}, 1.f),
               n.weights(name + ".beta", {c}, 0.5f),
               n.weights(name + ".mean", {c}, 0.3f), var, 1e-5f);
           NodeValue a = F->createRelu(name + ".relu", bn);
           NodeValue y = n.conv(n.conv(a, 32, 1, 1, 0), 16, 3, 1, 1);
           x = F->createConcat(name + ".cat", {x, y}, 1);
         }
         NodeValue odd = n.conv(x, 20, 1, 1, 0);
         NodeValue copied = F->createConcat(
             "copied", {odd, n.conv(fire, 16, 3, 1, 1), odd}, 1);
         NodeValue last =
             F->createConcat("last", {n.conv(copied, 16, 1, 1, 0), x}, 1);
         return n.conv(last, 8, 1, 1, 0, 1, 1, false);
       }});
  c.push_back({"averagePoolPaddedThenFlattenFC",
               {2, 16, 7, 7},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue a = n.conv(in, 16, 3, 1, 1);
                 NodeValue p = F->createAvgPool("avg", a, {3, 3}, {2, 2},
                                                {1, 1, 1, 1}, true);
                 return n.fc(p, 7);
               }});
  // Squeeze-excitation as MobileNetV3/EfficientNet have it: global average
  // pool, two 1x1 convolutions, a Sigmoid gate broadcast and multiplied in,
  // then HardSwish and Tanh; in INT8 the Sigmoid, HardSwish and Tanh are
  // lookup tables.
  c.push_back(
      {"squeezeExcitationWithTables",
       {2, 8, 6, 6},
       [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue a = n.conv(in, 16, 3, 1, 1);
         NodeValue g = F->createAvgPool("se.pool", a, {6, 6}, {1, 1},
                                        {0, 0, 0, 0}, false);
         NodeValue s = n.conv(g, 8, 1, 1, 0);
         NodeValue e = n.conv(s, 16, 1, 1, 0, 1, 1, false);
         NodeValue gate = F->createBroadcast(
             "se.gate.broadcast",
             F->createUnary(Node::Kind::SigmoidKind, "se.gate", e), a.dims());
         NodeValue m =
             F->createArithmetic(Node::Kind::MulKind, "se.scale", a, gate);
         NodeValue h = F->createUnary(Node::Kind::HardSwishKind, "hswish", m);
         NodeValue t = F->createUnary(Node::Kind::TanhKind, "tanh",
                                      n.conv(h, 12, 3, 2, 1, 1, 1, false));
         return n.conv(t, 10, 1, 1, 0, 1, 1, false);
       }});
  // SiLU as ONNX exports it, x * Sigmoid(x), with the gate on either side,
  // after a dense and a depthwise convolution and a MaxPool (the CPU
  // backend makes each one pass: x * sigmoid(x) in FP32, one table of the
  // composite code map in INT8), and a Sigmoid that a second node reads
  // too, which stays apart.
  c.push_back(
      {"siluGates", {1, 6, 7, 9}, [](Function *F, Placeholder *in) {
         Net n{F};
         auto sigmoid = [&](const char *name, NodeValue x) {
           return NodeValue(F->createUnary(Node::Kind::SigmoidKind, name, x));
         };
         auto mul = [&](const char *name, NodeValue a, NodeValue b) {
           return NodeValue(
               F->createArithmetic(Node::Kind::MulKind, name, a, b));
         };
         NodeValue a = n.conv(in, 16, 3, 1, 1, 1, 1, false);
         NodeValue s1 = mul("silu1", a, sigmoid("silu1.gate", a));
         NodeValue d = n.conv(s1, 16, 3, 1, 1, 16, 1, false);
         NodeValue s2 = mul("silu2", sigmoid("silu2.gate", d), d);
         NodeValue b = n.conv(s2, 20, 1, 1, 0, 1, 1, false);
         NodeValue p =
             F->createMaxPool("pool", b, {3, 3}, {1, 1}, {1, 1, 1, 1});
         NodeValue s3 = mul("silu3", p, sigmoid("silu3.gate", p));
         NodeValue g = sigmoid("shared.gate", s3);
         NodeValue s4 = F->createArithmetic(Node::Kind::AddKind, "shared.sum",
                                            mul("silu4", s3, g), g);
         return n.conv(s4, 8, 1, 1, 0, 1, 1, false);
       }});
  // INT8 Resize (nearest x2, then linear down to 9x9: one INT8 MatMul per
  // axis) and reductions (ReduceMean over channels broadcast back and
  // added, ReduceMax over the plane: INT8 pools).
  c.push_back(
      {"resizeAndReductions", {2, 8, 6, 6}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue a = n.conv(in, 16, 3, 1, 1);
         auto resize = [&](const char *name, NodeValue x, float scale,
                           ResizeNode::Interpolation mode) {
           ResizeNode::Options o;
           o.interpolation = mode;
           auto d = x.dims();
           std::vector<dim_t> out = {d[0], d[1], dim_t(d[2] * scale),
                                     dim_t(d[3] * scale)};
           return NodeValue(F->addNode(std::make_unique<ResizeNode>(
               name, Type::newShape(x.getType(), out), x,
               std::vector<float>{1, 1, scale, scale}, o)));
         };
         NodeValue up =
             resize("up", a, 2.f, ResizeNode::Interpolation::Nearest);
         NodeValue lin =
             resize("down", up, 0.75f, ResizeNode::Interpolation::Linear);
         auto d = lin.dims();
         NodeValue mean = F->addNode(std::make_unique<ReduceNode>(
             "mean", Type::newShape(lin.getType(), {d[0], 1, d[2], d[3]}), lin,
             ReduceNode::Mode::Mean, std::vector<unsigned>{1}, true));
         NodeValue s =
             F->createArithmetic(Node::Kind::AddKind, "add", lin,
                                 F->createBroadcast("mean.broadcast", mean, d));
         NodeValue mx = F->addNode(std::make_unique<ReduceNode>(
             "max", Type::newShape(s.getType(), {d[0], d[1], 1, 1}), s,
             ReduceNode::Mode::Max, std::vector<unsigned>{2, 3}, true));
         return n.fc(mx, 10);
       }});
  // The mean of each plane (x.mean([2, 3]) of MnasNet and ShuffleNetV2,
  // ReduceMean without keepdims) of 20 channels, a partial block: one pool
  // of the plane, on the CPU backend read in the blocked layout.
  // NCHW -> NHWC of a convolution's blocked result (ConvNeXt's layout
  // change; the CPU backend copies the blocks' lanes per pixel), 20
  // channels (a whole block and a cut one), then NHWC -> NCHW back into a
  // residual Add and a convolution (the CPU backend writes it blocked from
  // the pixels' channels).
  c.push_back({"transposeToChannelsLast",
               {1, 6, 5, 7},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue y = n.conv(in, 20, 3, 1, 1);
                 NodeValue t = F->createTranspose("nhwc", y, {0, 2, 3, 1});
                 NodeValue h = F->createUnary(Node::Kind::TanhKind, "tanh", t);
                 NodeValue b = F->createTranspose("nchw", h, {0, 3, 1, 2});
                 return n.conv(
                     F->createArithmetic(Node::Kind::AddKind, "residual", b, y),
                     8, 1, 1, 0, 1, 1, false);
               }});
  // A FullyConnected and a MatMul by constant weights over many rows (the
  // CPU backend's register tiles of six rows: 13 = 6 + 6 + 1; 40 and 20
  // outputs: whole and cut output blocks, pairs and single blocks).
  c.push_back(
      {"fullyConnectedManyRows", {13, 24}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue h = F->createRelu("fc.relu", n.fc(in, 40));
         return NodeValue(
             F->createMatMul("mm", h, n.weights("mm.w", {40, 20}, 0.3f)));
       }});
  c.push_back({"planeMeanWithoutKeepdims",
               {2, 8, 7, 5},
               [](Function *F, Placeholder *in) {
                 Net n{F};
                 NodeValue a = n.conv(in, 20, 3, 1, 1);
                 NodeValue mean = F->addNode(std::make_unique<ReduceNode>(
                     "mean", Type::newShape(a.getType(), {2, 20}), a,
                     ReduceNode::Mode::Mean, std::vector<unsigned>{2, 3},
                     false));
                 return n.fc(mean, 10);
               }});
  // Three identical residual blocks: in FP32 the CPU backend runs them as
  // one loop over a repeating sequence of calls (LLVMIRGen's periodic runs).
  c.push_back(
      {"repeatedBlocks", {2, 16, 8, 8}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue x = in;
         for (int b = 0; b < 3; b++) {
           NodeValue a = n.conv(x, 16, 3, 1, 1);
           NodeValue c = n.conv(a, 16, 3, 1, 1, 1, 1, false);
           x = F->createRelu(
               "block.relu",
               F->createArithmetic(Node::Kind::AddKind, "block.add", c, x));
         }
         return n.fc(x, 10);
       }});
  // Matrix products wider than one 16-column block, with a partial block
  // (37 columns) and a whole one (32), on 6 rows (a partial block of 4).
  c.push_back(
      {"wideFullyConnectedChain", {6, 40}, [](Function *F, Placeholder *in) {
         Net n{F};
         NodeValue a = F->createRelu("fc.relu", n.fc(in, 37));
         return n.fc(a, 32);
       }});
  // Element-wise chains of one input: GELU as PyTorch exports it, its Div
  // kept in FP32 (Dequantize, Div, Quantize, then the INT8 Erf, Add, Mul,
  // Mul); an affine map and a Relu of a convolution whose result a second
  // convolution reads too (the chain stops there); a Tanh and a diamond of
  // it added to its input; the sum of two activations, which is no chain.
  // The CPU backend computes each chain as one table (FusionPlan::codeMaps)
  // in INT8; 20 channels: a whole block and a cut one; 2 images.
  c.push_back(
      {"elementwiseChainsOfOneInput",
       {2, 6, 7, 9},
       [](Function *F, Placeholder *in) {
         Net n{F};
         auto scalar = [&](const char *name, float v, NodeValue like) {
           Tensor t(ElemKind::FloatTy, {1});
           t.getHandle<float>().raw(0) = v;
           return NodeValue(F->createBroadcast(
               std::string(name) + ".broadcast",
               F->getParent().createConstant(name, std::move(t)), like.dims()));
         };
         auto op = [&](Node::Kind k, const char *name, NodeValue a,
                       NodeValue b) {
           return NodeValue(F->createArithmetic(k, name, a, b));
         };
         NodeValue a = n.conv(in, 20, 3, 1, 1, 1, 1, false);
         NodeValue d = op(Node::Kind::DivKind, "gelu.div", a,
                          scalar("sqrt2", 1.41421356f, a));
         NodeValue e = F->createUnary(Node::Kind::ErfKind, "erf", d);
         NodeValue m =
             op(Node::Kind::MulKind, "gelu.mul", a,
                op(Node::Kind::AddKind, "gelu.add", e, scalar("one", 1, a)));
         NodeValue g =
             op(Node::Kind::MulKind, "gelu", scalar("half", 0.5f, a), m);
         NodeValue h = n.conv(g, 20, 1, 1, 0, 1, 1, false);
         NodeValue s = F->createRelu(
             "affine.relu",
             op(Node::Kind::AddKind, "affine.add",
                op(Node::Kind::MulKind, "affine.mul", h, scalar("k", 1.5f, h)),
                scalar("b", -0.25f, h)));
         NodeValue k = n.conv(s, 20, 1, 1, 0, 1, 1, false);
         NodeValue t = F->createUnary(Node::Kind::TanhKind, "tanh", s);
         NodeValue u =
             op(Node::Kind::AddKind, "twice.plus",
                op(Node::Kind::MulKind, "twice", t, scalar("two", 2, t)), t);
         NodeValue w = op(Node::Kind::AddKind, "plus.input", u, s);
         NodeValue y = op(Node::Kind::AddKind, "two.sources", w, k);
         return n.conv(y, 8, 1, 1, 0, 1, 1, false);
       },
       {"gelu.div"}});
  return c;
}

std::vector<Precision> precisions() {
  std::vector<Precision> p(5);
  p[1].int8 = true;
  p[2].int8 = true;
  p[2].schema = QuantizationSchema::Symmetric;
  p[3].int8 = true;
  p[3].channelwise = true;
  p[4].int8 = true;
  p[4].schema = QuantizationSchema::SymmetricWithUInt8;
  return p;
}

std::string precisionName(const Precision &p) {
  if (!p.int8) {
    return "FP32";
  }
  std::string s = p.schema == QuantizationSchema::Asymmetric  ? "INT8asym"
                  : p.schema == QuantizationSchema::Symmetric ? "INT8sym"
                                                              : "INT8symUInt8";
  return s + (p.channelwise ? "Channelwise" : "");
}

class BackendCorrectnessTest : public ::testing::TestWithParam<Target> {
protected:
  void SetUp() override {
    auto backend = createBackend(GetParam().backend, GetParam().options);
    if (!backend) {
      std::string msg = llvm::toString(backend.takeError());
      GTEST_SKIP() << msg;
    }
  }
};

} // namespace

TEST_P(BackendCorrectnessTest, graphsAgreeWithTheInterpreter) {
  const Target &t = GetParam();
  for (const Case &c : cases()) {
    Tensor input = randomTensor(c.inputDims, 99);
    static std::map<std::string, ProfileSet> profiles;
    ProfileSet &profile = profiles[c.name];
    const Tensor &fp32 = referenceFor(c.name, [&] {
      return runGraph("Interpreter", {}, c.build, input, {}, nullptr, &profile);
    });
    for (Precision p : precisions()) {
      p.keepLayers.insert(p.keepLayers.end(), c.keepFP32.begin(),
                          c.keepFP32.end());
      std::string what = c.name + " " + precisionName(p) + " on " + t.label;
      const Tensor &want = referenceFor(c.name + precisionName(p), [&] {
        return runGraph("Interpreter", {}, c.build, input, p, &profile);
      });
      if (p.int8) {
        // INT8 stays near FP32 (a wrong scale in an INT8 form, a lowered
        // kind's included, gives a distance of order 1).
        double diff = 0, norm = 0;
        for (size_t i = 0; i < fp32.size(); i++) {
          double d = want.getAsDouble(i) - fp32.getAsDouble(i);
          diff += d * d;
          norm += fp32.getAsDouble(i) * fp32.getAsDouble(i);
        }
        EXPECT_LT(std::sqrt(diff / std::max(norm, 1e-30)), 0.1)
            << what << ": the Interpreter's INT8 output is far from FP32";
      }
      Tensor got = runGraph(t.backend, t.options, c.build, input, p, &profile);
      expectClose(want, got, p.int8, what);
    }
  }
}

namespace {
const std::string kModels = GLOW_TEST_MODELS;
const std::string kImages = std::string(GLOW_TEST_IMAGES) + "/fashion";

/// \returns the first \p count sample images as one batch, pre-processed
/// as the reference models expect.
Tensor sampleBatch(unsigned count) {
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(kImages, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) == ".png") {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  files.resize(std::min<size_t>(files.size(), count));
  Tensor batch(ElemKind::FloatTy, {dim_t(files.size()), 1, 28, 28});
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to1;
  pp.mean = {0.286f * 255.f};
  pp.stddev = {0.353f};
  for (size_t i = 0; i < files.size(); i++) {
    auto img = readPngImage(files[i]);
    EXPECT_TRUE(bool(img)) << llvm::toString(img.takeError());
    llvm::Error err = writeImageToBatch(*img, pp, batch, i);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  }
  return batch;
}

/// Runs reference model \p model on \p backend with \p precision.
Tensor runModel(const std::string &model, const std::string &backend,
                const BackendOptions &opts, const Tensor &batch,
                const Precision &precision, const ProfileSet *profile,
                ProfileSet *profileOut = nullptr) {
  auto ee = ExecutionEngine::create(backend, opts);
  EXPECT_TRUE(bool(ee));
  auto loader =
      ONNXModelLoader::load(kModels + "/" + model + ".onnx", (*ee)->getModule(),
                            {{"input", batch.getType()}});
  EXPECT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  Function *F = (*loader)->getFunction();
  Placeholder *in = (*loader)->getInputs()[0].second;
  Placeholder *out = (*loader)->getOutputs()[0].second;
  uint64_t hash = hashGraph(*F);
  llvm::Error err = optimizeFunction(F);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  std::unique_ptr<Profiler> profiler;
  if (profileOut) {
    profiler = Profiler::instrument(F, hash, 64);
  }
  if (precision.int8) {
    PrecisionConfig config;
    config.keepLayers = precision.keepLayers;
    config.quantization.channelwise = precision.channelwise;
    auto report = transformForPrecisionMode(F, hash, *profile, config,
                                            [](const Node &) { return true; });
    EXPECT_TRUE(bool(report)) << llvm::toString(report.takeError());
  }
  err = (*ee)->compile(F);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  PlaceholderBindings bindings;
  bindings.allocate((*ee)->getModule().getPlaceholders());
  *bindings.get(in) = batch.clone();
  err = (*ee)->run(bindings);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  if (profiler) {
    profiler->record(bindings);
    *profileOut = profiler->getProfile();
  }
  return bindings.get(out)->clone();
}
} // namespace

// Bias correction targets the mean error of each output channel that
// quantizing the weights causes: on the Interpreter, the mean over the
// channels of |mean INT8 output - mean FP32 output| must shrink with it
// (per-tensor weights, where the errors are largest: depthwise and
// grouped filters of very different ranges).
TEST(BiasCorrectionTest, reducesTheMeanErrorOfEachOutputChannel) {
  for (const char *name : {"depthwiseChain", "dilatedAndGrouped"}) {
    const Case *c = nullptr;
    static std::vector<Case> all = cases();
    for (const Case &k : all) {
      c = k.name == name ? &k : c;
    }
    ASSERT_NE(c, nullptr) << name;
    Tensor input = randomTensor(c->inputDims, 5, 0.f, 1.f);
    ProfileSet profile;
    Tensor fp32 =
        runGraph("Interpreter", {}, c->build, input, {}, nullptr, &profile);
    auto channelError = [&](bool correct) {
      Precision p;
      p.int8 = true;
      p.schema = QuantizationSchema::Symmetric;
      p.biasCorrection = correct;
      Tensor q = runGraph("Interpreter", {}, c->build, input, p, &profile);
      auto d = fp32.dims();
      size_t C = d[1], inner = fp32.size() / (d[0] * C);
      double total = 0;
      for (size_t ch = 0; ch < C; ch++) {
        double err = 0;
        for (dim_t n = 0; n < d[0]; n++) {
          for (size_t i = 0; i < inner; i++) {
            size_t at = (n * C + ch) * inner + i;
            err += q.getAsDouble(at) - fp32.getAsDouble(at);
          }
        }
        total += std::fabs(err / (d[0] * inner));
      }
      return total / C;
    };
    double plain = channelError(false), corrected = channelError(true);
    std::printf("%s: mean |channel mean error| %.5f without, %.5f with bias "
                "correction\n",
                name, plain, corrected);
    EXPECT_LT(corrected, plain) << name;
  }
}

namespace {
/// A convolution of \p x to \p out channels whose output channel i has
/// its weights and bias scaled by e^u, u uniform in [-3, 3]: the spread of
/// per-channel ranges that BatchNorm folding leaves and that per-tensor
/// INT8 weights represent badly.
NodeValue spreadConv(Function *F, NodeValue x, dim_t out, unsigned k,
                     unsigned group, unsigned seed) {
  dim_t c = x.dims()[1];
  std::string name = "spread" + std::to_string(seed);
  float amp = 1.5f / std::sqrt(float(c / group * k * k));
  Tensor w = randomTensor({out, c / group, k, k}, seed, -amp, amp);
  Tensor b = randomTensor({out}, seed + 100, -0.2f, 0.2f);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-3.f, 3.f);
  size_t per = w.size() / out;
  for (dim_t o = 0; o < out; o++) {
    float s = std::exp(u(rng));
    for (size_t i = 0; i < per; i++) {
      w.getHandle<float>().raw(o * per + i) *= s;
    }
    b.getHandle<float>().raw(o) *= s;
  }
  Module &M = F->getParent();
  return F->createConv(name, x, M.createConstant(name + ".w", std::move(w)),
                       M.createConstant(name + ".b", std::move(b)), {k, k},
                       {1, 1}, {k / 2, k / 2, k / 2, k / 2}, group, {1, 1});
}

/// Clip(0, 1) -> conv 1x1 -> Clip(0, 6) -> depthwise 3x3 -> Relu ->
/// conv 1x1 -> Clip(0, 6) -> conv 1x1: three pairs. Across the first
/// clip, the channels whose bound (from the input's [0, 1]) stays below 6
/// can be rescaled and the others reach 6 (the clip is active there);
/// across the last, the input (a Relu's) is unbounded: no channel can.
NodeValue equalizableChain(Function *F, Placeholder *in) {
  NodeValue x = F->createClip("in.clip", in, 0, 1);
  NodeValue a = F->createClip("a.clip", spreadConv(F, x, 16, 1, 1, 11), 0, 6);
  NodeValue d = F->createRelu("d.relu", spreadConv(F, a, 16, 3, 16, 12));
  NodeValue p = F->createClip("p.clip", spreadConv(F, d, 12, 1, 1, 13), 0, 6);
  return spreadConv(F, p, 8, 1, 1, 14);
}

/// \returns max |w| of output channel \p o of \p conv's filter and of the
/// filter elements of \p next that read that channel.
std::pair<float, float> channelRanges(ConvolutionNode *conv,
                                      ConvolutionNode *next, size_t o) {
  const Tensor &w =
      llvm::cast<Constant>(conv->getFilter().getNode())->getPayload();
  const Tensor &v =
      llvm::cast<Constant>(next->getFilter().getNode())->getPayload();
  size_t per = w.size() / w.dims()[0];
  float r1 = 0, r2 = 0;
  for (size_t i = 0; i < per; i++) {
    r1 = std::max(r1, std::fabs(w.getHandle<float>().raw(o * per + i)));
  }
  size_t O = v.dims()[0], Cg = v.dims()[1], K = v.size() / (O * Cg);
  size_t perGroup = O / next->getGroup(), g = o / Cg, c = o % Cg;
  for (size_t j = g * perGroup; j < (g + 1) * perGroup; j++) {
    for (size_t k = 0; k < K; k++) {
      r2 = std::max(r2,
                    std::fabs(v.getHandle<float>().raw((j * Cg + c) * K + k)));
    }
  }
  return {r1, r2};
}
} // namespace

// Cross-layer equalization rescales the channels between the pairs it may
// (Relu or nothing between them; a Clip is left alone), after which every
// channel's largest weight is the same on both sides; the FP32 function is
// unchanged, and per-tensor INT8 gets closer to FP32.
TEST(CrossLayerEqualizationTest, balancesRangesKeepsFP32AndHelpsInt8) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {2, 8, 9, 9}), "input");
  F->createSave("result", equalizableChain(F, in));
  ASSERT_FALSE(bool(optimizeFunction(F)));
  auto conv = [&](const char *name) {
    return llvm::cast<ConvolutionNode>(F->getNodeByName(name));
  };
  auto spread = [&](const char *a, const char *b) {
    float lo = 1e30f, hi = 0, worst = 1;
    for (size_t o = 0; o < 16; o++) {
      auto [r1, r2] = channelRanges(conv(a), conv(b), o);
      lo = std::min(lo, r1);
      hi = std::max(hi, r1);
      worst = std::max(worst, std::max(r1 / r2, r2 / r1));
    }
    return std::make_pair(hi / lo, worst);
  };
  auto before = spread("spread12", "spread13");
  EqualizationReport report = equalizeCrossLayerRanges(F);
  EXPECT_EQ(report.pairs, 3u);
  EXPECT_EQ(report.clipPairs, 2u);
  EXPECT_EQ(report.skippedClip, 0u);
  // All 12 of the last clip pair, some but not all 16 of the first.
  EXPECT_GT(report.clippedChannels, 12u);
  EXPECT_LT(report.clippedChannels, 28u);
  EXPECT_GE(report.sweeps, 2u);
  EXPECT_FALSE(bool(F->verify()));
  // Across the Relu each channel's two ranges agree to the 0.1% at which
  // sweeps stop; the depthwise channels spread over e^6 = 403x before.
  EXPECT_LT(spread("spread12", "spread13").second, 1.01f);
  EXPECT_GT(before.first, 50.f);
  EXPECT_LT(spread("spread12", "spread13").first, before.first / 4);

  Tensor input = randomTensor({2, 8, 9, 9}, 21, 0.f, 1.f);
  ProfileSet plainProfile, cleProfile;
  Tensor fp32 = runGraph("Interpreter", {}, equalizableChain, input, {},
                         nullptr, &plainProfile);
  Precision cle;
  cle.cle = true;
  Tensor fp32Cle = runGraph("Interpreter", {}, equalizableChain, input, cle,
                            nullptr, &cleProfile);
  expectClose(fp32, fp32Cle, false, "FP32 with and without CLE");
  EXPECT_FALSE(plainProfile.crossLayerEqualization);
  EXPECT_TRUE(cleProfile.crossLayerEqualization);
  auto int8Error = [&](bool withCle) {
    Precision p;
    p.int8 = true;
    p.cle = withCle;
    Tensor q = runGraph("Interpreter", {}, equalizableChain, input, p,
                        withCle ? &cleProfile : &plainProfile);
    double diff = 0, norm = 0;
    for (size_t i = 0; i < fp32.size(); i++) {
      double d = q.getAsDouble(i) - fp32.getAsDouble(i);
      diff += d * d;
      norm += fp32.getAsDouble(i) * fp32.getAsDouble(i);
    }
    return std::sqrt(diff / norm);
  };
  double plain = int8Error(false), equalized = int8Error(true);
  std::printf("per-tensor INT8 relative L2 error: %.5f without, %.5f with "
              "CLE\n",
              plain, equalized);
  EXPECT_LT(equalized, 0.7 * plain);
}

TEST_P(BackendCorrectnessTest, referenceModelsAgreeWithTheInterpreter) {
  const Target &t = GetParam();
  Tensor batch = sampleBatch(20);
  for (const char *model : {"resnet18", "mobilenetv2"}) {
    static std::map<std::string, ProfileSet> profiles;
    ProfileSet &profile = profiles[model];
    const Tensor &ref = referenceFor(std::string(model), [&] {
      return runModel(model, "Interpreter", {}, batch, {}, nullptr, &profile);
    });
    expectClose(ref, runModel(model, t.backend, t.options, batch, {}, nullptr),
                false, std::string(model) + " FP32 on " + t.label);
    std::vector<Precision> ps(3);
    for (auto &p : ps) {
      p.int8 = true;
    }
    ps[1].channelwise = true;
    // Mixed: the layers kept FP32 compute exactly (Relu, pooling) or last
    // (the classifier), so INT8 parts still see identical inputs.
    ps[2].keepLayers = {std::string(model) == "resnet18"
                            ? "/relu/Relu"
                            : "/features/features.0/features.0.2/Clip"};
    for (const Precision &p : ps) {
      std::string what =
          std::string(model) + " INT8" + (p.channelwise ? " channelwise" : "") +
          (p.keepLayers.empty() ? "" : " mixed") + " on " + t.label;
      const Tensor &want = referenceFor(what.substr(0, what.find(" on ")), [&] {
        return runModel(model, "Interpreter", {}, batch, p, &profile);
      });
      Tensor got = runModel(model, t.backend, t.options, batch, p, &profile);
      expectClose(want, got, true, what);
    }
  }
}

namespace {
/// The reference model \p model loaded into \p ee's module and optimized;
/// quantized fully with \p profile when it is given.
Function *loadForSwitching(ExecutionEngine &ee, const std::string &model,
                           const Type &input, const ProfileSet *profile) {
  auto loader = ONNXModelLoader::load(kModels + "/" + model + ".onnx",
                                      ee.getModule(), {{"input", input}});
  EXPECT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  if (!loader) {
    return nullptr;
  }
  Function *F = (*loader)->getFunction();
  uint64_t hash = hashGraph(*F);
  llvm::Error err = optimizeFunction(F);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  if (profile) {
    auto report = transformForPrecisionMode(F, hash, *profile, {},
                                            [](const Node &) { return true; });
    EXPECT_TRUE(bool(report)) << llvm::toString(report.takeError());
  }
  return F;
}
} // namespace

// A precision-switchable compile runs every mix of FP32 and INT8 units
// exactly as the mixed graph compiled for that mix.
TEST_P(BackendCorrectnessTest, switchablePrecisionEqualsMixedGraphs) {
  const Target &t = GetParam();
  Tensor batch = sampleBatch(12);
  for (const char *model : {"resnet18", "mobilenetv2"}) {
    ProfileSet profile;
    runModel(model, "Interpreter", {}, batch, {}, nullptr, &profile);
    // Units: every quantizable layer, in graph order, in pairs (so that some
    // units hold a convolution and its activation and some do not).
    auto fp32EE = ExecutionEngine::create(t.backend, t.options);
    auto int8EE = ExecutionEngine::create(t.backend, t.options);
    ASSERT_TRUE(fp32EE && int8EE);
    Function *F = loadForSwitching(**fp32EE, model, batch.getType(), nullptr);
    Function *Fq = loadForSwitching(**int8EE, model, batch.getType(), &profile);
    ASSERT_TRUE(F && Fq);
    std::vector<std::vector<std::string>> units;
    for (Node *n : F->getNodesInTopologicalOrder()) {
      if (!isLayerNode(*n) || !isQuantizableNode(*n)) {
        continue;
      }
      if (units.empty() || units.back().size() == 2) {
        units.emplace_back();
      }
      units.back().push_back(n->getName().str());
    }
    auto compiler = getSwitchableCompiler((*fp32EE)->getBackend());
    ASSERT_TRUE(bool(compiler));
    auto sw = (*compiler)->compileSwitchable(*F, *Fq, units);
    ASSERT_TRUE(bool(sw)) << llvm::toString(sw.takeError());
    Placeholder *in = nullptr, *out = nullptr;
    for (Placeholder *ph : (*fp32EE)->getModule().getPlaceholders()) {
      (ph->getName() == "input" ? in : out) = ph;
    }
    ASSERT_TRUE(in && out);
    std::mt19937 rng(5);
    // All INT8, then a random mix.
    for (int config = 1; config < 3; config++) {
      std::vector<bool> int8(units.size());
      std::vector<std::string> keep;
      for (size_t u = 0; u < units.size(); u++) {
        int8[u] = config == 1 || rng() % 2;
        if (!int8[u]) {
          keep.insert(keep.end(), units[u].begin(), units[u].end());
        }
      }
      llvm::Error err = (*sw)->setInt8Units(int8);
      ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
      PlaceholderBindings bindings;
      bindings.allocate((*fp32EE)->getModule().getPlaceholders());
      *bindings.get(in) = batch.clone();
      err = (*sw)->execute(bindings);
      ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
      Precision p;
      p.int8 = true;
      p.keepLayers = keep;
      Tensor want = runModel(model, t.backend, t.options, batch, p, &profile);
      expectClose(want, *bindings.get(out), true,
                  std::string(model) + " switchable config " +
                      std::to_string(config) + " on " + t.label);
    }
    // Several configurations in one call (the CPU backend runs the FP32
    // part before each one's first INT8 unit once) give what each gives
    // run alone.
    size_t last = units.size() - 1, mid = units.size() / 2;
    std::vector<std::vector<bool>> configs;
    for (size_t u : {mid, size_t(0), last, size_t(1)}) {
      configs.emplace_back(units.size(), false);
      configs.back()[u] = true;
    }
    configs.emplace_back(units.size(), false);
    configs.emplace_back(units.size(), true);
    configs.back()[mid] = false;
    configs.emplace_back(units.size(), false);
    for (size_t u = mid; u < units.size(); u += 2) {
      configs.back()[u] = true;
    }
    configs.emplace_back(units.size(), true);
    PlaceholderBindings bindings;
    bindings.allocate((*fp32EE)->getModule().getPlaceholders());
    *bindings.get(in) = batch.clone();
    std::vector<Tensor> together;
    llvm::Error err =
        (*sw)->executeConfigurations(bindings, out, configs, together);
    ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
    ASSERT_EQ(together.size(), configs.size());
    for (size_t k = 0; k < configs.size(); k++) {
      err = (*sw)->setInt8Units(configs[k]);
      ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
      err = (*sw)->execute(bindings);
      ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
      expectClose(*bindings.get(out), together[k], true,
                  std::string(model) + " configuration " + std::to_string(k) +
                      " run with the others on " + t.label);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendCorrectnessTest,
                         ::testing::ValuesIn(targets()),
                         [](const ::testing::TestParamInfo<Target> &info) {
                           return info.param.label;
                         });
