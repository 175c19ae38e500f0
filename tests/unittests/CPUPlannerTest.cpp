// The passes of the CPU backend's planner (lib/Backends/CPU) on small
// hand-built graphs: batch analysis, fusion plan, layout choice, memory
// placement and the emitted calls. The expected values are worked out by
// hand in the comments.

#include "BatchAnalysis.h"
#include "FusionPlan.h"
#include "KernelEmitter.h"
#include "KernelProgramBuilder.h"
#include "LLVMIRGen.h"
#include "LayoutPlan.h"
#include "MemoryPlanner.h"
#include "UnitPlan.h"
#include "WeightPacking.h"
#include "libjit/LibjitLayout.h"

#include "glow/Graph/Graph.h"
#include "glow/Lowering/Lowering.h"

#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/Host.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace glow;
using namespace glow::cpu;
using Kind = Node::Kind;

namespace {

class CPUPlannerTest : public ::testing::Test {
protected:
  Module M_;
  Function *F_{M_.createFunction("main")};

  Placeholder *input(const std::string &name, std::vector<dim_t> dims) {
    return M_.createPlaceholder(Type(ElemKind::FloatTy, dims), name);
  }
  Constant *constant(const std::string &name, std::vector<dim_t> dims) {
    Tensor t(ElemKind::FloatTy, dims);
    auto h = t.getHandle<float>();
    for (size_t i = 0; i < t.size(); i++) {
      h.raw(i) = float(int(i % 7) - 3) * 0.125f;
    }
    return M_.createConstant(name, std::move(t));
  }
  /// The one value \p v (a constant [1]) broadcast to \p dims.
  BroadcastNode *scalar(const std::string &name, float v,
                        llvm::ArrayRef<dim_t> dims) {
    Tensor t(ElemKind::FloatTy, {1});
    t.getHandle<float>().raw(0) = v;
    return F_->createBroadcast(name + ".broadcast",
                               M_.createConstant(name, std::move(t)), dims);
  }
  /// A KxK convolution of \p x to \p out channels, stride 1, padding
  /// \p pad, constant filter and bias.
  ConvolutionNode *conv(const std::string &name, NodeValue x, dim_t out,
                        unsigned k = 3, unsigned pad = 1, unsigned group = 1) {
    dim_t C = x.dims()[1];
    return F_->createConv(name, x,
                          constant(name + ".w", {out, C / group, k, k}),
                          constant(name + ".b", {out}), {k, k}, {1, 1},
                          {pad, pad, pad, pad}, group, {1, 1});
  }
  KernelProgram build(unsigned threads = 1) {
    auto p = buildKernelProgram(*F_, threads);
    EXPECT_TRUE(bool(p)) << llvm::toString(p.takeError());
    return p ? std::move(*p) : KernelProgram();
  }
  static std::vector<std::string> kernels(const KernelProgram &p) {
    std::vector<std::string> k;
    for (auto &c : p.calls) {
      k.push_back(c.kernel);
    }
    return k;
  }
  /// Expects that no call of \p p runs one of \p kernels.
  static void expectNoCallOf(const KernelProgram &p,
                             std::vector<std::string> kernels) {
    for (auto &call : p.calls) {
      for (const std::string &k : kernels) {
        EXPECT_NE(call.kernel, k) << call.layer;
      }
    }
  }
  /// The first call of \p layer running \p kernel, or null.
  static const KernelCall *findCall(const KernelProgram &p,
                                    const std::string &layer,
                                    const std::string &kernel) {
    for (auto &c : p.calls) {
      if (c.layer == layer && c.kernel == kernel) {
        return &c;
      }
    }
    return nullptr;
  }
};

//===--- batch analysis ---------------------------------------------------===//

TEST_F(CPUPlannerTest, elementwiseBatchIsSeparable) {
  // x[4,3] -> Relu -> Add(relu, x) -> Save: every node reads image i only
  // for image i of its result.
  Placeholder *x = input("x", {4, 3});
  Node *r = F_->createRelu("r", x);
  Node *a = F_->createArithmetic(Kind::AddKind, "a", r, x);
  SaveNode *s = F_->createSave("out", a);
  BatchPlan b = analyzeBatch(*F_);
  EXPECT_TRUE(b.separable) << b.reason;
  EXPECT_EQ(b.batch, 4);
  EXPECT_TRUE(b.reason.empty());
  for (const Node *n : {(const Node *)x, (const Node *)r, (const Node *)a,
                        (const Node *)s->getPlaceholder()}) {
    EXPECT_TRUE(b.isBatched(n)) << n->getName().str();
  }
  // 4 images split over 1, 2 or 4 threads, not over 3.
  EXPECT_TRUE(b.loopsOverImages(1));
  EXPECT_TRUE(b.loopsOverImages(2));
  EXPECT_FALSE(b.loopsOverImages(3));
  // The program then runs one image per pass: the placeholders' pointers
  // step by one image, 3 floats = 12 bytes.
  KernelProgram p = build(2);
  EXPECT_EQ(p.images, 4);
  ASSERT_FALSE(p.calls.empty());
  const KernelArg &in = p.calls[0].args[1]; // Relu's input x
  EXPECT_EQ(in.region, Region::Mutable);
  EXPECT_EQ(in.imageStride, 12u);
  EXPECT_EQ(p.calls[0].items, 3); // one image of 3 elements
  // Three threads: the calls process the whole batch.
  EXPECT_EQ(build(3).images, 1);
}

TEST_F(CPUPlannerTest, oneImageDoesNotLoop) {
  Placeholder *x = input("x", {1, 3});
  F_->createSave("out", F_->createRelu("r", x));
  BatchPlan b = analyzeBatch(*F_);
  EXPECT_TRUE(b.separable);
  EXPECT_EQ(b.batch, 1);
  EXPECT_FALSE(b.loopsOverImages(1));
}

TEST_F(CPUPlannerTest, concatAlongTheBatchIsNotSeparable) {
  // Concat of two [2,3] values along dim 0 gives [4,3]: its result is not
  // a batch of 2 images, so the images cannot be processed one by one.
  Placeholder *x = input("x", {2, 3});
  Node *c = F_->createConcat("cc", {x, x}, 0);
  F_->createSave("out", c);
  BatchPlan b = analyzeBatch(*F_);
  EXPECT_FALSE(b.separable);
  EXPECT_NE(b.reason.find("'cc'"), std::string::npos) << b.reason;
  EXPECT_TRUE(b.batched.empty());
  EXPECT_FALSE(b.loopsOverImages(1));
  EXPECT_EQ(build(2).images, 1);
}

TEST_F(CPUPlannerTest, concatAlongChannelsIsSeparable) {
  // The same Concat along dim 1 keeps image i in row i.
  Placeholder *x = input("x", {2, 3});
  F_->createSave("out", F_->createConcat("cc", {x, x}, 1));
  BatchPlan b = analyzeBatch(*F_);
  EXPECT_TRUE(b.separable) << b.reason;
  EXPECT_EQ(build(2).images, 2);
}

TEST_F(CPUPlannerTest, transposeMovingTheBatchIsNotSeparable) {
  // x[2,2] transposed {1,0}: the shape keeps a first dimension of 2, but
  // row i of the result holds element i of every image.
  Placeholder *x = input("x", {2, 2});
  F_->createSave("out", F_->createTranspose("tr", x, {1, 0}));
  BatchPlan b = analyzeBatch(*F_);
  EXPECT_FALSE(b.separable);
  EXPECT_NE(b.reason.find("'tr'"), std::string::npos) << b.reason;
  EXPECT_NE(b.reason.find("mixes"), std::string::npos) << b.reason;
}

TEST_F(CPUPlannerTest, imagesInAWeightOperandAreNotSeparable) {
  // MatMul(x, x): operand 1 is a weight operand (Nodes.def: First), so
  // images reaching it mix.
  Placeholder *x = input("x", {2, 2});
  F_->createSave("out", F_->createMatMul("mm", x, x));
  BatchPlan b = analyzeBatch(*F_);
  EXPECT_FALSE(b.separable);
  EXPECT_NE(b.reason.find("'mm'"), std::string::npos) << b.reason;
}

//===--- fusion plan ------------------------------------------------------===//

TEST_F(CPUPlannerTest, reluFusesIntoConvolution) {
  // x[1,3,8,8] -> Conv(16, 3x3, pad 1) -> Relu -> Save. The convolution is
  // fast (constant weights, group 1, 4-D) and the Relu its only user.
  Placeholder *x = input("x", {1, 3, 8, 8});
  ConvolutionNode *c = conv("conv", x, 16);
  Node *r = F_->createRelu("relu", c);
  F_->createSave("out", r);
  EXPECT_TRUE(isFastConvolution(*c));
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  const ConvFusion *fu = plan.getFusion(c);
  ASSERT_NE(fu, nullptr);
  EXPECT_EQ(fu->act, r);
  EXPECT_EQ(fu->conversion, nullptr);
  EXPECT_EQ(fu->inputQuantize, nullptr);
  EXPECT_TRUE(plan.isFused(r));
  EXPECT_EQ(plan.fusedInto.at(r), c);
  EXPECT_FALSE(plan.isFused(c));
  // The calls: the plain input is packed (padded), convolved with the Relu
  // in the epilogue (blocked result), unblocked for the Save, copied out.
  KernelProgram p = build();
  EXPECT_EQ(kernels(p),
            (std::vector<std::string>{"libjit_pack_conv_input_f32",
                                      "libjit_conv_blocked_f32",
                                      "libjit_from_blocked", "libjit_copy"}));
}

// Squeeze-excitation: y[1,20,4,4] = Conv(x) (blocked), gate = Sigmoid of a
// 1x1 Conv of its global average [1,20,1,1], Broadcast to [1,20,4,4] and
// multiplied into y. The Broadcast fuses into the Mul, which reads the gate
// per channel: 2 planes (blocks) of 16 pixels of 16 lanes, channels 20 to
// 31 padding; no strided copy. A second Broadcast of the same gate with two
// users stays a copy.
TEST_F(CPUPlannerTest, gateBroadcastFusesIntoItsMul) {
  ConvolutionNode *y = conv("conv", input("x", {1, 8, 4, 4}), 20);
  NodeValue avg =
      F_->createAvgPool("avg", y, {4, 4}, {1, 1}, {0, 0, 0, 0}, false);
  NodeValue gate = F_->createUnary(Kind::SigmoidKind, "gate",
                                   conv("squeeze", avg, 20, 1, 0));
  auto *b = F_->createBroadcast("gate.broadcast", gate, y->dims());
  Node *m = F_->createArithmetic(Kind::MulKind, "scale", y, b);
  F_->createSave("out", m);
  auto *b2 = F_->createBroadcast("gate.broadcast2", gate, y->dims());
  Node *m2 = F_->createArithmetic(Kind::MulKind, "twice", b2, b2);
  F_->createSave("out2", m2);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.channelGates.count(m), 1u);
  EXPECT_EQ(plan.channelGates.at(m), 1u);
  EXPECT_EQ(plan.fusedInto.at(b), m);
  EXPECT_FALSE(plan.isFused(b2));
  EXPECT_EQ(plan.channelGates.count(m2), 0u);
  KernelProgram p = build();
  const KernelCall *call = findCall(p, "scale", "libjit_channel_mul_f32");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->items, 2);
  // (out, in, gate, C, planes, lanes, HW)
  ASSERT_EQ(call->args.size(), 7u);
  EXPECT_EQ(call->args[3].intValue, 20);
  EXPECT_EQ(call->args[4].intValue, 2);
  EXPECT_EQ(call->args[5].intValue, 16);
  EXPECT_EQ(call->args[6].intValue, 16);
  EXPECT_EQ(findCall(p, "gate.broadcast", "libjit_strided_copy"), nullptr);
  EXPECT_NE(findCall(p, "gate.broadcast2", "libjit_strided_copy"), nullptr);
}

TEST_F(CPUPlannerTest, groupedConvolutionsReadTheirGroupsBlocks) {
  Placeholder *x = input("x", {1, 64, 8, 8});
  // Which input blocks output block ob reads: Cb blocks from
  // (ob / obPerStep) * cbStep of CbIn.
  auto grouping = [&](unsigned out, unsigned group, BlockGrouping &bg) {
    return blockGroupingOf(
        *conv("c" + std::to_string(out) + "g" + std::to_string(group), x, out,
              3, 1, group),
        16, bg);
  };
  BlockGrouping bg;
  // Group 1: every output block reads the 4 input blocks.
  ASSERT_TRUE(grouping(32, 1, bg));
  EXPECT_EQ(bg.Cb, 4);
  EXPECT_EQ(bg.CbIn, 4);
  EXPECT_EQ(bg.cbStep, 0);
  // 16 groups of 4 (ResNeXt): 4 groups an output block, input block ob.
  ASSERT_TRUE(grouping(64, 16, bg));
  EXPECT_EQ(bg.Cb, 1);
  EXPECT_EQ(bg.obPerStep, 1);
  EXPECT_EQ(bg.cbStep, 1);
  EXPECT_EQ(bg.firstInBlock(3), 3);
  // 2 groups of 32 in, 16 out: output block ob is group ob, which reads
  // input blocks 2ob and 2ob + 1.
  ASSERT_TRUE(grouping(32, 2, bg));
  EXPECT_EQ(bg.Cb, 2);
  EXPECT_EQ(bg.firstInBlock(1), 2);
  // 2 groups of 32 in and out: two output blocks a group.
  ASSERT_TRUE(grouping(64, 2, bg));
  EXPECT_EQ(bg.Cb, 2);
  EXPECT_EQ(bg.obPerStep, 2);
  EXPECT_EQ(bg.firstInBlock(1), 0);
  EXPECT_EQ(bg.firstInBlock(2), 2);
  // 32 groups of 2 output channels: 8 times the work, the plain kernel.
  EXPECT_FALSE(grouping(64, 32, bg));
  ConvolutionNode *wide = conv("wide", x, 64, 3, 1, 16);
  ConvolutionNode *narrow = conv("narrow", x, 64, 3, 1, 32);
  F_->createSave("o1", wide);
  F_->createSave("o2", narrow);
  EXPECT_TRUE(isFastConvolution(*wide));
  EXPECT_FALSE(isFastConvolution(*narrow));
  KernelProgram p = build();
  EXPECT_NE(findCall(p, "wide", "libjit_conv_blocked_f32"), nullptr);
  EXPECT_NE(findCall(p, "narrow", "libjit_conv_f32"), nullptr);
}

TEST_F(CPUPlannerTest, convolutionWithTwoUsersKeepsItsRelu) {
  // Conv -> Relu -> Save and Conv -> Save: the convolution's result is
  // needed without the Relu, so the Relu stays a call of its own.
  Placeholder *x = input("x", {1, 3, 8, 8});
  ConvolutionNode *c = conv("conv", x, 16);
  Node *r = F_->createRelu("relu", c);
  F_->createSave("out1", r);
  F_->createSave("out2", c);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_NE(plan.getFusion(c), nullptr);
  EXPECT_EQ(plan.getFusion(c)->act, nullptr);
  EXPECT_FALSE(plan.isFused(r));
  KernelProgram p = build();
  // The Relu runs on the blocked result: 16 channels x 64 pixels.
  const KernelCall *relu = findCall(p, "relu", "libjit_unary_f32");
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->items, 16 * 64);
}

TEST_F(CPUPlannerTest, residualAddIsNotFused) {
  // Conv1 -> Relu1 -> Conv2; Add(Conv2, Relu1) -> Relu2 -> Save, 20
  // channels. Relu1 is Conv1's only user, so it fuses (that Relu1 has two
  // users does not matter). Conv2's only user is the Add, which is no
  // epilogue: the residual Add and the Relu after it are calls of their
  // own, working on the blocked values (20 channels padded to 32).
  Placeholder *x = input("x", {1, 20, 4, 4});
  ConvolutionNode *c1 = conv("conv1", x, 20);
  Node *r1 = F_->createRelu("relu1", c1);
  ConvolutionNode *c2 = conv("conv2", r1, 20);
  Node *add = F_->createArithmetic(Kind::AddKind, "add", c2, r1);
  Node *r2 = F_->createRelu("relu2", add);
  F_->createSave("out", r2);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.convs.size(), 2u);
  EXPECT_EQ(plan.getFusion(c1)->act, r1);
  EXPECT_EQ(plan.getFusion(c2)->act, nullptr);
  EXPECT_EQ(plan.fusedInto.size(), 1u);
  EXPECT_FALSE(plan.isFused(add));
  EXPECT_FALSE(plan.isFused(r2));
  KernelProgram p = build();
  const KernelCall *a = findCall(p, "add", "libjit_binary_f32");
  const KernelCall *r = findCall(p, "relu2", "libjit_unary_f32");
  ASSERT_TRUE(a && r);
  EXPECT_EQ(a->items, 32 * 16); // blocked: 2 blocks of 16 channels x 16
  EXPECT_EQ(r->items, 32 * 16);
  EXPECT_EQ(findCall(p, "relu1", "libjit_unary_f32"), nullptr);
}

TEST_F(CPUPlannerTest, int8AddClampsItsRelu) {
  // INT8 a + b -> Relu of the same type (scale 0.1, offset 3): one
  // libjit_binary_i8 whose arguments 11 and 12 bound the codes to [3, 127]
  // (Relu's lower bound, value 0, is code 3); an Add whose Relu has another
  // type keeps both calls, and bounds its codes to [-128, 127].
  Type t(ElemKind::Int8QTy, {1, 16}, 0.1f, 3);
  Type other(ElemKind::Int8QTy, {1, 16}, 0.2f, 3);
  Placeholder *a = M_.createPlaceholder(t, "a");
  Placeholder *b = M_.createPlaceholder(t, "b");
  Node *add = F_->createArithmetic(Kind::AddKind, "add", a, b);
  Node *relu = F_->addNode(std::make_unique<ReluNode>("relu", t, add));
  F_->createSave("out", relu);
  Node *add2 = F_->createArithmetic(Kind::AddKind, "add2", a, b);
  Node *relu2 = F_->addNode(std::make_unique<ReluNode>("relu2", other, add2));
  F_->createSave("out2", relu2);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.binaryActs.count(add), 1u);
  EXPECT_EQ(plan.binaryActs.at(add), relu);
  EXPECT_EQ(plan.binaryActs.count(add2), 0u);
  KernelProgram p = build();
  const KernelCall *fused = findCall(p, "add", "libjit_binary_i8");
  ASSERT_NE(fused, nullptr);
  // (lo, hi, then the layout's Cb, H and row length: a plain [1, 16]
  // value is one row, then the tables.)
  ASSERT_EQ(fused->args.size(), 17u);
  EXPECT_EQ(fused->args[11].intValue, 3);
  EXPECT_EQ(fused->args[12].intValue, 127);
  EXPECT_EQ(fused->args[13].intValue, 1);
  EXPECT_EQ(fused->args[14].intValue, 1);
  EXPECT_EQ(fused->args[15].intValue, 16);
  // The Add's tables: operands and result share scale 0.1 and offset 3,
  // so code c of a is worth c - 3 units and the first table (the output
  // offset added) holds c, the second c - 3.
  const KernelArg &tables = fused->args[16];
  ASSERT_EQ(tables.kind, KernelArg::Kind::Pointer);
  ASSERT_EQ(tables.region, Region::Constant);
  ASSERT_LE(tables.offset + 512 * sizeof(int16_t), p.constants.size());
  for (int c : {-128, -4, 0, 3, 127}) {
    int16_t ta, tb;
    std::memcpy(&ta, &p.constants[tables.offset + 2 * (c + 128)], 2);
    std::memcpy(&tb, &p.constants[tables.offset + 2 * (256 + c + 128)], 2);
    EXPECT_EQ(ta, c) << "code " << c;
    EXPECT_EQ(tb, c - 3) << "code " << c;
  }
  EXPECT_EQ(findCall(p, "relu", "libjit_clip_i8"), nullptr);
  const KernelCall *plain = findCall(p, "add2", "libjit_binary_i8");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->args[11].intValue, -128);
  EXPECT_EQ(plain->args[12].intValue, 127);
  EXPECT_NE(findCall(p, "relu2", "libjit_clip_i8"), nullptr);
}

TEST_F(CPUPlannerTest, clipAndQuantizeFuseSigmoidDoesNot) {
  // Conv -> Clip -> Quantize(int8): both go into the epilogue. A Sigmoid
  // after a convolution is no epilogue.
  Placeholder *x = input("x", {1, 3, 8, 8});
  ConvolutionNode *c = conv("conv", x, 16);
  Node *clip = F_->createClip("clip", c, 0.f, 6.f);
  Node *q = F_->createQuantize(
      "q", clip, Type(ElemKind::Int8QTy, {1, 16, 8, 8}, 0.05f, -128));
  F_->createSave("out", F_->createDequantize("dq", q));
  ConvolutionNode *c2 = conv("conv2", x, 16);
  Node *sg = F_->createUnary(Kind::SigmoidKind, "sg", c2);
  F_->createSave("out2", sg);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  EXPECT_EQ(plan.getFusion(c)->act, clip);
  EXPECT_EQ(plan.getFusion(c)->conversion, q);
  EXPECT_EQ(plan.fusedInto.at(q), c);
  EXPECT_EQ(plan.getFusion(c2)->act, nullptr);
  EXPECT_FALSE(plan.isFused(sg));
}

TEST_F(CPUPlannerTest, whichConvolutionsAreFast) {
  Placeholder *x = input("x", {1, 4, 6, 6});
  // Group 2 of 4 channels is neither group 1 nor depthwise: plain kernel.
  ConvolutionNode *grouped = conv("grouped", x, 4, 3, 1, 2);
  // Group 4 with 4 channels in and out: depthwise, blocked kernel.
  ConvolutionNode *dw = conv("dw", x, 4, 3, 1, 4);
  // A filter that is not a constant: plain kernel.
  Placeholder *w = input("w", {8, 4, 1, 1});
  ConvolutionNode *varFilter =
      F_->createConv("var", x, w, constant("vb", {8}), {1, 1}, {1, 1},
                     {0, 0, 0, 0}, 1, {1, 1});
  EXPECT_FALSE(isFastConvolution(*grouped));
  EXPECT_TRUE(isFastConvolution(*dw));
  EXPECT_FALSE(isFastConvolution(*varFilter));
  F_->createSave("o1", grouped);
  F_->createSave("o2", dw);
  F_->createSave("o3", varFilter);
  KernelProgram p = build();
  EXPECT_NE(findCall(p, "grouped", "libjit_conv_f32"), nullptr);
  EXPECT_NE(findCall(p, "dw", "libjit_conv_depthwise_f32"), nullptr);
  EXPECT_NE(findCall(p, "var", "libjit_conv_f32"), nullptr);
}

//===--- layout -----------------------------------------------------------===//

TEST_F(CPUPlannerTest, layoutBytes) {
  // [1,20,3,3] floats: Plain 180 x 4 = 720 bytes; Blocked pads 20 channels
  // to 32: 32 x 9 x 4 = 1152 bytes.
  Type t(ElemKind::FloatTy, {1, 20, 3, 3});
  EXPECT_EQ(getLayoutBytes(t, Layout::Plain), 720u);
  EXPECT_EQ(getLayoutBytes(t, Layout::Blocked), 1152u);
  EXPECT_EQ(getLayoutElements(t, Layout::Blocked), 288);
}

TEST_F(CPUPlannerTest, elementwiseLayoutRule) {
  Placeholder *a = input("a", {1, 16, 2, 2});
  Placeholder *b = input("b", {1, 16, 2, 2});
  Placeholder *v = input("v", {16, 4});
  Node *add = F_->createArithmetic(Kind::AddKind, "add", a, b);
  Node *div = F_->createArithmetic(Kind::DivKind, "div", a, b);
  Node *add2 = F_->createArithmetic(Kind::AddKind, "add2", v, v);
  LayoutPlan plan;
  // Nothing blocked yet: everything works Plain.
  EXPECT_EQ(getElementwiseLayout(*add, plan), Layout::Plain);
  // Once operand b has a Blocked copy, Add works Blocked (Add(0, 0) = 0
  // keeps the padded lanes harmless), Div not (0 / 0).
  plan.record(b, Storage{1, 0, Layout::Blocked});
  EXPECT_TRUE(plan.hasBlocked(b));
  EXPECT_FALSE(plan.hasBlocked(a));
  EXPECT_EQ(getElementwiseLayout(*add, plan), Layout::Blocked);
  EXPECT_EQ(getElementwiseLayout(*div, plan), Layout::Plain);
  // 2-D values are never blocked.
  plan.record(v, Storage{2, 0, Layout::Blocked});
  EXPECT_EQ(getElementwiseLayout(*add2, plan), Layout::Plain);
  plan.forget(keyOf(b));
  EXPECT_EQ(getElementwiseLayout(*add, plan), Layout::Plain);
}

/// Runs the passes of buildKernelProgram by hand, to look at the layouts
/// the emitter chose.
struct HandPlanned {
  BatchPlan batch;
  UnitPlan units;
  FusionPlan fusions;
  std::unique_ptr<KernelEmitter> emitter;

  explicit HandPlanned(const Function &F) {
    batch = analyzeBatch(F);
    planFusions(F, units, fusions);
    emitter = std::make_unique<KernelEmitter>(F, nullptr, 1, batch, false,
                                              units, fusions);
    auto order = getEmissionOrder(F, units);
    EXPECT_TRUE(bool(order));
    for (const Node *n : *order) {
      llvm::Error err = emitter->emitNode(*n);
      EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    }
  }
};

TEST_F(CPUPlannerTest, sigmoidKeepsABlockedValueBlocked) {
  // Conv(20) -> Sigmoid -> Save: the Sigmoid maps the padding lanes (20 to
  // 31) to finite values, so it works on the blocked result and only the
  // Save's copy is unblocked.
  Placeholder *x = input("x", {1, 3, 8, 8});
  ConvolutionNode *c = conv("conv", x, 20);
  Node *sg = F_->createUnary(Kind::SigmoidKind, "sg", c);
  F_->createSave("out", sg);
  HandPlanned hp(*F_);
  const LayoutPlan &l = hp.emitter->getLayouts();
  EXPECT_TRUE(l.has(sg, Layout::Blocked));
  EXPECT_FALSE(l.has(c, Layout::Plain));
  KernelProgram p = hp.emitter->finish();
  EXPECT_EQ(kernels(p),
            (std::vector<std::string>{
                "libjit_pack_conv_input_f32", "libjit_conv_blocked_f32",
                "libjit_unary_f32", "libjit_from_blocked", "libjit_copy"}));
}

TEST_F(CPUPlannerTest, convolutionChainIsBlocked) {
  // x[1,3,8,8] -> Conv(32) -> Relu (fused) -> Add(relu, y) -> Exp ->
  // Save. The convolution writes Blocked (the Relu's value); the Add reads
  // a Blocked operand, so it works Blocked and converts the plain
  // placeholder y (to_blocked); Exp could make a padding lane infinite
  // (which a zero weight does not cancel), so the Exp works Plain and the
  // Add's result is unblocked. (A Sigmoid would stay Blocked.)
  Placeholder *x = input("x", {1, 3, 8, 8});
  Placeholder *y = input("y", {1, 32, 8, 8});
  ConvolutionNode *c = conv("conv", x, 32);
  Node *r = F_->createRelu("relu", c);
  Node *add = F_->createArithmetic(Kind::AddKind, "add", r, y);
  Node *sg = F_->createUnary(Kind::ExpKind, "sg", add);
  F_->createSave("out", sg);
  HandPlanned hp(*F_);
  const LayoutPlan &l = hp.emitter->getLayouts();
  EXPECT_TRUE(l.has(r, Layout::Blocked));
  EXPECT_FALSE(l.has(r, Layout::Plain));
  EXPECT_TRUE(l.has(y, Layout::Blocked)); // converted for the Add
  EXPECT_TRUE(l.has(add, Layout::Blocked));
  EXPECT_TRUE(l.has(add, Layout::Plain)); // converted for the Sigmoid
  EXPECT_TRUE(l.has(sg, Layout::Plain));
  EXPECT_FALSE(l.has(sg, Layout::Blocked));
  KernelProgram p = hp.emitter->finish();
  EXPECT_EQ(kernels(p),
            (std::vector<std::string>{
                "libjit_pack_conv_input_f32", "libjit_conv_blocked_f32",
                "libjit_to_blocked", "libjit_binary_f32", "libjit_from_blocked",
                "libjit_unary_f32", "libjit_copy"}));
  // The same as buildKernelProgram.
  KernelProgram q = build();
  EXPECT_EQ(kernels(q), kernels(p));
}

// Layers that differ only in their input channels and heights (DenseNet's)
// share one compiled kernel: 20 and 36 input channels (2 and 3 blocks of
// 16), heights 8 and 6, same width 8, give one clone of the packing and one
// of the convolution kernel; a third layer of width 9 needs its own. The
// channel counts are passed as run-time arguments. So is the number of
// output blocks, with its parity compiled in: 48 output channels (3
// blocks, odd as 16's 1) share the first clone, 32 (2 blocks) need one.
TEST_F(CPUPlannerTest, layersThatDifferInChannelsShareOneKernel) {
  NodeValue a = conv("a", input("x", {1, 20, 8, 8}), 16);
  NodeValue b = conv("b", input("y", {1, 36, 6, 8}), 16);
  NodeValue c = conv("c", input("z", {1, 20, 8, 9}), 16);
  NodeValue d = conv("d", input("u", {1, 20, 8, 8}), 48);
  NodeValue e = conv("e", input("v", {1, 20, 8, 8}), 32);
  for (NodeValue v : {a, b, c, d, e}) {
    F_->createSave("save." + v.getNode()->getName().str(), v);
  }
  KernelProgram p = build();
  const KernelCall *call = findCall(p, "b", "libjit_conv_blocked_f32");
  ASSERT_NE(call, nullptr);
  // (out, in, filter, bias, Cb, CB, CbIn, ...): Cb = 3 is a run-time value,
  // CB = 16 shapes the code.
  ASSERT_GE(call->args.size(), 7u);
  EXPECT_EQ(call->args[4].intValue, 3);
  EXPECT_FALSE(call->args[4].specialized);
  EXPECT_EQ(call->args[5].intValue, 16);
  EXPECT_TRUE(call->args[5].specialized);

  llvm::LLVMContext ctx;
  auto M = generateModule(ctx, p, KernelVariant::Generic, "main");
  ASSERT_TRUE(bool(M)) << llvm::toString(M.takeError());
  auto clones = [&](llvm::StringRef kernel) {
    int n = 0;
    for (llvm::Function &f : **M) {
      n += f.getName().startswith((kernel + ".spec").str());
    }
    return n;
  };
  EXPECT_EQ(clones("libjit_conv_blocked_f32"), 3);
  EXPECT_EQ(clones("libjit_pack_conv_input_f32"), 2);
}

TEST_F(CPUPlannerTest, fullyConnectedReadsBlockedPixels) {
  // Conv(16) -> global AvgPool ([1,16,1,1], Blocked: the pool reads a
  // Blocked operand) -> FullyConnected: a blocked input of 1x1 pixels is
  // read as rows, without unblocking it. (Rows of 4 pixels: the
  // convolution takes two a tile.)
  Placeholder *x = input("x", {1, 3, 4, 4});
  ConvolutionNode *c = conv("conv", x, 16);
  Node *ap = F_->createAvgPool("ap", c, {4, 4}, {1, 1}, {0, 0, 0, 0}, false);
  Node *fc = F_->createFullyConnected("fc", ap, constant("fw", {16, 5}),
                                      constant("fb", {5}));
  F_->createSave("out", fc);
  KernelProgram p = build();
  EXPECT_EQ(kernels(p),
            (std::vector<std::string>{
                "libjit_pack_conv_input_f32", "libjit_conv_rows_f32",
                "libjit_pool_blocked_f32", "libjit_fc_f32", "libjit_copy"}));
}

// The mean of each plane without keepdims (MnasNet's x.mean([2, 3])) is
// one pool of the plane that reads the convolution's blocked output: no
// conversion to the plain layout before it (there used to be one, for a
// [N, C, H * W, 1] view of the input).
TEST_F(CPUPlannerTest, planeMeanReadsBlockedPixels) {
  ConvolutionNode *c = conv("conv", input("x", {1, 3, 4, 4}), 16);
  NodeValue mean = F_->addNode(std::make_unique<ReduceNode>(
      "mean", Type::newShape(c->getType(), {1, 16}), c, ReduceNode::Mode::Mean,
      std::vector<unsigned>{2, 3}, false));
  F_->createSave("out", mean);
  auto lowered = lowerFunction(F_);
  ASSERT_TRUE(bool(lowered)) << llvm::toString(lowered.takeError());
  KernelProgram p = build();
  std::vector<std::string> k = kernels(p);
  auto pool = std::find(k.begin(), k.end(), "libjit_pool_blocked_f32");
  ASSERT_NE(pool, k.end()) << ::testing::PrintToString(k);
  EXPECT_EQ(std::find(k.begin(), pool, "libjit_from_blocked"), pool)
      << ::testing::PrintToString(k);
}

// SiLU, x * Sigmoid(x) with the Sigmoid read by the Mul alone, is one
// pass over x, with the gate on either side; a Sigmoid that something else
// reads too is its own call.
TEST_F(CPUPlannerTest, siluIsOnePass) {
  ConvolutionNode *c = conv("c", input("x", {1, 16, 8, 8}), 16);
  Node *g1 = F_->createUnary(Node::Kind::SigmoidKind, "silu1.gate", c);
  Node *s1 = F_->createArithmetic(Node::Kind::MulKind, "silu1", c, g1);
  Node *g2 = F_->createUnary(Node::Kind::SigmoidKind, "silu2.gate", s1);
  F_->createSave("out",
                 F_->createArithmetic(Node::Kind::MulKind, "silu2", g2, s1));
  KernelProgram p = build();
  EXPECT_NE(findCall(p, "silu1", "libjit_silu_f32"), nullptr);
  EXPECT_NE(findCall(p, "silu2", "libjit_silu_f32"), nullptr);
  expectNoCallOf(p, {"libjit_unary_f32", "libjit_binary_f32"});
  F_->createSave("gate.out", g2);
  KernelProgram q = build();
  EXPECT_EQ(findCall(q, "silu2", "libjit_silu_f32"), nullptr);
  EXPECT_NE(findCall(q, "silu2.gate", "libjit_unary_f32"), nullptr);
}

// A lowered HardSigmoid after a convolution: Mul by a broadcast alpha, Add
// of a broadcast beta (on the left here), Clip. The two single values are
// read as scalars: no broadcast copy is made, and the chain stays in the
// convolution's blocked layout (no conversion to or from it). A Broadcast
// that two nodes read, or one of more than one value, is still made.
TEST_F(CPUPlannerTest, scalarOperandsAreReadNotBroadcast) {
  ConvolutionNode *c = conv("c", input("x", {1, 16, 8, 8}), 16);
  auto *alpha = scalar("alpha", 0.25f, c->dims());
  auto *beta = scalar("beta", 0.5f, c->dims());
  Node *mul = F_->createArithmetic(Kind::MulKind, "hs.mul", c, alpha);
  Node *add = F_->createArithmetic(Kind::AddKind, "hs.add", beta, mul);
  Node *clip = F_->createClip("hs.clip", add, 0.f, 1.f);
  auto *shared = scalar("shared", 2.f, c->dims());
  Node *twice = F_->createArithmetic(Kind::MulKind, "twice", clip, shared);
  Node *both = F_->createArithmetic(Kind::AddKind, "both", twice, shared);
  auto *wide = F_->createBroadcast("wide.broadcast",
                                   constant("wide", {1, 16, 1, 1}), c->dims());
  Node *sub = F_->createArithmetic(Kind::SubKind, "sub", both, wide);
  // A broadcast the optimizer folded: a constant of one value (x^2 as
  // PyTorch exports LayerNorm), and one of several values, which stays.
  Tensor twos(ElemKind::FloatTy, c->dims());
  auto th = twos.getHandle<float>();
  for (size_t i = 0; i < twos.size(); i++) {
    th.raw(i) = 2.f;
  }
  Node *square = F_->createArithmetic(
      Kind::PowKind, "square", sub, M_.createConstant("twos", std::move(twos)));
  Node *mixed = F_->createArithmetic(Kind::MulKind, "mixed", square,
                                     constant("mixed.c", c->dims()));
  F_->createSave("out", mixed);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.scalarOperands.count(mul), 1u);
  EXPECT_EQ(plan.scalarOperands.at(mul), 1u);
  ASSERT_EQ(plan.scalarOperands.count(add), 1u);
  EXPECT_EQ(plan.scalarOperands.at(add), 0u);
  EXPECT_EQ(plan.fusedInto.at(alpha), mul);
  EXPECT_EQ(plan.fusedInto.at(beta), add);
  EXPECT_FALSE(plan.isFused(shared));
  EXPECT_EQ(plan.scalarOperands.count(twice), 0u);
  EXPECT_FALSE(plan.isFused(wide));
  ASSERT_EQ(plan.scalarOperands.count(square), 1u);
  EXPECT_EQ(plan.scalarOperands.at(square), 1u);
  EXPECT_EQ(plan.scalarOperands.count(mixed), 0u);
  KernelProgram p = build();
  const KernelCall *sq = findCall(p, "square", "libjit_binary_scalar_f32");
  ASSERT_NE(sq, nullptr);
  EXPECT_EQ(sq->args[2].floatValue, 2.0);
  EXPECT_NE(findCall(p, "mixed", "libjit_binary_f32"), nullptr);
  const KernelCall *m = findCall(p, "hs.mul", "libjit_binary_scalar_f32");
  const KernelCall *a = findCall(p, "hs.add", "libjit_binary_scalar_f32");
  ASSERT_NE(m, nullptr);
  ASSERT_NE(a, nullptr);
  // (out, x, s, op, scalarFirst), over the blocked elements.
  ASSERT_EQ(m->args.size(), 5u);
  EXPECT_EQ(m->args[2].floatValue, 0.25);
  EXPECT_EQ(m->args[4].intValue, 0);
  EXPECT_EQ(a->args[2].floatValue, 0.5);
  EXPECT_EQ(a->args[4].intValue, 1);
  EXPECT_EQ(m->items, 16 * 8 * 8);
  EXPECT_EQ(findCall(p, "alpha.broadcast", "libjit_strided_copy"), nullptr);
  EXPECT_EQ(findCall(p, "beta.broadcast", "libjit_strided_copy"), nullptr);
  EXPECT_NE(findCall(p, "shared.broadcast", "libjit_strided_copy"), nullptr);
  EXPECT_NE(findCall(p, "wide.broadcast", "libjit_strided_copy"), nullptr);
  for (const char *layer : {"hs.mul", "hs.add", "hs.clip"}) {
    EXPECT_EQ(findCall(p, layer, "libjit_to_blocked"), nullptr) << layer;
    EXPECT_EQ(findCall(p, layer, "libjit_from_blocked"), nullptr) << layer;
  }
}

// GELU as PyTorch exports it: five nodes, one pass.
TEST_F(CPUPlannerTest, geluIsOnePass) {
  ConvolutionNode *c = conv("c", input("x", {1, 16, 8, 8}), 16);
  Node *d = F_->createArithmetic(Kind::DivKind, "g.div", c,
                                 scalar("sqrt2", 1.41421356f, c->dims()));
  Node *e = F_->createUnary(Kind::ErfKind, "g.erf", d);
  Node *a = F_->createArithmetic(Kind::AddKind, "g.add", e,
                                 scalar("one", 1, c->dims()));
  Node *m = F_->createArithmetic(Kind::MulKind, "g.mul", c, a);
  Node *g = F_->createArithmetic(Kind::MulKind, "g",
                                 scalar("half", 0.5f, c->dims()), m);
  F_->createSave("out", g);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.gelus.count(g), 1u);
  EXPECT_EQ(plan.gelus.at(g).x, NodeValue(c, 0));
  EXPECT_FLOAT_EQ(plan.gelus.at(g).divisor, 1.41421356f);
  KernelProgram p = build();
  EXPECT_NE(findCall(p, "g", "libjit_gelu_f32"), nullptr);
  expectNoCallOf(
      p, {"libjit_unary_f32", "libjit_binary_f32", "libjit_binary_scalar_f32"});
  // Another reader of the Erf: no fusion.
  F_->createSave("erf.out", e);
  FusionPlan q;
  planFusions(*F_, UnitPlan(), q);
  EXPECT_EQ(q.gelus.count(g), 0u);
}

// INT8 codes computed element-wise from one INT8 value: a Dequantize, an
// FP32 Div by a broadcast scalar, a Quantize, an INT8 Add of the result and
// the value itself, a Relu. One table lookup of the value, whose entries
// are the composite map (checked here against the formulas in double, to
// one code: the kernels round their own way, and BackendCorrectnessTest
// holds them to the Interpreter bit for bit). A second reader of the
// Quantize's codes cuts the chain there: the Quantize's own chain is a
// table, and the Add of two values with its Relu is not.
TEST_F(CPUPlannerTest, int8ChainsOfOneInputAreOneTable) {
  Type xt(ElemKind::Int8QTy, {1, 40}, 0.05f, -3);
  Type qt(ElemKind::Int8QTy, {1, 40}, 0.03f, 1);
  Type at(ElemKind::Int8QTy, {1, 40}, 0.04f, 0);
  Placeholder *x = M_.createPlaceholder(xt, "x");
  Node *dq = F_->createDequantize("dq", x);
  Node *d = F_->createArithmetic(Kind::DivKind, "div", dq,
                                 scalar("two", 2, dq->dims()));
  Node *q = F_->createQuantize("q", d, qt);
  Node *add = F_->addNode(std::make_unique<AddNode>("add", at, q, x));
  Node *relu = F_->addNode(std::make_unique<ReluNode>("relu", at, add));
  F_->createSave("out", relu);
  auto quantized = [](double v, double scale, int offset) {
    return std::clamp<long>(std::lround(v / scale) + offset, -128, 127);
  };
  auto half = [&](int c) { return quantized(0.05 * (c + 3) / 2, 0.03, 1); };
  auto expectTable = [](const FusionPlan::CodeMap &m, auto want) {
    ASSERT_EQ(m.table.size(), 256u);
    for (int c = -128; c < 128; c++) {
      EXPECT_NEAR(m.table[c + 128], want(c), 1) << "code " << c;
    }
  };
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.codeMaps.count(relu), 1u);
  const FusionPlan::CodeMap &m = plan.codeMaps.at(relu);
  EXPECT_EQ(m.x, NodeValue(x, 0));
  EXPECT_EQ(m.nodes, (std::vector<const Node *>{dq, d, q, add, relu}));
  expectTable(m, [&](int c) {
    return std::max<long>(
        0, quantized((half(c) - 1) * 0.03 + (c + 3) * 0.05, 0.04, 0));
  });
  for (const Node *f : {dq, d, q, add}) {
    EXPECT_EQ(plan.fusedInto.at(f), relu) << f->getName().str();
  }
  KernelProgram p = build();
  ASSERT_EQ(p.calls.size(), 2u); // the lookup, and the Save's copy
  EXPECT_EQ(p.calls[0].kernel, "libjit_lookup_i8");
  EXPECT_EQ(p.calls[0].layer, "relu");

  F_->createSave("q.out", q);
  FusionPlan cut;
  planFusions(*F_, UnitPlan(), cut);
  EXPECT_EQ(cut.codeMaps.count(relu), 0u);
  ASSERT_EQ(cut.codeMaps.count(q), 1u);
  EXPECT_EQ(cut.codeMaps.at(q).nodes, (std::vector<const Node *>{dq, d, q}));
  expectTable(cut.codeMaps.at(q), half);
  EXPECT_EQ(cut.binaryActs.count(add), 1u);
  KernelProgram r = build();
  EXPECT_NE(findCall(r, "q", "libjit_lookup_i8"), nullptr);
  EXPECT_NE(findCall(r, "add", "libjit_binary_i8"), nullptr);
  expectNoCallOf(r, {"libjit_quantize", "libjit_dequantize"});
}

// A scalar broadcast that the kept chain reads and a node it does not keep
// reads too is still made: the chain R = Quantize(Dequantize(q) * s) from q
// grows on, as far as the FP32 s * (y + w) that q quantizes, and stops
// there with two values to read; that product is emitted and reads s.
TEST_F(CPUPlannerTest, codeMapLeavesASharedScalarToItsOtherReader) {
  Type t(ElemKind::Int8QTy, {1, 40}, 0.05f, 0);
  Placeholder *y = M_.createPlaceholder(t, "y");
  Placeholder *w = M_.createPlaceholder(t, "w");
  BroadcastNode *s = scalar("two", 2, {1, 40});
  Node *sum =
      F_->createArithmetic(Kind::AddKind, "sum", F_->createDequantize("dy", y),
                           F_->createDequantize("dw", w));
  Node *p = F_->createArithmetic(Kind::MulKind, "p", sum, s);
  Node *q = F_->createQuantize("q", p, t);
  Node *d = F_->createDequantize("d", q);
  Node *m = F_->createArithmetic(Kind::MulKind, "m", d, s);
  Node *r = F_->createQuantize("r", m, t);
  F_->createSave("out", r);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.codeMaps.count(r), 1u);
  EXPECT_EQ(plan.codeMaps.at(r).x, NodeValue(q, 0));
  EXPECT_EQ(plan.codeMaps.at(r).nodes, (std::vector<const Node *>{d, m, r}));
  EXPECT_EQ(plan.codeMaps.count(q), 0u);
  EXPECT_FALSE(plan.isFused(s));
  EXPECT_FALSE(plan.isFused(p));
  KernelProgram prog = build();
  EXPECT_NE(findCall(prog, "p", "libjit_binary_f32"), nullptr);
  EXPECT_NE(findCall(prog, "r", "libjit_lookup_i8"), nullptr);
}

// A MatMul by constant weights then a bias (a broadcast [M] constant after
// a Reshape, or a constant of equal rows) adds it in the MatMul's kernel;
// the Add makes no call. Broadcasts along rows are read by rows.
TEST_F(CPUPlannerTest, matMulBiasAndRowOperands) {
  Placeholder *a = input("a", {12, 8});
  Node *mm = F_->createMatMul("mm", a, constant("w", {8, 32}));
  Node *r = F_->createReshape("rows", mm, {1, 3, 4, 32});
  Node *add = F_->createArithmetic(
      Kind::AddKind, "add", r,
      F_->createBroadcast("bias.b", constant("bias", {32}), {1, 3, 4, 32}));
  Node *mm2 = F_->createMatMul("mm2", a, constant("w2", {8, 32}));
  Node *other = F_->createArithmetic(Kind::AddKind, "other", mm2,
                                     constant("c", {12, 32}));
  Node *centre = F_->createArithmetic(
      Kind::SubKind, "centre", other,
      F_->createBroadcast("mean.b", input("mean", {12, 1}), {12, 32}));
  F_->createSave("out", add);
  F_->createSave("out2", centre);
  FusionPlan plan;
  planFusions(*F_, UnitPlan(), plan);
  ASSERT_EQ(plan.matMulBiases.count(add), 1u);
  EXPECT_EQ(plan.matMulBiases.at(add).matMul, mm);
  EXPECT_EQ(plan.matMulBiases.at(add).input, 1u);
  EXPECT_EQ(plan.biasAddOf.at(mm), add);
  // constant("c") has rows that differ (i % 7 over 12 x 32 values).
  EXPECT_EQ(plan.matMulBiases.count(other), 0u);
  ASSERT_EQ(plan.rowOperands.count(centre), 1u);
  EXPECT_EQ(plan.rowOperands.at(centre).mode, FusionPlan::RowOperand::PerRow);
  EXPECT_EQ(plan.rowOperands.at(centre).rowLen, 32);
  KernelProgram p = build();
  EXPECT_NE(findCall(p, "mm", "libjit_fc_f32"), nullptr);
  for (auto &call : p.calls) {
    EXPECT_NE(call.layer, "add") << call.kernel;
    EXPECT_NE(call.layer, "bias.b") << call.kernel;
    EXPECT_NE(call.layer, "mean.b") << call.kernel;
  }
  EXPECT_NE(findCall(p, "other", "libjit_binary_f32"), nullptr);
  EXPECT_NE(findCall(p, "centre", "libjit_binary_rows_f32"), nullptr);
}

/// Checks \p call, a libjit_channels_last_blocks copy of a [1, 20, 5, 7]
/// FP32 value (one item a row), from or (\p toBlocked) into blocked.
static void expectChannelsLastCopy(const KernelCall *call, int64_t toBlocked) {
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->items, 5);
  // (out, in, C, H, W, elemSize, toBlocked)
  ASSERT_EQ(call->args.size(), 7u);
  EXPECT_EQ(call->args[2].intValue, 20);
  EXPECT_EQ(call->args[3].intValue, 5);
  EXPECT_EQ(call->args[4].intValue, 7);
  EXPECT_EQ(call->args[5].intValue, 4);
  EXPECT_EQ(call->args[6].intValue, toBlocked);
}

// NCHW -> NHWC of a blocked value copies the blocks' lanes per pixel: no
// plain copy of the value first.
TEST_F(CPUPlannerTest, channelsLastTransposeReadsTheBlocks) {
  ConvolutionNode *c = conv("c", input("x", {1, 8, 5, 7}), 20);
  Node *t = F_->createTranspose("nhwc", c, {0, 2, 3, 1});
  Node *other = F_->createTranspose("other", c, {0, 1, 3, 2});
  F_->createSave("out", t);
  F_->createSave("out2", other);
  KernelProgram p = build();
  const KernelCall *call = findCall(p, "nhwc", "libjit_channels_last_blocks");
  expectChannelsLastCopy(call, 0); // from blocked
  EXPECT_EQ(findCall(p, "nhwc", "libjit_from_blocked"), nullptr);
  // Another permutation reads a plain copy.
  EXPECT_NE(findCall(p, "other", "libjit_strided_copy"), nullptr);
}

// NHWC -> NCHW whose readers all work blocked (an Add with a convolution's
// blocked result, then a convolution) is written blocked from the pixels'
// channels: no strided copy and no conversion to blocked. The same
// transpose read by a Save is a plain strided copy.
TEST_F(CPUPlannerTest, channelsFirstTransposeWritesTheBlocks) {
  Placeholder *x = input("x", {1, 5, 7, 20});
  Node *t = F_->createTranspose("nchw", x, {0, 3, 1, 2});
  ConvolutionNode *c = conv("c", input("y", {1, 8, 5, 7}), 20);
  Node *add = F_->createArithmetic(Kind::AddKind, "add", t, c);
  F_->createSave("out", conv("c2", add, 16, 1, 0));
  F_->createSave("out2", F_->createTranspose("plain", x, {0, 3, 1, 2}));
  KernelProgram p = build();
  const KernelCall *call = findCall(p, "nchw", "libjit_channels_last_blocks");
  expectChannelsLastCopy(call, 1); // into blocked
  for (const char *layer : {"nchw", "add", "c2"}) {
    EXPECT_EQ(findCall(p, layer, "libjit_to_blocked"), nullptr) << layer;
    EXPECT_EQ(findCall(p, layer, "libjit_strided_copy"), nullptr) << layer;
  }
  EXPECT_NE(findCall(p, "add", "libjit_binary_f32"), nullptr);
  EXPECT_NE(findCall(p, "plain", "libjit_strided_copy"), nullptr);
}

// Short output rows: as many whole rows as fit in 14 pixels and divide the
// height go to one work item (one register tile); rows of 7 or more
// pixels, or heights no such count divides, keep one row an item.
TEST_F(CPUPlannerTest, shortRowsShareATile) {
  EXPECT_EQ(libjit::convRowsPerItem(4, 4), 2);  // 3 rows would not divide 4
  EXPECT_EQ(libjit::convRowsPerItem(2, 2), 2);  // all the rows there are
  EXPECT_EQ(libjit::convRowsPerItem(12, 2), 6); // 7 would not divide 12
  EXPECT_EQ(libjit::convRowsPerItem(7, 7), 1);  // 2 would not divide 7
  EXPECT_EQ(libjit::convRowsPerItem(5, 5), 1);
  EXPECT_EQ(libjit::convRowsPerItem(8, 8), 1);
  // 4x4 outputs, 64 output channels (two pairs of blocks): 2 pairs x 2
  // runs of 2 rows.
  KernelProgram p = [&] {
    F_->createSave("out", conv("c", input("x", {1, 16, 4, 4}), 64));
    return build();
  }();
  const KernelCall *call = findCall(p, "c", "libjit_conv_rows_f32");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->items, 4);
  // (..., DH, DW, rowsPerItem, scalars)
  ASSERT_GE(call->args.size(), 2u);
  EXPECT_EQ(call->args[call->args.size() - 2].intValue, 2);
  EXPECT_TRUE(call->args[call->args.size() - 2].specialized);
}

//===--- memory plan ------------------------------------------------------===//

TEST_F(CPUPlannerTest, planActivationsSharesDeadBytes) {
  // The reserved 64 bytes at 0. A (100 bytes, 128 aligned) lives in calls
  // 0..1, C (64) in 1..2, B (100) in 2..3. First fit in birth order: A at
  // 64; C overlaps A in time: after it, at 192; B is born after A died:
  // A's bytes, at 64. Region: 256 bytes.
  std::vector<PlannedBuffer> bufs = {
      {Region::Activations, 64},           {Region::Activations, 100, 0, 0, 1},
      {Region::Activations, 100, 0, 2, 3}, {Region::Activations, 64, 0, 1, 2},
      {Region::Mutable, 1000, 0, 0, 3}, // not an activation: not placed
  };
  uint64_t size = planActivations(bufs, 0);
  EXPECT_EQ(bufs[0].offset, 0u);
  EXPECT_EQ(bufs[1].offset, 64u);
  EXPECT_EQ(bufs[2].offset, 64u);
  EXPECT_EQ(bufs[3].offset, 192u);
  EXPECT_EQ(bufs[4].offset, 0u);
  EXPECT_EQ(size, 256u);
}

TEST_F(CPUPlannerTest, placeBuffersResolvesArguments) {
  // Three calls over a table of buffers: a constant nobody reads is left
  // out of the constant region; arguments get region and offset (plus
  // their byte offset into the buffer); the mutable buffer with an image
  // stride passes it on.
  BufferTable t;
  unsigned reserved = t.add(Region::Activations, kReservedActivationBytes);
  unsigned in = t.add(Region::Mutable, 10);  // at 0 (64 aligned)
  unsigned out = t.add(Region::Mutable, 10); // at 64
  float unusedData[2] = {1, 2}, usedData[2] = {3, 4};
  t.addConstant(unusedData, sizeof(unusedData));             // no call reads it
  unsigned used = t.addConstant(usedData, sizeof(usedData)); // at 0
  unsigned a = t.add(Region::Activations, 8);
  unsigned b = t.add(Region::Activations, 8);
  KernelProgram prog;
  auto call = [&](std::vector<std::pair<unsigned, uint64_t>> refs) {
    KernelCall c;
    c.kernel = "k";
    for (size_t i = 0; i < refs.size(); i++) {
      c.args.push_back(KernelArg::pointer(Region::Activations, 0));
    }
    prog.calls.push_back(c);
    t.refs.push_back(refs);
  };
  call({{a, 0}, {in, 4}, {used, 0}}); // a = f(in + 4 bytes, used)
  call({{b, 0}, {a, 0}});             // b = f(a): a and b overlap in call 1
  call({{out, 0}, {b, 0}, {kNoBuffer, 0}});
  placeBuffers(t, reserved, {{in, 5}}, prog);
  EXPECT_EQ(prog.mutableSize, 128u);
  ASSERT_EQ(prog.constants.size(), 64u);
  float got[2];
  std::memcpy(got, prog.constants.data(), sizeof(got));
  EXPECT_EQ(got[0], 3.f);
  EXPECT_EQ(got[1], 4.f);
  const auto &c0 = prog.calls[0].args;
  EXPECT_EQ(c0[1].region, Region::Mutable);
  EXPECT_EQ(c0[1].offset, 4u);
  EXPECT_EQ(c0[1].imageStride, 5u);
  EXPECT_EQ(c0[2].region, Region::Constant);
  EXPECT_EQ(c0[2].offset, 0u);
  // a at 64 (after the reserved words), b live with a: at 128; the
  // region ends at 192.
  EXPECT_EQ(c0[0].offset, 64u);
  EXPECT_EQ(prog.calls[1].args[0].offset, 128u);
  EXPECT_EQ(prog.activationsSize, 192u);
  EXPECT_EQ(prog.calls[2].args[0].region, Region::Mutable);
  EXPECT_EQ(prog.calls[2].args[0].offset, 64u);
  EXPECT_EQ(prog.calls[2].args[0].imageStride, 0u);
  EXPECT_EQ(t.bufs[a].first, 0);
  EXPECT_EQ(t.bufs[a].last, 1);
}

TEST_F(CPUPlannerTest, valuesThatDieShareMemory) {
  // x[1,1000] -> Relu r1 -> Relu r2 -> Relu r3 -> Save. Calls: 0 r1 = f(x),
  // 1 r2 = f(r1), 2 r3 = f(r2), 3 copy r3 out. r1 lives in calls 0..1 and
  // r3 in 2..3: they share bytes; r2 (1..2) overlaps both. Each takes 4000
  // bytes, 4032 aligned: r1 and r3 at 64, r2 at 4096; region 8128 bytes.
  Placeholder *x = input("x", {1, 1000});
  Node *r1 = F_->createRelu("r1", x);
  Node *r2 = F_->createRelu("r2", r1);
  Node *r3 = F_->createRelu("r3", r2);
  F_->createSave("out", r3);
  KernelProgram p = build();
  ASSERT_EQ(p.calls.size(), 4u);
  uint64_t o1 = p.calls[0].args[0].offset, o2 = p.calls[1].args[0].offset,
           o3 = p.calls[2].args[0].offset;
  EXPECT_EQ(o1, o3);
  EXPECT_NE(o1, o2);
  EXPECT_EQ(o1, 64u);
  EXPECT_EQ(o2, 4096u);
  EXPECT_EQ(p.activationsSize, 8128u);
  // Each reads what the previous one wrote.
  EXPECT_EQ(p.calls[1].args[1].offset, o1);
  EXPECT_EQ(p.calls[2].args[1].offset, o2);
  EXPECT_EQ(p.calls[3].args[1].offset, o3);
  // The placeholders: x at 0 of the mutable region, out after it.
  ASSERT_EQ(p.placeholders.size(), 2u);
  EXPECT_EQ(p.placeholders[0].name, "x");
  EXPECT_EQ(p.placeholders[0].offset, 0u);
  EXPECT_FALSE(p.placeholders[0].isOutput);
  EXPECT_EQ(p.placeholders[1].offset, 4032u);
  EXPECT_TRUE(p.placeholders[1].isOutput);
}

//===--- emission ---------------------------------------------------------===//

TEST_F(CPUPlannerTest, reshapeAliasesItsInput) {
  // A Reshape emits no call: the Save copies straight from the Relu's
  // buffer.
  Placeholder *x = input("x", {2, 6});
  Node *r = F_->createRelu("r", x);
  Node *rs = F_->createReshape("rs", r, {3, 4});
  F_->createSave("out", rs);
  KernelProgram p = build();
  ASSERT_EQ(kernels(p),
            (std::vector<std::string>{"libjit_unary_f32", "libjit_copy"}));
  EXPECT_EQ(p.calls[1].args[1].offset, p.calls[0].args[0].offset);
  EXPECT_EQ(p.calls[1].items, 48); // 12 floats
}

TEST_F(CPUPlannerTest, concatsAreMadeInPlace) {
  // One image of 4x4 pixels: 16 channels take 16 * 16 * 4 = 1024 bytes
  // blocked. cat1 = [a (32), b (16)]: a's buffer at cat1's offset O, b's
  // at O + 2048, no call. cat2 = [cat1, c (16)] extends it: cat1 (with a
  // and b) at cat2's offset, c at + 3072. cat3 = [d (20), c] must copy:
  // d's 20 channels end inside a block.
  Placeholder *x = input("x", {1, 16, 4, 4});
  Node *a = conv("a", x, 32, 1, 0);
  Node *b = conv("b", x, 16);
  Node *cat1 = F_->createConcat("cat1", {a, b}, 1);
  Node *c = conv("c", cat1, 16);
  Node *cat2 = F_->createConcat("cat2", {cat1, c}, 1);
  Node *d = conv("d", cat2, 20);
  Node *cat3 = F_->createConcat("cat3", {d, c}, 1);
  F_->createSave("out", conv("e", cat3, 8));
  KernelProgram p = build();
  for (const char *layer : {"cat1", "cat2"}) {
    for (auto &call : p.calls) {
      EXPECT_NE(call.layer, layer) << call.kernel;
    }
  }
  EXPECT_NE(findCall(p, "cat3", "libjit_copy_rows"), nullptr);
  // (Rows of 4 pixels: two a work item, libjit_conv_rows_f32.)
  const KernelCall *ca = findCall(p, "a", "libjit_conv_rows_f32");
  const KernelCall *cb = findCall(p, "b", "libjit_conv_rows_f32");
  const KernelCall *cc = findCall(p, "c", "libjit_conv_rows_f32");
  const KernelCall *pc = findCall(p, "c", "libjit_pack_conv_input_f32");
  const KernelCall *pd = findCall(p, "d", "libjit_pack_conv_input_f32");
  ASSERT_TRUE(ca && cb && cc && pc && pd);
  uint64_t o = ca->args[0].offset;
  EXPECT_EQ(cb->args[0].offset, o + 2048);
  EXPECT_EQ(cc->args[0].offset, o + 3072);
  EXPECT_EQ(pc->args[1].offset, o); // c reads cat1
  EXPECT_EQ(pd->args[1].offset, o); // d reads cat2
  // cat2's 4096 bytes live until cat3 copies c out of them: what d and
  // cat3 write lies elsewhere.
  for (auto &call : p.calls) {
    if (call.layer == "d" || call.layer == "cat3") {
      ASSERT_EQ(call.args[0].region, Region::Activations);
      uint64_t at = call.args[0].offset;
      EXPECT_TRUE(at >= o + 4096 || at < o) << call.kernel << " at " << at;
    }
  }
}

TEST_F(CPUPlannerTest, emissionOrderIsTopological) {
  // Without units the emission order is the topological order of the
  // non-storage nodes.
  Placeholder *x = input("x", {1, 4});
  Node *a = F_->createRelu("a", x);
  Node *b = F_->createRelu("b", a);
  SaveNode *s = F_->createSave("out", b);
  auto order = getEmissionOrder(*F_, UnitPlan());
  ASSERT_TRUE(bool(order));
  EXPECT_EQ(*order, (std::vector<const Node *>{a, b, s}));
}

TEST_F(CPUPlannerTest, unitsAreEmittedWholeAndMustBeConvex) {
  // FP32: x -> a -> b -> c -> Save. INT8 twin (another module, same
  // names): x -> Quantize -> a -> b -> c -> Dequantize -> Save.
  Placeholder *x = input("x", {1, 4});
  Node *a = F_->createRelu("a", x);
  Node *b = F_->createRelu("b", a);
  Node *c = F_->createRelu("c", b);
  SaveNode *save = F_->createSave("out", c);
  Module Mq;
  Function *Fq = Mq.createFunction("main");
  Placeholder *xq = Mq.createPlaceholder(Type(ElemKind::FloatTy, {1, 4}), "x");
  Node *q =
      Fq->createQuantize("q", xq, Type(ElemKind::Int8QTy, {1, 4}, 0.1f, 0));
  Node *aq = Fq->createRelu("a", q);
  Node *bq = Fq->createRelu("b", aq);
  Node *cq = Fq->createRelu("c", bq);
  Fq->createSave("out", Fq->createDequantize("dq", cq));
  // Units {a, c} and {b}: a path leaves unit 0 at a and comes back at c.
  auto bad = UnitPlan::create(*F_, *Fq, {{"a", "c"}, {"b"}});
  ASSERT_TRUE(bool(bad)) << llvm::toString(bad.takeError());
  EXPECT_EQ(bad->unitOf(a), 0);
  EXPECT_EQ(bad->unitOf(cq), 0);
  EXPECT_EQ(bad->unitOf(b), 1);
  auto order = getEmissionOrder(*F_, *bad);
  ASSERT_FALSE(bool(order));
  EXPECT_NE(llvm::toString(order.takeError()).find("not convex"),
            std::string::npos);
  // Units {a, b} and {c}: convex. The program has each unit's FP32 calls,
  // then its INT8 ones (quantize on entry, dequantize on exit); the INT8
  // Relus a and b of one unit are one table (FusionPlan::codeMaps).
  auto units = buildSwitchableKernelProgram(*F_, *Fq, {{"a", "b"}, {"c"}}, 1);
  ASSERT_TRUE(bool(units)) << llvm::toString(units.takeError());
  EXPECT_EQ(units->numUnits, 2);
  std::vector<std::string> got;
  for (auto &call : units->calls) {
    got.push_back(call.layer + ":" + std::to_string(call.unit) +
                  (call.int8 ? "q" : "f"));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "a:0f", "b:0f", "a:0q", "b:0q", "b:0q", "c:1f", "c:1q",
                     "c:1q", "c:1q", save->getName().str() + ":-1f"}));
  // A layer missing from the INT8 graph is an error.
  auto missing = UnitPlan::create(*F_, *Fq, {{"a", "nope"}});
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(llvm::toString(missing.takeError()).find("'nope'"),
            std::string::npos);
}

/// optimizeModule lets AVX-512 VNNI functions use VBMI and VBMI2 on a
/// target that has them, and leaves functions of other variants, and
/// targets without them, as they were.
TEST(CPUCodegenTest, avx512KernelsUseTheTargetsByteInstructions) {
  llvm::InitializeNativeTarget();
  std::string triple = llvm::sys::getProcessTriple();
  if (llvm::StringRef(triple).substr(0, 6) != "x86_64") {
    GTEST_SKIP() << "not an x86-64 host";
  }
  std::string err;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, err);
  ASSERT_TRUE(target) << err;
  auto featuresAfter = [&](const char *cpu, const char *functionFeatures) {
    std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
        triple, cpu, "", llvm::TargetOptions(), llvm::None));
    llvm::LLVMContext ctx;
    llvm::Module M("m", ctx);
    auto *f = llvm::Function::Create(
        llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), false),
        llvm::GlobalValue::ExternalLinkage, "kernel", &M);
    f->addFnAttr("target-cpu", "x86-64-v4");
    f->addFnAttr("target-features", functionFeatures);
    llvm::ReturnInst::Create(ctx, llvm::BasicBlock::Create(ctx, "entry", f));
    optimizeModule(M, *tm);
    return f->getFnAttribute("target-features").getValueAsString().str();
  };
  EXPECT_EQ(featuresAfter("icelake-server", "+avx512f,+avx512vnni"),
            "+avx512f,+avx512vnni,+avx512vbmi,+avx512vbmi2");
  // Cascade Lake has VNNI but neither.
  EXPECT_EQ(featuresAfter("cascadelake", "+avx512f,+avx512vnni"),
            "+avx512f,+avx512vnni");
  // An AVX2 variant's function keeps its features.
  EXPECT_EQ(featuresAfter("icelake-server", "+avx2,+fma"), "+avx2,+fma");
}

} // namespace
