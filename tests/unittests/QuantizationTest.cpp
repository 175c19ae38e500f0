// Quantization arithmetic and bookkeeping: the choice of scale and offset
// per schema, float <-> int8 round trips, the bias rule, the fixed-point
// requantization transform, KL calibration, NodeProfile collection, the
// profile YAML file and the checks that reject a profile of another graph.
// Every expected value is worked out by hand in the comments or computed
// independently in double precision in the test.

#include "glow/Backends/Interpreter/Interpreter.h"
#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Graph/Graph.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Calibration.h"
#include "glow/Quantization/Profile.h"
#include "glow/Quantization/QuantizationMath.h"
#include "glow/Quantization/Quantizer.h"
#include "glow/Support/Error.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace glow;

namespace {

/// A temporary file that is removed when the object goes away.
struct TempFile {
  std::string path;
  explicit TempFile(llvm::StringRef suffix) {
    llvm::SmallString<128> p;
    EXPECT_FALSE(
        bool(llvm::sys::fs::createTemporaryFile("glow-quanttest", suffix, p)));
    path = std::string(p.str());
  }
  ~TempFile() { llvm::sys::fs::remove(path); }
  void write(llvm::StringRef text) const {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(bool(ec));
    os << text;
  }
  std::string read() const {
    auto buf = llvm::MemoryBuffer::getFile(path);
    EXPECT_TRUE(bool(buf));
    return buf ? (*buf)->getBuffer().str() : std::string();
  }
};

/// \returns true if \p a and \p b have the same bits.
bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(a)) == 0; }

NodeProfile makeProfile(float min, float max) {
  NodeProfile p;
  p.min = min;
  p.max = max;
  p.empty = false;
  p.histogram.assign(8, 1.f);
  return p;
}

Constant *floatConstant(Module &M, llvm::StringRef name,
                        llvm::ArrayRef<dim_t> dims,
                        llvm::ArrayRef<float> values) {
  Tensor t(ElemKind::FloatTy, dims);
  t.getHandle<float>().assign(values);
  return M.createConstant(name, std::move(t));
}

std::string errorText(llvm::Error err) {
  return llvm::toString(std::move(err));
}

} // namespace

//===----------------------------------------------------------------------===//
// chooseQuantizationParams
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, asymmetricParams) {
  // [-1, 3]: scale = 4/255; offset = round(-128 - (-1)/(4/255))
  //        = round(-128 + 63.75) = round(-64.25) = -64.
  auto p = chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Asymmetric);
  EXPECT_FLOAT_EQ(p.scale, 4.f / 255.f);
  EXPECT_EQ(p.offset, -64);
  // [-2, 0.5]: scale = 2.5/255; offset = round(-128 + 2/(2.5/255))
  //          = round(-128 + 204) = 76.
  p = chooseQuantizationParams(-2.f, 0.5f, QuantizationSchema::Asymmetric);
  EXPECT_FLOAT_EQ(p.scale, 2.5f / 255.f);
  EXPECT_EQ(p.offset, 76);
}

TEST(QuantizationTest, symmetricParams) {
  // [-1, 3]: a = max(|-1|, |3|) = 3, scale = 6/255, offset 0.
  auto p = chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Symmetric);
  EXPECT_FLOAT_EQ(p.scale, 6.f / 255.f);
  EXPECT_EQ(p.offset, 0);
  // [-5, 2]: a = 5, scale = 10/255.
  p = chooseQuantizationParams(-5.f, 2.f, QuantizationSchema::Symmetric);
  EXPECT_FLOAT_EQ(p.scale, 10.f / 255.f);
  EXPECT_EQ(p.offset, 0);
}

TEST(QuantizationTest, symmetricWithUInt8Params) {
  // [0, 5]: min >= 0, all 256 codes cover [0, 5]: scale 5/255, offset -128.
  auto p = chooseQuantizationParams(0.f, 5.f,
                                    QuantizationSchema::SymmetricWithUInt8);
  EXPECT_FLOAT_EQ(p.scale, 5.f / 255.f);
  EXPECT_EQ(p.offset, -128);
  // Code -128 is real 0 and code 127 is real 5.
  EXPECT_EQ(dequantizeValue(-128, p), 0.f);
  EXPECT_NEAR(dequantizeValue(127, p), 5.f, 1e-5);
  // [-1, 3] has negative values: same as Symmetric, scale 6/255, offset 0.
  p = chooseQuantizationParams(-1.f, 3.f,
                               QuantizationSchema::SymmetricWithUInt8);
  EXPECT_FLOAT_EQ(p.scale, 6.f / 255.f);
  EXPECT_EQ(p.offset, 0);
}

TEST(QuantizationTest, power2ScaleParams) {
  // [-1, 3]: symmetric scale 6/255 = 0.0235; log2(0.0235) = -5.41,
  // ceil = -5, scale = 2^-5 = 0.03125 exactly.
  auto p = chooseQuantizationParams(
      -1.f, 3.f, QuantizationSchema::SymmetricWithPower2Scale);
  EXPECT_EQ(p.scale, 0.03125f);
  EXPECT_EQ(p.offset, 0);
  // [-100, 20]: 200/255 = 0.784, log2 = -0.35, ceil = 0: scale 1.
  p = chooseQuantizationParams(-100.f, 20.f,
                               QuantizationSchema::SymmetricWithPower2Scale);
  EXPECT_EQ(p.scale, 1.f);
  // [0, 1000]: 2000/255 = 7.84, log2 = 2.97, ceil = 3: scale 8.
  p = chooseQuantizationParams(0.f, 1000.f,
                               QuantizationSchema::SymmetricWithPower2Scale);
  EXPECT_EQ(p.scale, 8.f);
}

TEST(QuantizationTest, rangeWithoutZeroIsWidenedToZero) {
  // [2, 10] -> [0, 10]: scale 10/255, offset round(-128 - 0) = -128, so real
  // 0 is exactly representable.
  auto p = chooseQuantizationParams(2.f, 10.f, QuantizationSchema::Asymmetric);
  EXPECT_FLOAT_EQ(p.scale, 10.f / 255.f);
  EXPECT_EQ(p.offset, -128);
  EXPECT_EQ(dequantizeValue(quantizeValue(0.f, p), p), 0.f);
  // [-10, -2] -> [-10, 0]: scale 10/255, offset round(-128 + 255) = 127.
  p = chooseQuantizationParams(-10.f, -2.f, QuantizationSchema::Asymmetric);
  EXPECT_FLOAT_EQ(p.scale, 10.f / 255.f);
  EXPECT_EQ(p.offset, 127);
  EXPECT_EQ(dequantizeValue(quantizeValue(0.f, p), p), 0.f);
  // Symmetric on [2, 10]: a = 10, scale 20/255.
  p = chooseQuantizationParams(2.f, 10.f, QuantizationSchema::Symmetric);
  EXPECT_FLOAT_EQ(p.scale, 20.f / 255.f);
  EXPECT_EQ(p.offset, 0);
  // SymmetricWithUInt8 on [2, 10]: min >= 0, scale 10/255, offset -128.
  p = chooseQuantizationParams(2.f, 10.f,
                               QuantizationSchema::SymmetricWithUInt8);
  EXPECT_FLOAT_EQ(p.scale, 10.f / 255.f);
  EXPECT_EQ(p.offset, -128);
}

TEST(QuantizationTest, allZeroRangeHasPositiveScale) {
  for (auto schema :
       {QuantizationSchema::Asymmetric, QuantizationSchema::Symmetric,
        QuantizationSchema::SymmetricWithUInt8,
        QuantizationSchema::SymmetricWithPower2Scale}) {
    auto p = chooseQuantizationParams(0.f, 0.f, schema);
    EXPECT_GT(p.scale, 0.f) << int(schema);
    EXPECT_TRUE(std::isfinite(p.scale)) << int(schema);
    EXPECT_GE(p.offset, -128);
    EXPECT_LE(p.offset, 127);
    // 0 survives the round trip exactly.
    EXPECT_EQ(dequantizeValue(quantizeValue(0.f, p), p), 0.f) << int(schema);
  }
  // The documented choice, a unit range: [0, 1] gives scale 1/255 with
  // offset -128 (Asymmetric, SymmetricWithUInt8); [-0.5, 0.5] gives
  // 2 * 0.5 / 255 = 1/255 with offset 0 (Symmetric), rounded up to
  // 2^ceil(log2(1/255)) = 2^ceil(-7.99) = 2^-7 with power-of-2 scales.
  auto a = chooseQuantizationParams(0.f, 0.f, QuantizationSchema::Asymmetric);
  EXPECT_FLOAT_EQ(a.scale, 1.f / 255);
  EXPECT_EQ(a.offset, -128);
  auto s = chooseQuantizationParams(0.f, 0.f, QuantizationSchema::Symmetric);
  EXPECT_FLOAT_EQ(s.scale, 1.f / 255);
  EXPECT_EQ(s.offset, 0);
  auto u = chooseQuantizationParams(0.f, 0.f,
                                    QuantizationSchema::SymmetricWithUInt8);
  EXPECT_FLOAT_EQ(u.scale, 1.f / 255);
  EXPECT_EQ(u.offset, -128);
  auto p2 = chooseQuantizationParams(
      0.f, 0.f, QuantizationSchema::SymmetricWithPower2Scale);
  EXPECT_EQ(p2.scale, 0.0078125f);
  EXPECT_EQ(p2.offset, 0);
  // A bias rounded at (input scale x this scale) stays representable:
  // 0.5 / ((4/255) (1/255)) = 0.5 * 65025 / 4 = 8128.1 -> 8128.
  EXPECT_EQ(quantizeBias(0.5f, (4.f / 255) * a.scale), 8128);
}

//===----------------------------------------------------------------------===//
// quantizeValue / dequantizeValue
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, roundTripErrorIsAtMostHalfAScale) {
  struct Range {
    float lo, hi;
  };
  std::mt19937 gen(1234);
  for (auto schema :
       {QuantizationSchema::Asymmetric, QuantizationSchema::Symmetric,
        QuantizationSchema::SymmetricWithUInt8,
        QuantizationSchema::SymmetricWithPower2Scale}) {
    for (Range r : {Range{-1.f, 3.f}, Range{0.f, 5.f}, Range{-7.5f, -0.25f},
                    Range{-0.001f, 0.002f}, Range{-300.f, 1000.f}}) {
      auto p = chooseQuantizationParams(r.lo, r.hi, schema);
      // Every value of [lo, hi] lies within half a step of a code: the
      // codes span 255 steps, the widened range at most 255 steps, and the
      // offset is rounded by at most half a step.
      std::uniform_real_distribution<float> dist(r.lo, r.hi);
      double tol = p.scale / 2.0 * (1 + 1e-5);
      for (int i = 0; i < 2000; i++) {
        float x = i == 0 ? r.lo : i == 1 ? r.hi : dist(gen);
        float back = dequantizeValue(quantizeValue(x, p), p);
        ASSERT_LE(std::fabs(double(back) - x), tol)
            << "schema " << int(schema) << " x " << x << " scale " << p.scale
            << " offset " << p.offset;
      }
    }
  }
}

TEST(QuantizationTest, quantizeRoundsHalfToEvenAndSaturates) {
  // Scale 0.5, offset 0: x/scale is exact, so the halves are real halves.
  TensorQuantizationParams p{0.5f, 0};
  EXPECT_EQ(quantizeValue(0.25f, p), 0);   // 0.5 -> 0 (even)
  EXPECT_EQ(quantizeValue(0.75f, p), 2);   // 1.5 -> 2 (even)
  EXPECT_EQ(quantizeValue(1.25f, p), 2);   // 2.5 -> 2 (even)
  EXPECT_EQ(quantizeValue(-0.75f, p), -2); // -1.5 -> -2
  EXPECT_EQ(quantizeValue(0.3f, p), 1);    // 0.6 -> 1
  // Saturation: 100/0.5 = 200 -> 127, -100/0.5 = -200 -> -128.
  EXPECT_EQ(quantizeValue(100.f, p), 127);
  EXPECT_EQ(quantizeValue(-100.f, p), -128);
  // With an offset: [-1, 3] asymmetric (scale 4/255, offset -64):
  // 3 -> round(191.25) - 64 = 127; 100 saturates to 127, -100 to -128.
  auto a = chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Asymmetric);
  EXPECT_EQ(quantizeValue(3.f, a), 127);
  EXPECT_EQ(quantizeValue(100.f, a), 127);
  EXPECT_EQ(quantizeValue(-100.f, a), -128);
  EXPECT_EQ(quantizeValue(0.f, a), -64);
  // The saturated codes dequantize to the ends of the grid:
  // (4/255) * (127 + 64) = 2.996 and (4/255) * (-128 + 64) = -1.004.
  EXPECT_NEAR(dequantizeValue(127, a), 4.0 / 255 * 191, 1e-6);
  EXPECT_NEAR(dequantizeValue(-128, a), -4.0 / 255 * 64, 1e-6);
  // Bias: round(x/scale) in int32 with offset 0, saturating.
  EXPECT_EQ(quantizeBias(1.f, 0.25f), 4);
  EXPECT_EQ(quantizeBias(-0.3f, 0.1f), -3);
  EXPECT_EQ(quantizeBias(1e10f, 1e-3f), INT32_MAX);
  EXPECT_EQ(quantizeBias(-1e10f, 1e-3f), INT32_MIN);
}

//===----------------------------------------------------------------------===//
// The bias rule
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, narrowBitWidthParams) {
  // 4 bits: codes [-8, 7], L = 15 steps.
  // Asymmetric [-1, 3]: scale 4/15; offset round(-8 - (-1)/(4/15)) =
  // round(-8 + 3.75) = round(-4.25) = -4.
  auto a =
      chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Asymmetric, 4);
  EXPECT_FLOAT_EQ(a.scale, 4.f / 15.f);
  EXPECT_EQ(a.offset, -4);
  // Symmetric: a = 3, scale 6/15 = 0.4, offset 0.
  auto s =
      chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Symmetric, 4);
  EXPECT_FLOAT_EQ(s.scale, 0.4f);
  EXPECT_EQ(s.offset, 0);
  // Unsigned variant on [0, 5]: scale 5/15, offset -8 (codes -8..7 = 0..5).
  auto u = chooseQuantizationParams(0.f, 5.f,
                                    QuantizationSchema::SymmetricWithUInt8, 4);
  EXPECT_FLOAT_EQ(u.scale, 5.f / 15.f);
  EXPECT_EQ(u.offset, -8);
  // 2 bits: codes [-2, 1], L = 3: asymmetric [0, 3] has scale 1, offset -2.
  auto two =
      chooseQuantizationParams(0.f, 3.f, QuantizationSchema::Asymmetric, 2);
  EXPECT_FLOAT_EQ(two.scale, 1.f);
  EXPECT_EQ(two.offset, -2);
  // 8 bits is the default.
  auto e =
      chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Asymmetric, 8);
  auto d = chooseQuantizationParams(-1.f, 3.f, QuantizationSchema::Asymmetric);
  EXPECT_EQ(e.scale, d.scale);
  EXPECT_EQ(e.offset, d.offset);
  // Values are clamped to the narrow codes: 100 -> 7, -100 -> -8.
  QuantizationRange r4(4);
  EXPECT_EQ(quantizeValue(100.f, s, r4), 7);
  EXPECT_EQ(quantizeValue(-100.f, s, r4), -8);
  // Inside the range a 4-bit round trip errs by at most scale/2.
  for (float x = -3.f; x <= 2.8f; x += 0.01f) {
    float back = dequantizeValue(quantizeValue(x, s, r4), s);
    EXPECT_LE(std::fabs(back - x), s.scale / 2 + 1e-6f) << x;
  }
}

TEST(QuantizationTest, weightBitsLimitTheWeightCodes) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = M.createPlaceholder(Type(ElemKind::FloatTy, {1, 64}), "in");
  std::vector<float> wv(64 * 4);
  for (size_t i = 0; i < wv.size(); i++) {
    wv[i] = std::sin(float(i)) * 2.f; // spread over [-2, 2]
  }
  Constant *w = floatConstant(M, "w", {64, 4}, wv);
  Constant *b = floatConstant(M, "b", {4}, {0.f, 0.f, 0.f, 0.f});
  Node *fc = F->createFullyConnected("fc", in, w, b);
  F->createSave("out", fc);
  ProfileSet profile;
  profile.entries["in:0"] = makeProfile(-1.f, 1.f);
  profile.entries["fc:0"] = makeProfile(-20.f, 20.f);
  QuantizationOptions opts;
  opts.weightBits = 3;     // codes [-4, 3]
  opts.activationBits = 5; // 31 steps
  ASSERT_FALSE(bool(quantizeNodes(F, {fc}, profile, opts)));
  auto *qfc = llvm::cast<FullyConnectedNode>(F->getNodeByName("fc"));
  auto *qw = llvm::cast<Constant>(qfc->getWeights().getNode());
  std::set<int> codes;
  for (size_t i = 0; i < qw->getPayload().size(); i++) {
    codes.insert(int(qw->getPayload().getAsDouble(i)));
  }
  EXPECT_GE(*codes.begin(), -4);
  EXPECT_LE(*codes.rbegin(), 3);
  EXPECT_GE(codes.size(), 7u); // the narrow range is used, not collapsed
  // Weights in [-2, 2] (asymmetric, 3 bits): scale 4/7.
  EXPECT_NEAR(qw->getType().getScale(), 4.f / 7.f, 1e-3f);
  // Activations: output [-20, 20] with 5 bits: scale 40/31.
  EXPECT_FLOAT_EQ(qfc->getType().getScale(), 40.f / 31.f);
  EXPECT_FLOAT_EQ(qfc->getInput().getType().getScale(), 2.f / 31.f);
}

TEST(QuantizationTest, fullyConnectedBiasIsInt32WithProductScale) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = M.createPlaceholder(Type(ElemKind::FloatTy, {2, 3}), "in");
  // Weights in [-0.5, 1.5]: scale 2/255, offset round(-128 + 63.75) = -64.
  Constant *w =
      floatConstant(M, "w", {3, 2}, {-0.5f, 1.5f, 0.25f, 0.f, 1.f, -0.125f});
  Constant *b = floatConstant(M, "b", {2}, {0.25f, -0.1f});
  Node *fc = F->createFullyConnected("fc", in, w, b);
  F->createSave("out", fc);
  ProfileSet profile;
  // Input range [-1, 3]: scale 4/255. Output range [-2, 6].
  profile.entries["in:0"] = makeProfile(-1.f, 3.f);
  profile.entries["fc:0"] = makeProfile(-2.f, 6.f);
  ASSERT_FALSE(bool(quantizeNodes(F, {fc}, profile, QuantizationOptions())));

  auto *qfc = llvm::cast<FullyConnectedNode>(F->getNodeByName("fc"));
  EXPECT_EQ(qfc->getType().getElementType(), ElemKind::Int8QTy);
  EXPECT_FLOAT_EQ(qfc->getType().getScale(), 8.f / 255.f);
  const Type &wt = qfc->getWeights().getType();
  ASSERT_EQ(wt.getElementType(), ElemKind::Int8QTy);
  EXPECT_FLOAT_EQ(wt.getScale(), 2.f / 255.f);
  EXPECT_EQ(wt.getOffset(), -64);
  const Type &it = qfc->getInput().getType();
  ASSERT_EQ(it.getElementType(), ElemKind::Int8QTy);
  EXPECT_FLOAT_EQ(it.getScale(), 4.f / 255.f);
  EXPECT_EQ(qfc->getInput().getNode()->getKind(), Node::Kind::QuantizeKind);

  auto *bc = llvm::dyn_cast<Constant>(qfc->getBias().getNode());
  ASSERT_NE(bc, nullptr);
  const Type &bt = bc->getType();
  ASSERT_EQ(bt.getElementType(), ElemKind::Int32QTy);
  EXPECT_EQ(bt.getOffset(), 0);
  // Bias scale = input scale x weight scale, bit for bit.
  EXPECT_EQ(bt.getScale(), it.getScale() * wt.getScale());
  // Hand values: scale = (4/255)(2/255) = 8/65025 = 1.2303e-4;
  // 0.25 / 1.2303e-4 = 2032.03 -> 2032; -0.1 / 1.2303e-4 = -812.8 -> -813.
  auto bh = bc->getPayload().getHandle<int32_t>();
  EXPECT_EQ(bh.raw(0), 2032);
  EXPECT_EQ(bh.raw(1), -813);
  // The output is read through a Dequantize.
  auto saves = F->getSaves();
  ASSERT_EQ(saves.size(), 1u);
  EXPECT_EQ(saves[0]->getInput().getNode()->getKind(),
            Node::Kind::DequantizeKind);
}

TEST(QuantizationTest, sigmoidBecomesALookupTable) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = M.createPlaceholder(Type(ElemKind::FloatTy, {4}), "in");
  Node *sg = F->createUnary(Node::Kind::SigmoidKind, "gate", in);
  F->createSave("out", sg);
  ProfileSet profile;
  // Input [-6.375, 6.375]: scale 12.75/255 = 0.05, offset 0 (round(-128 +
  // 127.5) = 0 with round half to even). Output [0, 1]: scale 1/255,
  // offset -128.
  profile.entries["in:0"] = makeProfile(-6.375f, 6.375f);
  profile.entries["gate:0"] = makeProfile(0.f, 1.f);
  ASSERT_FALSE(bool(quantizeNodes(F, {sg}, profile, QuantizationOptions())));
  eliminateDeadCode(F);
  // The table took the layer's name; the Sigmoid is gone.
  auto *lut = llvm::dyn_cast<IntLookupTableNode>(F->getNodeByName("gate"));
  ASSERT_NE(lut, nullptr);
  EXPECT_EQ(lut->getLayerName(), "gate");
  EXPECT_FLOAT_EQ(lut->getType().getScale(), 1.f / 255.f);
  EXPECT_EQ(lut->getType().getOffset(), -128);
  const Type &it = lut->getInput().getType();
  EXPECT_FLOAT_EQ(it.getScale(), 0.05f);
  EXPECT_EQ(it.getOffset(), 0);
  auto t = llvm::cast<Constant>(lut->getTable().getNode())
               ->getPayload()
               .getHandle<int8_t>();
  // q = 20: x = 1, sigmoid 0.7310586, x 255 = 186.42 -> 186, - 128 = 58.
  EXPECT_EQ(t.raw(20 + 128), 58);
  // q = 0: sigmoid 0.5; the float scale fl(1/255) = 0.00392156886 is a
  // little above 1/255, so 0.5 / scale = 127.4999992 -> 127, - 128 = -1.
  EXPECT_EQ(t.raw(128), -1);
  // q = -128: x = -6.4, sigmoid 0.001659 -> 0.42 -> 0 - 128 = -128.
  EXPECT_EQ(t.raw(0), -128);
  // q = 127: x = 6.35, sigmoid 0.998255 -> 254.55 -> 255 - 128 = 127.
  EXPECT_EQ(t.raw(255), 127);
}

TEST(QuantizationTest, biasCorrectionSubtractsWeightErrorTimesInputMean) {
  // FC 2 -> 1, weights {0.1, 1.0}: range [0, 1] (widened to 0), scale
  // 1/255, offset -128. In float, 0.1f / fl(1/255) = 25.4999995 rounds to
  // 25: code -103, back 25/255 = 0.0980392, an error of -0.0019608; 1.0 is
  // exact. Input channel means {10, 3}: the output is too small by
  // 0.019608 on average, so bias 0.5 becomes 0.519608.
  auto build = [](Module &M, Function *F) {
    Placeholder *in =
        M.createPlaceholder(Type(ElemKind::FloatTy, {4, 2}), "in");
    Constant *w = floatConstant(M, "w", {2, 1}, {0.1f, 1.f});
    Constant *b = floatConstant(M, "b", {1}, {0.5f});
    Node *fc = F->createFullyConnected("fc", in, w, b);
    F->createSave("out", fc);
    return fc;
  };
  ProfileSet profile;
  profile.entries["in:0"] = makeProfile(0.f, 20.f);
  profile.entries["in:0"].channelMeans = {10.0, 3.0};
  profile.entries["in:0"].channelCount = 4;
  profile.entries["fc:0"] = makeProfile(0.f, 40.f);
  auto biasOf = [&](bool correct) {
    Module M;
    Function *F = M.createFunction("main");
    Node *fc = build(M, F);
    QuantizationOptions opts;
    opts.biasCorrection = correct;
    EXPECT_FALSE(bool(quantizeNodes(F, {fc}, profile, opts)));
    auto *q = llvm::cast<FullyConnectedNode>(F->getNodeByName("fc"));
    auto *bc = llvm::cast<Constant>(q->getBias().getNode());
    return bc->getPayload().getHandle<int32_t>().raw(0) *
           double(bc->getType().getScale());
  };
  double scale = (20.0 / 255) * (1.0 / 255); // input x weight scale
  EXPECT_NEAR(biasOf(false), 0.5, scale / 2);
  EXPECT_NEAR(biasOf(true), 0.5 - (25.0 / 255 - 0.1) * 10.0, scale / 2);

  // A profile without channel means cannot correct: a one-line error.
  profile.entries["in:0"].channelMeans.clear();
  Module M;
  Function *F = M.createFunction("main");
  Node *fc = build(M, F);
  QuantizationOptions opts;
  opts.biasCorrection = true;
  llvm::Error err = quantizeNodes(F, {fc}, profile, opts);
  ASSERT_TRUE(bool(err));
  std::string msg = llvm::toString(std::move(err));
  EXPECT_NE(msg.find("channel means"), std::string::npos) << msg;
}

TEST(QuantizationTest, channelMeansAreRecordedPerChannel) {
  // [2, 3, 2] (N, C, inner): channel c of image n holds n * 10 + c, twice.
  NodeProfile p;
  std::vector<float> v;
  for (int n = 0; n < 2; n++) {
    for (int c = 0; c < 3; c++) {
      v.push_back(n * 10 + c);
      v.push_back(n * 10 + c);
    }
  }
  p.updateChannelMeans(v.data(), {2, 3, 2});
  ASSERT_EQ(p.channelMeans.size(), 3u);
  EXPECT_DOUBLE_EQ(p.channelMeans[0], 5.0);
  EXPECT_DOUBLE_EQ(p.channelMeans[2], 7.0);
  EXPECT_DOUBLE_EQ(p.channelCount, 4.0);
  // A second batch of one image of 100s: channel 0 mean (5 * 4 + 200) / 6.
  std::vector<float> w(6, 100.f);
  p.updateChannelMeans(w.data(), {1, 3, 2});
  EXPECT_DOUBLE_EQ(p.channelMeans[0], 220.0 / 6);
  EXPECT_DOUBLE_EQ(p.channelCount, 6.0);
}

TEST(QuantizationTest, convolutionBiasIsInt32WithProductScale) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {1, 2, 3, 3}), "in");
  // Filter [1, 2, 1, 1] in [-0.5, 1.5]: scale 2/255.
  Constant *w = floatConstant(M, "w", {1, 2, 1, 1}, {-0.5f, 1.5f});
  Constant *b = floatConstant(M, "b", {1}, {0.3f});
  Node *conv =
      F->createConv("conv", in, w, b, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1, {1, 1});
  F->createSave("out", conv);
  ProfileSet profile;
  profile.entries["in:0"] = makeProfile(-1.f, 3.f);
  profile.entries["conv:0"] = makeProfile(-2.f, 5.f);
  ASSERT_FALSE(bool(quantizeNodes(F, {conv}, profile, QuantizationOptions())));
  auto *qc = llvm::cast<ConvolutionNode>(F->getNodeByName("conv"));
  EXPECT_FALSE(qc->isChannelwise());
  auto *bc = llvm::cast<Constant>(qc->getBias().getNode());
  ASSERT_EQ(bc->getType().getElementType(), ElemKind::Int32QTy);
  EXPECT_EQ(bc->getType().getOffset(), 0);
  EXPECT_EQ(bc->getType().getScale(), qc->getInput().getType().getScale() *
                                          qc->getFilter().getType().getScale());
  EXPECT_FLOAT_EQ(bc->getType().getScale(), 8.f / 65025.f);
  // 0.3 / (8/65025) = 2438.44 -> 2438.
  EXPECT_EQ(bc->getPayload().getHandle<int32_t>().raw(0), 2438);
}

TEST(QuantizationTest, concatOperandsTakeTheScaleOfTheirWidestConcat) {
  // a, b: 1x1 convolutions of in; r = Relu(b). cat1 = [a, r] (profile
  // [-1, 3]), cat2 = [cat1, c] (profile [-2, 6]) and c also feeds d. All
  // of a, b, r, c, cat1 and cat2 form one group and take cat2's parameters
  // (asymmetric [-2, 6]: scale 8/255, offset round(-128 + 2 * 255/8) =
  // -64); d, which no Concat reads, keeps its own ([0, 1]).
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {1, 2, 3, 3}), "in");
  auto conv = [&](const std::string &name, NodeValue x) {
    Constant *w = floatConstant(M, name + ".w", {2, 2, 1, 1}, {1, -1, 2, 1});
    Constant *b = floatConstant(M, name + ".b", {2}, {0.1f, -0.1f});
    return F->createConv(name, x, w, b, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1,
                         {1, 1});
  };
  Node *a = conv("a", in), *b = conv("b", in);
  Node *r = F->createRelu("r", b);
  Node *cat1 = F->createConcat("cat1", {a, r}, 1);
  Node *c = conv("c", a);
  Node *cat2 = F->createConcat("cat2", {cat1, c}, 1);
  Node *d = conv("d", c);
  F->createSave("out", cat2);
  F->createSave("out2", d);
  ProfileSet profile;
  profile.entries["in:0"] = makeProfile(-1.f, 1.f);
  for (const char *name : {"a:0", "b:0", "r:0", "c:0"}) {
    profile.entries[name] = makeProfile(-0.5f, 0.5f);
  }
  profile.entries["cat1:0"] = makeProfile(-1.f, 3.f);
  profile.entries["cat2:0"] = makeProfile(-2.f, 6.f);
  profile.entries["d:0"] = makeProfile(0.f, 1.f);
  ASSERT_FALSE(bool(quantizeNodes(F, {a, b, r, cat1, c, cat2, d}, profile,
                                  QuantizationOptions())));
  for (Node *n : {a, b, r, cat1, c, cat2}) {
    EXPECT_FLOAT_EQ(n->getType().getScale(), 8.f / 255.f) << n->getName().str();
    EXPECT_EQ(n->getType().getOffset(), -64) << n->getName().str();
  }
  EXPECT_FLOAT_EQ(d->getType().getScale(), 1.f / 255.f);
  EXPECT_EQ(d->getType().getOffset(), -128);
}

TEST(QuantizationTest, batchNormBecomesAChannelwiseDepthwiseConvolution) {
  // bn over 2 channels: s = gamma / sqrt(var + eps), t = beta - mean * s:
  //   channel 0: gamma 2, var 3, eps 1: s = 2 / 2 = 1, beta 0.5, mean 1:
  //     t = 0.5 - 1 = -0.5;
  //   channel 1: gamma -0.5, var 0, eps 1: s = -0.5, beta 0, mean -2:
  //     t = 0 - (-2)(-0.5) = -1.
  // In INT8 it is the depthwise 1x1 Convolution "bn" (group 2) with one
  // weight a channel, quantized per channel even without -channelwise:
  // asymmetric [0, 1] -> scale 1/255, the weight code 127 (offset -128);
  // [-0.5, 0] -> scale 0.5/255, code -128 (offset 127).
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {1, 2, 3, 3}), "in");
  Node *bn = F->createBatchNormalization(
      "bn", in, floatConstant(M, "gamma", {2}, {2.f, -0.5f}),
      floatConstant(M, "beta", {2}, {0.5f, 0.f}),
      floatConstant(M, "mean", {2}, {1.f, -2.f}),
      floatConstant(M, "var", {2}, {3.f, 0.f}), 1.f);
  F->createSave("out", bn);
  ASSERT_TRUE(isQuantizableNode(*bn));
  EXPECT_EQ(getQuantizedSignature(*bn).kind, Node::Kind::ConvolutionKind);
  ProfileSet profile;
  profile.entries["in:0"] = makeProfile(-1.f, 3.f);
  profile.entries["bn:0"] = makeProfile(-2.f, 2.f);
  ASSERT_FALSE(bool(quantizeNodes(F, {bn}, profile, QuantizationOptions())));
  auto *qc = llvm::dyn_cast<ConvolutionNode>(F->getNodeByName("bn"));
  ASSERT_NE(qc, nullptr);
  EXPECT_EQ(qc->getGroup(), 2u);
  EXPECT_EQ(qc->getFilter().dims(), (llvm::ArrayRef<dim_t>{2, 1, 1, 1}));
  ASSERT_TRUE(qc->isChannelwise());
  auto sh = llvm::cast<Constant>(qc->getFilterScales().getNode())
                ->getPayload()
                .getHandle<float>();
  auto wh = llvm::cast<Constant>(qc->getFilter().getNode())
                ->getPayload()
                .getHandle<int8_t>();
  EXPECT_NEAR(sh.raw(0), 1.0 / 255, 1e-8);
  EXPECT_NEAR(sh.raw(1), 0.5 / 255, 1e-8);
  EXPECT_EQ(wh.raw(0), 127);
  EXPECT_EQ(wh.raw(1), -128);
  // The bias: t / (s_in * s_w), s_in = 4/255: -0.5 / (4/255 * 1/255) =
  // -8128.125 -> -8128; -1 / (4/255 * 0.5/255) = -32512.5 -> -32512 (even).
  auto bh = llvm::cast<Constant>(qc->getBias().getNode())
                ->getPayload()
                .getHandle<int32_t>();
  EXPECT_EQ(bh.raw(0), -8128);
  EXPECT_EQ(bh.raw(1), -32512);
  EXPECT_EQ(qc->getType().getElementType(), ElemKind::Int8QTy);
  for (Node *n : F->getNodes()) {
    EXPECT_FALSE(llvm::isa<BatchNormalizationNode>(n)) << n->getName().str();
  }
  llvm::Error err = F->verify();
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
}

TEST(QuantizationTest, channelwiseConvolutionBiasPerChannel) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {1, 2, 3, 3}), "in");
  // Output channel 0: filter {-0.5, 1.5}, range 2: scale 2/255, offset
  //   round(-128 + 0.5 * 127.5) = round(-64.25) = -64.
  // Output channel 1: filter {0, 4} -> [0, 4]: scale 4/255, offset -128.
  // Output channel 2: filter {-0.01, 0.03}: scale 0.04/255, offset
  //   round(-128 + 0.01 * 255 / 0.04) = round(-64.25) = -64.
  Constant *w = floatConstant(M, "w", {3, 2, 1, 1},
                              {-0.5f, 1.5f, 0.f, 4.f, -0.01f, 0.03f});
  const std::vector<float> bias = {0.3f, -0.7f, 0.001f};
  Constant *b = floatConstant(M, "b", {3}, bias);
  Node *conv =
      F->createConv("conv", in, w, b, {1, 1}, {1, 1}, {0, 0, 0, 0}, 1, {1, 1});
  F->createSave("out", conv);
  ProfileSet profile;
  profile.entries["in:0"] = makeProfile(-1.f, 3.f); // s_in = 4/255
  profile.entries["conv:0"] = makeProfile(-2.f, 20.f);
  QuantizationOptions opts;
  opts.channelwise = true;
  ASSERT_FALSE(bool(quantizeNodes(F, {conv}, profile, opts)));
  auto *qc = llvm::cast<ConvolutionNode>(F->getNodeByName("conv"));
  ASSERT_TRUE(qc->isChannelwise());
  auto *scales = llvm::cast<Constant>(qc->getFilterScales().getNode());
  auto *offsets = llvm::cast<Constant>(qc->getFilterOffsets().getNode());
  auto sh = scales->getPayload().getHandle<float>();
  auto oh = offsets->getPayload().getHandle<int32_t>();
  const std::vector<double> sw = {2.0 / 255, 4.0 / 255, 0.04 / 255};
  EXPECT_NEAR(sh.raw(0), sw[0], 1e-7);
  EXPECT_NEAR(sh.raw(1), sw[1], 1e-7);
  EXPECT_NEAR(sh.raw(2), sw[2], 1e-9);
  EXPECT_EQ(oh.raw(0), -64);
  EXPECT_EQ(oh.raw(1), -128);
  EXPECT_EQ(oh.raw(2), -64);
  auto *bc = llvm::cast<Constant>(qc->getBias().getNode());
  ASSERT_EQ(bc->getType().getElementType(), ElemKind::Int32QTy);
  EXPECT_EQ(bc->getType().getOffset(), 0);
  auto bh = bc->getPayload().getHandle<int32_t>();
  // b[o] / (s_in * s_w[o]):
  //   0.3 / ((4/255)(2/255)) = 0.3 * 65025 / 8 = 2438.44 -> 2438
  //  -0.7 / ((4/255)(4/255)) = -0.7 * 65025 / 16 = -2844.84 -> -2845
  //   0.001 / ((4/255)(0.04/255)) = 0.001 * 65025 / 0.16 = 406.41 -> 406
  EXPECT_EQ(bh.raw(0), 2438);
  EXPECT_EQ(bh.raw(1), -2845);
  EXPECT_EQ(bh.raw(2), 406);
  // And the same from an independent double computation.
  for (int o = 0; o < 3; o++) {
    double want = std::nearbyint(bias[o] / ((4.0 / 255) * sw[o]));
    EXPECT_NEAR(bh.raw(o), want, 1.0) << "channel " << o;
  }
  // The filter codes are per channel: channel 1's 4.0 is code 127 and its
  // 0.0 is code -128; channel 2's -0.01 is round(-63.75) - 64 = -128 and
  // 0.03 is round(191.25) - 64 = 127.
  auto wq = qc->getFilter().getType();
  ASSERT_EQ(wq.getElementType(), ElemKind::Int8QTy);
  auto wh = llvm::cast<Constant>(qc->getFilter().getNode())
                ->getPayload()
                .getHandle<int8_t>();
  EXPECT_EQ(wh.raw(2), -128);
  EXPECT_EQ(wh.raw(3), 127);
  EXPECT_EQ(wh.raw(4), -128);
  EXPECT_EQ(wh.raw(5), 127);
}

//===----------------------------------------------------------------------===//
// Requantization of accumulators (float scale)
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, accumulatorScaleIsTheRatioRoundedToFloat) {
  // 0.1 * 0.2 / 0.7 in double, then one rounding to float.
  EXPECT_EQ(accumulatorScale(0.1, 0.2, 0.7), float(0.1 * 0.2 / 0.7));
  EXPECT_EQ(accumulatorScale(1.0, 1.0, 4.0), 0.25f);
  // Below 2^-40 every int32 times the ratio rounds to 0: the scale is 0
  // (never a subnormal float); 2^-40 itself stays.
  EXPECT_EQ(accumulatorScale(1.0, 0x1p-41, 1.0), 0.f);
  EXPECT_EQ(accumulatorScale(1.0, 0x1p-40, 1.0), 0x1p-40f);
  EXPECT_EQ(accumulatorScale(1e-30, 1e-30, 1.0), 0.f);
  // Above 2^40 capped: every nonzero acc saturates either way.
  EXPECT_EQ(accumulatorScale(1e30, 1.0, 1.0), 0x1p40f);
}

TEST(QuantizationTest, requantizeAccumulatorExactCases) {
  // Scale 0.5: halves to even. 3 -> 1.5 -> 2, 5 -> 2.5 -> 2, -3 -> -2,
  // -5 -> -2, 1 -> 0.5 -> 0, -1 -> -0.5 -> 0, 7 -> 3.5 -> 4.
  EXPECT_EQ(requantizeAccumulator(3, 0.5f, 0), 2);
  EXPECT_EQ(requantizeAccumulator(5, 0.5f, 0), 2);
  EXPECT_EQ(requantizeAccumulator(-3, 0.5f, 0), -2);
  EXPECT_EQ(requantizeAccumulator(-5, 0.5f, 0), -2);
  EXPECT_EQ(requantizeAccumulator(1, 0.5f, 0), 0);
  EXPECT_EQ(requantizeAccumulator(-1, 0.5f, 0), 0);
  EXPECT_EQ(requantizeAccumulator(7, 0.5f, 0), 4);
  // The offset is added after the rounding, then the sum saturates:
  // 0.25 * 9 = 2.25 -> 2, + 5 = 7; 0.25 * 600 = 150 + 0 -> 127;
  // 150 - 30 = 120; -150 + 30 = -120; -150 -> -128.
  EXPECT_EQ(requantizeAccumulator(9, 0.25f, 5), 7);
  EXPECT_EQ(requantizeAccumulator(600, 0.25f, 0), 127);
  EXPECT_EQ(requantizeAccumulator(600, 0.25f, -30), 120);
  EXPECT_EQ(requantizeAccumulator(-600, 0.25f, 30), -120);
  EXPECT_EQ(requantizeAccumulator(-600, 0.25f, 0), -128);
  // The extremes of int32 with the largest scale saturate, no overflow.
  EXPECT_EQ(requantizeAccumulator(INT32_MAX, 0x1p40f, -128), 127);
  EXPECT_EQ(requantizeAccumulator(INT32_MIN, 0x1p40f, 127), -128);
  EXPECT_EQ(requantizeAccumulator(INT32_MAX, 0.f, 3), 3);
  // Beyond 2^24 the accumulator is rounded to a float first (to even):
  // 2^24 + 2^16 + 1 -> 2^24 + 2^16, times 2^-17 = 128.5 -> 128.
  EXPECT_EQ(requantizeAccumulator((1 << 24) + (1 << 16) + 1, 0x1p-17f, -128),
            0);
  EXPECT_EQ(requantizeAccumulator((1 << 24) + (1 << 16) + 3, 0x1p-17f, -128),
            1);
}

TEST(QuantizationTest, requantizeAccumulatorAgreesWithDoubleArithmetic) {
  // For |acc| < 2^24 float(acc) is exact, and the float product is the
  // exact one rounded once: the result is the double product (exact for
  // these operands) rounded to float, then to an integer half to even.
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> logRatio(std::log(1e-6),
                                                  std::log(10.0));
  // |acc| log-uniform below 2^24, so that most results do not saturate.
  std::uniform_real_distribution<double> logAcc(0, 24 * std::log(2.0));
  std::uniform_int_distribution<int32_t> offset(-128, 127);
  size_t inside = 0;
  for (int i = 0; i < 20000; i++) {
    float s = accumulatorScale(1.0, std::exp(logRatio(gen)), 1.0);
    int32_t a = int32_t(std::min(std::exp(logAcc(gen)), 16777215.0));
    a = i % 2 ? -a : a;
    int32_t o = offset(gen);
    double product = double(a) * double(s); // exact: 24 + 24 bits
    double r = std::nearbyint(double(float(product)));
    double want = std::min(std::max(r + o, -128.0), 127.0);
    inside += want > -128 && want < 127;
    ASSERT_EQ(requantizeAccumulator(a, s, o), int8_t(want))
        << "acc " << a << " scale " << s << " offset " << o;
  }
  EXPECT_GT(inside, 5000u); // the rounding, not only the clamp, was checked
}

//===----------------------------------------------------------------------===//
// Fixed-point requantization
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, quantizationTransformExactCases) {
  // ratio 0.5: round half towards +infinity.
  auto t = makeQuantizationTransform(0.5);
  EXPECT_EQ(applyQuantizationTransform(3, t), 2);   // 1.5 -> 2
  EXPECT_EQ(applyQuantizationTransform(-3, t), -1); // -1.5 -> -1
  EXPECT_EQ(applyQuantizationTransform(5, t), 3);   // 2.5 -> 3
  EXPECT_EQ(applyQuantizationTransform(-5, t), -2); // -2.5 -> -2
  EXPECT_EQ(applyQuantizationTransform(4, t), 2);
  EXPECT_EQ(applyQuantizationTransform(0, t), 0);
  // ratio 0.25: 2 -> 0.5 -> 1, -2 -> -0.5 -> 0, 7 -> 1.75 -> 2.
  t = makeQuantizationTransform(0.25);
  EXPECT_EQ(applyQuantizationTransform(2, t), 1);
  EXPECT_EQ(applyQuantizationTransform(-2, t), 0);
  EXPECT_EQ(applyQuantizationTransform(7, t), 2);
  EXPECT_EQ(applyQuantizationTransform(-7, t), -2);
  // ratio 1 is the identity, ratio 3 multiplies exactly.
  t = makeQuantizationTransform(1.0);
  for (int64_t v :
       {-2147483647LL, -1000LL, -1LL, 0LL, 1LL, 12345LL, 2147483647LL}) {
    EXPECT_EQ(applyQuantizationTransform(v, t), v);
  }
  t = makeQuantizationTransform(3.0);
  EXPECT_EQ(applyQuantizationTransform(7, t), 21);
  EXPECT_EQ(applyQuantizationTransform(-7, t), -21);
  // ratio 2.5: 1 -> 2.5 -> 3, -1 -> -2.5 -> -2, 3 -> 7.5 -> 8.
  t = makeQuantizationTransform(2.5);
  EXPECT_EQ(applyQuantizationTransform(1, t), 3);
  EXPECT_EQ(applyQuantizationTransform(-1, t), -2);
  EXPECT_EQ(applyQuantizationTransform(3, t), 8);
  // requantize adds the offset and saturates: round(100 * 2.5) + 10 = 260
  // -> 127; round(-100 * 2.5) + 10 = -240 -> -128; round(1 * 2.5) - 3 = 0.
  EXPECT_EQ(requantize(100, t, 10), 127);
  EXPECT_EQ(requantize(-100, t, 10), -128);
  EXPECT_EQ(requantize(1, t, -3), 0);
}

TEST(QuantizationTest, quantizationTransformExactForDyadicRatios) {
  // Ratios with few significant bits are held exactly, so the result must
  // be exactly floor(v * ratio + 0.5) for every v.
  for (double ratio : {0.375, 0.75, 1.5, 0.0078125, 12.25, 1.0 / 1024}) {
    auto t = makeQuantizationTransform(ratio);
    for (int64_t v = -3000; v <= 3000; v++) {
      long double want = std::floor((long double)v * ratio + 0.5L);
      ASSERT_EQ(applyQuantizationTransform(v, t), int64_t(want))
          << "ratio " << ratio << " v " << v;
    }
  }
}

TEST(QuantizationTest, quantizationTransformWithinOneOfRounding) {
  std::mt19937 gen(42);
  std::uniform_real_distribution<double> logRatio(std::log(1e-6),
                                                  std::log(100.0));
  std::uniform_int_distribution<int64_t> small(-300, 300);
  std::uniform_int_distribution<int64_t> large(-(1LL << 24), 1LL << 24);
  for (int i = 0; i < 2000; i++) {
    double ratio = std::exp(logRatio(gen));
    auto t = makeQuantizationTransform(ratio);
    // The fixed-point form: multiplier in [2^30, 2^31), relative error of
    // multiplier * 2^-shift at most 2^-31.
    ASSERT_GE(t.multiplier, 1LL << 30);
    ASSERT_LT(t.multiplier, 1LL << 31);
    double approx = std::ldexp(double(t.multiplier), -t.shift);
    ASSERT_LE(std::fabs(approx - ratio), ratio * std::ldexp(1.0, -31))
        << "ratio " << ratio;
    for (int j = 0; j < 50; j++) {
      int64_t v = j % 2 ? small(gen) : large(gen);
      long double exact = (long double)v * ratio;
      long double want = std::floor(exact + 0.5L);
      int64_t got = applyQuantizationTransform(v, t);
      ASSERT_LE(std::fabs((long double)got - want), 1.0L)
          << "ratio " << ratio << " v " << v;
      // And never more than half a unit plus the multiplier's error away
      // from the exact product.
      ASSERT_LE(std::fabs((long double)got - exact),
                0.5L + std::fabs(exact) * std::ldexp(1.0L, -31) + 1e-9L)
          << "ratio " << ratio << " v " << v;
    }
  }
}

//===----------------------------------------------------------------------===//
// NodeProfile and calibration
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, nodeProfileUpdateHandComputed) {
  NodeProfile p;
  const float first[] = {1, 2, 3, 4};
  p.update(first, 4, 4);
  // [1, 4] in 4 bins of width 0.75: 1 -> bin 0, 2 -> 1.33 -> 1,
  // 3 -> 2.67 -> 2, 4 -> 4 -> the last bin, 3.
  EXPECT_FALSE(p.empty);
  EXPECT_EQ(p.min, 1.f);
  EXPECT_EQ(p.max, 4.f);
  EXPECT_EQ(p.histogram, (std::vector<float>{1, 1, 1, 1}));
  // Widening to [-4, 4] (bins of width 2): old bin centres 1.375, 2.125,
  // 2.875, 3.625 sit at (c + 4) / 2 = 2.69, 3.06, 3.44, 3.81 -> bins 2, 3,
  // 3, 3. New values: -4 -> bin 0, 0 -> 2 -> bin 2.
  const float second[] = {-4, 0};
  p.update(second, 2, 4);
  EXPECT_EQ(p.min, -4.f);
  EXPECT_EQ(p.max, 4.f);
  EXPECT_EQ(p.histogram, (std::vector<float>{1, 0, 2, 3}));
  // A batch inside the range does not re-bin: 3.9 -> bin 3, -3 -> bin 0.
  const float third[] = {3.9f, -3.f};
  p.update(third, 2, 4);
  EXPECT_EQ(p.histogram, (std::vector<float>{2, 0, 2, 4}));
  // No values: nothing changes.
  p.update(third, 0, 4);
  EXPECT_EQ(p.histogram, (std::vector<float>{2, 0, 2, 4}));
}

TEST(QuantizationTest, nodeProfileCountsAsOneFloatAdditionPerValue) {
  // Bins are floats incremented by 1.f per value: a bin stops at 2^24
  // (2^24 + 1 rounds back to 2^24). 2^24 + 5 values in one bin and 3 in
  // another, the range fixed by the first batch.
  const size_t n = (size_t(1) << 24) + 5;
  std::vector<float> v(n, 0.f);
  v[0] = -1.f;
  v[1] = 1.f;
  NodeProfile p;
  p.update(v.data(), v.size(), 2);
  // [-1, 1] in 2 bins: -1 -> bin 0, 0 and 1 -> bin 1.
  EXPECT_EQ(p.histogram[0], 1.f);
  EXPECT_EQ(p.histogram[1], 16777216.f);
  const float more[] = {0.f, 0.5f, -0.5f};
  p.update(more, 3, 2);
  EXPECT_EQ(p.histogram[0], 2.f);
  EXPECT_EQ(p.histogram[1], 16777216.f);

  // Random batches with long runs of one value (a Relu's zeros): every
  // bin equals a one-value-at-a-time count done here.
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> dist(-2.f, 5.f);
  NodeProfile q;
  std::vector<float> values(20000);
  for (auto &x : values) {
    float y = dist(gen);
    x = y < 1.f ? 0.f : y;
  }
  q.update(values.data(), values.size(), 37);
  std::vector<float> want(37, 0.f);
  float width = (q.max - q.min) / 37;
  for (float x : values) {
    float b = (x - q.min) / width;
    want[size_t(std::min(b, 36.f))] += 1.f;
  }
  EXPECT_EQ(q.histogram, want);
}

TEST(QuantizationTest, nodeProfileKeepsTotalCountWhenRebinning) {
  std::mt19937 gen(7);
  NodeProfile p;
  size_t total = 0;
  float lo = INFINITY, hi = -INFINITY;
  // Each batch is wider than the previous one, so every update re-bins.
  for (int batch = 0; batch < 20; batch++) {
    std::uniform_real_distribution<float> dist(-1.f - batch, 1.f + 2 * batch);
    std::vector<float> v(1000 + batch * 37);
    for (auto &x : v) {
      x = dist(gen);
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    p.update(v.data(), v.size(), 100);
    total += v.size();
    ASSERT_EQ(p.histogram.size(), 100u);
    double sum = 0;
    for (float h : p.histogram) {
      sum += h;
    }
    ASSERT_EQ(sum, double(total)) << "after batch " << batch;
    ASSERT_EQ(p.min, lo);
    ASSERT_EQ(p.max, hi);
  }
  // Non-finite values are not counted.
  const float odd[] = {NAN, INFINITY, -INFINITY, 0.5f};
  p.update(odd, 4, 100);
  double sum = 0;
  for (float h : p.histogram) {
    sum += h;
  }
  EXPECT_EQ(sum, double(total + 1));
  EXPECT_EQ(p.min, lo);
  EXPECT_EQ(p.max, hi);
}

TEST(QuantizationTest, klNarrowsHeavyTailedRange) {
  std::mt19937 gen(2024);
  std::normal_distribution<float> normal(0.f, 1.f);
  NodeProfile p;
  // 100000 standard-normal values in 10 batches, then a few huge outliers.
  for (int batch = 0; batch < 10; batch++) {
    std::vector<float> v(10000);
    for (auto &x : v) {
      x = normal(gen);
    }
    p.update(v.data(), v.size(), 2048);
  }
  const float outliers[] = {60.f, -45.f, 80.f, 75.f};
  p.update(outliers, 4, 2048);
  ASSERT_EQ(p.histogram.size(), 2048u);
  EXPECT_EQ(p.min, -45.f);
  EXPECT_EQ(p.max, 80.f);

  auto none = chooseCalibratedRange(p, CalibrationMode::None);
  EXPECT_EQ(none.first, p.min);
  EXPECT_EQ(none.second, p.max);

  auto kl = chooseCalibratedRange(p, CalibrationMode::KL);
  // Strictly narrower than [min, max] (the outliers are dropped) ...
  EXPECT_GE(kl.first, p.min);
  EXPECT_LE(kl.second, p.max);
  EXPECT_LT(kl.second - kl.first, p.max - p.min);
  EXPECT_LT(kl.second - kl.first, 0.5f * (p.max - p.min));
  // ... but still covering the bulk of the distribution (+-3 sigma).
  EXPECT_LE(kl.first, -3.f);
  EXPECT_GE(kl.second, 3.f);
  std::printf("KL range [%g, %g] of [%g, %g]\n", kl.first, kl.second, p.min,
              p.max);
}

TEST(QuantizationTest, klKeepsSmallHistograms) {
  // With no more bins than int8 levels there is nothing to clip: the
  // observed range comes back.
  NodeProfile p;
  std::vector<float> v;
  for (int i = -100; i <= 300; i++) {
    v.push_back(i * 0.01f);
  }
  p.update(v.data(), v.size(), 128);
  auto kl = chooseCalibratedRange(p, CalibrationMode::KL);
  EXPECT_EQ(kl.first, -1.f);
  EXPECT_EQ(kl.second, 3.f);
}

namespace {
/// A profile over [lo, hi] with the given bin counts.
NodeProfile histogramProfile(float lo, float hi, std::vector<float> counts) {
  NodeProfile p;
  p.min = lo;
  p.max = hi;
  p.histogram = std::move(counts);
  p.empty = false;
  return p;
}
} // namespace

TEST(QuantizationTest, percentileCalibrationOnAHandComputedHistogram) {
  // [0, 100] in 100 bins of width 1: bins 0-89 hold 10 values each, bins
  // 90-99 one each; 910 in all. At 99%, each tail may hold 9.1 values: from
  // the top, bins 99..91 hold 9, so the cut is 0.1 of the way down bin 90:
  // hi = 91 - 0.1 = 90.9. From the bottom the cut is 0.91 into bin 0, but
  // 0 was in the range and stays: lo = 0.
  std::vector<float> counts(100, 1.f);
  std::fill(counts.begin(), counts.begin() + 90, 10.f);
  NodeProfile p = histogramProfile(0.f, 100.f, counts);
  auto r = chooseCalibratedRange(p, CalibrationMode::Percentile, 99.0);
  EXPECT_FLOAT_EQ(r.first, 0.f);
  EXPECT_NEAR(r.second, 90.9f, 1e-4);
  // Spanning 0, [-50, 50] with the same counts: lo stays at the left cut,
  // 0.91 into bin 0: -50 + 0.91 = -49.09; hi = -50 + 90.9 = 40.9.
  NodeProfile q = histogramProfile(-50.f, 50.f, counts);
  auto s = chooseCalibratedRange(q, CalibrationMode::Percentile, 99.0);
  EXPECT_NEAR(s.first, -49.09f, 1e-4);
  EXPECT_NEAR(s.second, 40.9f, 1e-4);
  // 100% keeps everything.
  auto all = chooseCalibratedRange(q, CalibrationMode::Percentile, 100.0);
  EXPECT_FLOAT_EQ(all.first, -50.f);
  EXPECT_FLOAT_EQ(all.second, 50.f);
}

/// KL on \p counts spread over [0, 6] keeps [0, at least 5.4].
void expectKLKeepsMostOfZeroToSix(const std::vector<float> &counts) {
  NodeProfile p = histogramProfile(0.f, 6.f, counts);
  auto kl = chooseCalibratedRange(p, CalibrationMode::KL);
  EXPECT_FLOAT_EQ(kl.first, 0.f);
  EXPECT_GE(kl.second, 0.9f * 6.f);
}

TEST(QuantizationTest, klIgnoresTheSpikeOfZerosOfAReluOutput) {
  // A ReLU output: a million exact zeros (bin 0) and values spread evenly
  // over (0, 6]. Uniform values have no tail worth clipping; quantizing
  // the zeros costs nothing at any range (0 is exact). Smearing the spike
  // over the first group made the narrowest range look best.
  std::vector<float> counts(2048, 100.f);
  counts[0] = 1e6f;
  expectKLKeepsMostOfZeroToSix(counts);
}

TEST(QuantizationTest, klKeepsTheRangeAroundASpikeOfOneValue) {
  // A ReLU output of an image with a uniform background: a million zeros,
  // half a million values of one constant (bin 341, about 1.0) and values
  // spread evenly over (0, 6]. Smearing the constant's spike over its
  // group made the range that ends just after the spike (bin 342, 1.005)
  // look best, clipping everything above; kept whole (a constant goes to
  // one code), nothing is worth clipping.
  std::vector<float> counts(2048, 100.f);
  counts[0] = 1e6f;
  counts[341] = 5e5f;
  expectKLKeepsMostOfZeroToSix(counts);
}

TEST(QuantizationTest, mseCalibrationBalancesClippingAndRounding) {
  // [0, 1000] in 1000 bins: a million values in bins 0-99 and one outlier
  // in bin 999 (centre 999.5). For hi in [100, 999] the expected squared
  // error is (999.5 - hi)^2 (the outlier clipped) + 1e6 * (hi/255)^2 / 12
  // (rounding), least at hi = 999.5 / (1 + 1e6 / (255^2 * 12)) = 438.08.
  std::vector<float> counts(1000, 0.f);
  std::fill(counts.begin(), counts.begin() + 100, 10000.f);
  counts[999] = 1.f;
  NodeProfile p = histogramProfile(0.f, 1000.f, counts);
  auto r = chooseCalibratedRange(p, CalibrationMode::MSE);
  EXPECT_FLOAT_EQ(r.first, 0.f);
  EXPECT_NEAR(r.second, 438.f, 1.f);
  // With only 100 values in the bulk rounding costs little: the optimum is
  // 999.5 / (1 + 100 / (255^2 * 12)) = 999.37, the outlier barely clipped.
  std::fill(counts.begin(), counts.begin() + 100, 1.f);
  NodeProfile q = histogramProfile(0.f, 1000.f, counts);
  auto s = chooseCalibratedRange(q, CalibrationMode::MSE);
  EXPECT_NEAR(s.second, 999.f, 1.f);
}

TEST(QuantizationTest, autoCalibrationPicksTheLeastExpectedError) {
  // [-100, 100] in 2000 bins of 0.1: one value at -99.95 (bin 0) and 1000
  // a bin over [0, 100] (1e6 values). Percentile 99.99 cuts 100 values at
  // each end: hi = 100 - 0.1 * 100/1000 = 99.99, lo inside bin 1000, then
  // widened to 0. Its expected error: the outlier clipped, 99.95^2 = 9990,
  // plus rounding 1e6 * (99.99/255)^2 / 12 = 12813: 22803. The observed
  // range rounds with steps of 200/255: 1e6 * (200/255)^2 / 12 = 51262.
  // The ranges anchored at 0 that MSE and KL search clip the bulk as soon
  // as they clip the outlier: about 51000 at best. Auto takes percentile.
  std::vector<float> counts(2000, 0.f);
  counts[0] = 1.f;
  std::fill(counts.begin() + 1000, counts.end(), 1000.f);
  NodeProfile p = histogramProfile(-100.f, 100.f, counts);
  auto [mode, range] = chooseBestRange(p, 99.99);
  EXPECT_EQ(mode, CalibrationMode::Percentile);
  EXPECT_FLOAT_EQ(range.first, 0.f);
  EXPECT_NEAR(range.second, 99.99f, 1e-3);
  auto viaMode = chooseCalibratedRange(p, CalibrationMode::Auto, 99.99);
  EXPECT_EQ(viaMode, range);

  // The MSE case above (a million values in [0, 100], one outlier at
  // 999.5): percentile 99.99 clips the outlier to 99.99, an error of
  // 899.5^2 = 809100 plus rounding 12813; MSE's 438 costs 561100 and the
  // observed range 1e6 * (1000/255)^2 / 12 = 1.28e6. Auto takes MSE's
  // range (KL's, when KL finds the same, is listed first).
  std::vector<float> outlier(1000, 0.f);
  std::fill(outlier.begin(), outlier.begin() + 100, 10000.f);
  outlier[999] = 1.f;
  NodeProfile q = histogramProfile(0.f, 1000.f, outlier);
  auto best = chooseBestRange(q, 99.99);
  EXPECT_TRUE(best.first == CalibrationMode::MSE ||
              best.first == CalibrationMode::KL)
      << getCalibrationModeName(best.first);
  EXPECT_EQ(best.second, chooseCalibratedRange(q, CalibrationMode::MSE));
}

//===----------------------------------------------------------------------===//
// Profile YAML
//===----------------------------------------------------------------------===//

TEST(QuantizationTest, profileYamlRoundTripIsBitExact) {
  ProfileSet profile;
  profile.graphHash = 0xFEDCBA9876543210ULL;
  // Entries in a non-alphabetical order that must survive.
  NodeProfile a;
  a.min = -123456.789f;
  a.max = 0.1f;
  a.empty = false;
  a.histogram = {0.1f, 1.0f / 3, 1e-30f, 3.4e38f, 0.f, 7.f, 123456.789f};
  NodeProfile b;
  b.min = 1e-30f;
  b.max = 1.0f / 3;
  b.empty = false;
  b.histogram = {2.f / 3, 1e-7f, 16777217.f};
  NodeProfile c;
  c.min = -0.f;
  c.max = 5e-39f; // a denormal
  c.empty = false;
  c.histogram = {1.f};
  profile.entries["zeta:0"] = a;
  profile.entries["alpha/beta:1"] = b;
  profile.entries["mid:0"] = c;
  profile.order = {"zeta:0", "alpha/beta:1", "mid:0"};

  TempFile file("yaml");
  ASSERT_FALSE(bool(writeProfile(profile, file.path)));
  auto read = readProfile(file.path);
  ASSERT_TRUE(bool(read)) << errorText(read.takeError());
  EXPECT_EQ(read->graphHash, 0xFEDCBA9876543210ULL);
  EXPECT_EQ(read->order, profile.order);
  ASSERT_EQ(read->entries.size(), 3u);
  for (auto &name : profile.order) {
    ASSERT_TRUE(read->entries.count(name)) << name;
    const NodeProfile &want = profile.entries[name];
    const NodeProfile &got = read->entries.at(name);
    EXPECT_TRUE(sameBits(got.min, want.min)) << name << " " << got.min;
    EXPECT_TRUE(sameBits(got.max, want.max)) << name << " " << got.max;
    ASSERT_EQ(got.histogram.size(), want.histogram.size()) << name;
    for (size_t i = 0; i < want.histogram.size(); i++) {
      EXPECT_TRUE(sameBits(got.histogram[i], want.histogram[i]))
          << name << " bin " << i << ": " << got.histogram[i] << " vs "
          << want.histogram[i];
    }
  }

  // The layout: three YAML documents with Glow's keys.
  std::string text = file.read();
  unsigned docs = 0;
  llvm::SmallVector<llvm::StringRef, 64> lines;
  llvm::StringRef(text).split(lines, '\n');
  for (auto line : lines) {
    docs += line.startswith("---");
  }
  EXPECT_EQ(docs, 3u) << text;
  for (const char *key : {"GlowToolsVersion:", "GraphPreLowerHash:",
                          "NodeOutputName:", "Min:", "Max:", "Histogram:"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
  // The hash is written as the decimal value of the uint64.
  EXPECT_NE(text.find("18364758544493064720"), std::string::npos) << text;
  // Entries appear in the written order.
  EXPECT_LT(text.find("zeta:0"), text.find("alpha/beta:1"));
  EXPECT_LT(text.find("alpha/beta:1"), text.find("mid:0"));

  // Writing what was read gives the same file.
  TempFile again("yaml");
  ASSERT_FALSE(bool(writeProfile(*read, again.path)));
  EXPECT_EQ(again.read(), text);
  // Without cross-layer equalization the file has only Glow's keys.
  EXPECT_FALSE(read->crossLayerEqualization);
  EXPECT_EQ(text.find("CrossLayerEqualization"), std::string::npos);
  // With it, the hash document says so and reading gives it back.
  profile.crossLayerEqualization = true;
  TempFile cle("yaml");
  ASSERT_FALSE(bool(writeProfile(profile, cle.path)));
  EXPECT_NE(cle.read().find("CrossLayerEqualization: true"), std::string::npos)
      << cle.read();
  auto readCle = readProfile(cle.path);
  ASSERT_TRUE(bool(readCle)) << errorText(readCle.takeError());
  EXPECT_TRUE(readCle->crossLayerEqualization);
}

TEST(QuantizationTest, readProfileRejectsMinAboveMax) {
  TempFile file("yaml");
  file.write("---\n"
             "GlowToolsVersion: test\n"
             "...\n"
             "---\n"
             "GraphPreLowerHash: 5\n"
             "...\n"
             "---\n"
             "- NodeOutputName: 'ok:0'\n"
             "  Min: -1\n"
             "  Max: 1\n"
             "  Histogram: [ 1, 2 ]\n"
             "- NodeOutputName: 'bad:0'\n"
             "  Min: 2\n"
             "  Max: 1\n"
             "  Histogram: [ 1, 2 ]\n"
             "...\n");
  auto read = readProfile(file.path);
  ASSERT_FALSE(bool(read));
  std::string msg = errorText(read.takeError());
  EXPECT_NE(msg.find("bad:0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Min > Max"), std::string::npos) << msg;

  // The same file with Min <= Max reads.
  file.write("---\n"
             "GlowToolsVersion: test\n"
             "...\n"
             "---\n"
             "GraphPreLowerHash: 5\n"
             "...\n"
             "---\n"
             "- NodeOutputName: 'ok:0'\n"
             "  Min: -1\n"
             "  Max: 1\n"
             "  Histogram: [ 1, 2 ]\n"
             "...\n");
  auto good = readProfile(file.path);
  ASSERT_TRUE(bool(good)) << errorText(good.takeError());
  EXPECT_EQ(good->graphHash, 5u);
  EXPECT_EQ(good->entries.at("ok:0").histogram, (std::vector<float>{1, 2}));

  // A missing file and a file that is not a profile are errors too.
  auto missing = readProfile(file.path + ".does-not-exist");
  ASSERT_FALSE(bool(missing));
  llvm::consumeError(missing.takeError());
  file.write("just: [text\n");
  auto garbage = readProfile(file.path);
  ASSERT_FALSE(bool(garbage));
  llvm::consumeError(garbage.takeError());
}

TEST(QuantizationTest, readProfileReadsDecimalFloatsOnly) {
  auto parse = [](const char *min, const char *bins) {
    return parseProfile(std::string("---\nGlowToolsVersion: test\n...\n"
                                    "---\nGraphPreLowerHash: 5\n...\n"
                                    "---\n- NodeOutputName: 'x:0'\n  Min: ") +
                            min + "\n  Max: 1e1\n  Histogram: [ " + bins +
                            " ]\n...\n",
                        "test.yaml");
  };
  // Signs, exponents and 9-digit forms read as the nearest float.
  auto good = parse("+2.5e-1", "-0, 3, 1.17549435e-38, 0.333333343");
  ASSERT_TRUE(bool(good)) << errorText(good.takeError());
  const NodeProfile &e = good->entries.at("x:0");
  EXPECT_EQ(e.min, 0.25f);
  EXPECT_EQ(e.max, 10.f);
  ASSERT_EQ(e.histogram.size(), 4u);
  EXPECT_TRUE(std::signbit(e.histogram[0]));
  EXPECT_EQ(e.histogram[1], 3.f);
  EXPECT_EQ(e.histogram[2], std::numeric_limits<float>::min());
  EXPECT_EQ(e.histogram[3], 1.f / 3);
  // Trailing characters, a lone sign and hexadecimal are not floats.
  for (auto [min, bins] : {std::pair{"0.5x", "1"}, std::pair{"0", "1, -"},
                           std::pair{"0x1p-1", "1"}, std::pair{"0", "1 2"}}) {
    auto bad = parse(min, bins);
    ASSERT_FALSE(bool(bad)) << min << " / " << bins;
    llvm::consumeError(bad.takeError());
  }
}

namespace {
/// in [N, 4] -> FullyConnected "fc" (4 -> 3) -> Relu "relu" -> Save "out".
/// \p reluKind and \p reluName allow variants of the last layer.
Function *buildSmallGraph(Module &M, dim_t batch,
                          Node::Kind reluKind = Node::Kind::ReluKind,
                          llvm::StringRef reluName = "relu") {
  Function *F = M.createFunction("main");
  Placeholder *in =
      M.createPlaceholder(Type(ElemKind::FloatTy, {batch, 4}), "in");
  std::vector<float> w(12), b = {0.1f, -0.2f, 0.3f};
  for (int i = 0; i < 12; i++) {
    w[i] = 0.1f * float(i - 5);
  }
  Node *fc = F->createFullyConnected("fc", in, floatConstant(M, "w", {4, 3}, w),
                                     floatConstant(M, "b", {3}, b));
  Node *act = F->createUnary(reluKind, reluName, fc);
  F->createSave("out", act);
  return F;
}
} // namespace

TEST(QuantizationTest, hashGraphIgnoresBatchButNotNamesOrKinds) {
  Module m1, m8, renamed, sigmoid, again;
  uint64_t h1 = hashGraph(*buildSmallGraph(m1, 1));
  uint64_t h8 = hashGraph(*buildSmallGraph(m8, 8));
  uint64_t hAgain = hashGraph(*buildSmallGraph(again, 1));
  uint64_t hRenamed = hashGraph(
      *buildSmallGraph(renamed, 1, Node::Kind::ReluKind, "relu_renamed"));
  uint64_t hSigmoid =
      hashGraph(*buildSmallGraph(sigmoid, 1, Node::Kind::SigmoidKind, "relu"));
  EXPECT_EQ(h1, hAgain);
  EXPECT_EQ(h1, h8);
  EXPECT_NE(h1, hRenamed);
  EXPECT_NE(h1, hSigmoid);
  EXPECT_NE(hRenamed, hSigmoid);
  // A weight of another shape changes the hash too.
  Module other;
  Function *F = other.createFunction("main");
  Placeholder *in =
      other.createPlaceholder(Type(ElemKind::FloatTy, {1, 4}), "in");
  Node *fc = F->createFullyConnected(
      "fc", in, floatConstant(other, "w", {4, 2}, std::vector<float>(8, 0.f)),
      floatConstant(other, "b", {2}, {0.f, 0.f}));
  F->createSave("out", F->createRelu("relu", fc));
  EXPECT_NE(h1, hashGraph(*F));
}

//===----------------------------------------------------------------------===//
// Rejecting mismatched profiles
//===----------------------------------------------------------------------===//

namespace {
/// A profile for buildSmallGraph: entries for every float node output.
ProfileSet smallGraphProfile(uint64_t hash, bool withRelu = true) {
  ProfileSet p;
  p.graphHash = hash;
  p.entries["in:0"] = makeProfile(-1.f, 1.f);
  p.entries["fc:0"] = makeProfile(-2.f, 2.f);
  p.order = {"in:0", "fc:0"};
  if (withRelu) {
    p.entries["relu:0"] = makeProfile(0.f, 2.f);
    p.order.push_back("relu:0");
  }
  return p;
}
bool allInt8(const Node &) { return true; }
} // namespace

TEST(QuantizationTest, precisionModeAcceptsMatchingProfile) {
  Module M;
  Function *F = buildSmallGraph(M, 2);
  uint64_t hash = hashGraph(*F);
  auto report = transformForPrecisionMode(F, hash, smallGraphProfile(hash),
                                          PrecisionConfig(), allInt8);
  ASSERT_TRUE(bool(report)) << errorText(report.takeError());
  EXPECT_EQ(report->quantizedNodes, 2u); // fc and relu
  EXPECT_TRUE(F->getNodeByName("relu")->getType().isQuantized());
  EXPECT_TRUE(F->getNodeByName("fc")->getType().isQuantized());
  EXPECT_FALSE(bool(F->verify()));
}

TEST(QuantizationTest, aResultReadOnlyByAClipTakesTheClipsRange) {
  // fc's profile is [-2, 2], but only a Relu reads it: what is below 0
  // becomes 0 either way, so fc's INT8 range is [0, 2] (scale 2/255,
  // offset -128) and not [-2, 2] (4/255).
  {
    Module M;
    Function *F = buildSmallGraph(M, 2);
    uint64_t hash = hashGraph(*F);
    auto report = transformForPrecisionMode(F, hash, smallGraphProfile(hash),
                                            PrecisionConfig(), allInt8);
    ASSERT_TRUE(bool(report)) << errorText(report.takeError());
    const Type &fc = F->getNodeByName("fc")->getType();
    EXPECT_FLOAT_EQ(fc.getScale(), 2.f / 255);
    EXPECT_EQ(fc.getOffset(), -128);
  }
  // A Clip(-0.5, 1) that alone reads it: [-0.5, 1] (scale 1.5/255); with
  // a second reader the clip no longer bounds what matters: [-2, 2].
  auto fcScale = [](bool secondReader) {
    Module M;
    Function *F = M.createFunction("main");
    Placeholder *in =
        M.createPlaceholder(Type(ElemKind::FloatTy, {2, 4}), "in");
    Node *fc = F->createFullyConnected(
        "fc", in, floatConstant(M, "w", {4, 3}, std::vector<float>(12, 0.1f)),
        floatConstant(M, "b", {3}, {0.f, 0.f, 0.f}));
    Node *clip = F->createClip("clip", fc, -0.5f, 1.f);
    F->createSave("out", clip);
    if (secondReader) {
      F->createSave("out2", F->createUnary(Node::Kind::NegKind, "neg", fc));
    }
    ProfileSet profile;
    profile.entries["in:0"] = makeProfile(-1.f, 1.f);
    profile.entries["fc:0"] = makeProfile(-2.f, 2.f);
    profile.entries["clip:0"] = makeProfile(-0.5f, 1.f);
    EXPECT_FALSE(bool(quantizeNodes(F, {fc, clip}, profile, {})));
    return F->getNodeByName("fc")->getType().getScale();
  };
  EXPECT_FLOAT_EQ(fcScale(false), 1.5f / 255);
  EXPECT_FLOAT_EQ(fcScale(true), 4.f / 255);
}

TEST(QuantizationTest, precisionModeRejectsProfileOfAnotherGraph) {
  Module M;
  Function *F = buildSmallGraph(M, 2);
  uint64_t hash = hashGraph(*F);
  uint64_t wrong = hash ^ 0x5555;
  auto report = transformForPrecisionMode(F, hash, smallGraphProfile(wrong),
                                          PrecisionConfig(), allInt8);
  ASSERT_FALSE(bool(report));
  std::string msg = errorText(report.takeError());
  EXPECT_NE(msg.find("GraphPreLowerHash"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(wrong)), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::to_string(hash)), std::string::npos) << msg;
  // Nothing was changed.
  EXPECT_TRUE(F->getNodeByName("relu")->getType().isFloat());
}

TEST(QuantizationTest, precisionModeRejectsACrossLayerEqualizationMismatch) {
  for (bool profiled : {false, true}) {
    Module M;
    Function *F = buildSmallGraph(M, 2);
    uint64_t hash = hashGraph(*F);
    ProfileSet profile = smallGraphProfile(hash);
    profile.crossLayerEqualization = profiled;
    PrecisionConfig config;
    config.quantization.crossLayerEqualization = !profiled;
    auto report = transformForPrecisionMode(F, hash, profile, config, allInt8);
    ASSERT_FALSE(bool(report));
    std::string msg = errorText(report.takeError());
    EXPECT_NE(msg.find("-enable-cle"), std::string::npos) << msg;
    EXPECT_TRUE(F->getNodeByName("relu")->getType().isFloat());
    // Matching, it quantizes.
    config.quantization.crossLayerEqualization = profiled;
    auto ok = transformForPrecisionMode(F, hash, profile, config, allInt8);
    EXPECT_TRUE(bool(ok)) << errorText(ok.takeError());
  }
}

TEST(QuantizationTest, precisionModeRejectsProfileMissingAnEntry) {
  Module M;
  Function *F = buildSmallGraph(M, 2);
  uint64_t hash = hashGraph(*F);
  auto report = transformForPrecisionMode(
      F, hash, smallGraphProfile(hash, /*withRelu=*/false), PrecisionConfig(),
      allInt8);
  ASSERT_FALSE(bool(report));
  std::string msg = errorText(report.takeError());
  EXPECT_NE(msg.find("relu:0"), std::string::npos) << msg;
}

TEST(QuantizationTest, profileGetNamesTheMissingEntry) {
  ProfileSet p = smallGraphProfile(1, false);
  auto ok = p.get("fc:0");
  ASSERT_TRUE(bool(ok));
  EXPECT_EQ((*ok)->max, 2.f);
  auto missing = p.get("nope:0");
  ASSERT_FALSE(bool(missing));
  std::string msg = errorText(missing.takeError());
  EXPECT_NE(msg.find("nope:0"), std::string::npos) << msg;
}

//===----------------------------------------------------------------------===//
// Backend capability: the INT8 signature the quantizer asks about
//===----------------------------------------------------------------------===//

namespace {
/// A backend that has every kernel of the Interpreter except an INT8 Relu,
/// to check that the quantizer asks (and only asks) isOpSupported.
class NoInt8ReluBackend : public Backend {
public:
  std::string getName() const override { return "NoInt8Relu"; }
  bool isOpSupported(const OpSignature &sig) const override {
    asked.push_back(sig);
    if (sig.kind == Node::Kind::ReluKind && sig.result() == ElemKind::Int8QTy) {
      return false;
    }
    return isSignatureEvaluable(sig);
  }
  llvm::Expected<std::unique_ptr<CompiledFunction>>
  compile(const Function &) const override {
    return makeError("not used");
  }
  mutable std::vector<OpSignature> asked;
};
} // namespace

TEST(QuantizationTest, quantizedSignatureFollowsTheInt8Rule) {
  Module M;
  Function *F = buildSmallGraph(M, 2);
  // FullyConnected (Weighted): int8 activation and weights, int32 bias.
  OpSignature fc = getQuantizedSignature(*F->getNodeByName("fc"));
  EXPECT_EQ(fc.kind, Node::Kind::FullyConnectedKind);
  EXPECT_EQ(fc.operands,
            (std::vector<ElemKind>{ElemKind::Int8QTy, ElemKind::Int8QTy,
                                   ElemKind::Int32QTy}));
  EXPECT_EQ(fc.results, std::vector<ElemKind>{ElemKind::Int8QTy});
  // Relu (Profiled): its float operand and result become int8.
  OpSignature relu = getQuantizedSignature(*F->getNodeByName("relu"));
  EXPECT_EQ(relu.operands, std::vector<ElemKind>{ElemKind::Int8QTy});
  EXPECT_EQ(relu.results, std::vector<ElemKind>{ElemKind::Int8QTy});
  // The Interpreter runs both.
  Interpreter interp;
  EXPECT_TRUE(isQuantizableOn(*F->getNodeByName("fc"), interp));
  EXPECT_TRUE(isQuantizableOn(*F->getNodeByName("relu"), interp));
  // Sigmoid (Table): it has no INT8 kernel as such; the backend is asked
  // for the lookup table that replaces it.
  OpSignature sigmoid{
      Node::Kind::SigmoidKind, {ElemKind::Int8QTy}, {ElemKind::Int8QTy}};
  EXPECT_FALSE(interp.isOpSupported(sigmoid));
  Module M2;
  Function *G = buildSmallGraph(M2, 2, Node::Kind::SigmoidKind, "sig");
  OpSignature table = getQuantizedSignature(*G->getNodeByName("sig"));
  EXPECT_EQ(table.kind, Node::Kind::IntLookupTableKind);
  EXPECT_EQ(table.operands,
            (std::vector<ElemKind>{ElemKind::Int8QTy, ElemKind::Int8QTy}));
  EXPECT_TRUE(isQuantizableNode(*G->getNodeByName("sig")));
  EXPECT_TRUE(isQuantizableOn(*G->getNodeByName("sig"), interp));
  // SoftMax (None): no INT8 form.
  Module M3;
  Function *H = M3.createFunction("main");
  Placeholder *x = M3.createPlaceholder(Type(ElemKind::FloatTy, {2, 4}), "x");
  Node *sm = H->createSoftMax("sm", x, 1);
  EXPECT_FALSE(isQuantizableNode(*sm));
  EXPECT_FALSE(isQuantizableOn(*sm, interp));
}

TEST(QuantizationTest, backendWithoutAnInt8KernelKeepsTheLayerFP32) {
  Module M;
  Function *F = buildSmallGraph(M, 2);
  uint64_t hash = hashGraph(*F);
  NoInt8ReluBackend backend;
  auto report = transformForPrecisionMode(
      F, hash, smallGraphProfile(hash), PrecisionConfig(),
      [&](const Node &n) { return isQuantizableOn(n, backend); });
  ASSERT_TRUE(bool(report)) << errorText(report.takeError());
  EXPECT_EQ(report->quantizedNodes, 1u); // fc only
  EXPECT_EQ(report->keptUnsupported, std::vector<std::string>{"relu"});
  EXPECT_TRUE(F->getNodeByName("fc")->getType().isQuantized());
  EXPECT_TRUE(F->getNodeByName("relu")->getType().isFloat());
  // It was asked about the INT8 forms of fc and relu.
  ASSERT_EQ(backend.asked.size(), 2u);
  EXPECT_EQ(backend.asked[0].kind, Node::Kind::FullyConnectedKind);
  EXPECT_EQ(backend.asked[1].kind, Node::Kind::ReluKind);
  EXPECT_FALSE(bool(F->verify()));
}
