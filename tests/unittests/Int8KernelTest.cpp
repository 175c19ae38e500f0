// INT8 kernels of every backend against the float graph. Every test builds
// a small float graph on random data (fixed seed), profiles it with the
// Profiler on that data, quantizes it with transformForPrecisionMode, runs it
// on the backend under test and compares each output element to the float
// graph's output; a backend other than the Interpreter must also give the
// Interpreter's INT8 result bit for bit. The allowed
// error is derived from the scales (the derivation is next to each bound),
// and the scales themselves are checked against the ones the test computes
// from the data, so a wrong scale cannot widen the bound. The conversion
// nodes are checked on exact, hand-computed codes.

#include "glow/Backends/Backend.h"
#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Graph/Graph.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Profile.h"
#include "glow/Quantization/Profiler.h"

#include "llvm/Support/Casting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace glow;

namespace {

/// Builds the graph on the input placeholders and \returns its output.
using Builder = std::function<NodeValue(Function *F, Module &M,
                                        llvm::ArrayRef<Placeholder *> ins)>;

/// \returns the scale that \p schema should give the range [lo, hi],
/// computed here from the definition in double precision:
/// - Asymmetric: the range widened to hold 0, over 255 steps;
/// - Symmetric: 2 max(|lo|, |hi|) / 255;
/// - SymmetricWithUInt8: hi / 255 if lo >= 0, else Symmetric;
/// - SymmetricWithPower2Scale: Symmetric rounded up to a power of 2.
double expectedScale(double lo, double hi, QuantizationSchema schema) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  double sym = 2 * std::max(-lo, hi) / 255;
  switch (schema) {
  case QuantizationSchema::Asymmetric:
    return (hi - lo) / 255;
  case QuantizationSchema::Symmetric:
    return sym;
  case QuantizationSchema::SymmetricWithUInt8:
    return lo >= 0 ? hi / 255 : sym;
  case QuantizationSchema::SymmetricWithPower2Scale:
    return std::exp2(std::ceil(std::log2(sym)));
  }
  return 0;
}

std::pair<double, double> rangeOf(const float *p, size_t n) {
  auto [lo, hi] = std::minmax_element(p, p + n);
  return {*lo, *hi};
}
std::pair<double, double> rangeOf(const Tensor &t) {
  return rangeOf(t.getHandle<float>().data(), t.size());
}
double scaleOf(const Tensor &t, QuantizationSchema schema) {
  auto r = rangeOf(t);
  return expectedScale(r.first, r.second, schema);
}

/// \returns the first node of kind \p k in \p F.
Node *findNode(const Function *F, Node::Kind k) {
  for (Node *n : F->getNodes()) {
    if (n->getKind() == k) {
      return n;
    }
  }
  return nullptr;
}

unsigned countKind(const Function *F, Node::Kind k) {
  unsigned c = 0;
  for (Node *n : F->getNodes()) {
    c += n->getKind() == k;
  }
  return c;
}

/// The float graph, its profile, and the quantized graph with its output.
struct Outcome {
  Tensor ref; ///< the float graph's output
  Tensor got; ///< the quantized graph's output (dequantized)
  std::unique_ptr<ExecutionEngine> qEE;
  Function *qF{nullptr};
  ProfileSet profile;
  /// The scale the quantized graph gives the input Placeholder \p name.
  float inputScale(llvm::StringRef name) const {
    for (Node *n : qF->getNodes()) {
      if (n->getKind() == Node::Kind::QuantizeKind &&
          n->getNthInput(0).getNode()->getName() == name) {
        return n->getType().getScale();
      }
    }
    ADD_FAILURE() << "no Quantize of " << name.str();
    return 0;
  }
};

class Int8KernelTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    auto backend = createBackend(GetParam());
    if (!backend) {
      // A backend this machine cannot run (no OpenCL platform).
      GTEST_SKIP() << llvm::toString(backend.takeError());
    }
  }

  std::mt19937 gen_{20240611};

  Tensor random(llvm::ArrayRef<dim_t> dims, float lo, float hi) {
    Tensor t(ElemKind::FloatTy, dims);
    std::uniform_real_distribution<float> d(lo, hi);
    auto h = t.getHandle<float>();
    for (size_t i = 0; i < t.size(); i++) {
      h.raw(i) = d(gen_);
    }
    return t;
  }

  Constant *constant(Module &M, llvm::StringRef name, const Tensor &t) {
    return M.createConstant(name, t.clone());
  }

  /// Builds one graph for the inputs \p inputs (Placeholders "in0", "in1",
  /// ...) in \p M and \returns the output Placeholder.
  static Placeholder *build(Module &M, Function *F,
                            const std::vector<Tensor> &inputs,
                            const Builder &builder) {
    std::vector<Placeholder *> phs;
    for (size_t i = 0; i < inputs.size(); i++) {
      phs.push_back(
          M.createPlaceholder(inputs[i].getType(), "in" + std::to_string(i)));
    }
    NodeValue out = builder(F, M, phs);
    return F->createSave("out", out)->getPlaceholder();
  }

  static void bindInputs(Module &M, PlaceholderBindings &bindings,
                         const std::vector<Tensor> &inputs) {
    for (size_t i = 0; i < inputs.size(); i++) {
      Placeholder *ph = M.getPlaceholderByName("in" + std::to_string(i));
      ASSERT_NE(ph, nullptr);
      *bindings.allocate(ph) = inputs[i].clone();
    }
    bindings.allocate(M.getPlaceholders());
  }

  /// runBoth of the element-wise \p kind (Add, Mul...) of the two inputs.
  Outcome runArithmetic(const std::vector<Tensor> &inputs, Node::Kind kind,
                        const char *name) {
    return runBoth(
        inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
          return F->createArithmetic(kind, name, in[0], in[1]);
        });
  }

  /// runArithmetic on two random operands of \p dims, in [-1, 2] and [-3,
  /// 0.5], with the scales the asymmetric schema gives them and the
  /// result.
  struct TwoRanges {
    std::vector<Tensor> inputs;
    Outcome r;
    double sa, sb, sy;
  };
  TwoRanges runOnTwoRanges(Node::Kind kind, const char *name,
                           llvm::ArrayRef<dim_t> dims) {
    TwoRanges t;
    t.inputs.push_back(random(dims, -1.f, 2.f));
    t.inputs.push_back(random(dims, -3.f, 0.5f));
    t.r = runArithmetic(t.inputs, kind, name);
    auto S = QuantizationSchema::Asymmetric;
    t.sa = scaleOf(t.inputs[0], S);
    t.sb = scaleOf(t.inputs[1], S);
    t.sy = scaleOf(t.r.ref, S);
    return t;
  }

  /// Profiles the float graph on \p inputs, quantizes a second copy of it
  /// with the profile and runs both.
  Outcome runBoth(const std::vector<Tensor> &inputs, const Builder &builder,
                  QuantizationOptions opts = {}) {
    Outcome r;
    // 1. The float graph, instrumented, run once on the data.
    auto fee = ExecutionEngine::create("Interpreter");
    EXPECT_TRUE(bool(fee));
    Module &fM = (*fee)->getModule();
    Function *fF = fM.createFunction("main");
    Placeholder *fOut = build(fM, fF, inputs, builder);
    uint64_t hash = hashGraph(*fF);
    EXPECT_FALSE(bool(optimizeFunction(fF)));
    auto profiler = Profiler::instrument(fF, hash, 2048);
    llvm::Error err = (*fee)->compile(fF);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    PlaceholderBindings fb;
    bindInputs(fM, fb, inputs);
    err = (*fee)->run(fb);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    profiler->record(fb);
    r.profile = profiler->getProfile();
    r.ref = fb.get(fOut)->clone();

    // 2. A fresh copy, quantized with the profile, run on the same data.
    r.got = runQuantized(GetParam(), inputs, builder, opts, r);
    if (GetParam() != "Interpreter") {
      Outcome ref;
      ref.profile = r.profile;
      Tensor want = runQuantized("Interpreter", inputs, builder, opts, ref);
      EXPECT_TRUE(want.isEqual(r.got, 0.0))
          << GetParam() << " differs from the Interpreter's INT8 result: "
          << r.got.toString(16) << " vs " << want.toString(16);
    }
    // The output is float (read through a Dequantize) of the float shape.
    EXPECT_EQ(r.got.getElementType(), ElemKind::FloatTy);
    EXPECT_EQ(r.got.dims(), r.ref.dims());
    return r;
  }

  /// Quantizes a fresh copy of the graph with r.profile, compiles it for
  /// \p backend, runs it on \p inputs and \returns the output; r keeps the
  /// engine and the quantized Function.
  Tensor runQuantized(const std::string &backend,
                      const std::vector<Tensor> &inputs, const Builder &builder,
                      const QuantizationOptions &opts, Outcome &r) {
    auto qee = ExecutionEngine::create(backend);
    EXPECT_TRUE(bool(qee));
    r.qEE = std::move(*qee);
    Module &qM = r.qEE->getModule();
    r.qF = qM.createFunction("main");
    Placeholder *qOut = build(qM, r.qF, inputs, builder);
    uint64_t qHash = hashGraph(*r.qF);
    EXPECT_EQ(qHash, r.profile.graphHash);
    EXPECT_FALSE(bool(optimizeFunction(r.qF)));
    PrecisionConfig config;
    config.quantization = opts;
    config.assertAllNodesQuantized = true;
    auto report = transformForPrecisionMode(r.qF, qHash, r.profile, config,
                                            [](const Node &) { return true; });
    EXPECT_TRUE(bool(report)) << llvm::toString(report.takeError());
    llvm::Error err = r.qEE->compile(r.qF);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    PlaceholderBindings qb;
    bindInputs(qM, qb, inputs);
    err = r.qEE->run(qb);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    return qb.get(qOut)->clone();
  }

  /// Checks |got - ref| <= bound(i) for every element; the float reference
  /// itself carries a relative rounding error of about 1e-6, covered by a
  /// slack of 1e-5 (1 + |ref|).
  static void expectWithin(const Outcome &r,
                           const std::function<double(size_t)> &bound,
                           const char *what) {
    ASSERT_EQ(r.got.size(), r.ref.size());
    auto g = r.got.getHandle<float>(), e = r.ref.getHandle<float>();
    double worst = 0, worstAbs = 0;
    unsigned bad = 0;
    for (size_t i = 0; i < r.ref.size(); i++) {
      double err = std::fabs(double(g.raw(i)) - e.raw(i));
      double b = bound(i) + 1e-5 * (1 + std::fabs(e.raw(i)));
      worst = std::max(worst, err / b);
      worstAbs = std::max(worstAbs, err);
      if (err > b && bad++ < 10) {
        ADD_FAILURE() << what << ": element " << i << " int8 " << g.raw(i)
                      << " float " << e.raw(i) << " error " << err
                      << " > bound " << b;
      }
    }
    EXPECT_EQ(bad, 0u) << what;
    std::printf("%s: %zu elements, worst error %.4g (%.2f of its bound)\n",
                what, r.ref.size(), worstAbs, worst);
  }

  /// Checks that the node named \p name computes in INT8 with output scale
  /// \p scale.
  static Node *expectInt8(const Outcome &r, llvm::StringRef name,
                          double scale) {
    Node *n = r.qF->getNodeByName(name);
    EXPECT_NE(n, nullptr) << name.str();
    if (!n) {
      return nullptr;
    }
    EXPECT_TRUE(n->getType().isQuantized()) << name.str();
    EXPECT_EQ(n->getType().getElementType(), ElemKind::Int8QTy) << name.str();
    EXPECT_NEAR(n->getType().getScale(), scale, scale * 1e-5) << name.str();
    // It reads its (first) activation input in INT8 too.
    EXPECT_EQ(n->getNthInput(0).getElementType(), ElemKind::Int8QTy)
        << name.str();
    return n;
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

/// Error of one output element of a conv or FC. With x~ = x + ex,
/// w~ = w + ew, b~ = b + eb (|ex| <= sx/2, |ew| <= sw/2, |eb| <= sx sw / 2,
/// the bias being rounded at scale sx sw), the int32 accumulator times
/// sx sw is exactly sum w~ x~ + b~, so before the output rounding
///   |err| <= sum_k (|x_k| sw/2 + |w_k| sx/2 + sx sw/4) + sx sw/2,
/// and the requantization adds at most sy/2 (its float scale and product
/// are off by 2^-24 relative each, far below one code). With X = max |x|
/// over the
/// window and K taps this is at most
///   K X sw/2 + sum_k |w_k| sx/2 + K sx sw/4 + sx sw/2 + sy/2.
static double linearBound(double K, double X, double sumAbsW, double sx,
                          double sw, double sy) {
  return K * X * sw / 2 + sumAbsW * sx / 2 + K * sx * sw / 4 + sx * sw / 2 +
         sy / 2 + 1e-3 * sy;
}

TEST_P(Int8KernelTest, convolutionPerTensor) {
  for (auto schema :
       {QuantizationSchema::Asymmetric, QuantizationSchema::Symmetric,
        QuantizationSchema::SymmetricWithUInt8,
        QuantizationSchema::SymmetricWithPower2Scale}) {
    std::vector<Tensor> inputs;
    inputs.push_back(random({2, 3, 6, 6}, -1.f, 2.f));
    Tensor w = random({4, 3, 3, 3}, -0.5f, 0.5f);
    Tensor b = random({4}, -0.2f, 0.2f);
    QuantizationOptions opts;
    opts.schema = schema;
    auto r = runBoth(
        inputs,
        [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
          return F->createConv("conv", in[0], M.createConstant("w", w.clone()),
                               M.createConstant("b", b.clone()), {3, 3}, {1, 1},
                               {1, 1, 1, 1}, 1, {1, 1});
        },
        opts);
    double sx = scaleOf(inputs[0], schema), sw = scaleOf(w, schema),
           sy = scaleOf(r.ref, schema);
    EXPECT_NEAR(r.inputScale("in0"), sx, sx * 1e-5);
    auto *conv = llvm::cast<ConvolutionNode>(expectInt8(r, "conv", sy));
    ASSERT_NE(conv, nullptr);
    EXPECT_FALSE(conv->isChannelwise());
    EXPECT_EQ(conv->getInput().getType().getElementType(), ElemKind::Int8QTy);
    EXPECT_EQ(conv->getFilter().getType().getElementType(), ElemKind::Int8QTy);
    EXPECT_NEAR(conv->getFilter().getType().getScale(), sw, sw * 1e-5);
    EXPECT_EQ(conv->getBias().getType().getElementType(), ElemKind::Int32QTy);
    EXPECT_EQ(countKind(r.qF, Node::Kind::QuantizeKind), 1u);
    EXPECT_EQ(countKind(r.qF, Node::Kind::DequantizeKind), 1u);

    double X = 0;
    for (size_t i = 0; i < inputs[0].size(); i++) {
      X = std::max(X, double(std::fabs(inputs[0].getHandle<float>().raw(i))));
    }
    std::vector<double> sumAbsW(4, 0);
    for (size_t i = 0; i < w.size(); i++) {
      sumAbsW[i / 27] += std::fabs(w.getHandle<float>().raw(i));
    }
    // Output [2, 4, 6, 6]: channel of flat index i is (i / 36) % 4.
    expectWithin(
        r,
        [&](size_t i) {
          return linearBound(27, X, sumAbsW[(i / 36) % 4], sx, sw, sy);
        },
        "conv per-tensor");
  }
}

TEST_P(Int8KernelTest, convolutionGroupedStridedAsymmetricPads) {
  // Group 2, stride 2, pads {top 1, left 0, bottom 2, right 1}, 2x3 kernel.
  std::vector<Tensor> inputs;
  inputs.push_back(random({1, 4, 7, 8}, -3.f, 1.f));
  Tensor w = random({6, 2, 2, 3}, -1.f, 1.f);
  Tensor b = random({6}, -0.5f, 0.5f);
  auto r = runBoth(
      inputs, [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
        return F->createConv("conv", in[0], M.createConstant("w", w.clone()),
                             M.createConstant("b", b.clone()), {2, 3}, {2, 2},
                             {1, 0, 2, 1}, 2, {1, 1});
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sw = scaleOf(w, S), sy = scaleOf(r.ref, S);
  expectInt8(r, "conv", sy);
  double X = std::max(-rangeOf(inputs[0]).first, rangeOf(inputs[0]).second);
  std::vector<double> sumAbsW(6, 0);
  for (size_t i = 0; i < w.size(); i++) {
    sumAbsW[i / 12] += std::fabs(w.getHandle<float>().raw(i));
  }
  dim_t plane = r.ref.dims()[2] * r.ref.dims()[3];
  expectWithin(
      r,
      [&](size_t i) {
        return linearBound(12, X, sumAbsW[(i / plane) % 6], sx, sw, sy);
      },
      "conv grouped");
}

TEST_P(Int8KernelTest, convolutionDilatedStrided) {
  // Dilation 2, stride 2, pads {2, 1, 0, 3}: the taps skip input columns
  // and some output columns see only padding for some taps.
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 3, 9, 10}, -1.f, 2.f));
  Tensor w = random({4, 3, 3, 3}, -0.6f, 0.4f);
  Tensor b = random({4}, -0.3f, 0.3f);
  auto r = runBoth(
      inputs, [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
        return F->createConv("conv", in[0], M.createConstant("w", w.clone()),
                             M.createConstant("b", b.clone()), {3, 3}, {2, 2},
                             {2, 1, 0, 3}, 1, {2, 2});
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sw = scaleOf(w, S), sy = scaleOf(r.ref, S);
  expectInt8(r, "conv", sy);
  double X = std::max(-rangeOf(inputs[0]).first, rangeOf(inputs[0]).second);
  std::vector<double> sumAbsW(4, 0);
  for (size_t i = 0; i < w.size(); i++) {
    sumAbsW[i / 27] += std::fabs(w.getHandle<float>().raw(i));
  }
  dim_t plane = r.ref.dims()[2] * r.ref.dims()[3];
  expectWithin(
      r,
      [&](size_t i) {
        return linearBound(27, X, sumAbsW[(i / plane) % 4], sx, sw, sy);
      },
      "conv dilated");
}

TEST_P(Int8KernelTest, convolutionChannelwise) {
  // Output channels whose weights differ by up to 10^4 in magnitude: with
  // one scale per channel each keeps 8 bits of precision.
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 3, 5, 5}, -1.f, 1.f));
  const dim_t O = 5, per = 3 * 3 * 3;
  Tensor w = random({O, 3, 3, 3}, -1.f, 1.f);
  for (dim_t o = 0; o < O; o++) {
    float mag = std::pow(10.f, float(o) - 2.f); // 0.01 ... 100
    for (dim_t i = 0; i < per; i++) {
      w.getHandle<float>().raw(o * per + i) *= mag;
    }
  }
  Tensor b = random({O}, -0.05f, 0.05f);
  QuantizationOptions opts;
  opts.channelwise = true;
  auto r = runBoth(
      inputs,
      [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
        return F->createConv("conv", in[0], M.createConstant("w", w.clone()),
                             M.createConstant("b", b.clone()), {3, 3}, {1, 1},
                             {1, 1, 1, 1}, 1, {1, 1});
      },
      opts);
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
  auto *conv = llvm::cast<ConvolutionNode>(expectInt8(r, "conv", sy));
  ASSERT_TRUE(conv->isChannelwise());
  auto scales = llvm::cast<Constant>(conv->getFilterScales().getNode())
                    ->getPayload()
                    .getHandle<float>();
  std::vector<double> sw(O), sumAbsW(O, 0);
  const float *wp = w.getHandle<float>().data();
  for (dim_t o = 0; o < O; o++) {
    auto rg = rangeOf(wp + o * per, per);
    sw[o] = expectedScale(rg.first, rg.second, S);
    EXPECT_NEAR(scales.raw(o), sw[o], sw[o] * 1e-5) << "channel " << o;
    for (dim_t i = 0; i < per; i++) {
      sumAbsW[o] += std::fabs(wp[o * per + i]);
    }
  }
  double X = 1.0;
  expectWithin(
      r,
      [&](size_t i) {
        dim_t o = (i / 25) % O;
        return linearBound(27, X, sumAbsW[o], sx, sw[o], sy);
      },
      "conv channelwise");
  // What channelwise buys: each channel's weights are rounded on their own
  // grid, within sw[o]/2 of the float weights (channel 0, |w| <= 0.01, to
  // within 4e-5, where one shared scale of about 200/255 would round them
  // all to 0).
  auto codes = llvm::cast<Constant>(conv->getFilter().getNode())
                   ->getPayload()
                   .getHandle<int8_t>();
  auto offs = llvm::cast<Constant>(conv->getFilterOffsets().getNode())
                  ->getPayload()
                  .getHandle<int32_t>();
  for (dim_t o = 0; o < O; o++) {
    for (dim_t i = 0; i < per; i++) {
      double back = scales.raw(o) * (codes.raw(o * per + i) - offs.raw(o));
      ASSERT_LE(std::fabs(back - wp[o * per + i]), sw[o] / 2 * (1 + 1e-5))
          << "channel " << o << " weight " << i;
    }
  }
  EXPECT_LT(sw[0], 1e-4);
}

TEST_P(Int8KernelTest, convolutionChannelwiseWithPrunedChannel) {
  // Output channel 1 has an all-zero filter (a pruned channel) and bias 0.5:
  // its output is exactly 0.5 everywhere. Its weight range [0, 0] must
  // still give a bias scale (input scale x filter scale) at which 0.5 is
  // representable in int32.
  std::vector<Tensor> inputs;
  inputs.push_back(random({1, 2, 4, 4}, -1.f, 1.f));
  Tensor w = random({3, 2, 3, 3}, -0.5f, 0.5f);
  for (dim_t i = 18; i < 36; i++) {
    w.getHandle<float>().raw(i) = 0.f;
  }
  Tensor b(ElemKind::FloatTy, {3});
  b.getHandle<float>().assign({0.1f, 0.5f, -0.2f});
  QuantizationOptions opts;
  opts.channelwise = true;
  auto r = runBoth(
      inputs,
      [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
        return F->createConv("conv", in[0], M.createConstant("w", w.clone()),
                             M.createConstant("b", b.clone()), {3, 3}, {1, 1},
                             {1, 1, 1, 1}, 1, {1, 1});
      },
      opts);
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
  expectInt8(r, "conv", sy);
  std::vector<double> sw(3), sumAbsW(3, 0);
  const float *wp = w.getHandle<float>().data();
  for (dim_t o = 0; o < 3; o++) {
    auto rg = rangeOf(wp + o * 18, 18);
    sw[o] = expectedScale(rg.first, rg.second, S); // 0 for channel 1
    for (dim_t i = 0; i < 18; i++) {
      sumAbsW[o] += std::fabs(wp[o * 18 + i]);
    }
  }
  // Channel 1: bias only, so only the bias and output roundings remain;
  // linearBound with sw = 0 is sy/2 (a bias rounded at any scale up to sy
  // adds at most sy/2 more: allow sy).
  expectWithin(
      r,
      [&](size_t i) {
        dim_t o = (i / 16) % 3;
        return linearBound(18, 1.0, sumAbsW[o], sx, sw[o], sy) +
               (o == 1 ? sy / 2 : 0);
      },
      "conv channelwise, pruned channel");
}

TEST_P(Int8KernelTest, fullyConnectedWithZeroWeights) {
  // All weights 0: the output is the bias, [0.5, -0.25, 1].
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 4}, -1.f, 1.f));
  Tensor w(ElemKind::FloatTy, {4, 3});
  Tensor b(ElemKind::FloatTy, {3});
  b.getHandle<float>().assign({0.5f, -0.25f, 1.f});
  auto r = runBoth(
      inputs, [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
        return F->createFullyConnected("fc", in[0],
                                       M.createConstant("w", w.clone()),
                                       M.createConstant("b", b.clone()));
      });
  // Output range [-0.25, 1]: sy = 1.25/255. The bias, rounded at the bias
  // scale (at most sy here) and then to the output grid: <= sy.
  double sy = 1.25 / 255;
  expectInt8(r, "fc", sy);
  expectWithin(
      r, [&](size_t) { return sy; }, "fc, zero weights");
}

//===----------------------------------------------------------------------===//
// FullyConnected and MatMul
//===----------------------------------------------------------------------===//

TEST_P(Int8KernelTest, fullyConnected) {
  // Input [3, 2, 6] is read as [3, 12] (the implicit flatten).
  std::vector<Tensor> inputs;
  inputs.push_back(random({3, 2, 6}, -2.f, 1.5f));
  Tensor w = random({12, 5}, -0.7f, 0.9f);
  Tensor b = random({5}, -1.f, 1.f);
  auto r = runBoth(
      inputs, [&](Function *F, Module &M, llvm::ArrayRef<Placeholder *> in) {
        return F->createFullyConnected("fc", in[0],
                                       M.createConstant("w", w.clone()),
                                       M.createConstant("b", b.clone()));
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sw = scaleOf(w, S), sy = scaleOf(r.ref, S);
  EXPECT_NEAR(r.inputScale("in0"), sx, sx * 1e-5);
  auto *fc = llvm::cast<FullyConnectedNode>(expectInt8(r, "fc", sy));
  EXPECT_EQ(fc->getWeights().getType().getElementType(), ElemKind::Int8QTy);
  EXPECT_EQ(fc->getBias().getType().getElementType(), ElemKind::Int32QTy);
  auto x = inputs[0].getHandle<float>(), wh = w.getHandle<float>();
  // Element (n, m): the exact per-element form of linearBound.
  expectWithin(
      r,
      [&](size_t i) {
        size_t n = i / 5, m = i % 5;
        double e = 0;
        for (size_t k = 0; k < 12; k++) {
          e += std::fabs(x.raw(n * 12 + k)) * sw / 2 +
               std::fabs(wh.raw(k * 5 + m)) * sx / 2 + sx * sw / 4;
        }
        return e + sx * sw / 2 + sy / 2 + 1e-3 * sy;
      },
      "fc");
}

TEST_P(Int8KernelTest, matMulOfTwoActivations) {
  std::vector<Tensor> inputs;
  inputs.push_back(random({4, 8}, -1.f, 3.f));
  inputs.push_back(random({8, 6}, -2.f, 0.5f));
  auto r = runBoth(
      inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
        return F->createMatMul("mm", in[0], in[1]);
      });
  auto S = QuantizationSchema::Asymmetric;
  double sa = scaleOf(inputs[0], S), sb = scaleOf(inputs[1], S),
         sy = scaleOf(r.ref, S);
  EXPECT_NEAR(r.inputScale("in0"), sa, sa * 1e-5);
  EXPECT_NEAR(r.inputScale("in1"), sb, sb * 1e-5);
  Node *mm = expectInt8(r, "mm", sy);
  EXPECT_EQ(mm->getNthInput(1).getType().getElementType(), ElemKind::Int8QTy);
  auto a = inputs[0].getHandle<float>(), b = inputs[1].getHandle<float>();
  // (a + ea)(b + eb) - ab = ea b + a eb + ea eb: per product at most
  // |b| sa/2 + |a| sb/2 + sa sb/4; then one output rounding, sy/2.
  expectWithin(
      r,
      [&](size_t i) {
        size_t n = i / 6, m = i % 6;
        double e = 0;
        for (size_t k = 0; k < 8; k++) {
          e += std::fabs(b.raw(k * 6 + m)) * sa / 2 +
               std::fabs(a.raw(n * 8 + k)) * sb / 2 + sa * sb / 4;
        }
        return e + sy / 2 + 1e-3 * sy;
      },
      "matmul");
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

TEST_P(Int8KernelTest, relu) {
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 3, 4, 5}, -2.f, 3.f));
  auto r = runBoth(
      inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
        return F->createRelu("relu", in[0]);
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
  // The output range is [0, max]: sy = max/255, smaller than sx.
  EXPECT_LT(sy, sx);
  expectInt8(r, "relu", sy);
  // Relu is 1-Lipschitz: input rounding sx/2, output rounding sy/2.
  expectWithin(
      r, [&](size_t) { return sx / 2 + sy / 2 + 1e-3 * sy; }, "relu");
  // Negative inputs give exactly 0.
  auto g = r.got.getHandle<float>();
  auto x = inputs[0].getHandle<float>();
  for (size_t i = 0; i < r.got.size(); i++) {
    if (x.raw(i) < -sx) {
      ASSERT_EQ(g.raw(i), 0.f) << i;
    }
  }
}

TEST_P(Int8KernelTest, clip) {
  std::vector<Tensor> inputs;
  inputs.push_back(random({3, 40}, -2.f, 3.f));
  auto r = runBoth(
      inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
        return F->createClip("clip", in[0], -0.5f, 1.2f);
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
  // The output range is [-0.5, 1.2]: sy = 1.7/255.
  EXPECT_NEAR(sy, 1.7 / 255, 1e-6);
  expectInt8(r, "clip", sy);
  // The kernel clamps on the input grid, at ceil(min/sx) and floor(max/sx)
  // steps, which lie within sx inside [min, max]; with the input rounding
  // (sx/2, clamping is 1-Lipschitz) and the output rounding (sy/2):
  // |err| <= sx + sx/2 + sy/2. The result never leaves [min, max] by more
  // than the output rounding.
  expectWithin(
      r, [&](size_t) { return 1.5 * sx + sy / 2 + 1e-3 * sy; }, "clip");
  auto g = r.got.getHandle<float>();
  for (size_t i = 0; i < r.got.size(); i++) {
    ASSERT_GE(g.raw(i), -0.5 - sy / 2 - 1e-6);
    ASSERT_LE(g.raw(i), 1.2 + sy / 2 + 1e-6);
  }
}

TEST_P(Int8KernelTest, addOfDifferentRanges) {
  TwoRanges t = runOnTwoRanges(Node::Kind::AddKind, "add", {4, 30});
  const Outcome &r = t.r;
  const double sa = t.sa, sb = t.sb, sy = t.sy;
  EXPECT_NEAR(r.inputScale("in0"), sa, sa * 1e-5);
  EXPECT_NEAR(r.inputScale("in1"), sb, sb * 1e-5);
  expectInt8(r, "add", sy);
  // Input roundings sa/2 + sb/2; the kernel rescales each operand to the
  // output grid separately (two roundings of sy/2) before adding.
  expectWithin(
      r, [&](size_t) { return sa / 2 + sb / 2 + sy + 1e-3 * sy; }, "add");
}

TEST_P(Int8KernelTest, subOfDifferentRanges) {
  // 135 elements: two runs of 64 and a tail of 7 (the CPU backend's table
  // kernel); the second table negated.
  TwoRanges t = runOnTwoRanges(Node::Kind::SubKind, "sub", {5, 27});
  const Outcome &r = t.r;
  const double sa = t.sa, sb = t.sb, sy = t.sy;
  expectInt8(r, "sub", sy);
  // As the Add: each operand's rounding, then one rounding each to the
  // output grid.
  expectWithin(
      r, [&](size_t) { return sa / 2 + sb / 2 + sy + 1e-3 * sy; }, "sub");
}

// Every pair of input codes meets once: a's row i and b's column j are
// ramps over their ranges, so the 256 x 256 sums cover every (code, code)
// pair. Ranges 1:1.2 and 1:40 apart give the CPU kernel's operand
// transforms shifts of 31 to 37 (its 32-bit form for 9-bit operands); the
// backend must give the Interpreter's codes bit for bit (runBoth), and
// every result the float sum within the roundings.
TEST_P(Int8KernelTest, addOfEveryCodePair) {
  for (float wide : {3.5f, 120.f}) {
    std::vector<Tensor> inputs;
    inputs.emplace_back(ElemKind::FloatTy, llvm::ArrayRef<dim_t>{256, 256});
    inputs.emplace_back(ElemKind::FloatTy, llvm::ArrayRef<dim_t>{256, 256});
    auto a = inputs[0].getHandle<float>(), b = inputs[1].getHandle<float>();
    for (dim_t i = 0; i < 256; i++) {
      for (dim_t j = 0; j < 256; j++) {
        a.at({i, j}) = -1.f + 3.f * float(i) / 255.f;
        b.at({i, j}) = -0.7f * wide + wide * float(j) / 255.f;
      }
    }
    auto r = runArithmetic(inputs, Node::Kind::AddKind, "add");
    auto S = QuantizationSchema::Asymmetric;
    double sa = scaleOf(inputs[0], S), sb = scaleOf(inputs[1], S),
           sy = scaleOf(r.ref, S);
    expectInt8(r, "add", sy);
    expectWithin(
        r, [&](size_t) { return sa / 2 + sb / 2 + sy + 1e-3 * sy; }, "add");
  }
}

TEST_P(Int8KernelTest, mulOfDifferentRanges) {
  TwoRanges t = runOnTwoRanges(Node::Kind::MulKind, "mul", {4, 30});
  const Outcome &r = t.r;
  const double sa = t.sa, sb = t.sb, sy = t.sy;
  expectInt8(r, "mul", sy);
  auto a = t.inputs[0].getHandle<float>(), b = t.inputs[1].getHandle<float>();
  // (a + ea)(b + eb) - ab: |b| sa/2 + |a| sb/2 + sa sb/4, then sy/2.
  expectWithin(
      r,
      [&](size_t i) {
        return std::fabs(b.raw(i)) * sa / 2 + std::fabs(a.raw(i)) * sb / 2 +
               sa * sb / 4 + sy / 2 + 1e-3 * sy;
      },
      "mul");
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

TEST_P(Int8KernelTest, maxPoolWithPadding) {
  // All-negative windows at the border would come out as 0 if padding
  // counted as a value: the input is mostly negative to catch that.
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 3, 7, 7}, -3.f, 0.5f));
  auto r = runBoth(
      inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
        return F->createMaxPool("pool", in[0], {3, 3}, {2, 2}, {1, 1, 1, 1});
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
  expectInt8(r, "pool", sy);
  // max is 1-Lipschitz in the largest input error: sx/2, then sy/2.
  expectWithin(
      r, [&](size_t) { return sx / 2 + sy / 2 + 1e-3 * sy; }, "maxpool");
}

TEST_P(Int8KernelTest, avgPoolWithPadding) {
  for (bool includePads : {true, false}) {
    std::vector<Tensor> inputs;
    inputs.push_back(random({2, 3, 6, 7}, -1.f, 4.f));
    auto r = runBoth(
        inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
          return F->createAvgPool("pool", in[0], {3, 3}, {2, 2}, {1, 1, 1, 1},
                                  includePads);
        });
    auto S = QuantizationSchema::Asymmetric;
    double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
    expectInt8(r, "pool", sy);
    // An average has weights summing to at most 1: input error sx/2; the
    // int32 sum is rescaled with one rounding: sy/2.
    expectWithin(
        r, [&](size_t) { return sx / 2 + sy / 2 + 1e-3 * sy; },
        includePads ? "avgpool (pads counted)" : "avgpool (pads not counted)");
  }
}

TEST_P(Int8KernelTest, globalAveragePool) {
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 4, 5, 5}, -1.f, 3.f));
  auto r = runBoth(inputs, [&](Function *F, Module &,
                               llvm::ArrayRef<Placeholder *> in) {
    return F->createAvgPool("gap", in[0], {5, 5}, {1, 1}, {0, 0, 0, 0}, false);
  });
  ASSERT_EQ(r.ref.dims(), llvm::ArrayRef<dim_t>({2, 4, 1, 1}));
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S), sy = scaleOf(r.ref, S);
  expectInt8(r, "gap", sy);
  // Independent check of the float reference: the mean of each plane.
  auto x = inputs[0].getHandle<float>();
  for (size_t p = 0; p < 8; p++) {
    double sum = 0;
    for (size_t i = 0; i < 25; i++) {
      sum += x.raw(p * 25 + i);
    }
    EXPECT_NEAR(r.ref.getHandle<float>().raw(p), sum / 25, 1e-5);
  }
  expectWithin(
      r, [&](size_t) { return sx / 2 + sy / 2 + 1e-3 * sy; }, "global avg");
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

TEST_P(Int8KernelTest, concatOfDifferentRanges) {
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 3, 4}, -1.f, 1.f));
  inputs.push_back(random({2, 2, 4}, 0.f, 10.f));
  inputs.push_back(random({2, 1, 4}, -50.f, -20.f));
  auto r = runBoth(
      inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
        return F->createConcat("cat", {in[0], in[1], in[2]}, 1);
      });
  auto S = QuantizationSchema::Asymmetric;
  std::vector<double> s;
  for (auto &t : inputs) {
    s.push_back(scaleOf(t, S));
  }
  double sy = scaleOf(r.ref, S);
  EXPECT_NEAR(sy, (rangeOf(r.ref).second - rangeOf(r.ref).first) / 255, 1e-6);
  expectInt8(r, "cat", sy);
  // Each part is rescaled from its own grid to the output grid: its input
  // rounding s_i/2 plus one output rounding sy/2. Output [2, 6, 4]: rows
  // 0-2 of dim 1 come from in0, 3-4 from in1, 5 from in2.
  expectWithin(
      r,
      [&](size_t i) {
        size_t row = (i / 4) % 6;
        size_t part = row < 3 ? 0 : row < 5 ? 1 : 2;
        return s[part] / 2 + sy / 2 + 1e-3 * sy;
      },
      "concat");
}

TEST_P(Int8KernelTest, transposeAndReshapeKeepTheInputScale) {
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 3, 4}, -1.f, 3.f));
  auto r = runBoth(
      inputs, [&](Function *F, Module &, llvm::ArrayRef<Placeholder *> in) {
        NodeValue t = F->createTranspose("tr", in[0], {2, 0, 1}); // [4, 2, 3]
        return F->createReshape("rs", t, {4, 6});
      });
  auto S = QuantizationSchema::Asymmetric;
  double sx = scaleOf(inputs[0], S);
  float qs = r.inputScale("in0");
  EXPECT_NEAR(qs, sx, sx * 1e-5);
  Node *tr = expectInt8(r, "tr", sx);
  Node *rs = expectInt8(r, "rs", sx);
  ASSERT_TRUE(tr && rs);
  // Same scale and offset as the quantized input: copies, no rescaling.
  EXPECT_TRUE(tr->getType().isEqualElemType(tr->getNthInput(0).getType()));
  EXPECT_TRUE(rs->getType().isEqualElemType(tr->getType()));
  // Hence the result is exactly the quantized input, moved: offset from
  // the Asymmetric rule, round(-128 - min/sx), every value the dequantized
  // code of the input element it came from.
  auto rg = rangeOf(inputs[0]);
  int32_t off = int32_t(std::nearbyint(-128 - std::min(rg.first, 0.0) / sx));
  EXPECT_EQ(tr->getType().getOffset(), off);
  TensorQuantizationParams p{qs, off};
  auto x = inputs[0].getHandle<float>();
  auto g = r.got.getHandle<float>();
  for (dim_t a = 0; a < 4; a++) {   // output of transpose: [c][n][h]
    for (dim_t n = 0; n < 2; n++) { // from input [n][h][c]
      for (dim_t h = 0; h < 3; h++) {
        float v = x.at({n, h, a});
        float want = dequantizeValue(quantizeValue(v, p), p);
        float gotv = g.at({a, n * 3 + h});
        ASSERT_EQ(gotv, want) << a << " " << n << " " << h;
        ASSERT_LE(std::fabs(gotv - v), sx / 2 * (1 + 1e-5));
      }
    }
  }
}

TEST_P(Int8KernelTest, chainOfLayersStaysInInt8) {
  // conv -> relu -> maxpool -> fc: only one Quantize (the input) and one
  // Dequantize (the output), every layer in INT8.
  std::vector<Tensor> inputs;
  inputs.push_back(random({2, 2, 6, 6}, -1.f, 1.f));
  Tensor w = random({3, 2, 3, 3}, -0.5f, 0.5f);
  Tensor b = random({3}, -0.1f, 0.1f);
  Tensor fw = random({27, 4}, -0.3f, 0.3f);
  Tensor fb = random({4}, -0.1f, 0.1f);
  auto r = runBoth(inputs, [&](Function *F, Module &M,
                               llvm::ArrayRef<Placeholder *> in) {
    NodeValue c = F->createConv("conv", in[0], M.createConstant("w", w.clone()),
                                M.createConstant("b", b.clone()), {3, 3},
                                {1, 1}, {1, 1, 1, 1}, 1, {1, 1});
    NodeValue rl = F->createRelu("relu", c);
    NodeValue mp = F->createMaxPool("pool", rl, {2, 2}, {2, 2}, {0, 0, 0, 0});
    return F->createFullyConnected("fc", mp, M.createConstant("fw", fw.clone()),
                                   M.createConstant("fb", fb.clone()));
  });
  EXPECT_EQ(countKind(r.qF, Node::Kind::QuantizeKind), 1u);
  EXPECT_EQ(countKind(r.qF, Node::Kind::DequantizeKind), 1u);
  for (const char *name : {"conv", "relu", "pool", "fc"}) {
    Node *n = r.qF->getNodeByName(name);
    ASSERT_NE(n, nullptr) << name;
    EXPECT_EQ(n->getType().getElementType(), ElemKind::Int8QTy) << name;
  }
  // A loose end-to-end bound: the errors of four layers accumulate; each is
  // a few output steps here, so 8 steps of the output scale is generous yet
  // far below the output's range (255 steps).
  double sy = scaleOf(r.ref, QuantizationSchema::Asymmetric);
  expectWithin(
      r, [&](size_t) { return 8 * sy; }, "conv-relu-pool-fc");
}

//===----------------------------------------------------------------------===//
// Conversions, on exact codes
//===----------------------------------------------------------------------===//

namespace {
/// Compiles \p F for \p ee's backend and runs it (inputs already bound in
/// \p bindings).
void compileAndRun(ExecutionEngine &ee, Function *F,
                   PlaceholderBindings &bindings) {
  llvm::Error err = ee.compile(F);
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  bindings.allocate(ee.getModule().getPlaceholders());
  err = ee.run(bindings);
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
}
} // namespace

/// The conversion nodes on one backend, against hand-computed codes.
class Int8ConversionTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    auto backend = createBackend(GetParam());
    if (!backend) {
      GTEST_SKIP() << llvm::toString(backend.takeError());
    }
  }
};

TEST_P(Int8ConversionTest, quantize) {
  auto ee = ExecutionEngine::create(GetParam());
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  const std::vector<float> x = {0.f,   0.25f,  0.75f, 1.f,    -1.f,
                                100.f, -100.f, 1.25f, -0.75f, 0.3f};
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {dim_t(x.size())}), "in");
  Type qTy(ElemKind::Int8QTy, {dim_t(x.size())}, 0.5f, 3);
  Node *q = F->createQuantize("q", in, qTy);
  Placeholder *out = F->createSave("out", q)->getPlaceholder();
  PlaceholderBindings b;
  b.allocate(in)->getHandle<float>().assign(x);
  compileAndRun(**ee, F, b);
  // code = clamp(round_half_even(x / 0.5) + 3):
  //   0 -> 3; 0.25 -> round(0.5) = 0 -> 3; 0.75 -> round(1.5) = 2 -> 5;
  //   1 -> 2 -> 5; -1 -> -2 -> 1; 100 -> 203 -> 127; -100 -> -197 -> -128;
  //   1.25 -> round(2.5) = 2 -> 5; -0.75 -> round(-1.5) = -2 -> 1;
  //   0.3 -> round(0.6) = 1 -> 4.
  const std::vector<int8_t> want = {3, 3, 5, 5, 1, 127, -128, 5, 1, 4};
  Tensor *t = b.get(out);
  ASSERT_EQ(t->getElementType(), ElemKind::Int8QTy);
  EXPECT_EQ(t->getType().getScale(), 0.5f);
  EXPECT_EQ(t->getType().getOffset(), 3);
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_EQ(t->getHandle<int8_t>().raw(i), want[i]) << "x = " << x[i];
  }
}

TEST_P(Int8ConversionTest, dequantize) {
  auto ee = ExecutionEngine::create(GetParam());
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::Int8QTy, {5}, 0.25f, -2), "in");
  Node *dq = F->createDequantize("dq", in);
  EXPECT_TRUE(dq->getType().isFloat());
  Placeholder *out = F->createSave("out", dq)->getPlaceholder();
  PlaceholderBindings b;
  b.allocate(in)->getHandle<int8_t>().assign({-128, -2, 0, 127, -3});
  compileAndRun(**ee, F, b);
  // x = 0.25 (q + 2): -128 -> -31.5, -2 -> 0, 0 -> 0.5, 127 -> 32.25,
  // -3 -> -0.25 (all exact in float).
  const std::vector<float> want = {-31.5f, 0.f, 0.5f, 32.25f, -0.25f};
  auto h = b.get(out)->getHandle<float>();
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_EQ(h.raw(i), want[i]) << i;
  }
}

TEST_P(Int8ConversionTest, rescaleQuantized) {
  auto ee = ExecutionEngine::create(GetParam());
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  // in: scale 0.625, offset 0 -> out: scale 0.25, offset 10. Ratio 2.5
  // (both scales are exact in binary, so the ratio is exactly 2.5).
  Placeholder *a =
      M.createPlaceholder(Type(ElemKind::Int8QTy, {7}, 0.625f, 0), "a");
  Node *ra = F->createRescaleQuantized("ra", a,
                                       Type(ElemKind::Int8QTy, {7}, 0.25f, 10));
  // in: scale 1, offset -5 -> out: scale 2, offset 7. Ratio 0.5.
  Placeholder *c =
      M.createPlaceholder(Type(ElemKind::Int8QTy, {5}, 1.f, -5), "c");
  Node *rc =
      F->createRescaleQuantized("rc", c, Type(ElemKind::Int8QTy, {5}, 2.f, 7));
  Placeholder *outA = F->createSave("outA", ra)->getPlaceholder();
  Placeholder *outC = F->createSave("outC", rc)->getPlaceholder();
  PlaceholderBindings b;
  b.allocate(a)->getHandle<int8_t>().assign({1, -1, 3, 0, 50, -60, 2});
  b.allocate(c)->getHandle<int8_t>().assign({-4, -6, 0, 127, -128});
  compileAndRun(**ee, F, b);
  // out = clamp(round_half_up(q * 2.5) + 10):
  //   1 -> 2.5 -> 3 -> 13; -1 -> -2.5 -> -2 -> 8; 3 -> 7.5 -> 8 -> 18;
  //   0 -> 10; 50 -> 125 -> 135 -> 127; -60 -> -150 -> -140 -> -128;
  //   2 -> 5 -> 15.
  const std::vector<int8_t> wantA = {13, 8, 18, 10, 127, -128, 15};
  // out = clamp(round_half_up((q + 5) * 0.5) + 7):
  //   -4 -> 0.5 -> 1 -> 8; -6 -> -0.5 -> 0 -> 7; 0 -> 2.5 -> 3 -> 10;
  //   127 -> 66 -> 73; -128 -> -61.5 -> -61 -> -54.
  const std::vector<int8_t> wantC = {8, 7, 10, 73, -54};
  auto ha = b.get(outA)->getHandle<int8_t>();
  for (size_t i = 0; i < wantA.size(); i++) {
    EXPECT_EQ(ha.raw(i), wantA[i]) << "a[" << i << "]";
  }
  auto hc = b.get(outC)->getHandle<int8_t>();
  for (size_t i = 0; i < wantC.size(); i++) {
    EXPECT_EQ(hc.raw(i), wantC[i]) << "c[" << i << "]";
  }
  // The real values agree within half an output step where not saturated:
  // a[2] = 0.625 * 3 = 1.875 -> 0.25 (18 - 10) = 2; c[2] = 5 -> 2 (10 - 7)
  // = 6.
  EXPECT_NEAR(0.25 * (ha.raw(2) - 10), 1.875, 0.125 + 1e-6);
  EXPECT_NEAR(2.0 * (hc.raw(2) - 7), 5.0, 1.0 + 1e-6);
}

TEST_P(Int8ConversionTest, quantizeDequantizeRoundTrip) {
  // Quantize then Dequantize in one graph: each value comes back within
  // half a step, codes beyond the grid saturate to its ends.
  auto ee = ExecutionEngine::create(GetParam());
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  std::vector<float> x;
  for (int i = -300; i <= 300; i++) {
    x.push_back(i * 0.01f);
  }
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {dim_t(x.size())}), "in");
  // Scale 0.01, offset -28: the grid is 0.01 (q + 28) for q in
  // [-128, 127], i.e. [-1.00, 1.55].
  Node *q = F->createQuantize(
      "q", in, Type(ElemKind::Int8QTy, {dim_t(x.size())}, 0.01f, -28));
  Node *dq = F->createDequantize("dq", q);
  Placeholder *out = F->createSave("out", dq)->getPlaceholder();
  PlaceholderBindings b;
  b.allocate(in)->getHandle<float>().assign(x);
  compileAndRun(**ee, F, b);
  auto h = b.get(out)->getHandle<float>();
  for (size_t i = 0; i < x.size(); i++) {
    double want = std::min(std::max(double(x[i]), -1.0), 1.55);
    ASSERT_NEAR(h.raw(i), want, 0.005 + 1e-5) << "x = " << x[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Int8KernelTest,
                         ::testing::ValuesIn(getAvailableBackends()),
                         [](const auto &info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Backends, Int8ConversionTest,
                         ::testing::ValuesIn(getAvailableBackends()),
                         [](const auto &info) { return info.param; });
