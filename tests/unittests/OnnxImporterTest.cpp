// ONNX importer tests: small models are built as onnx::ModelProto objects in
// C++, serialized, loaded with ONNXModelLoader::loadFromBytes and run on the
// Interpreter. Expected values are worked out by hand in the comments.

#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Graph/Graph.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace glow;

namespace {

/// Builds an onnx::ModelProto with one graph.
class ModelBuilder {
public:
  explicit ModelBuilder(int64_t opset, int64_t irVersion = 8) {
    model_.set_ir_version(irVersion);
    model_.set_producer_name("glow-unittest");
    auto *op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    graph_ = model_.mutable_graph();
    graph_->set_name("test_graph");
  }

  /// Declares a graph input of element type \p elemType and shape \p dims
  /// (a negative value leaves the dimension open with a dim_param).
  onnx::ValueInfoProto *input(const std::string &name,
                              const std::vector<int64_t> &dims,
                              int32_t elemType = onnx::TensorProto::FLOAT) {
    auto *in = graph_->add_input();
    in->set_name(name);
    auto *tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elemType);
    auto *shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto *dim = shape->add_dim();
      if (d < 0) {
        dim->set_dim_param("batch");
      } else {
        dim->set_dim_value(d);
      }
    }
    return in;
  }

  void output(const std::string &name) { graph_->add_output()->set_name(name); }

  /// A float initializer in float_data, or in raw_data if \p raw.
  onnx::TensorProto *initializer(const std::string &name,
                                 const std::vector<int64_t> &dims,
                                 const std::vector<float> &values,
                                 bool raw = false) {
    auto *t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
      t->add_dims(d);
    }
    if (raw) {
      t->set_raw_data(std::string(reinterpret_cast<const char *>(values.data()),
                                  values.size() * sizeof(float)));
    } else {
      for (float v : values) {
        t->add_float_data(v);
      }
    }
    return t;
  }

  onnx::TensorProto *initializerI64(const std::string &name,
                                    const std::vector<int64_t> &dims,
                                    const std::vector<int64_t> &values) {
    auto *t = graph_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) {
      t->add_dims(d);
    }
    for (int64_t v : values) {
      t->add_int64_data(v);
    }
    return t;
  }

  onnx::NodeProto *node(const std::string &op,
                        const std::vector<std::string> &inputs,
                        const std::vector<std::string> &outputs,
                        const std::string &name = "") {
    auto *n = graph_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto &i : inputs) {
      n->add_input(i);
    }
    for (auto &o : outputs) {
      n->add_output(o);
    }
    return n;
  }

  std::string bytes() const { return model_.SerializeAsString(); }

private:
  onnx::ModelProto model_;
  onnx::GraphProto *graph_;
};

void attrInt(onnx::NodeProto *n, const std::string &name, int64_t v) {
  auto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void attrFloat(onnx::NodeProto *n, const std::string &name, float v) {
  auto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void attrInts(onnx::NodeProto *n, const std::string &name,
              const std::vector<int64_t> &v) {
  auto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) {
    a->add_ints(x);
  }
}

void attrString(onnx::NodeProto *n, const std::string &name,
                const std::string &v) {
  auto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

unsigned countKind(const Function *F, Node::Kind k) {
  unsigned n = 0;
  for (const Node *node : F->getNodes()) {
    n += node->getKind() == k;
  }
  return n;
}

Tensor floatTensor(llvm::ArrayRef<dim_t> dims, llvm::ArrayRef<float> values) {
  Tensor t(ElemKind::FloatTy, dims);
  t.getHandle<float>().assign(values);
  return t;
}

/// An engine with a model loaded into it.
struct Loaded {
  std::unique_ptr<ExecutionEngine> ee;
  std::unique_ptr<ONNXModelLoader> loader;
  Function *F() const { return loader->getFunction(); }
};

/// Loads \p bytes into a new Interpreter engine. Fails the test on error.
Loaded load(const std::string &bytes,
            const std::map<std::string, Type> &inputTypes = {}) {
  Loaded l;
  auto ee = ExecutionEngine::create("Interpreter");
  EXPECT_TRUE(bool(ee)) << llvm::toString(ee.takeError());
  if (!ee) {
    return l;
  }
  l.ee = std::move(*ee);
  auto loader =
      ONNXModelLoader::loadFromBytes(bytes, l.ee->getModule(), inputTypes);
  EXPECT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  if (loader) {
    l.loader = std::move(*loader);
  }
  return l;
}

/// \returns the error message of loading \p bytes ("" if it loads).
std::string loadError(const std::string &bytes,
                      const std::map<std::string, Type> &inputTypes = {}) {
  Module M;
  auto loader = ONNXModelLoader::loadFromBytes(bytes, M, inputTypes);
  if (loader) {
    return "";
  }
  return llvm::toString(loader.takeError());
}

/// Compiles (optimizing if \p optimize) and runs \p l with \p inputs by
/// name. \returns a copy of output 0.
Tensor compileAndRun(Loaded &l, const std::map<std::string, Tensor *> &inputs,
                     bool optimize = true) {
  llvm::Error err = l.ee->compile(l.F(), optimize);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  PlaceholderBindings bindings;
  for (auto &kv : inputs) {
    auto ph = l.loader->getInputByName(kv.first);
    EXPECT_TRUE(bool(ph)) << llvm::toString(ph.takeError());
    if (ph) {
      *bindings.allocate(*ph) = kv.second->clone();
    }
  }
  bindings.allocate(l.ee->getModule().getPlaceholders());
  err = l.ee->run(bindings);
  EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
  return bindings.get(l.loader->getOutputs()[0].second)->clone();
}

void expectFloats(const Tensor &t, llvm::ArrayRef<dim_t> dims,
                  llvm::ArrayRef<float> want, double tol = 1e-5) {
  ASSERT_EQ(t.getElementType(), ElemKind::FloatTy);
  ASSERT_EQ(t.dims(), dims) << t.getType().toString();
  ASSERT_EQ(t.size(), want.size());
  for (size_t i = 0; i < want.size(); i++) {
    EXPECT_NEAR(t.getHandle<float>().raw(i), want[i], tol) << "element " << i;
  }
}

} // namespace

TEST(OnnxImporterTest, convRelu) {
  ModelBuilder mb(13);
  mb.input("x", {1, 1, 3, 3});
  // Weights in float_data, bias in raw_data.
  mb.initializer("W", {1, 1, 2, 2}, {1, 2, 3, 4});
  mb.initializer("B", {1}, {-1.f}, /*raw=*/true);
  mb.node("Conv", {"x", "W", "B"}, {"c"}, "conv1");
  mb.node("Relu", {"c"}, {"y"}, "relu1");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  EXPECT_EQ(l.loader->getOpset(), 13);
  ASSERT_EQ(l.loader->getInputs().size(), 1u);
  EXPECT_EQ(l.loader->getInputs()[0].first, "x");
  EXPECT_NE(l.F()->getNodeByName("conv1"), nullptr);
  EXPECT_NE(l.F()->getNodeByName("relu1"), nullptr);
  // x:
  //    1 -2  3
  //   -4  5 -6
  //    7 -8  9
  Tensor x = floatTensor({1, 1, 3, 3}, {1, -2, 3, -4, 5, -6, 7, -8, 9});
  Tensor y = compileAndRun(l, {{"x", &x}});
  // Kernel [[1, 2], [3, 4]], bias -1:
  // (0,0): 1 - 4 - 12 + 20 - 1 = 4
  // (0,1): -2 + 6 + 15 - 24 - 1 = -6 -> relu 0
  // (1,0): -4 + 10 + 21 - 32 - 1 = -6 -> relu 0
  // (1,1): 5 - 12 - 24 + 36 - 1 = 4
  expectFloats(y, {1, 1, 2, 2}, {4, 0, 0, 4});
}

TEST(OnnxImporterTest, convAutoPadSame) {
  // 4x4 input 1..16, 3x3 kernel of ones, stride 2: output ceil(4/2) = 2.
  // Total padding (2 - 1) * 2 + 3 - 4 = 1: SAME_UPPER puts it at the end,
  // SAME_LOWER at the beginning.
  std::vector<float> v(16);
  for (int i = 0; i < 16; i++) {
    v[i] = float(i + 1);
  }
  Tensor x = floatTensor({1, 1, 4, 4}, v);
  //    1  2  3  4
  //    5  6  7  8
  //    9 10 11 12
  //   13 14 15 16
  for (const char *mode : {"SAME_UPPER", "SAME_LOWER"}) {
    SCOPED_TRACE(mode);
    ModelBuilder mb(13);
    mb.input("x", {1, 1, 4, 4});
    mb.initializer("W", {1, 1, 3, 3}, std::vector<float>(9, 1.f));
    auto *conv = mb.node("Conv", {"x", "W"}, {"y"}, "conv");
    attrString(conv, "auto_pad", mode);
    attrInts(conv, "strides", {2, 2});
    mb.output("y");
    Loaded l = load(mb.bytes());
    ASSERT_TRUE(l.loader);
    Tensor y = compileAndRun(l, {{"x", &x}});
    if (std::string(mode) == "SAME_UPPER") {
      // Windows rows/cols 0..2 and 2..3 (+ pad):
      // (0,0): 1+2+3+5+6+7+9+10+11 = 54   (0,1): 3+4+7+8+11+12 = 45
      // (1,0): 9+10+11+13+14+15 = 72      (1,1): 11+12+15+16 = 54
      expectFloats(y, {1, 1, 2, 2}, {54, 45, 72, 54});
    } else {
      // Windows rows/cols (pad +) 0..1 and 1..3:
      // (0,0): 1+2+5+6 = 14               (0,1): 2+3+4+6+7+8 = 30
      // (1,0): 5+6+9+10+13+14 = 57
      // (1,1): 6+7+8+10+11+12+14+15+16 = 99
      expectFloats(y, {1, 1, 2, 2}, {14, 30, 57, 99});
    }
  }
}

TEST(OnnxImporterTest, gemmTransBIsFullyConnected) {
  ModelBuilder mb(13);
  mb.input("a", {2, 3});
  // B is [N=2, K=3]; transB=1 reads it as [3, 2].
  mb.initializer("B", {2, 3}, {1, 0, 1, 0, 1, -1});
  mb.initializer("C", {2}, {0.5f, -0.5f});
  auto *gemm = mb.node("Gemm", {"a", "B", "C"}, {"y"}, "fc");
  attrInt(gemm, "transB", 1);
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  llvm::Error err = optimizeFunction(l.F());
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  EXPECT_EQ(countKind(l.F(), Node::Kind::FullyConnectedKind), 1u);
  EXPECT_EQ(countKind(l.F(), Node::Kind::TransposeKind), 0u);
  EXPECT_EQ(countKind(l.F(), Node::Kind::MatMulKind), 0u);
  EXPECT_NE(l.F()->getNodeByName("fc"), nullptr);
  Tensor a = floatTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor y = compileAndRun(l, {{"a", &a}});
  // y[n][m] = sum_k a[n][k] * B[m][k] + C[m]:
  // n0: 1 + 0 + 3 + 0.5 = 4.5;   0 + 2 - 3 - 0.5 = -1.5
  // n1: 4 + 0 + 6 + 0.5 = 10.5;  0 + 5 - 6 - 0.5 = -1.5
  expectFloats(y, {2, 2}, {4.5f, -1.5f, 10.5f, -1.5f});
}

TEST(OnnxImporterTest, ir3InitializersListedAsInputsAreConstants) {
  ModelBuilder mb(8, /*irVersion=*/3);
  mb.input("x", {1, 2});
  mb.input("W", {1, 2}); // IR 3 lists initializers among the inputs.
  mb.initializer("W", {1, 2}, {10.f, 20.f});
  mb.node("Add", {"x", "W"}, {"y"}, "add");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  ASSERT_EQ(l.loader->getInputs().size(), 1u);
  EXPECT_EQ(l.loader->getInputs()[0].first, "x");
  Module &M = l.ee->getModule();
  EXPECT_EQ(M.getPlaceholderByName("W"), nullptr);
  bool foundW = false;
  for (Constant *c : M.getConstants()) {
    foundW |= c->getName() == "W";
  }
  EXPECT_TRUE(foundW);
  auto w = l.loader->getInputByName("W");
  EXPECT_FALSE(bool(w));
  llvm::consumeError(w.takeError());
  Tensor x = floatTensor({1, 2}, {1, 2});
  // 1 + 10 = 11, 2 + 20 = 22.
  expectFloats(compileAndRun(l, {{"x", &x}}), {1, 2}, {11, 22});
}

TEST(OnnxImporterTest, shapeGatherUnsqueezeConcatFoldsToStaticReshape) {
  // y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0), [0]), [-1]))
  //   = Reshape(x, [2, -1]) = Reshape(x, [2, 12]).
  ModelBuilder mb(13);
  mb.input("x", {2, 3, 4});
  mb.initializerI64("zero", {}, {0});
  mb.initializerI64("axes0", {1}, {0});
  mb.initializerI64("minus1", {1}, {-1});
  mb.node("Shape", {"x"}, {"shape"}, "shape");
  mb.node("Gather", {"shape", "zero"}, {"batch"}, "gather");
  mb.node("Unsqueeze", {"batch", "axes0"}, {"batch1"}, "unsqueeze");
  auto *cat = mb.node("Concat", {"batch1", "minus1"}, {"newshape"}, "concat");
  attrInt(cat, "axis", 0);
  mb.node("Reshape", {"x", "newshape"}, {"y"}, "reshape");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  llvm::Error err = optimizeFunction(l.F());
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  EXPECT_EQ(countKind(l.F(), Node::Kind::GatherKind), 0u);
  EXPECT_EQ(countKind(l.F(), Node::Kind::ConcatKind), 0u);
  // Only the data Reshape and the Save are left.
  EXPECT_EQ(countKind(l.F(), Node::Kind::ReshapeKind), 1u);
  EXPECT_EQ(l.F()->getNodes().size(), 2u);
  EXPECT_EQ(l.F()->getNodeByName("shape"), nullptr);
  Placeholder *out = l.loader->getOutputs()[0].second;
  EXPECT_EQ(out->getType(), Type(ElemKind::FloatTy, {2, 12}));
  std::vector<float> v(24);
  for (int i = 0; i < 24; i++) {
    v[i] = 0.5f * i;
  }
  Tensor x = floatTensor({2, 3, 4}, v);
  Tensor y = compileAndRun(l, {{"x", &x}});
  // Row-major order is kept: y[1][5] = x[1][1][1] = 0.5 * (12 + 4 + 1).
  expectFloats(y, {2, 12}, v);
  EXPECT_EQ(y.getHandle<float>().at({1, 5}), 8.5f);
}

TEST(OnnxImporterTest, unsupportedOperatorIsAnError) {
  ModelBuilder mb(13);
  mb.input("x", {4});
  mb.initializerI64("s", {4}, {1, 1, 1, 1});
  mb.node("BitShift", {"x", "s"}, {"y"}, "my_shift");
  mb.output("y");
  std::string msg = loadError(mb.bytes());
  EXPECT_TRUE(contains(msg, "BitShift")) << msg;
  EXPECT_TRUE(contains(msg, "my_shift")) << msg;
}

TEST(OnnxImporterTest, garbageBytesAreAnError) {
  std::string msg = loadError("this is not an ONNX model \x01\x02\x03\xff");
  EXPECT_TRUE(contains(msg, "not a valid ONNX model")) << msg;
  msg = loadError("");
  EXPECT_TRUE(contains(msg, "not a valid ONNX model")) << msg;
  // A valid model cut in half is not a model either.
  ModelBuilder mb(13);
  mb.input("x", {2});
  mb.node("Relu", {"x"}, {"y"}, "relu");
  mb.output("y");
  std::string bytes = mb.bytes();
  msg = loadError(bytes.substr(0, bytes.size() / 2));
  EXPECT_TRUE(contains(msg, "not a valid ONNX model")) << msg;
}

TEST(OnnxImporterTest, openDimensionNeedsAnOverride) {
  ModelBuilder mb(13);
  mb.input("images", {-1, 3});
  mb.node("Relu", {"images"}, {"y"}, "relu");
  mb.output("y");
  std::string msg = loadError(mb.bytes());
  EXPECT_TRUE(contains(msg, "images")) << msg;
  EXPECT_TRUE(contains(msg, "open dimension")) << msg;
  // With the input's type given it loads with that shape.
  Loaded l = load(mb.bytes(), {{"images", Type(ElemKind::FloatTy, {2, 3})}});
  ASSERT_TRUE(l.loader);
  EXPECT_EQ(l.loader->getInputs()[0].second->getType(),
            Type(ElemKind::FloatTy, {2, 3}));
  Tensor x = floatTensor({2, 3}, {-1, 2, -3, 4, -5, 6});
  expectFloats(compileAndRun(l, {{"images", &x}}), {2, 3}, {0, 2, 0, 4, 0, 6});
  // A type for an input the model does not have is an error.
  msg = loadError(mb.bytes(), {{"images", Type(ElemKind::FloatTy, {2, 3})},
                               {"nope", Type(ElemKind::FloatTy, {2, 3})}});
  EXPECT_TRUE(contains(msg, "nope")) << msg;
}

TEST(OnnxImporterTest, shapeMismatchNamesTheNode) {
  ModelBuilder mb(13);
  mb.input("a", {2, 3});
  mb.initializer("b", {4}, {1, 2, 3, 4});
  mb.node("Add", {"a", "b"}, {"y"}, "bad_add");
  mb.output("y");
  std::string msg = loadError(mb.bytes());
  EXPECT_TRUE(contains(msg, "bad_add")) << msg;
  EXPECT_TRUE(contains(msg, "broadcast")) << msg;

  // A conv whose weights do not fit the input channels.
  ModelBuilder mc(13);
  mc.input("x", {1, 3, 4, 4});
  mc.initializer("W", {1, 2, 3, 3}, std::vector<float>(18, 1.f));
  mc.node("Conv", {"x", "W"}, {"y"}, "bad_conv");
  mc.output("y");
  msg = loadError(mc.bytes());
  EXPECT_TRUE(contains(msg, "bad_conv")) << msg;
}

TEST(OnnxImporterTest, batchNormalizationIsFoldedIntoConv) {
  ModelBuilder mb(13);
  mb.input("x", {1, 2, 3, 3});
  std::vector<float> w(16);
  for (int i = 0; i < 16; i++) {
    w[i] = 0.25f * float((i * 7) % 11) - 1.f;
  }
  mb.initializer("W", {2, 2, 2, 2}, w);
  mb.initializer("B", {2}, {0.3f, -0.7f});
  mb.initializer("gamma", {2}, {1.5f, -0.8f});
  mb.initializer("beta", {2}, {0.1f, 2.f});
  mb.initializer("mean", {2}, {0.4f, -1.2f});
  mb.initializer("var", {2}, {2.f, 0.3f});
  mb.node("Conv", {"x", "W", "B"}, {"c"}, "conv");
  auto *bn = mb.node("BatchNormalization",
                     {"c", "gamma", "beta", "mean", "var"}, {"y"}, "bn");
  attrFloat(bn, "epsilon", 1e-3f);
  mb.output("y");
  std::string bytes = mb.bytes();

  std::vector<float> v(18);
  for (int i = 0; i < 18; i++) {
    v[i] = std::sin(0.7f * i) * 3.f;
  }
  Tensor x = floatTensor({1, 2, 3, 3}, v);

  Loaded opt = load(bytes);
  Loaded ref = load(bytes);
  ASSERT_TRUE(opt.loader && ref.loader);
  EXPECT_EQ(countKind(opt.F(), Node::Kind::BatchNormalizationKind), 1u);
  Tensor yOpt = compileAndRun(opt, {{"x", &x}});
  Tensor yRef = compileAndRun(ref, {{"x", &x}}, /*optimize=*/false);
  EXPECT_EQ(countKind(opt.F(), Node::Kind::BatchNormalizationKind), 0u);
  EXPECT_EQ(countKind(opt.F(), Node::Kind::ConvolutionKind), 1u);
  EXPECT_EQ(countKind(ref.F(), Node::Kind::BatchNormalizationKind), 1u);
  ASSERT_EQ(yOpt.getType(), Type(ElemKind::FloatTy, {1, 2, 2, 2}));
  ASSERT_EQ(yRef.getType(), yOpt.getType());
  EXPECT_TRUE(yOpt.isEqual(yRef, 1e-5)) << yOpt.toString(8) << "\n"
                                        << yRef.toString(8);
  // The BN is not an identity here: its output differs from the plain conv.
  float s0 = 1.5f / std::sqrt(2.f + 1e-3f);
  EXPECT_GT(std::fabs(s0 - 1.f), 0.01f);
}

TEST(OnnxImporterTest, softmaxOpset11CoercesTo2D) {
  ModelBuilder mb(11);
  mb.input("x", {2, 2, 2});
  auto *sm = mb.node("Softmax", {"x"}, {"y"}, "softmax");
  attrInt(sm, "axis", 1);
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  std::vector<float> v = {0, 1, 2, 3, -1, 0, 1, 5};
  Tensor x = floatTensor({2, 2, 2}, v);
  Tensor y = compileAndRun(l, {{"x", &x}});
  // Opset 11 flattens to [2, 4] at axis 1: each batch row of 4 values is
  // one softmax, e.g. row 0: e^k / (1 + e + e^2 + e^3), k = 0..3.
  std::vector<float> want(8);
  for (int n = 0; n < 2; n++) {
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      sum += std::exp(double(v[n * 4 + i]));
    }
    for (int i = 0; i < 4; i++) {
      want[n * 4 + i] = float(std::exp(double(v[n * 4 + i])) / sum);
    }
  }
  // 1 + e + e^2 + e^3 = 1 + 2.7182818 + 7.3890561 + 20.0855369 = 31.1928748;
  // y[0] = 1 / 31.1928748 = 0.0320586.
  EXPECT_NEAR(want[0], 0.0320586, 1e-6);
  expectFloats(y, {2, 2, 2}, want);
  // Opset-13 semantics (softmax over axis 1 only) would make y[0] + y[2]
  // = 1; here it is (1 + e^2) / 31.19 = 0.269.
  auto h = y.getHandle<float>();
  EXPECT_NEAR(h.raw(0) + h.raw(2), (1 + std::exp(2.0)) / 31.1928748, 1e-5);
}

TEST(OnnxImporterTest, hardSigmoidAndHardSwishAreLoweredBeforeTheBackend) {
  ModelBuilder mb(14);
  mb.input("x", {1, 6});
  attrFloat(mb.node("HardSigmoid", {"x"}, {"h"}, "gate"), "alpha", 0.25f);
  mb.node("HardSwish", {"h"}, {"y"}, "hswish");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  EXPECT_EQ(countKind(l.F(), Node::Kind::HardSigmoidKind), 1u);
  EXPECT_EQ(countKind(l.F(), Node::Kind::HardSwishKind), 1u);
  Tensor x = floatTensor({1, 6}, {-4, -2, 0, 1, 2, 6});
  Tensor y = compileAndRun(l, {{"x", &x}});
  // After compiling, no lowered kind is left, and the primitives keep the
  // layer names of the ONNX nodes.
  EXPECT_EQ(countKind(l.F(), Node::Kind::HardSigmoidKind), 0u);
  EXPECT_EQ(countKind(l.F(), Node::Kind::HardSwishKind), 0u);
  std::set<std::string> layers;
  for (const Node *n : l.F()->getNodes()) {
    if (isLayerNode(*n)) {
      layers.insert(n->getLayerName().str());
    }
  }
  EXPECT_EQ(layers, (std::set<std::string>{"gate", "hswish"}));
  // h = clip(0.25 x + 0.5, 0, 1) (beta defaults to 0.5):
  //   x = -4, -2, 0, 1, 2, 6  ->  h = 0, 0, 0.5, 0.75, 1, 1.
  // y = h * clip(h / 6 + 0.5, 0, 1):
  //   0; 0; 0.5 * (0.5833333) = 0.2916667; 0.75 * 0.625 = 0.46875;
  //   1 * 0.6666667 = 0.6666667 (twice).
  expectFloats(y, {1, 6},
               {0.f, 0.f, 0.29166667f, 0.46875f, 0.66666667f, 0.66666667f});
}

TEST(OnnxImporterTest, sliceToInt64MaxReachesTheEnd) {
  // PyTorch writes "to the end" as INT64_MAX, which is not a double: read
  // as one it became INT64_MIN and the slice came out empty.
  ModelBuilder mb(13);
  mb.input("x", {1, 5});
  mb.initializerI64("starts", {1}, {2});
  mb.initializerI64("ends", {1}, {std::numeric_limits<int64_t>::max()});
  mb.initializerI64("axes", {1}, {1});
  mb.node("Slice", {"x", "starts", "ends", "axes"}, {"y"}, "tail");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  Tensor x = floatTensor({1, 5}, {1, 2, 3, 4, 5});
  expectFloats(compileAndRun(l, {{"x", &x}}), {1, 3}, {3, 4, 5});
}

TEST(OnnxImporterTest, comparisonsAndWhereFoldOnConstantsRunOtherwise) {
  // Where(Equal(s, -1), ones, s) as PyTorch writes Expand's shape: folded
  // while loading into [2, 1, 3]; the Expand then broadcasts x.
  ModelBuilder mb(13);
  mb.input("x", {1, 1, 3});
  mb.initializerI64("s", {3}, {2, -1, 3});
  mb.initializerI64("m1", {1}, {-1});
  mb.initializerI64("ones", {3}, {1, 1, 1});
  mb.node("Equal", {"s", "m1"}, {"is_open"}, "eq");
  mb.node("Where", {"is_open", "ones", "s"}, {"shape"}, "where");
  mb.node("Expand", {"x", "shape"}, {"y"}, "expand");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  for (const Node *n : l.F()->getNodes()) {
    EXPECT_FALSE(llvm::isa<CompareNode>(n) || llvm::isa<SelectNode>(n))
        << n->getName().str() << " should have been folded";
  }
  Tensor x = floatTensor({1, 1, 3}, {1, 2, 3});
  expectFloats(compileAndRun(l, {{"x", &x}}), {2, 1, 3}, {1, 2, 3, 1, 2, 3});

  // On values known only at run time they are Compare and Select nodes:
  // Where(Not(a < b) Or (a == 3), a, b * 10) with b broadcast from [1].
  ModelBuilder rt(13);
  rt.input("a", {4});
  rt.input("b", {1});
  rt.initializer("three", {1}, {3.f});
  rt.initializer("ten", {1}, {10.f});
  rt.node("Less", {"a", "b"}, {"lt"}, "lt");
  rt.node("Not", {"lt"}, {"ge"}, "ge");
  rt.node("Equal", {"a", "three"}, {"eq3"}, "eq3");
  rt.node("Or", {"ge", "eq3"}, {"pick"}, "pick");
  rt.node("Mul", {"b", "ten"}, {"b10"}, "b10");
  rt.node("Where", {"pick", "a", "b10"}, {"y"}, "choose");
  rt.output("y");
  Loaded r = load(rt.bytes());
  ASSERT_TRUE(r.loader);
  EXPECT_TRUE(llvm::isa<SelectNode>(r.F()->getNodeByName("choose")));
  Tensor a = floatTensor({4}, {1, 2, 3, 4}), b = floatTensor({1}, {2.5f});
  // a < 2.5: T T F F; not: F F T T; a == 3: F F T F; or: F F T T.
  expectFloats(compileAndRun(r, {{"a", &a}, {"b", &b}}), {4}, {25, 25, 3, 4});

  // Mod is evaluated while loading only: on run-time values a one-line
  // error.
  ModelBuilder bad(13);
  bad.input("a", {3});
  bad.input("b", {3});
  bad.node("Mod", {"a", "b"}, {"c"}, "runtime_mod");
  bad.output("c");
  std::string msg = loadError(bad.bytes());
  EXPECT_TRUE(contains(msg, "runtime_mod")) << msg;
  EXPECT_TRUE(contains(msg, "must be a constant")) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(OnnxImporterTest, batchedMatMulBroadcastsTheBatchDimensions) {
  // [2, 2] x [2, 2, 1]: the left operand is shared by both batch elements.
  // a = [[1, 2], [3, 4]]; b0 = [5, 6]^T, b1 = [-1, 1]^T.
  // a b0 = [17, 39]; a b1 = [1, 1].
  ModelBuilder mb(13);
  mb.input("b", {2, 2, 1});
  mb.initializer("a", {2, 2}, {1, 2, 3, 4});
  mb.node("MatMul", {"a", "b"}, {"y"}, "bmm");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  EXPECT_EQ(countKind(l.F(), Node::Kind::BatchMatMulKind), 1u);
  Tensor b = floatTensor({2, 2, 1}, {5, 6, -1, 1});
  expectFloats(compileAndRun(l, {{"b", &b}}), {2, 2, 1}, {17, 39, 1, 1});
  EXPECT_EQ(countKind(l.F(), Node::Kind::BatchMatMulKind), 0u); // lowered
}

TEST(OnnxImporterTest, narrowIntegersAreReadExactly) {
  // uint8 {200, 7, 255} and int16 {-300, 1000, 7} (raw, little-endian) are
  // read as int32: 200 and 255 must not come out negative as int8 would.
  ModelBuilder mb(13);
  mb.input("x", {3});
  onnx::TensorProto *u = mb.initializer("u", {3}, {});
  u->set_data_type(onnx::TensorProto::UINT8);
  u->set_raw_data(std::string("\xc8\x07\xff", 3));
  onnx::TensorProto *h = mb.initializer("h", {3}, {});
  h->set_data_type(onnx::TensorProto::INT16);
  const int16_t hv[3] = {-300, 1000, 7};
  h->set_raw_data(std::string(reinterpret_cast<const char *>(hv), 6));
  mb.node("Add", {"u", "h"}, {"s"}, "sum"); // int32: -100, 1007, 262
  attrInt(mb.node("Cast", {"s"}, {"sf"}, "to_float"), "to",
          onnx::TensorProto::FLOAT);
  mb.node("Add", {"x", "sf"}, {"y"}, "y");
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  Tensor x = floatTensor({3}, {0.5f, 0.5f, 0.5f});
  expectFloats(compileAndRun(l, {{"x", &x}}), {3}, {-99.5f, 1007.5f, 262.5f});
}

TEST(OnnxImporterTest, legacyBroadcastWithAnAxis) {
  // Opset 6 Add with broadcast=1, axis=1: B [3] runs along A's axis 1.
  ModelBuilder mb(6);
  mb.input("a", {2, 3, 2});
  mb.initializer("b", {3}, {10, 20, 30});
  onnx::NodeProto *n = mb.node("Add", {"a", "b"}, {"y"}, "add");
  attrInt(n, "broadcast", 1);
  attrInt(n, "axis", 1);
  mb.output("y");
  Loaded l = load(mb.bytes());
  ASSERT_TRUE(l.loader);
  Tensor a = floatTensor({2, 3, 2}, std::vector<float>(12, 1.f));
  expectFloats(compileAndRun(l, {{"a", &a}}), {2, 3, 2},
               {11, 11, 21, 21, 31, 31, 11, 11, 21, 21, 31, 31});
}
