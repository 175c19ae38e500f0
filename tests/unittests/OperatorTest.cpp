// Operator tests run on every backend: tiny graphs built with the Function
// builders, compiled by the ExecutionEngine and checked against values worked
// out by hand (the arithmetic is in the comments).

#include "glow/Backends/Backend.h"
#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Graph/Graph.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

using namespace glow;

namespace {

constexpr double kTol = 1e-5;

class OperatorTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    auto ee = ExecutionEngine::create(GetParam());
    if (!ee) {
      // A backend this machine cannot run (no OpenCL platform).
      GTEST_SKIP() << llvm::toString(ee.takeError());
    }
    EE_ = std::move(*ee);
    M_ = &EE_->getModule();
    F_ = M_->createFunction("main");
  }

  /// A float input Placeholder whose value for the run is \p values.
  Placeholder *input(llvm::StringRef name, llvm::ArrayRef<dim_t> dims,
                     llvm::ArrayRef<float> values) {
    Tensor t(ElemKind::FloatTy, dims);
    t.getHandle<float>().assign(values);
    return inputTensor(name, std::move(t));
  }

  /// An int64 input Placeholder whose value for the run is \p values.
  Placeholder *inputI64(llvm::StringRef name, llvm::ArrayRef<dim_t> dims,
                        llvm::ArrayRef<int64_t> values) {
    Tensor t(ElemKind::Int64ITy, dims);
    t.getHandle<int64_t>().assign(values);
    return inputTensor(name, std::move(t));
  }

  Placeholder *inputTensor(llvm::StringRef name, Tensor &&t) {
    Placeholder *ph = M_->createPlaceholder(t.getType(), name);
    inputs_.emplace_back(ph, std::move(t));
    return ph;
  }

  Constant *constant(llvm::StringRef name, llvm::ArrayRef<dim_t> dims,
                     llvm::ArrayRef<float> values) {
    Tensor t(ElemKind::FloatTy, dims);
    t.getHandle<float>().assign(values);
    return M_->createConstant(name, std::move(t));
  }

  /// Saves every value of \p outs, compiles, runs once and \returns copies
  /// of the outputs.
  std::vector<Tensor> run(std::vector<NodeValue> outs) {
    std::vector<Placeholder *> phs;
    for (size_t i = 0; i < outs.size(); i++) {
      phs.push_back(F_->createSave("result" + std::to_string(i), outs[i])
                        ->getPlaceholder());
    }
    std::vector<Tensor> results;
    llvm::Error err = EE_->compile(F_);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    PlaceholderBindings bindings;
    for (auto &in : inputs_) {
      Tensor *t = bindings.allocate(in.first);
      *t = in.second.clone();
    }
    bindings.allocate(M_->getPlaceholders());
    err = EE_->run(bindings);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    for (Placeholder *ph : phs) {
      results.push_back(bindings.get(ph)->clone());
    }
    return results;
  }

  Tensor run(NodeValue out) {
    return std::move(run(std::vector<NodeValue>{out})[0]);
  }

  std::unique_ptr<ExecutionEngine> EE_;
  Module *M_{nullptr};
  Function *F_{nullptr};
  std::vector<std::pair<Placeholder *, Tensor>> inputs_;
};

/// Checks that \p t has shape \p dims and float values \p want.
void expectFloats(const Tensor &t, llvm::ArrayRef<dim_t> dims,
                  llvm::ArrayRef<float> want, double tol = kTol) {
  ASSERT_EQ(t.getElementType(), ElemKind::FloatTy);
  ASSERT_EQ(t.dims(), dims) << t.getType().toString();
  ASSERT_EQ(t.size(), want.size());
  auto h = t.getHandle<float>();
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_NEAR(h.raw(i), want[i], tol) << "element " << i;
  }
}

/// The 3x3 image 1..9 used by the conv and pool tests:
///   1 2 3
///   4 5 6
///   7 8 9
const std::vector<float> kImage3x3 = {1, 2, 3, 4, 5, 6, 7, 8, 9};

} // namespace

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, convStride1Pad0) {
  Placeholder *x = input("x", {1, 1, 3, 3}, kImage3x3);
  // Kernel [[1, 2], [3, 4]], bias 0.5.
  auto *conv = F_->createConv(
      "conv", x, constant("w", {1, 1, 2, 2}, {1, 2, 3, 4}),
      constant("b", {1}, {0.5f}), {2, 2}, {1, 1}, {0, 0, 0, 0}, 1, {1, 1});
  Tensor out = run(conv);
  // (0,0): 1*1 + 2*2 + 3*4 + 4*5 = 1 + 4 + 12 + 20 = 37
  // (0,1): 1*2 + 2*3 + 3*5 + 4*6 = 2 + 6 + 15 + 24 = 47
  // (1,0): 1*4 + 2*5 + 3*7 + 4*8 = 4 + 10 + 21 + 32 = 67
  // (1,1): 1*5 + 2*6 + 3*8 + 4*9 = 5 + 12 + 24 + 36 = 77
  // plus 0.5 each.
  expectFloats(out, {1, 1, 2, 2}, {37.5f, 47.5f, 67.5f, 77.5f});
}

TEST_P(OperatorTest, convStride2Pad1) {
  Placeholder *x = input("x", {1, 1, 3, 3}, kImage3x3);
  auto *conv = F_->createConv(
      "conv", x, constant("w", {1, 1, 2, 2}, {1, 2, 3, 4}),
      constant("b", {1}, {0.f}), {2, 2}, {2, 2}, {1, 1, 1, 1}, 1, {1, 1});
  Tensor out = run(conv);
  // Output (3 + 2 - 2) / 2 + 1 = 2. Windows start at rows/cols -1 and 1.
  // (0,0): rows -1..0, cols -1..0: only x(0,0)=1 under w(1,1)=4 -> 4
  // (0,1): rows -1..0, cols 1..2: x(0,1)=2*w(1,0)=3, x(0,2)=3*w(1,1)=4
  //        -> 6 + 12 = 18
  // (1,0): rows 1..2, cols -1..0: x(1,0)=4*w(0,1)=2, x(2,0)=7*w(1,1)=4
  //        -> 8 + 28 = 36
  // (1,1): rows 1..2, cols 1..2: 5*1 + 6*2 + 8*3 + 9*4 = 77
  expectFloats(out, {1, 1, 2, 2}, {4.f, 18.f, 36.f, 77.f});
}

TEST_P(OperatorTest, convMultiChannelAndBatch) {
  // N=2, C=2, 2x2 images; 1x1 filter with 2 outputs:
  //   out0 = c0 + c1, out1 = c0 - 2*c1 + 1 (bias).
  Placeholder *x = input("x", {2, 2, 2, 2},
                         {1, 2, 3, 4, /*c1*/ 10, 20, 30, 40,
                          /*n1 c0*/ -1, 0, 1, 2, /*c1*/ 5, 5, 5, 5});
  auto *conv = F_->createConv(
      "conv", x, constant("w", {2, 2, 1, 1}, {1, 1, 1, -2}),
      constant("b", {2}, {0.f, 1.f}), {1, 1}, {1, 1}, {0, 0, 0, 0}, 1, {1, 1});
  Tensor out = run(conv);
  // n0 out0: 11, 22, 33, 44; out1: 1-20+1=-18, 2-40+1=-37, 3-60+1=-56,
  //   4-80+1=-75
  // n1 out0: 4, 5, 6, 7; out1: -1-10+1=-10, 0-10+1=-9, 1-10+1=-8, 2-10+1=-7
  expectFloats(
      out, {2, 2, 2, 2},
      {11, 22, 33, 44, -18, -37, -56, -75, 4, 5, 6, 7, -10, -9, -8, -7});
}

TEST_P(OperatorTest, groupedConv) {
  // Two channels: c0 = 1..4, c1 = 5..8 (2x2 each). Group 2: output 0 sees
  // only c0, output 1 only c1.
  Placeholder *x = input("x", {1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto *conv = F_->createConv(
      "conv", x, constant("w", {2, 1, 2, 2}, {1, 2, 3, 4, 1, 0, 0, -1}),
      constant("b", {2}, {0.f, 1.f}), {2, 2}, {1, 1}, {0, 0, 0, 0}, 2, {1, 1});
  Tensor out = run(conv);
  // out0: 1*1 + 2*2 + 3*3 + 4*4 = 30
  // out1: 1*5 + 0*6 + 0*7 - 1*8 + 1 = -2
  expectFloats(out, {1, 2, 1, 1}, {30.f, -2.f});
}

TEST_P(OperatorTest, dilatedConv) {
  Placeholder *x = input("x", {1, 1, 3, 3}, kImage3x3);
  // 2x2 kernel [[1, 2], [3, 4]] dilated by 2 reads the four corners.
  auto *conv = F_->createConv(
      "conv", x, constant("w", {1, 1, 2, 2}, {1, 2, 3, 4}),
      constant("b", {1}, {0.f}), {2, 2}, {1, 1}, {0, 0, 0, 0}, 1, {2, 2});
  // With pad 1 the taps of output (i, j) are rows i-1, i+1 and cols j-1, j+1.
  auto *padded = F_->createConv(
      "padded", x, constant("w2", {1, 1, 2, 2}, {1, 2, 3, 4}),
      constant("b2", {1}, {0.f}), {2, 2}, {1, 1}, {1, 1, 1, 1}, 1, {2, 2});
  auto outs = run({conv, padded});
  // 1*1 + 2*3 + 3*7 + 4*9 = 1 + 6 + 21 + 36 = 64.
  expectFloats(outs[0], {1, 1, 1, 1}, {64.f});
  // (0,0): x(1,1)*4 = 20            (0,1): x(1,0)*3 + x(1,2)*4 = 12+24 = 36
  // (0,2): x(1,1)*3 = 15            (1,0): x(0,1)*2 + x(2,1)*4 = 4+32 = 36
  // (1,1): 64                       (1,2): x(0,1)*1 + x(2,1)*3 = 2+24 = 26
  // (2,0): x(1,1)*2 = 10            (2,1): x(1,0)*1 + x(1,2)*2 = 4+12 = 16
  // (2,2): x(1,1)*1 = 5
  expectFloats(outs[1], {1, 1, 3, 3}, {20, 36, 15, 36, 64, 26, 10, 16, 5});
}

//===----------------------------------------------------------------------===//
// FullyConnected and MatMul
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, fullyConnected) {
  Placeholder *x = input("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  // Weights rows (k): (1, 0), (0, 1), (1, -1); bias (0.5, -0.5).
  auto *fc = F_->createFullyConnected(
      "fc", x, constant("w", {3, 2}, {1, 0, 0, 1, 1, -1}),
      constant("b", {2}, {0.5f, -0.5f}));
  // A 4-D input is flattened: [1, 2, 1, 2] -> [1, 4].
  Placeholder *y = input("y", {1, 2, 1, 2}, {1, 2, 3, 4});
  auto *fc4 =
      F_->createFullyConnected("fc4", y, constant("w4", {4, 1}, {1, 2, 3, 4}),
                               constant("b4", {1}, {-1.f}));
  auto outs = run({fc, fc4});
  // row 0: 1 + 3 + 0.5 = 4.5;  2 - 3 - 0.5 = -1.5
  // row 1: 4 + 6 + 0.5 = 10.5; 5 - 6 - 0.5 = -1.5
  expectFloats(outs[0], {2, 2}, {4.5f, -1.5f, 10.5f, -1.5f});
  // 1*1 + 2*2 + 3*3 + 4*4 - 1 = 29.
  expectFloats(outs[1], {1, 1}, {29.f});
}

TEST_P(OperatorTest, matMul) {
  Placeholder *a = input("a", {2, 2}, {1, 2, 3, 4});
  Placeholder *b = input("b", {2, 3}, {5, 6, 7, 8, 9, 10});
  Tensor out = run(F_->createMatMul("mm", a, b));
  // [1 2] x [[5 6 7], [8 9 10]] = [5+16, 6+18, 7+20] = [21, 24, 27]
  // [3 4] -> [15+32, 18+36, 21+40] = [47, 54, 61]
  expectFloats(out, {2, 3}, {21, 24, 27, 47, 54, 61});
}

TEST_P(OperatorTest, matMulOfManyRowsByConstantWeights) {
  // 7 x 3 times 3 x 40, a[n][k] = n - k, b[k][m] = (k + 1)(m % 5 - 2):
  //   out[n][m] = (m % 5 - 2) sum_k (n - k)(k + 1)
  //             = (m % 5 - 2)(6n - (0 + 2 + 6)) = (m % 5 - 2)(6n - 8).
  // Constant weights take the packed kernels (seven rows: a tile of six
  // and one of one; 40 columns: three output blocks, the last cut at 8),
  // a Placeholder the plain one; both must agree with the formula.
  std::vector<float> av, bv;
  for (int n = 0; n < 7; n++) {
    for (int k = 0; k < 3; k++) {
      av.push_back(float(n - k));
    }
  }
  for (int k = 0; k < 3; k++) {
    for (int m = 0; m < 40; m++) {
      bv.push_back(float((k + 1) * (m % 5 - 2)));
    }
  }
  Placeholder *a = input("a", {7, 3}, av);
  Placeholder *b = input("b", {3, 40}, bv);
  auto outs = run({F_->createMatMul("packed", a, constant("w", {3, 40}, bv)),
                   F_->createMatMul("plain", a, b)});
  std::vector<float> want;
  for (int n = 0; n < 7; n++) {
    for (int m = 0; m < 40; m++) {
      want.push_back(float((m % 5 - 2) * (6 * n - 8)));
    }
  }
  expectFloats(outs[0], {7, 40}, want);
  expectFloats(outs[1], {7, 40}, want);
}

TEST_P(OperatorTest, matMulWithBiasAndRowBroadcasts) {
  // p = a x w as in matMulOfManyRowsByConstantWeights: p[n][m] =
  // (m % 5 - 2)(6n - 8), then
  //   biased  = reshape(p, [1, 7, 40]) + broadcast(bias [40]), bias[m] = m / 4
  //   folded  = p + c, c a constant [7, 40] of equal rows (bias again)
  //   uneven  = p + u, u[n][m] = n (rows differ)
  //   centred = p - broadcast(r [7, 1]), r[n] = n
  //   scaled  = broadcast(r) * p
  std::vector<float> av, wv, bias, rows, equal, uneven;
  for (int n = 0; n < 7; n++) {
    for (int k = 0; k < 3; k++) {
      av.push_back(float(n - k));
    }
    rows.push_back(float(n));
  }
  for (int k = 0; k < 3; k++) {
    for (int m = 0; m < 40; m++) {
      wv.push_back(float((k + 1) * (m % 5 - 2)));
    }
  }
  for (int m = 0; m < 40; m++) {
    bias.push_back(m / 4.f);
  }
  for (int n = 0; n < 7; n++) {
    for (int m = 0; m < 40; m++) {
      equal.push_back(m / 4.f);
      uneven.push_back(float(n));
    }
  }
  Placeholder *a = input("a", {7, 3}, av);
  auto mm = [&](const char *name) {
    return F_->createMatMul(name, a,
                            constant(std::string(name) + ".w", {3, 40}, wv));
  };
  NodeValue biased = F_->createArithmetic(
      Node::Kind::AddKind, "biased",
      F_->createReshape("mm1.rows", mm("mm1"), {1, 7, 40}),
      F_->createBroadcast("bias.b", constant("bias", {40}, bias), {1, 7, 40}));
  NodeValue folded =
      F_->createArithmetic(Node::Kind::AddKind, "folded",
                           constant("equal", {7, 40}, equal), mm("mm2"));
  NodeValue unevenSum =
      F_->createArithmetic(Node::Kind::AddKind, "uneven", mm("mm3"),
                           constant("unevenC", {7, 40}, uneven));
  NodeValue p4 = mm("mm4");
  NodeValue centred = F_->createArithmetic(
      Node::Kind::SubKind, "centred", p4,
      F_->createBroadcast("r.b1", input("r", {7, 1}, rows), {7, 40}));
  NodeValue scaled = F_->createArithmetic(
      Node::Kind::MulKind, "scaled",
      F_->createBroadcast("r.b2", input("r2", {7, 1}, rows), {7, 40}), p4);
  // shifted = broadcast(s [40]) - p, s an input (read by rows, first).
  NodeValue shifted = F_->createArithmetic(
      Node::Kind::SubKind, "shifted",
      F_->createBroadcast("s.b", input("s", {40}, bias), {7, 40}), p4);
  auto outs = run({biased, folded, unevenSum, centred, scaled, shifted});
  std::vector<float> wantBias, wantUneven, wantCentred, wantScaled, wantShifted;
  for (int n = 0; n < 7; n++) {
    for (int m = 0; m < 40; m++) {
      float p = float((m % 5 - 2) * (6 * n - 8));
      wantBias.push_back(p + m / 4.f);
      wantUneven.push_back(p + n);
      wantCentred.push_back(p - n);
      wantScaled.push_back(p * n);
      wantShifted.push_back(m / 4.f - p);
    }
  }
  expectFloats(outs[0], {1, 7, 40}, wantBias);
  expectFloats(outs[1], {7, 40}, wantBias);
  expectFloats(outs[2], {7, 40}, wantUneven);
  expectFloats(outs[3], {7, 40}, wantCentred);
  expectFloats(outs[4], {7, 40}, wantScaled);
  expectFloats(outs[5], {7, 40}, wantShifted);
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, arithmetic) {
  Placeholder *l = input("l", {2, 2}, {1, -2, 3, 8});
  Placeholder *r = input("r", {2, 2}, {2, 4, -1, 0.5f});
  auto outs = run({F_->createArithmetic(Node::Kind::AddKind, "add", l, r),
                   F_->createArithmetic(Node::Kind::SubKind, "sub", l, r),
                   F_->createArithmetic(Node::Kind::MulKind, "mul", l, r),
                   F_->createArithmetic(Node::Kind::DivKind, "div", l, r),
                   F_->createArithmetic(Node::Kind::MaxKind, "max", l, r),
                   F_->createArithmetic(Node::Kind::MinKind, "min", l, r)});
  expectFloats(outs[0], {2, 2}, {3, 2, 2, 8.5f});       // l + r
  expectFloats(outs[1], {2, 2}, {-1, -6, 4, 7.5f});     // l - r
  expectFloats(outs[2], {2, 2}, {2, -8, -3, 4});        // l * r
  expectFloats(outs[3], {2, 2}, {0.5f, -0.5f, -3, 16}); // l / r
  expectFloats(outs[4], {2, 2}, {2, 4, 3, 8});          // max
  expectFloats(outs[5], {2, 2}, {1, -2, -1, 0.5f});     // min
}

TEST_P(OperatorTest, unary) {
  Placeholder *x = input("x", {5}, {-2, -0.5f, 0, 1, 3});
  auto outs = run({F_->createRelu("relu", x), F_->createClip("clip", x, -1, 2),
                   F_->createLeakyRelu("leaky", x, 0.1f),
                   F_->createUnary(Node::Kind::SigmoidKind, "sigmoid", x),
                   F_->createUnary(Node::Kind::TanhKind, "tanh", x),
                   F_->createUnary(Node::Kind::ExpKind, "exp", x)});
  expectFloats(outs[0], {5}, {0, 0, 0, 1, 3});
  expectFloats(outs[1], {5}, {-1, -0.5f, 0, 1, 2});
  expectFloats(outs[2], {5}, {-0.2f, -0.05f, 0, 1, 3});
  // sigmoid(x) = 1 / (1 + e^-x): sigmoid(0) = 0.5, sigmoid(-2) = 0.1192029,
  // sigmoid(1) = 0.7310586, sigmoid(3) = 0.9525741.
  expectFloats(outs[3], {5},
               {0.11920292f, 1.f / (1.f + std::exp(0.5f)), 0.5f, 0.73105858f,
                0.95257413f});
  // tanh(-2) = -0.9640276, tanh(-0.5) = -0.4621172, tanh(1) = 0.7615942,
  // tanh(3) = 0.9950548.
  expectFloats(outs[4], {5},
               {-0.96402758f, -0.46211716f, 0.f, 0.76159416f, 0.99505475f});
  // e^-2 = 0.1353353, e^-0.5 = 0.6065307, e^0 = 1, e = 2.7182818,
  // e^3 = 20.085537.
  expectFloats(outs[5], {5},
               {0.13533528f, 0.60653066f, 1.f, 2.71828183f, 20.0855369f}, 1e-4);
}

TEST_P(OperatorTest, powerOfABroadcastScalar) {
  // x^2 and x^0.5 with the exponent one value broadcast (as the ONNX
  // importer makes a scalar operand), and 2^x with it first.
  Placeholder *x = input("x", {4}, {-3, 0.5f, 1.5f, 4});
  auto scalar = [&](const char *name, float v) {
    return F_->createBroadcast(std::string(name) + ".b",
                               constant(name, {1}, {v}), {4});
  };
  auto outs =
      run({F_->createArithmetic(Node::Kind::PowKind, "sq", x, scalar("two", 2)),
           F_->createArithmetic(Node::Kind::PowKind, "root", x,
                                scalar("half", 0.5f)),
           F_->createArithmetic(Node::Kind::PowKind, "exp2", scalar("base", 2),
                                x)});
  expectFloats(outs[0], {4}, {9, 0.25f, 2.25f, 16});
  // sqrt(-3) is NaN: checked apart.
  EXPECT_TRUE(std::isnan(outs[1].getHandle<float>().raw(0)));
  EXPECT_NEAR(outs[1].getHandle<float>().raw(1), 0.70710678, kTol);
  EXPECT_NEAR(outs[1].getHandle<float>().raw(2), 1.22474487, kTol);
  EXPECT_NEAR(outs[1].getHandle<float>().raw(3), 2, kTol);
  // 2^-3 = 0.125, 2^0.5 = 1.4142136, 2^1.5 = 2.8284271, 2^4 = 16.
  expectFloats(outs[2], {4}, {0.125f, 1.41421356f, 2.82842712f, 16});
}

TEST_P(OperatorTest, erf) {
  // Values of erf from Python's math.erf (an independent implementation),
  // on both sides of |x| = 0.5, where the CPU kernel changes formula.
  const std::vector<float> xs = {-3,    -1,    -0.6f, -0.25f, 0, 0.1f,
                                 0.49f, 0.51f, 0.75f, 2,      5};
  Placeholder *x = input("x", {11}, xs);
  Tensor out = run(F_->createUnary(Node::Kind::ErfKind, "erf", x));
  expectFloats(out, {11},
               {-0.99997791f, -0.84270079f, -0.60385609f, -0.27632639f, 0.f,
                0.11246292f, 0.51166826f, 0.52924362f, 0.71115563f, 0.99532227f,
                1.f},
               1e-6);
}

TEST_P(OperatorTest, geluAsPyTorchExportsIt) {
  // 0.5 * (x * (1 + erf(x / sqrt(2)))) in five nodes (the CPU backend
  // makes them one pass), the second time with the Add's and the last
  // Mul's operands swapped. Values from Python's math.erf.
  Placeholder *x =
      input("x", {9}, {-4, -1.5f, -0.3f, 0, 0.2f, 0.7f, 1, 2.5f, 6});
  auto scalar = [&](const std::string &name, float v) {
    return F_->createBroadcast(name + ".b", constant(name, {1}, {v}), {9});
  };
  auto gelu = [&](const std::string &name, bool swap) {
    NodeValue d = F_->createArithmetic(Node::Kind::DivKind, name + ".div", x,
                                       scalar(name + ".c", 1.41421356f));
    NodeValue e = F_->createUnary(Node::Kind::ErfKind, name + ".erf", d);
    NodeValue one = scalar(name + ".one", 1);
    NodeValue a = F_->createArithmetic(Node::Kind::AddKind, name + ".add",
                                       swap ? one : e, swap ? e : one);
    NodeValue m =
        F_->createArithmetic(Node::Kind::MulKind, name + ".mul", x, a);
    NodeValue half = scalar(name + ".half", 0.5f);
    return F_->createArithmetic(Node::Kind::MulKind, name, swap ? half : m,
                                swap ? m : half);
  };
  auto outs = run({gelu("gelu", false), gelu("gelu.swapped", true)});
  const std::vector<float> want = {
      -0.00012668497f, -0.1002108f, -0.11462657f, 0.f, 0.11585194f,
      0.53062544f,     0.84134475f, 2.48447584f,  6.f};
  expectFloats(outs[0], {9}, want, 1e-6);
  expectFloats(outs[1], {9}, want, 1e-6);
}

TEST_P(OperatorTest, loweredHardSigmoidAndHardSwish) {
  // Lowered kinds (Nodes.def): the backend runs the primitives that the
  // lowering stage makes of them (Mul, Add, Broadcast, Clip).
  Placeholder *x = input("x", {2, 3}, {-4, -3, -1, 0, 2, 3.5f});
  Node *hs = F_->addNode(
      std::make_unique<HardSigmoidNode>("hsig", x->getType(), x, 0.2f, 0.5f));
  Node *sw = F_->createUnary(Node::Kind::HardSwishKind, "hswish", x);
  Placeholder *r = input("r", {2, 3}, {-4, -2, -0.5f, 0.25f, 2, 8});
  Node *rc = F_->createUnary(Node::Kind::ReciprocalKind, "reciprocal", r);
  auto outs = run({hs, sw, rc});
  // clip(0.2 x + 0.5, 0, 1): -0.3 -> 0, -0.1 -> 0, 0.3, 0.5, 0.9, 1.2 -> 1.
  expectFloats(outs[0], {2, 3}, {0.f, 0.f, 0.3f, 0.5f, 0.9f, 1.f});
  // x * clip(x / 6 + 0.5, 0, 1): -4 * 0 = 0, -3 * 0 = 0,
  // -1 * 0.3333333 = -0.3333333, 0, 2 * 0.8333333 = 1.6666667,
  // 3.5 * 1 = 3.5.
  expectFloats(outs[1], {2, 3},
               {0.f, 0.f, -0.33333333f, 0.f, 1.66666667f, 3.5f});
  // 1 / r.
  expectFloats(outs[2], {2, 3}, {-0.25f, -0.5f, -2.f, 4.f, 0.5f, 0.125f});
}

TEST_P(OperatorTest, loweredReductionsOverAnyAxes) {
  // x[a][b][c], shape [2, 2, 3]:
  //   a=0: b=0: 1 -2 3    b=1: 4 0.5 -1
  //   a=1: b=0: 2  1 -3   b=1: 0.25 2 1
  Placeholder *x =
      input("x", {2, 2, 3}, {1, -2, 3, 4, 0.5f, -1, 2, 1, -3, 0.25f, 2, 1});
  using Mode = ReduceNode::Mode;
  auto reduce = [&](const char *name, Mode mode, std::vector<unsigned> axes,
                    bool keep, std::vector<dim_t> outDims) {
    return F_->addNode(std::make_unique<ReduceNode>(
        name, Type(ElemKind::FloatTy, outDims), x, mode, axes, keep));
  };
  auto outs = run({
      reduce("mean_c", Mode::Mean, {2}, true, {2, 2, 1}),
      reduce("sum_ac", Mode::Sum, {0, 2}, false, {2}), // not contiguous
      reduce("max_b", Mode::Max, {1}, false, {2, 3}),
      reduce("min_all", Mode::Min, {0, 1, 2}, false, {}),
      reduce("prod_b", Mode::Prod, {1}, true, {2, 1, 3}),
      reduce("l1_c", Mode::L1, {2}, false, {2, 2}),
      reduce("l2_a", Mode::L2, {0}, false, {2, 3}),
      reduce("lse_c", Mode::LogSumExp, {2}, false, {2, 2}),
  });
  // Means over c: (1-2+3)/3, (4+0.5-1)/3, (2+1-3)/3, (0.25+2+1)/3.
  expectFloats(outs[0], {2, 2, 1}, {0.6666667f, 1.1666667f, 0.f, 1.0833333f});
  // Sums over a and c: b=0: 2 + 0 = 2; b=1: 3.5 + 3.25 = 6.75.
  expectFloats(outs[1], {2}, {2.f, 6.75f});
  // Max over b: a=0: 4 0.5 3; a=1: 2 2 1.
  expectFloats(outs[2], {2, 3}, {4, 0.5f, 3, 2, 2, 1});
  expectFloats(outs[3], {}, {-3.f});
  // Products over b: a=0: 4 -1 -3; a=1: 0.5 2 -3.
  expectFloats(outs[4], {2, 1, 3}, {4, -1, -3, 0.5f, 2, -3});
  // |x| summed over c: 6, 5.5, 6, 3.25.
  expectFloats(outs[5], {2, 2}, {6, 5.5f, 6, 3.25f});
  // sqrt(x[0]^2 + x[1]^2) over a: sqrt(5), sqrt(5), sqrt(18), sqrt(16.0625),
  // sqrt(4.25), sqrt(2).
  expectFloats(
      outs[6], {2, 3},
      {2.2360680f, 2.2360680f, 4.2426407f, 4.0078049f, 2.0615528f, 1.4142136f});
  // log(sum(exp)) over c (numpy in float64): log(e^1 + e^-2 + e^3) =
  // 3.1328452, log(e^4 + e^0.5 + e^-1) = 4.0362696, log(e^2 + e^1 + e^-3) =
  // 2.3181754, log(e^0.25 + e^2 + e^1) = 2.4328555.
  expectFloats(outs[7], {2, 2},
               {3.1328452f, 4.0362696f, 2.3181754f, 2.4328555f});
}

//===----------------------------------------------------------------------===//
// Pooling and SoftMax
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, maxPoolWithPadding) {
  // All values negative: a pad cell read as 0 would win the max.
  Placeholder *x =
      input("x", {1, 1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  Tensor out = run(F_->createMaxPool("pool", x, {2, 2}, {2, 2}, {1, 1, 1, 1}));
  // Windows rows/cols {-1, 0} and {1, 2}:
  // (0,0): {-1} -> -1; (0,1): {-2, -3} -> -2; (1,0): {-4, -7} -> -4;
  // (1,1): {-5, -6, -8, -9} -> -5.
  expectFloats(out, {1, 1, 2, 2}, {-1, -2, -4, -5});
}

TEST_P(OperatorTest, avgPoolCountIncludePads) {
  Placeholder *x = input("x", {1, 1, 3, 3}, kImage3x3);
  auto outs =
      run({F_->createAvgPool("exclude", x, {2, 2}, {2, 2}, {1, 1, 1, 1}, false),
           F_->createAvgPool("include", x, {2, 2}, {2, 2}, {1, 1, 1, 1}, true),
           F_->createAvgPool("ceil", x, {2, 2}, {2, 2}, {0, 0, 0, 0}, true,
                             /*ceilMode=*/true)});
  // Same windows as the max pool test.
  // Pads excluded: 1/1 = 1; (2+3)/2 = 2.5; (4+7)/2 = 5.5;
  //   (5+6+8+9)/4 = 7.
  expectFloats(outs[0], {1, 1, 2, 2}, {1.f, 2.5f, 5.5f, 7.f});
  // Pads included: every window has 4 cells of the padded input:
  //   1/4 = 0.25; 5/4 = 1.25; 11/4 = 2.75; 28/4 = 7.
  expectFloats(outs[1], {1, 1, 2, 2}, {0.25f, 1.25f, 2.75f, 7.f});
  // Ceil mode without padding: 2 outputs; the last window hangs past the
  // input, and cells outside the (unpadded) input never count:
  //   (1+2+4+5)/4 = 3; (3+6)/2 = 4.5; (7+8)/2 = 7.5; 9/1 = 9.
  expectFloats(outs[2], {1, 1, 2, 2}, {3.f, 4.5f, 7.5f, 9.f});
}

TEST_P(OperatorTest, softMaxAxis1) {
  // [2, 3, 2]: softmax over the middle dimension.
  std::vector<float> v = {1, -1, 2, 0, 3, 5, /*n1*/ 0, 0, 0, 1, 0, 2};
  Placeholder *x = input("x", {2, 3, 2}, v);
  Tensor out = run(F_->createSoftMax("sm", x, 1));
  std::vector<float> want(12);
  for (size_t n = 0; n < 2; n++) {
    for (size_t k = 0; k < 2; k++) {
      double sum = 0;
      for (size_t c = 0; c < 3; c++) {
        sum += std::exp(double(v[n * 6 + c * 2 + k]));
      }
      for (size_t c = 0; c < 3; c++) {
        want[n * 6 + c * 2 + k] =
            float(std::exp(double(v[n * 6 + c * 2 + k])) / sum);
      }
    }
  }
  // Spot check by hand: n1, k0 has inputs (0, 0, 0) -> 1/3 each.
  EXPECT_NEAR(want[6], 1.0 / 3, 1e-7);
  expectFloats(out, {2, 3, 2}, want);
  // Each (n, k) column sums to 1.
  auto h = out.getHandle<float>();
  EXPECT_NEAR(h.at({0, 0, 1}) + h.at({0, 1, 1}) + h.at({0, 2, 1}), 1.0, 1e-5);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, transpose) {
  Placeholder *x = input("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<float> v3(24);
  for (size_t i = 0; i < 24; i++) {
    v3[i] = float(i);
  }
  Placeholder *y = input("y", {2, 3, 4}, v3);
  auto outs = run({F_->createTranspose("t", x, {1, 0}),
                   F_->createTranspose("t3", y, {2, 0, 1})});
  // [[1, 2, 3], [4, 5, 6]]^T = [[1, 4], [2, 5], [3, 6]].
  expectFloats(outs[0], {3, 2}, {1, 4, 2, 5, 3, 6});
  // out[i][j][k] = y[j][k][i] = j * 12 + k * 4 + i.
  std::vector<float> want;
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 2; j++) {
      for (int k = 0; k < 3; k++) {
        want.push_back(float(j * 12 + k * 4 + i));
      }
    }
  }
  expectFloats(outs[1], {4, 2, 3}, want);
}

TEST_P(OperatorTest, batchNormOfConvolutionConcat) {
  // Two 1x1 convolutions copy channels 0..15 and 16..19 of x (identity
  // filters, bias 0; the CPU backend writes them blocked and makes the
  // Concat in place), then BatchNormalization and Relu per channel c:
  // y = max(0, (x - mean_c) * gamma_c / sqrt(var_c + eps) + beta_c),
  // computed here in double. 20 channels: the second block of 16 is partly
  // padding.
  const dim_t C = 20, HW = 4;
  std::vector<float> xv(C * HW);
  for (size_t i = 0; i < xv.size(); i++) {
    xv[i] = float(int(i * 7 % 23) - 11) * 0.25f;
  }
  Placeholder *x = input("x", {1, C, 2, 2}, xv);
  auto copyChannels = [&](const std::string &name, dim_t first, dim_t n) {
    std::vector<float> w(n * C, 0.f), b(n, 0.f);
    for (dim_t o = 0; o < n; o++) {
      w[o * C + first + o] = 1.f;
    }
    return F_->createConv(name, x, constant(name + ".w", {n, C, 1, 1}, w),
                          constant(name + ".b", {n}, b), {1, 1}, {1, 1},
                          {0, 0, 0, 0}, 1, {1, 1});
  };
  Node *cat = F_->createConcat(
      "cat", {copyChannels("lo", 0, 16), copyChannels("hi", 16, 4)}, 1);
  std::vector<float> gamma(C), beta(C), mean(C), var(C);
  for (dim_t c = 0; c < C; c++) {
    gamma[c] = 0.5f + 0.125f * float(c % 5);
    beta[c] = float(int(c % 3) - 1) * 0.75f;
    mean[c] = float(int(c % 4) - 2) * 0.5f;
    var[c] = 0.25f + 0.5f * float(c % 6);
  }
  const float eps = 1e-3f;
  Node *bn = F_->createBatchNormalization(
      "bn", cat, constant("gamma", {C}, gamma), constant("beta", {C}, beta),
      constant("mean", {C}, mean), constant("var", {C}, var), eps);
  Tensor out = run(F_->createRelu("relu", bn));
  std::vector<float> want(C * HW);
  for (dim_t c = 0; c < C; c++) {
    for (dim_t p = 0; p < HW; p++) {
      double v = (double(xv[c * HW + p]) - mean[c]) * gamma[c] /
                     std::sqrt(double(var[c]) + eps) +
                 beta[c];
      want[c * HW + p] = float(std::max(0.0, v));
    }
  }
  expectFloats(out, {1, C, 2, 2}, want);
}

TEST_P(OperatorTest, concatDim1) {
  Placeholder *a = input("a", {2, 2}, {1, 2, 3, 4});
  Placeholder *b = input("b", {2, 1}, {5, 6});
  Tensor out = run(F_->createConcat("cat", {a, b, a}, 1));
  // Rows: (1, 2 | 5 | 1, 2), (3, 4 | 6 | 3, 4).
  expectFloats(out, {2, 5}, {1, 2, 5, 1, 2, 3, 4, 6, 3, 4});
}

TEST_P(OperatorTest, sliceNegativeStep) {
  Placeholder *x = input("x", {5}, {10, 20, 30, 40, 50});
  Placeholder *y = input("y", {2, 3}, {1, 2, 3, 4, 5, 6});
  auto outs = run({F_->createSlice("s1", x, {4}, {-2}, {3}),
                   F_->createSlice("s2", y, {1, 2}, {-1, -1}, {2, 3}),
                   F_->createSlice("s3", y, {0, 1}, {1, 1}, {2, 2})});
  // Indices 4, 2, 0.
  expectFloats(outs[0], {3}, {50, 30, 10});
  // Both dimensions reversed.
  expectFloats(outs[1], {2, 3}, {6, 5, 4, 3, 2, 1});
  // Columns 1..2 of each row.
  expectFloats(outs[2], {2, 2}, {2, 3, 5, 6});
}

TEST_P(OperatorTest, padModes) {
  Placeholder *x = input("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  Placeholder *v = input("v", {4}, {1, 2, 3, 4});
  auto outs = run(
      {F_->createPad("constant", x, {0, 1, 1, 2}, PadNode::Mode::Constant, 9),
       F_->createPad("reflect", v, {2, 1}, PadNode::Mode::Reflect, 0),
       F_->createPad("edge", v, {2, 1}, PadNode::Mode::Edge, 0)});
  // Rows: 0 before, 1 after; columns: 1 before, 2 after; value 9.
  expectFloats(outs[0], {3, 6},
               {9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9, 9, 9, 9, 9, 9, 9});
  // Reflect (without repeating the edge): 3 2 | 1 2 3 4 | 3.
  expectFloats(outs[1], {7}, {3, 2, 1, 2, 3, 4, 3});
  // Edge: 1 1 | 1 2 3 4 | 4.
  expectFloats(outs[2], {7}, {1, 1, 1, 2, 3, 4, 4});
}

TEST_P(OperatorTest, gatherNegativeIndex) {
  Placeholder *data = input("data", {3, 2}, {1, 2, 3, 4, 5, 6});
  Placeholder *rows = inputI64("rows", {2}, {-1, 0});
  Placeholder *cols = inputI64("cols", {2}, {1, -2});
  auto outs = run({F_->createGather("g0", data, rows, 0),
                   F_->createGather("g1", data, cols, 1)});
  // Row -1 is row 2: (5, 6); then row 0: (1, 2).
  expectFloats(outs[0], {2, 2}, {5, 6, 1, 2});
  // Columns 1 and -2 = 0: each row swapped.
  expectFloats(outs[1], {3, 2}, {2, 1, 4, 3, 6, 5});
}

TEST_P(OperatorTest, broadcast) {
  Placeholder *x = input("x", {3}, {1, 2, 3});
  Placeholder *c = input("c", {2, 1}, {7, 8});
  auto outs = run({F_->createBroadcast("b", x, {2, 3}),
                   F_->createBroadcast("bc", c, {2, 3})});
  expectFloats(outs[0], {2, 3}, {1, 2, 3, 1, 2, 3});
  expectFloats(outs[1], {2, 3}, {7, 7, 7, 8, 8, 8});
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, quantizeDequantizeRoundTrip) {
  Placeholder *x = input(
      "x", {9}, {0.f, 1.f, -1.2f, 0.74f, 63.f, 100.f, -100.f, 0.25f, 0.75f});
  Type qTy(ElemKind::Int8QTy, {9}, 0.5f, 3);
  auto *q = F_->createQuantize("q", x, qTy);
  auto *dq = F_->createDequantize("dq", q);
  auto outs = run({q, dq});
  // q = clamp(nearbyint(x / 0.5) + 3, -128, 127):
  //   0 -> 0 + 3 = 3           1 -> 2 + 3 = 5
  //   -1.2 -> rint(-2.4) = -2 -> 1
  //   0.74 -> rint(1.48) = 1 -> 4
  //   63 -> 126 + 3 = 129 -> 127     100 -> 203 -> 127
  //   -100 -> -200 + 3 = -197 -> -128
  //   0.25 -> rint(0.5) = 0 (ties to even) -> 3
  //   0.75 -> rint(1.5) = 2 -> 5
  const std::vector<int8_t> wantQ = {3, 5, 1, 4, 127, 127, -128, 3, 5};
  ASSERT_EQ(outs[0].getType(), qTy);
  for (size_t i = 0; i < wantQ.size(); i++) {
    EXPECT_EQ(outs[0].getHandle<int8_t>().raw(i), wantQ[i]) << i;
  }
  // x' = 0.5 * (q - 3): 0, 1, -1, 0.5, 62, 62, -65.5, 0, 1.
  expectFloats(outs[1], {9}, {0, 1, -1, 0.5f, 62, 62, -65.5f, 0, 1});
}

/// An INT8 convolution whose accumulators are bias[o] + x[o][p]: 16
/// channels in and out, 12 pixels in a row, input and filter scale 1 and
/// offset 0 (codes are values), the filter the identity (1x1, or a 3x3
/// depthwise filter with only its centre tap, padding 1), output scale
/// \p sy and offset \p oy. Sixteen channels and twelve pixels fill the CPU
/// backend's vector tiles, so its epilogue is the one checked.
static NodeValue int8IdentityConv(Function *F, Module &M, NodeValue xq,
                                  llvm::StringRef name, bool depthwise,
                                  llvm::ArrayRef<int32_t> bias, float sy,
                                  int32_t oy) {
  const dim_t C = 16;
  const unsigned K = depthwise ? 3 : 1;
  Tensor w(Type(ElemKind::Int8QTy, {C, depthwise ? 1 : C, K, K}, 1.f, 0));
  w.zero();
  auto wh = w.getHandle<int8_t>();
  for (dim_t o = 0; o < C; o++) {
    wh.raw(depthwise ? o * 9 + 4 : o * C + o) = 1;
  }
  Tensor b(Type(ElemKind::Int32QTy, {C}, 1.f, 0));
  b.getHandle<int32_t>().assign(bias);
  unsigned pad = depthwise ? 1 : 0;
  auto *conv = F->createConv(
      name, xq, M.createConstant(name.str() + ".w", std::move(w)),
      M.createConstant(name.str() + ".b", std::move(b)), {K, K}, {1, 1},
      {pad, pad, pad, pad}, depthwise ? unsigned(C) : 1u, {1, 1});
  conv->setType(0, Type(ElemKind::Int8QTy, conv->dims(), sy, oy));
  return conv;
}

TEST_P(OperatorTest, int8ConvolutionRequantizesAccumulatorsInFloat) {
  // y = clamp(nearbyint(float(acc) * float(1 / sy)) + oy): the float
  // product rounded half to even (ONNX QLinearConv, ONNX Runtime).
  const dim_t C = 16, P = 12;
  // Channel 0 holds the rounding cases, channels 1 and 2 the saturating
  // ones, the others 0.
  const std::vector<int32_t> row0 = {2, 6, 10, -2, -6,  -10,
                                     1, 3, 5,  7,  127, -128};
  std::vector<float> xs(C * P, 0.f);
  for (dim_t p = 0; p < P; p++) {
    xs[p] = float(row0[p]);
    xs[P + p] = float(p);
    xs[2 * P + p] = -float(p);
  }
  Placeholder *x = input("x", {1, C, 1, P}, xs);
  Type qt(ElemKind::Int8QTy, {1, C, 1, P}, 1.f, 0);
  NodeValue xq = F_->createQuantize("xq", x, qt);
  // Scale 1/4: acc / 4 with halves to even.
  std::vector<int32_t> bias(C, 0);
  bias[1] = 1000;
  bias[2] = -1000;
  NodeValue quarter =
      int8IdentityConv(F_, *M_, xq, "quarter", false, bias, 4.f, 0);
  NodeValue quarterDw =
      int8IdentityConv(F_, *M_, xq, "quarterDw", true, bias, 4.f, 0);
  // Scale 2^-17, offset -128, bias 2^24 + 2^16: acc beyond 2^24 is first
  // rounded to a float (even integers there).
  std::vector<int32_t> big(C, (1 << 24) + (1 << 16));
  NodeValue wide =
      int8IdentityConv(F_, *M_, xq, "wide", false, big, 131072.f, -128);
  auto outs = run({quarter, quarterDw, wide});
  // Channel 0, acc = x: 2/4 = 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0,
  // -1.5 -> -2, -2.5 -> -2, 0.25 -> 0, 0.75 -> 1, 1.25 -> 1, 1.75 -> 2,
  // 31.75 -> 32, -32 -> -32. (Halves up would give 1, 2, 3, 0, -1, -2.)
  const std::vector<int8_t> want0 = {0, 2, 2, 0, -2, -2, 0, 1, 1, 2, 32, -32};
  for (unsigned k = 0; k < 2; k++) {
    const char *what = k ? "depthwise" : "1x1";
    ASSERT_EQ(outs[k].getElementType(), ElemKind::Int8QTy) << what;
    auto h = outs[k].getHandle<int8_t>();
    for (dim_t p = 0; p < P; p++) {
      EXPECT_EQ(h.raw(p), want0[p]) << what << " pixel " << p;
      // (1000 + p) / 4 >= 250 saturates to 127, (-1000 - p) / 4 to -128.
      EXPECT_EQ(h.raw(P + p), 127) << what << " pixel " << p;
      EXPECT_EQ(h.raw(2 * P + p), -128) << what << " pixel " << p;
      for (dim_t c = 3; c < C; c++) {
        EXPECT_EQ(h.raw(c * P + p), 0) << what << " channel " << c;
      }
    }
  }
  // Channel 0 of "wide", acc = 2^24 + 2^16 + x, y = acc * 2^-17 - 128:
  //   x = 1: float(acc) = 2^24 + 2^16 (a tie, to the even significand),
  //          times 2^-17 = 128.5 -> 128 -> 0 (exactly, 128.5 + 2^-17 -> 1);
  //   x = 3: a tie again, to 2^24 + 2^16 + 4: 128.5 + 2^-15 -> 129 -> 1;
  //   x = 2: exact, 128.5 + 2^-16 -> 129 -> 1; x = -2: 128.5 - 2^-16 -> 0;
  //   x = 127: 128.5 + 127 / 2^17 -> 129 -> 1; x = -128: 128.5 - 2^-10 -> 0.
  auto hw = outs[2].getHandle<int8_t>();
  const std::vector<int8_t> wantWide = {1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0};
  for (dim_t p = 0; p < P; p++) {
    EXPECT_EQ(hw.raw(p), wantWide[p]) << "wide pixel " << p;
  }
}

//===----------------------------------------------------------------------===//
// Long chains (the CPU backend runs a chain of one kernel as a loop over a
// table of buffer offsets)
//===----------------------------------------------------------------------===//

TEST_P(OperatorTest, chainOfAddsWithDistinctConstants) {
  // y = x + 1 + 2 + ... + 40, each step its own constant and buffer; a
  // Relu chain on the result keeps it, then Neg once: -(x + 820).
  NodeValue y = input("x", {2, 3}, {0, 1, -2, 3.5f, -4, 5});
  for (int i = 1; i <= 40; i++) {
    y = F_->createArithmetic(Node::Kind::AddKind, "add" + std::to_string(i), y,
                             constant("c" + std::to_string(i), {2, 3},
                                      std::vector<float>(6, float(i))));
  }
  for (int i = 0; i < 12; i++) {
    y = F_->createRelu("relu" + std::to_string(i), y);
  }
  y = F_->createArithmetic(Node::Kind::SubKind, "neg",
                           constant("z", {2, 3}, std::vector<float>(6, 0.f)),
                           y);
  Tensor out = run(y);
  expectFloats(out, {2, 3}, {-820, -821, -818, -823.5f, -816, -825});
}

INSTANTIATE_TEST_SUITE_P(Backends, OperatorTest,
                         ::testing::ValuesIn(getAvailableBackends()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           return info.param;
                         });
