// Unit tests of the graph IR (builders, result types, verifier, topological
// order, names, DOT dumps) and of the graph optimizer passes. Every expected
// value is worked out by hand in the comment next to it.

#include "glow/Graph/Graph.h"
#include "glow/Backends/Interpreter/InterpreterKernels.h"
#include "glow/Optimizer/Optimizer.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace glow;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

/// \returns a float Constant of shape \p dims holding \p values.
Constant *makeConstant(Module &M, llvm::StringRef name,
                       llvm::ArrayRef<dim_t> dims,
                       llvm::ArrayRef<float> values) {
  Tensor t(ElemKind::FloatTy, dims);
  t.getHandle<float>().assign(values);
  return M.createConstant(name, std::move(t));
}

/// \returns a float Constant of shape \p dims filled with \p v.
Constant *splat(Module &M, llvm::StringRef name, llvm::ArrayRef<dim_t> dims,
                float v) {
  Tensor t(ElemKind::FloatTy, dims);
  for (size_t i = 0; i < t.size(); i++) {
    t.getHandle<float>().raw(i) = v;
  }
  return M.createConstant(name, std::move(t));
}

Placeholder *makeInput(Module &M, llvm::StringRef name,
                       llvm::ArrayRef<dim_t> dims) {
  return M.createPlaceholder(Type(ElemKind::FloatTy, dims), name);
}

/// \returns the message of F->verify(), "" if it succeeds.
std::string verifyMessage(const Function *F) {
  llvm::Error err = F->verify();
  if (!err) {
    return "";
  }
  return llvm::toString(std::move(err));
}

unsigned countKind(const Function *F, Node::Kind k) {
  unsigned n = 0;
  for (const Node *node : F->getNodes()) {
    n += node->getKind() == k;
  }
  return n;
}

size_t positionOf(const std::vector<Node *> &order, const Node *n) {
  return std::find(order.begin(), order.end(), n) - order.begin();
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

std::vector<dim_t> dimsOf(NodeValue v) {
  return std::vector<dim_t>(v.dims().begin(), v.dims().end());
}

} // namespace

//===----------------------------------------------------------------------===//
// Building and verifying
//===----------------------------------------------------------------------===//

TEST(GraphTest, convReluSaveVerifies) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "input", {1, 2, 5, 5});
  Constant *filter = splat(M, "filter", {3, 2, 3, 3}, 0.1f);
  Constant *bias = splat(M, "bias", {3}, 0.f);
  auto *conv = F->createConv("conv", in, filter, bias, {3, 3}, {1, 1},
                             {1, 1, 1, 1}, 1, {1, 1});
  auto *relu = F->createRelu("relu", conv);
  auto *save = F->createSave("out", relu);
  EXPECT_EQ(verifyMessage(F), "");
  // 3x3 window, stride 1, pad 1 on 5x5: (5 + 1 + 1 - 3) / 1 + 1 = 5.
  EXPECT_EQ(dimsOf(conv), (std::vector<dim_t>{1, 3, 5, 5}));
  EXPECT_EQ(relu->getType(), conv->getType());
  EXPECT_EQ(save->getPlaceholder()->getType(), conv->getType());
  EXPECT_EQ(save->getInput(), NodeValue(relu));
  EXPECT_EQ(F->getSaves().size(), 1u);
  EXPECT_EQ(F->getNodeByName("conv"), conv);
  EXPECT_EQ(F->getNodes().size(), 3u);
  EXPECT_TRUE(F->hasUsers(filter));
  EXPECT_FALSE(F->hasUsers(save));
  auto users = F->getUsers(conv);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].first, relu);
  EXPECT_EQ(users[0].second, 0u);
  EXPECT_STREQ(conv->getKindName(), "Convolution");
  Node::Kind k;
  ASSERT_TRUE(Node::getKindFromName("MaxPool", k));
  EXPECT_EQ(k, Node::Kind::MaxPoolKind);
  EXPECT_FALSE(Node::getKindFromName("NoSuchKind", k));
}

TEST(GraphTest, convResultShapes) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "input", {2, 4, 7, 7});
  Constant *bias = splat(M, "bias", {6}, 0.f);
  // 3x3, stride 2, pad 1: (7 + 1 + 1 - 3) / 2 + 1 = 6 / 2 + 1 = 4.
  auto *a = F->createConv("a", in, splat(M, "fa", {6, 4, 3, 3}, 1.f), bias,
                          {3, 3}, {2, 2}, {1, 1, 1, 1}, 1, {1, 1});
  EXPECT_EQ(dimsOf(a), (std::vector<dim_t>{2, 6, 4, 4}));
  // 3x3 dilated by 2 spans 2 * (3 - 1) + 1 = 5: (7 - 5) / 1 + 1 = 3.
  auto *b = F->createConv("b", in, splat(M, "fb", {6, 4, 3, 3}, 1.f), bias,
                          {3, 3}, {1, 1}, {0, 0, 0, 0}, 1, {2, 2});
  EXPECT_EQ(dimsOf(b), (std::vector<dim_t>{2, 6, 3, 3}));
  // Kernel 3x2, strides (2, 3), pads top 0 left 1 bottom 2 right 0:
  //   H: (7 + 0 + 2 - 3) / 2 + 1 = 6 / 2 + 1 = 4
  //   W: (7 + 1 + 0 - 2) / 3 + 1 = 6 / 3 + 1 = 3
  auto *c = F->createConv("c", in, splat(M, "fc", {6, 4, 3, 2}, 1.f), bias,
                          {3, 2}, {2, 3}, {0, 1, 2, 0}, 1, {1, 1});
  EXPECT_EQ(dimsOf(c), (std::vector<dim_t>{2, 6, 4, 3}));
  // Group 2: filter [6, 4 / 2, 1, 1]; 1x1 keeps 7x7.
  auto *d = F->createConv("d", in, splat(M, "fd", {6, 2, 1, 1}, 1.f), bias,
                          {1, 1}, {1, 1}, {0, 0, 0, 0}, 2, {1, 1});
  EXPECT_EQ(dimsOf(d), (std::vector<dim_t>{2, 6, 7, 7}));
  for (Node *n : {(Node *)a, (Node *)b, (Node *)c, (Node *)d}) {
    F->createSave(std::string("save_") + n->getName().str(), n);
  }
  EXPECT_EQ(verifyMessage(F), "");

  // Pools: 2x2, stride 2 on 7x7 gives 3 (floor) or 4 (ceil).
  auto *p = F->createMaxPool("p", in, {2, 2}, {2, 2}, {0, 0, 0, 0});
  EXPECT_EQ(dimsOf(p), (std::vector<dim_t>{2, 4, 3, 3}));
  auto *q = F->createAvgPool("q", in, {2, 2}, {2, 2}, {0, 0, 0, 0}, false,
                             /*ceilMode=*/true);
  EXPECT_EQ(dimsOf(q), (std::vector<dim_t>{2, 4, 4, 4}));
  // Pad {0, 1, 0, 1, 0, 0, 2, 3} on [2, 4, 7, 7] -> [2, 5, 9, 11].
  auto *pad = F->createPad("pad", in, {0, 1, 0, 1, 0, 0, 2, 3},
                           PadNode::Mode::Constant, 0.f);
  EXPECT_EQ(dimsOf(pad), (std::vector<dim_t>{2, 5, 9, 11}));
  // Gather on axis 1 with indices [2, 3]: [2, 2, 3, 7, 7].
  Tensor idx(ElemKind::Int64ITy, {2, 3});
  auto *g =
      F->createGather("g", in, M.createConstant("idx", std::move(idx)), 1);
  EXPECT_EQ(dimsOf(g), (std::vector<dim_t>{2, 2, 3, 7, 7}));
  // Transpose {3, 0, 1, 2}: [7, 2, 4, 7].
  auto *t = F->createTranspose("t", in, {3, 0, 1, 2});
  EXPECT_EQ(dimsOf(t), (std::vector<dim_t>{7, 2, 4, 7}));
  // Concat of [2,4,7,7] twice on dim 1: [2, 8, 7, 7].
  auto *cat = F->createConcat("cat", {in, in}, 1);
  EXPECT_EQ(dimsOf(cat), (std::vector<dim_t>{2, 8, 7, 7}));
  // FullyConnected flattens [2, 4*7*7=196] x [196, 10] -> [2, 10].
  auto *fc = F->createFullyConnected("fc", in, splat(M, "w", {196, 10}, 0.f),
                                     splat(M, "fcb", {10}, 0.f));
  EXPECT_EQ(dimsOf(fc), (std::vector<dim_t>{2, 10}));
  for (Node *n : std::vector<Node *>{p, q, pad, g, t, cat, fc}) {
    F->createSave(std::string("save_") + n->getName().str(), n);
  }
  EXPECT_EQ(verifyMessage(F), "");
}

TEST(GraphTest, computeWindowOutputSize) {
  // (5 - 3) / 1 + 1 = 3.
  EXPECT_EQ(computeWindowOutputSize(5, 3, 1, 0, 0), 3);
  // (5 + 1 + 1 - 3) / 2 + 1 = 3.
  EXPECT_EQ(computeWindowOutputSize(5, 3, 2, 1, 1), 3);
  // Dilation 2: window 5; (7 - 5) / 1 + 1 = 3.
  EXPECT_EQ(computeWindowOutputSize(7, 3, 1, 0, 0, 2), 3);
  // 6, kernel 3, stride 2: span 3; floor 3/2 + 1 = 2, ceil 3 (the third
  // window starts at 4 < 6, inside the input).
  EXPECT_EQ(computeWindowOutputSize(6, 3, 2, 0, 0, 1, false), 2);
  EXPECT_EQ(computeWindowOutputSize(6, 3, 2, 0, 0, 1, true), 3);
  // ResNet's max pool: 112, kernel 3, stride 2, pad 1: span 111;
  // floor 55 + 1 = 56, ceil 57 (window 57 starts at 112 - 1 = 111 < 112).
  EXPECT_EQ(computeWindowOutputSize(112, 3, 2, 1, 1, 1, false), 56);
  EXPECT_EQ(computeWindowOutputSize(112, 3, 2, 1, 1, 1, true), 57);
  // Exact fit: ceil changes nothing. (8 - 2) / 2 + 1 = 4.
  EXPECT_EQ(computeWindowOutputSize(8, 2, 2, 0, 0, 1, true), 4);
  // 2, kernel 2, stride 2, end pad 1: span 1, floor 1. The second window
  // would start at 2, past the input and the begin padding, so ceil
  // keeps 1.
  EXPECT_EQ(computeWindowOutputSize(2, 2, 2, 0, 1, 1, true), 1);
  // A window larger than the padded input: no output.
  EXPECT_LE(computeWindowOutputSize(2, 5, 1, 0, 0), 0);
}

/// The interpolation weights of a Resize from \p in to \p out elements
/// along the last axis of a [1, in] input.
std::vector<float> resizeWeights(dim_t in, dim_t out, float scale,
                                 ResizeNode::Options o) {
  Module M;
  Function *F = M.createFunction("f");
  auto *x = M.createPlaceholder(Type(ElemKind::FloatTy, {1, in}), "x");
  auto *r = F->addNode(
      std::make_unique<ResizeNode>("r", Type(ElemKind::FloatTy, {1, out}), x,
                                   std::vector<float>{1, scale}, o));
  EXPECT_TRUE(r->isIdentityAxis(0));
  return r->getAxisWeights(1);
}

TEST(GraphTest, resizeAxisWeights) {
  using R = ResizeNode;
  R::Options o;
  o.interpolation = R::Interpolation::Linear;
  // Linear, half_pixel, 2 -> 4: x_in = (x + 0.5) / 2 - 0.5 = -0.25, 0.25,
  // 0.75, 1.25; taps outside [0, 1] count as the edge element.
  EXPECT_EQ(resizeWeights(2, 4, 2, o),
            (std::vector<float>{1, 0, .75f, .25f, .25f, .75f, 0, 1}));
  // align_corners, 3 -> 5: x_in = x * 2 / 4 = 0, .5, 1, 1.5, 2.
  o.coordinates = R::Coordinates::AlignCorners;
  EXPECT_EQ(resizeWeights(3, 5, 5.f / 3, o),
            (std::vector<float>{1, 0, 0, .5f, .5f, 0, 0, 1, 0, 0, .5f, .5f, 0,
                                0, 1}));
  // Nearest, asymmetric, floor, 6 -> 2 by sizes: x_in = x * 6 / 2 = 0, 3
  // (exactly 3: computed as 1 / (2 / 6.) it would round down to 2).
  o.interpolation = R::Interpolation::Nearest;
  o.coordinates = R::Coordinates::Asymmetric;
  o.rounding = R::Rounding::Floor;
  EXPECT_EQ(resizeWeights(6, 2, float(2.0 / 6), o),
            (std::vector<float>{1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}));
  // round_prefer_floor on a tie: half_pixel 2 -> 1 by scale 0.5 gives
  // x_in = 0.5 / 0.5 - 0.5 = 0.5: floor; round_prefer_ceil: 1.
  o.coordinates = R::Coordinates::HalfPixel;
  o.rounding = R::Rounding::RoundPreferFloor;
  EXPECT_EQ(resizeWeights(2, 1, .5f, o), (std::vector<float>{1, 0}));
  o.rounding = R::Rounding::RoundPreferCeil;
  EXPECT_EQ(resizeWeights(2, 1, .5f, o), (std::vector<float>{0, 1}));
  // Cubic (A = -0.75), asymmetric, 4 -> 8: output 1 is at x_in = 0.5,
  // taps -1, 0, 1, 2 with weights -0.09375, 0.59375, 0.59375, -0.09375
  // (Keys: w(1.5) = A(1.5^3 - 5 * 1.5^2 + 8 * 1.5 - 4), w(0.5) = (A + 2)
  // 0.125 - (A + 3) 0.25 + 1); tap -1 counts as element 0. With
  // exclude_outside the weight of tap -1 goes and the rest is scaled by
  // 1 / 1.09375.
  o.interpolation = R::Interpolation::Cubic;
  o.coordinates = R::Coordinates::Asymmetric;
  auto w = resizeWeights(4, 8, 2, o);
  EXPECT_FLOAT_EQ(w[4 + 0], 0.59375f - 0.09375f);
  EXPECT_FLOAT_EQ(w[4 + 1], 0.59375f);
  EXPECT_FLOAT_EQ(w[4 + 2], -0.09375f);
  EXPECT_FLOAT_EQ(w[4 + 3], 0.f);
  o.excludeOutside = true;
  w = resizeWeights(4, 8, 2, o);
  EXPECT_FLOAT_EQ(w[4 + 0], 0.59375f / 1.09375f);
  EXPECT_FLOAT_EQ(w[4 + 2], -0.09375f / 1.09375f);
}

//===----------------------------------------------------------------------===//
// The verifier rejects bad nodes
//===----------------------------------------------------------------------===//

TEST(GraphTest, verifierRejectsConvChannelMismatch) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "input", {1, 3, 5, 5});
  // The filter expects 2 input channels, the input has 3.
  auto *conv = F->createConv("badconv", in, splat(M, "f", {4, 2, 3, 3}, 1.f),
                             splat(M, "b", {4}, 0.f), {3, 3}, {1, 1},
                             {0, 0, 0, 0}, 1, {1, 1});
  F->createSave("out", conv);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badconv")) << msg;
  EXPECT_TRUE(contains(msg, "does not match input channels")) << msg;
}

TEST(GraphTest, verifierRejectsAddShapeMismatch) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *a = makeInput(M, "a", {2, 3});
  Placeholder *b = makeInput(M, "b", {3, 2});
  auto *add = F->createArithmetic(Node::Kind::AddKind, "badadd", a, b);
  F->createSave("out", add);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badadd")) << msg;
  EXPECT_TRUE(contains(msg, "differ in shape")) << msg;
}

TEST(GraphTest, verifierRejectsReshapeChangingSize) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *a = makeInput(M, "a", {2, 3});
  // 6 elements cannot become 4 x 2 = 8.
  auto *rs = F->createReshape("badreshape", a, {4, 2});
  F->createSave("out", rs);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badreshape")) << msg;
  EXPECT_TRUE(contains(msg, "changes the number of elements")) << msg;
}

TEST(GraphTest, verifierRejectsNonPermutation) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *a = makeInput(M, "a", {2, 3});
  auto *tr = F->createTranspose("badtranspose", a, {0, 0});
  F->createSave("out", tr);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badtranspose")) << msg;
  EXPECT_TRUE(contains(msg, "not a permutation")) << msg;
}

TEST(GraphTest, verifierRejectsFullyConnectedWeights) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *a = makeInput(M, "a", {2, 3});
  // K = 3 but the weights have 4 rows.
  auto *fc = F->createFullyConnected("badfc", a, splat(M, "w", {4, 5}, 1.f),
                                     splat(M, "b", {5}, 0.f));
  F->createSave("out", fc);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badfc")) << msg;
  EXPECT_TRUE(contains(msg, "do not match input")) << msg;
}

TEST(GraphTest, verifierRejectsConcatMismatch) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *a = makeInput(M, "a", {2, 3});
  Placeholder *b = makeInput(M, "b", {3, 3});
  // Along dim 1 the other dimension (2 vs 3) must agree.
  auto *cat = F->createConcat("badconcat", {a, b}, 1);
  F->createSave("out", cat);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badconcat")) << msg;
  EXPECT_TRUE(contains(msg, "does not match the other inputs")) << msg;
}

TEST(GraphTest, verifierRejectsSliceOutOfRange) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *a = makeInput(M, "a", {4});
  // Elements 2, 3, 4: index 4 is past the end of [4].
  auto *sl = F->createSlice("badslice", a, {2}, {1}, {3});
  F->createSave("out", sl);
  std::string msg = verifyMessage(F);
  EXPECT_TRUE(contains(msg, "badslice")) << msg;
  EXPECT_TRUE(contains(msg, "reads outside the input")) << msg;

  // A negative step running below 0: 1, -1.
  Module M2;
  Function *F2 = M2.createFunction("main");
  auto *sl2 =
      F2->createSlice("badslice2", makeInput(M2, "a", {4}), {1}, {-2}, {2});
  F2->createSave("out", sl2);
  msg = verifyMessage(F2);
  EXPECT_TRUE(contains(msg, "reads outside the input")) << msg;

  // The in-range version 3, 1 verifies.
  Module M3;
  Function *F3 = M3.createFunction("main");
  auto *sl3 =
      F3->createSlice("okslice", makeInput(M3, "a", {4}), {3}, {-2}, {2});
  F3->createSave("out", sl3);
  EXPECT_EQ(verifyMessage(F3), "");
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

TEST(GraphTest, topologicalOrderAfterReplace) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "input", {4});
  Node *x = F->createRelu("x", in);
  Node *y = F->createUnary(Node::Kind::TanhKind, "y", x);
  SaveNode *save = F->createSave("out", y);
  // z is created after y and then becomes y's input.
  Node *z = F->createUnary(Node::Kind::SigmoidKind, "z", in);
  F->replaceAllUsesOfWith(x, z);
  EXPECT_EQ(y->getNthInput(0), NodeValue(z));
  // Insertion order is x, y, save, z: z comes after its user.
  auto nodes = F->getNodes();
  EXPECT_GT(positionOf(nodes, z), positionOf(nodes, y));

  auto order = F->getNodesInTopologicalOrder();
  ASSERT_EQ(positionOf(order, z) < order.size(), true);
  EXPECT_LT(positionOf(order, z), positionOf(order, y));
  EXPECT_LT(positionOf(order, y), positionOf(order, save));
  // Every input that is a node of F comes before its user.
  for (size_t i = 0; i < order.size(); i++) {
    for (unsigned j = 0; j < order[i]->getNumInputs(); j++) {
      Node *inNode = order[i]->getNthInput(j).getNode();
      if (inNode->isStorage()) {
        continue;
      }
      EXPECT_LT(positionOf(order, inNode), i)
          << inNode->getName().str() << " after " << order[i]->getName().str();
    }
  }
  // The Save keeps its own output placeholder.
  F->replaceAllUsesOfWith(save->getPlaceholder(), in);
  EXPECT_NE(save->getPlaceholder(), in);
}

TEST(GraphTest, eliminateDeadCode) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "input", {4});
  Node *relu = F->createRelu("relu", in);
  SaveNode *save = F->createSave("out", relu);
  // An unused branch of two nodes.
  Node *t = F->createUnary(Node::Kind::TanhKind, "t", in);
  F->createUnary(Node::Kind::SigmoidKind, "s", t);
  EXPECT_EQ(F->getNodes().size(), 4u);
  EXPECT_TRUE(eliminateDeadCode(F));
  auto nodes = F->getNodes();
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(F->getNodeByName("t"), nullptr);
  EXPECT_EQ(F->getNodeByName("s"), nullptr);
  EXPECT_EQ(F->getNodeByName("relu"), relu);
  EXPECT_EQ(F->getSaves().size(), 1u);
  EXPECT_EQ(save->getInput(), NodeValue(relu));
  // Nothing left to remove.
  EXPECT_FALSE(eliminateDeadCode(F));
  EXPECT_EQ(verifyMessage(F), "");
}

TEST(GraphTest, uniqueNames) {
  Module M;
  EXPECT_EQ(M.uniqueName("x"), "x");
  EXPECT_EQ(M.uniqueName("x"), "x__1");
  EXPECT_EQ(M.uniqueName("x"), "x__2");
  EXPECT_EQ(M.uniqueName("y"), "y");
  // Storage and nodes share the name space.
  Placeholder *p = makeInput(M, "in", {1});
  Constant *c = splat(M, "in", {1}, 0.f);
  EXPECT_EQ(p->getName(), "in");
  EXPECT_EQ(c->getName(), "in__1");
  Function *F = M.createFunction("main");
  Node *r = F->createRelu("in", p);
  EXPECT_EQ(r->getName(), "in__2");
  EXPECT_EQ(M.getPlaceholderByName("in"), p);
}

TEST(GraphTest, dumpDAG) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "the_input", {1, 1, 3, 3});
  auto *conv = F->createConv(
      "my_conv", in, splat(M, "my_filter", {1, 1, 2, 2}, 1.f),
      splat(M, "my_bias", {1}, 0.f), {2, 2}, {1, 1}, {0, 0, 0, 0}, 1, {1, 1});
  F->createSave("my_out", F->createRelu("my_relu", conv));
  llvm::SmallString<128> path;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("glow-graphtest", "dot", path));
  llvm::Error err = F->dumpDAG(path);
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  auto buf = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(bool(buf));
  std::string text = (*buf)->getBuffer().str();
  llvm::sys::fs::remove(path);
  EXPECT_TRUE(contains(text, "digraph")) << text;
  for (const char *name :
       {"the_input", "my_filter", "my_bias", "my_conv", "my_relu", "my_out",
        "Convolution", "Relu", "Save"}) {
    EXPECT_TRUE(contains(text, name)) << name << "\n" << text;
  }
  // Edges: conv -> relu -> save, plus 3 into conv and the save's output:
  // 6 edges.
  size_t edges = 0;
  for (size_t pos = 0; (pos = text.find("->", pos)) != std::string::npos;
       pos += 2) {
    edges++;
  }
  EXPECT_EQ(edges, 6u);
  // An unwritable path is an error.
  llvm::Error bad = F->dumpDAG("/nonexistent-dir/x/y.dot");
  EXPECT_TRUE(bool(bad));
  llvm::consumeError(std::move(bad));
}

//===----------------------------------------------------------------------===//
// Optimizer passes
//===----------------------------------------------------------------------===//

TEST(GraphTest, foldConstantsAdd) {
  Module M;
  Function *F = M.createFunction("main");
  Constant *a = makeConstant(M, "a", {3}, {1.f, 2.f, 3.f});
  Constant *b = makeConstant(M, "b", {3}, {10.f, 20.f, 30.f});
  Constant *k = makeConstant(M, "k", {3}, {2.f, -1.f, 0.5f});
  Node *add = F->createArithmetic(Node::Kind::AddKind, "add", a, b);
  Node *mul = F->createArithmetic(Node::Kind::MulKind, "mul", add, k);
  SaveNode *s1 = F->createSave("sum", add);
  SaveNode *s2 = F->createSave("prod", mul);
  auto changed = foldConstants(F);
  ASSERT_TRUE(bool(changed)) << llvm::toString(changed.takeError());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(countKind(F, Node::Kind::AddKind), 0u);
  EXPECT_EQ(countKind(F, Node::Kind::MulKind), 0u);
  auto *c1 = dyn_cast<Constant>(s1->getInput().getNode());
  auto *c2 = dyn_cast<Constant>(s2->getInput().getNode());
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(c2, nullptr);
  // 1 + 10 = 11, 2 + 20 = 22, 3 + 30 = 33.
  auto h1 = c1->getPayload().getHandle<float>();
  EXPECT_EQ(h1.raw(0), 11.f);
  EXPECT_EQ(h1.raw(1), 22.f);
  EXPECT_EQ(h1.raw(2), 33.f);
  // 11 * 2 = 22, 22 * -1 = -22, 33 * 0.5 = 16.5.
  auto h2 = c2->getPayload().getHandle<float>();
  EXPECT_EQ(h2.raw(0), 22.f);
  EXPECT_EQ(h2.raw(1), -22.f);
  EXPECT_EQ(h2.raw(2), 16.5f);
  EXPECT_EQ(verifyMessage(F), "");
  // A node reading a Placeholder is not folded.
  Module M2;
  Function *F2 = M2.createFunction("main");
  Node *add2 =
      F2->createArithmetic(Node::Kind::AddKind, "add", makeInput(M2, "x", {3}),
                           makeConstant(M2, "b", {3}, {1, 2, 3}));
  F2->createSave("out", add2);
  auto changed2 = foldConstants(F2);
  ASSERT_TRUE(bool(changed2));
  EXPECT_FALSE(*changed2);
  EXPECT_EQ(countKind(F2, Node::Kind::AddKind), 1u);
}

TEST(GraphTest, getConstantValueEvaluatesAChain) {
  Module M;
  Function *F = M.createFunction("main");
  // Transpose of [[1, 2, 3], [4, 5, 6]] is [[1, 4], [2, 5], [3, 6]];
  // sliced at row 2 -> [3, 6].
  Constant *c = makeConstant(M, "c", {2, 3}, {1, 2, 3, 4, 5, 6});
  Node *t = F->createTranspose("t", c, {1, 0});
  Node *s = F->createSlice("s", t, {2, 0}, {1, 1}, {1, 2});
  F->createSave("out", s);
  auto v = getConstantValue(F, s);
  ASSERT_TRUE(bool(v)) << llvm::toString(v.takeError());
  ASSERT_NE(*v, nullptr);
  auto h = (*v)->getPayload().getHandle<float>();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.raw(0), 3.f);
  EXPECT_EQ(h.raw(1), 6.f);
  // A value depending on a Placeholder has no constant value.
  Node *r = F->createRelu("r", makeInput(M, "x", {2}));
  auto none = getConstantValue(F, r);
  ASSERT_TRUE(bool(none));
  EXPECT_EQ(*none, nullptr);
}

namespace {
/// Evaluates \p n on \p inputs with the reference kernels.
Tensor evaluate(const Node &n, std::vector<const Tensor *> inputs) {
  std::vector<Tensor> outs;
  outs.emplace_back(n.getType());
  llvm::Error err = evaluateNode(n, inputs, outs);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  return std::move(outs[0]);
}
} // namespace

TEST(GraphTest, foldBatchNormIntoConv) {
  Module M;
  Function *F = M.createFunction("main");
  // x: N=1, C=2, H=1, W=2. Channel 0 = (1, 2), channel 1 = (3, -1).
  Placeholder *in = makeInput(M, "x", {1, 2, 1, 2});
  // 1x1 filter: out0 = 1*c0 + 2*c1, out1 = -1*c0 + 0.5*c1.
  std::vector<float> w = {1.f, 2.f, -1.f, 0.5f};
  std::vector<float> b = {0.5f, -1.f};
  Constant *filter = makeConstant(M, "filter", {2, 2, 1, 1}, w);
  Constant *bias = makeConstant(M, "bias", {2}, b);
  auto *conv = F->createConv("conv", in, filter, bias, {1, 1}, {1, 1},
                             {0, 0, 0, 0}, 1, {1, 1});
  std::vector<float> gamma = {3.f, 2.f}, beta = {1.f, -2.f},
                     mean = {1.5f, 0.5f}, var = {3.99f, 0.24f};
  const float eps = 0.01f;
  auto *bn = F->createBatchNormalization(
      "bn", conv, makeConstant(M, "gamma", {2}, gamma),
      makeConstant(M, "beta", {2}, beta), makeConstant(M, "mean", {2}, mean),
      makeConstant(M, "var", {2}, var), eps);
  SaveNode *save = F->createSave("out", bn);
  ASSERT_EQ(verifyMessage(F), "");

  Tensor x(ElemKind::FloatTy, {1, 2, 1, 2});
  x.getHandle<float>().assign({1.f, 2.f, 3.f, -1.f});
  // By hand, conv:
  //   out0 = (1*1 + 2*3 + 0.5, 1*2 + 2*(-1) + 0.5)   = (7.5, 0.5)
  //   out1 = (-1*1 + 0.5*3 - 1, -1*2 + 0.5*(-1) - 1) = (-0.5, -3.5)
  // var + eps = (4, 0.25), sqrt = (2, 0.5), s = gamma / sqrt = (1.5, 4).
  // BN: (conv - mean) * s + beta:
  //   ch0: (7.5 - 1.5) * 1.5 + 1 = 10,  (0.5 - 1.5) * 1.5 + 1 = -0.5
  //   ch1: (-0.5 - 0.5) * 4 - 2 = -6,   (-3.5 - 0.5) * 4 - 2 = -18
  const std::vector<float> expected = {10.f, -0.5f, -6.f, -18.f};

  // The unfolded graph, evaluated node by node, gives those values.
  Tensor convOut =
      evaluate(*conv, {&x, &filter->getPayload(), &bias->getPayload()});
  std::vector<const Tensor *> bnIns = {&convOut};
  for (unsigned i = 1; i < 5; i++) {
    bnIns.push_back(
        &cast<Constant>(bn->getNthInput(i).getNode())->getPayload());
  }
  Tensor bnOut = evaluate(*bn, bnIns);
  for (size_t i = 0; i < 4; i++) {
    EXPECT_NEAR(bnOut.getHandle<float>().raw(i), expected[i], 1e-4) << i;
  }

  EXPECT_TRUE(foldBatchNormIntoConv(F));
  EXPECT_EQ(countKind(F, Node::Kind::BatchNormalizationKind), 0u);
  EXPECT_EQ(save->getInput(), NodeValue(conv));
  ASSERT_EQ(verifyMessage(F), "");

  // New weights: w * s and (b - mean) * s + beta with s computed here.
  auto *nf = dyn_cast<Constant>(conv->getFilter().getNode());
  auto *nb = dyn_cast<Constant>(conv->getBias().getNode());
  ASSERT_NE(nf, nullptr);
  ASSERT_NE(nb, nullptr);
  auto fh = nf->getPayload().getHandle<float>();
  auto bh = nb->getPayload().getHandle<float>();
  for (size_t o = 0; o < 2; o++) {
    float s = gamma[o] / std::sqrt(var[o] + eps);
    for (size_t c = 0; c < 2; c++) {
      EXPECT_NEAR(fh.raw(o * 2 + c), w[o * 2 + c] * s, 1e-5);
    }
    EXPECT_NEAR(bh.raw(o), (b[o] - mean[o]) * s + beta[o], 1e-5);
  }
  // By hand: filter (1.5, 3, -4, 2), bias ((0.5-1.5)*1.5+1, (-1-0.5)*4-2)
  // = (-0.5, -8).
  EXPECT_NEAR(fh.raw(0), 1.5f, 1e-4);
  EXPECT_NEAR(fh.raw(1), 3.f, 1e-4);
  EXPECT_NEAR(fh.raw(2), -4.f, 1e-4);
  EXPECT_NEAR(fh.raw(3), 2.f, 1e-4);
  EXPECT_NEAR(bh.raw(0), -0.5f, 1e-4);
  EXPECT_NEAR(bh.raw(1), -8.f, 1e-4);
  // The original filter is left alone (it could have other users).
  EXPECT_EQ(filter->getPayload().getHandle<float>().raw(0), 1.f);

  // The folded conv alone computes the BN output.
  Tensor folded = evaluate(*conv, {&x, &nf->getPayload(), &nb->getPayload()});
  for (size_t i = 0; i < 4; i++) {
    EXPECT_NEAR(folded.getHandle<float>().raw(i), expected[i], 1e-4) << i;
  }
}

TEST(GraphTest, foldBatchNormNeedsASingleUser) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "x", {1, 2, 1, 2});
  auto *conv = F->createConv("conv", in, splat(M, "f", {2, 2, 1, 1}, 1.f),
                             splat(M, "b", {2}, 0.f), {1, 1}, {1, 1},
                             {0, 0, 0, 0}, 1, {1, 1});
  auto *bn = F->createBatchNormalization(
      "bn", conv, splat(M, "g", {2}, 2.f), splat(M, "be", {2}, 0.f),
      splat(M, "m", {2}, 0.f), splat(M, "v", {2}, 1.f), 1e-5f);
  F->createSave("out1", bn);
  // The conv result is also saved: folding would change that output.
  F->createSave("out2", conv);
  EXPECT_FALSE(foldBatchNormIntoConv(F));
  EXPECT_EQ(countKind(F, Node::Kind::BatchNormalizationKind), 1u);
}

TEST(GraphTest, foldPadIntoAvgPool) {
  // x: 1 channel, 2x2 = (1 2; 3 4). Pad H and W by 1 with zeros, then a 3x3
  // average of stride 1: every window holds all four values and five
  // zeros, so each output is 10 / 9. The folded pool pads by 1 and counts
  // the pads: the same 10 / 9. Pads of the channels, a value other than 0,
  // a second reader of the Pad or a padded pool stop the fold.
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "x", {1, 1, 2, 2});
  auto *pad = F->createPad("pad", in, {0, 0, 1, 1, 0, 0, 1, 1},
                           PadNode::Mode::Constant, 0.f);
  auto *pool = F->createAvgPool("pool", pad, {3, 3}, {1, 1}, {0, 0, 0, 0},
                                /* countIncludePads */ false);
  SaveNode *save = F->createSave("out", pool);
  Tensor x(ElemKind::FloatTy, {1, 1, 2, 2});
  x.getHandle<float>().assign({1.f, 2.f, 3.f, 4.f});
  Tensor padded = evaluate(*pad, {&x});
  Tensor before = evaluate(*pool, {&padded});
  EXPECT_TRUE(foldPadIntoAvgPool(F));
  EXPECT_EQ(countKind(F, Node::Kind::PadKind), 0u);
  auto *folded = dyn_cast<AvgPoolNode>(save->getInput().getNode());
  ASSERT_NE(folded, nullptr);
  EXPECT_EQ(folded->getName(), "pool");
  EXPECT_EQ(folded->getInput(), NodeValue(in));
  EXPECT_EQ(folded->getPads(), (std::vector<unsigned>{1, 1, 1, 1}));
  EXPECT_TRUE(folded->getCountIncludePads());
  ASSERT_EQ(verifyMessage(F), "");
  Tensor after = evaluate(*folded, {&x});
  ASSERT_EQ(after.size(), 4u);
  for (size_t i = 0; i < 4; i++) {
    EXPECT_NEAR(before.getHandle<float>().raw(i), 10.f / 9, 1e-6) << i;
    EXPECT_NEAR(after.getHandle<float>().raw(i), 10.f / 9, 1e-6) << i;
  }

  Function *G = M.createFunction("other");
  auto *padC = G->createPad("padC", in, {0, 1, 1, 1, 0, 0, 1, 1},
                            PadNode::Mode::Constant, 0.f);
  G->createSave(
      "o1", G->createAvgPool("p1", padC, {3, 3}, {1, 1}, {0, 0, 0, 0}, false));
  auto *padV = G->createPad("padV", in, {0, 0, 1, 1, 0, 0, 1, 1},
                            PadNode::Mode::Constant, 1.f);
  G->createSave(
      "o2", G->createAvgPool("p2", padV, {3, 3}, {1, 1}, {0, 0, 0, 0}, false));
  auto *padU = G->createPad("padU", in, {0, 0, 1, 1, 0, 0, 1, 1},
                            PadNode::Mode::Constant, 0.f);
  G->createSave(
      "o3", G->createAvgPool("p3", padU, {3, 3}, {1, 1}, {0, 0, 0, 0}, false));
  G->createSave("o4", padU);
  auto *padP = G->createPad("padP", in, {0, 0, 1, 1, 0, 0, 1, 1},
                            PadNode::Mode::Constant, 0.f);
  G->createSave(
      "o5", G->createAvgPool("p5", padP, {3, 3}, {1, 1}, {1, 1, 1, 1}, true));
  EXPECT_FALSE(foldPadIntoAvgPool(G));
  EXPECT_EQ(countKind(G, Node::Kind::PadKind), 4u);
}

TEST(GraphTest, simplifyReshapesFeedsFullyConnected4D) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "x", {2, 3, 2, 2});
  // [2, 3, 2, 2] -> [2, 12] only flattens.
  auto *rs = F->createReshape("flatten", in, {2, 12});
  auto *fc = F->createFullyConnected("fc", rs, splat(M, "w", {12, 4}, 1.f),
                                     splat(M, "b", {4}, 0.f));
  F->createSave("out", fc);
  ASSERT_EQ(verifyMessage(F), "");
  EXPECT_TRUE(simplifyReshapes(F));
  EXPECT_EQ(fc->getInput(), NodeValue(in));
  EXPECT_EQ(countKind(F, Node::Kind::ReshapeKind), 0u);
  EXPECT_EQ(dimsOf(fc), (std::vector<dim_t>{2, 4}));
  EXPECT_EQ(verifyMessage(F), "");
  EXPECT_FALSE(simplifyReshapes(F));
}

TEST(GraphTest, simplifyReshapesKeepsRealReshapes) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "x", {2, 3, 2, 2});
  // [2, 3, 2, 2] -> [4, 6] mixes the batch: FC must keep the Reshape.
  auto *rs = F->createReshape("mix", in, {4, 6});
  auto *fc = F->createFullyConnected("fc", rs, splat(M, "w", {6, 4}, 1.f),
                                     splat(M, "b", {4}, 0.f));
  F->createSave("out", fc);
  EXPECT_FALSE(simplifyReshapes(F));
  EXPECT_EQ(fc->getInput(), NodeValue(rs));

  // A Reshape to the same shape is removed; Reshape of Reshape collapses.
  Module M2;
  Function *F2 = M2.createFunction("main");
  Placeholder *x = makeInput(M2, "x", {2, 3});
  auto *same = F2->createReshape("same", x, {2, 3});
  auto *relu = F2->createRelu("relu", same);
  auto *r1 = F2->createReshape("r1", x, {3, 2});
  auto *r2 = F2->createReshape("r2", r1, {6});
  F2->createSave("o1", relu);
  F2->createSave("o2", r2);
  EXPECT_TRUE(simplifyReshapes(F2));
  EXPECT_EQ(relu->getInput(), NodeValue(x));
  EXPECT_EQ(r2->getInput(), NodeValue(x));
  EXPECT_EQ(F2->getNodeByName("same"), nullptr);
  EXPECT_EQ(F2->getNodeByName("r1"), nullptr);
  EXPECT_EQ(verifyMessage(F2), "");
}

TEST(GraphTest, optimizeFunctionErasesUnusedConstants) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *in = makeInput(M, "x", {3});
  Constant *a = makeConstant(M, "a", {3}, {1, 2, 3});
  Constant *b = makeConstant(M, "b", {3}, {1, 1, 1});
  // x + (a + b): the inner Add folds to (2, 3, 4); a and b become unused.
  Node *inner = F->createArithmetic(Node::Kind::AddKind, "inner", a, b);
  Node *outer = F->createArithmetic(Node::Kind::AddKind, "outer", in, inner);
  F->createSave("out", outer);
  ASSERT_FALSE(bool(optimizeFunction(F)));
  EXPECT_EQ(verifyMessage(F), "");
  EXPECT_EQ(countKind(F, Node::Kind::AddKind), 1u);
  auto *c = dyn_cast<Constant>(outer->getNthInput(1).getNode());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->getPayload().getHandle<float>().raw(0), 2.f);
  EXPECT_EQ(c->getPayload().getHandle<float>().raw(2), 4.f);
  auto constants = M.getConstants();
  ASSERT_EQ(constants.size(), 1u);
  EXPECT_EQ(constants[0], c);
}

//===----------------------------------------------------------------------===//
// Node kinds and their properties (Nodes.def)
//===----------------------------------------------------------------------===//

TEST(GraphTest, kindNamesRoundTripAndFamiliesMatchTheClasses) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *x = makeInput(M, "x", {2, 3});
  unsigned binary = 0, unary = 0;
  for (unsigned i = 0; i < Node::kNumKinds; i++) {
    Node::Kind k = Node::Kind(i);
    Node::Kind back;
    ASSERT_TRUE(Node::getKindFromName(Node::getKindName(k), back));
    EXPECT_EQ(back, k) << Node::getKindName(k);
    NodeFamily family = Node::getKindInfo(k).family;
    // Every kind of the Binary family is built by createArithmetic, and is
    // an ArithmeticNode; every other kind is not.
    if (family == NodeFamily::Binary) {
      Node *n = F->createArithmetic(k, "b" + std::to_string(i), x, x);
      EXPECT_EQ(n->getKind(), k);
      EXPECT_TRUE(isa<ArithmeticNode>(n));
      EXPECT_TRUE(n->getKindInfo().epilogue == EpilogueRole::None);
      binary++;
    }
  }
  // Every kind declared with DEF_UNARY_NODE has a generated class that
  // createUnary builds.
  const Node::Kind generated[] = {
#define DEF_UNARY_NODE(CLASS, NAME, ...) Node::Kind::NAME##Kind,
#include "glow/Graph/Nodes.def"
  };
  for (Node::Kind k : generated) {
    Node *n = F->createUnary(k, std::string("u") + Node::getKindName(k), x);
    EXPECT_EQ(n->getKind(), k);
    EXPECT_TRUE(isa<UnaryNode>(n));
    EXPECT_EQ(n->getFamily(), NodeFamily::Unary);
    unary++;
  }
  EXPECT_EQ(binary, 7u); // Add Sub Mul Div Max Min Pow
  EXPECT_EQ(
      unary,
      11u); // Relu Sigmoid Tanh Exp Log Sqrt Neg Abs Erf HardSwish Reciprocal
  Node::Kind none;
  EXPECT_FALSE(Node::getKindFromName("NoSuchKind", none));
  // Storage, outputs and conversions are not layers; the rest are.
  EXPECT_FALSE(isLayerNode(*x));
  Node *q = F->createQuantize("q", x, Type(ElemKind::Int8QTy, {2, 3}, 1.f, 0));
  EXPECT_FALSE(isLayerNode(*q));
  EXPECT_TRUE(isLayerNode(*F->createRelu("r", x)));
  EXPECT_TRUE(isTypePreservingKind(Node::Kind::ReshapeKind));
  EXPECT_FALSE(isTypePreservingKind(Node::Kind::ConcatKind)); // rescales
  EXPECT_TRUE(isDataMovementKind(Node::Kind::ConcatKind));
}

TEST(GraphTest, mayMixImagesLooksAtDimensionZero) {
  Module M;
  Function *F = M.createFunction("main");
  Placeholder *x = makeInput(M, "x", {2, 3, 4});
  // Element-wise kinds never mix images.
  EXPECT_FALSE(mayMixImages(*F->createRelu("relu", x)));
  // A Transpose that keeps dimension 0 first does not; one that moves it
  // does.
  EXPECT_FALSE(mayMixImages(*F->createTranspose("t021", x, {0, 2, 1})));
  EXPECT_TRUE(mayMixImages(*F->createTranspose("t102", x, {1, 0, 2})));
  // Concat along the batch mixes; along channels it does not.
  EXPECT_TRUE(mayMixImages(*F->createConcat("c0", {x, x}, 0)));
  EXPECT_FALSE(mayMixImages(*F->createConcat("c1", {x, x}, 1)));
  // A Reshape that keeps dimension 0 ([2,3,4] -> [2,12]) does not; one
  // that merges it ([2,3,4] -> [6,4]) does.
  EXPECT_FALSE(mayMixImages(*F->createReshape("r", x, {2, 12})));
  EXPECT_TRUE(mayMixImages(*F->createReshape("m", x, {6, 4})));
  // SoftMax over the batch mixes.
  EXPECT_TRUE(mayMixImages(*F->createSoftMax("s0", x, 0)));
  EXPECT_FALSE(mayMixImages(*F->createSoftMax("s2", x, 2)));
}
