// Mixed precision on the reference ResNet-18 (Fashion-MNIST): a profile is
// taken in the test on sample images, then the model is loaded afresh and
// quantized with transformForPrecisionMode under various keep lists. The
// checks are structural (which nodes are INT8, where the conversions sit)
// and numerical (keeping everything is bit-exact FP32; full INT8 agrees with
// FP32 on the top-1 label of the sample images).

#include "glow/Base/Image.h"
#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"
#include "glow/Optimizer/PrecisionMode.h"
#include "glow/Quantization/Profile.h"
#include "glow/Quantization/Profiler.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace glow;

namespace {

const std::string kModel = std::string(GLOW_TEST_MODELS) + "/resnet18.onnx";
const std::string kImages = std::string(GLOW_TEST_IMAGES) + "/fashion";
const char *kKeptConv = "/layer1/layer1.0/conv1/Conv";

std::string errorText(llvm::Error err) {
  return llvm::toString(std::move(err));
}

bool allInt8(const Node &) { return true; }

/// The sample images, sorted by name.
std::vector<std::string> sampleImages() {
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(kImages, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) == ".png") {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// The training script's pre-processing: (x/255 - 0.286) / 0.353.
ImagePreprocessing preprocessing() {
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to1;
  pp.mean = {0.286f * 255.f};
  pp.stddev = {0.353f};
  return pp;
}

/// One compiled copy of the model in its own engine.
struct Model {
  std::unique_ptr<ExecutionEngine> ee;
  std::unique_ptr<ONNXModelLoader> loader;
  Function *F{nullptr};
  Placeholder *in{nullptr}, *out{nullptr};
  PrecisionReport report;
  PlaceholderBindings bindings;

  /// \returns the logits of image file \p path.
  std::vector<float> run(const std::string &path) {
    auto img = readPngImage(path);
    EXPECT_TRUE(bool(img)) << llvm::toString(img.takeError());
    if (!img) {
      return {};
    }
    llvm::Error err =
        writeImageToBatch(*img, preprocessing(), *bindings.get(in), 0);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    err = ee->run(bindings);
    EXPECT_FALSE(bool(err)) << llvm::toString(std::move(err));
    auto h = bindings.get(out)->getHandle<float>();
    return std::vector<float>(h.data(), h.data() + h.size());
  }
};

/// Loads the model into a fresh engine, computes the hash of the graph as
/// loaded, optimizes it and \returns it (not yet compiled).
std::unique_ptr<Model> loadOptimized() {
  auto m = std::make_unique<Model>();
  auto ee = ExecutionEngine::create("Interpreter");
  EXPECT_TRUE(bool(ee));
  if (!ee) {
    return nullptr;
  }
  m->ee = std::move(*ee);
  auto loader = ONNXModelLoader::load(
      kModel, m->ee->getModule(),
      {{"input", Type(ElemKind::FloatTy, {1, 1, 28, 28})}});
  EXPECT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  if (!loader) {
    return nullptr;
  }
  m->loader = std::move(*loader);
  m->F = m->loader->getFunction();
  m->in = m->loader->getInputs()[0].second;
  m->out = m->loader->getOutputs()[0].second;
  return m;
}

/// Compiles \p m and allocates its bindings.
void compileModel(Model &m) {
  llvm::Error err = m.ee->compile(m.F);
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  m.bindings.allocate(m.ee->getModule().getPlaceholders());
}

/// The FP32 model, compiled.
std::unique_ptr<Model> fp32Model() {
  auto m = loadOptimized();
  if (!m) {
    return nullptr;
  }
  EXPECT_FALSE(bool(optimizeFunction(m->F)));
  compileModel(*m);
  return m;
}

/// The profile, taken once: load, hash before optimizing, optimize,
/// instrument, compile, run on 20 sample images recording after each run.
const ProfileSet &sharedProfile() {
  static ProfileSet profile = [] {
    auto m = loadOptimized();
    if (!m) {
      return ProfileSet();
    }
    uint64_t hash = hashGraph(*m->F);
    EXPECT_FALSE(bool(optimizeFunction(m->F)));
    auto profiler = Profiler::instrument(m->F, hash, 10);
    compileModel(*m);
    auto images = sampleImages();
    EXPECT_GE(images.size(), 20u);
    for (size_t i = 0; i < 20 && i < images.size(); i++) {
      m->run(images[i]);
      profiler->record(m->bindings);
    }
    return profiler->getProfile();
  }();
  return profile;
}

/// Loads, hashes and optimizes a fresh copy, applies \p config with the
/// shared profile and compiles it. \returns null (after reporting the
/// failure) if transformForPrecisionMode fails; its error goes to \p error
/// when given.
std::unique_ptr<Model> quantizedModel(const PrecisionConfig &config,
                                      std::string *error = nullptr) {
  const ProfileSet &profile = sharedProfile();
  auto m = loadOptimized();
  if (!m) {
    return nullptr;
  }
  uint64_t hash = hashGraph(*m->F);
  EXPECT_EQ(hash, profile.graphHash);
  EXPECT_FALSE(bool(optimizeFunction(m->F)));
  auto report = transformForPrecisionMode(m->F, hash, profile, config, allInt8);
  if (!report) {
    std::string msg = errorText(report.takeError());
    if (error) {
      *error = msg;
    } else {
      ADD_FAILURE() << msg;
    }
    return nullptr;
  }
  m->report = *report;
  compileModel(*m);
  return m;
}

/// The profile of \p F, a graph of the Interpreter engine \p ee (hash
/// \p hash) whose input "in" is [2, 4], on the input i - 3.5.
ProfileSet profileOnRamp(ExecutionEngine &ee, Function *F, uint64_t hash) {
  auto profiler = Profiler::instrument(F, hash, 10);
  EXPECT_FALSE(bool(ee.compile(F)));
  PlaceholderBindings bindings;
  bindings.allocate(ee.getModule().getPlaceholders());
  auto ih = bindings.get(ee.getModule().getPlaceholderByName("in"))
                ->getHandle<float>();
  for (size_t i = 0; i < 8; i++) {
    ih.raw(i) = float(i) - 3.5f;
  }
  EXPECT_FALSE(bool(ee.run(bindings)));
  profiler->record(bindings);
  return profiler->getProfile();
}

std::vector<Node *> nodesOfKind(const Function *F, Node::Kind k) {
  std::vector<Node *> out;
  for (Node *n : F->getNodes()) {
    if (n->getKind() == k) {
      out.push_back(n);
    }
  }
  return out;
}

/// The layer names of the optimized graph (what -list-layers prints).
std::vector<std::string> layerNames(const Function *F) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (Node *n : F->getNodesInTopologicalOrder()) {
    if (n->isStorage() || n->getKind() == Node::Kind::SaveKind) {
      continue;
    }
    if (seen.insert(n->getLayerName().str()).second) {
      names.push_back(n->getLayerName().str());
    }
  }
  return names;
}

size_t argmax(const std::vector<float> &v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

bool bitIdentical(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// The kinds of the 48 layers of the optimized ResNet-18.
const Node::Kind kLayerKinds[] = {
    Node::Kind::ConvolutionKind, Node::Kind::ReluKind,
    Node::Kind::AddKind,         Node::Kind::MaxPoolKind,
    Node::Kind::AvgPoolKind,     Node::Kind::FullyConnectedKind};

} // namespace

TEST(MixedPrecisionTest, profileCoversEveryFloatOutput) {
  const ProfileSet &p = sharedProfile();
  auto m = loadOptimized();
  ASSERT_TRUE(m);
  EXPECT_EQ(p.graphHash, hashGraph(*m->F));
  ASSERT_FALSE(bool(optimizeFunction(m->F)));
  // The input and the 48 layers.
  EXPECT_EQ(p.entries.size(), 49u);
  EXPECT_TRUE(p.entries.count("input:0"));
  for (auto &name : layerNames(m->F)) {
    ASSERT_TRUE(p.entries.count(name + ":0")) << name;
    const NodeProfile &np = p.entries.at(name + ":0");
    EXPECT_LE(np.min, np.max) << name;
    EXPECT_EQ(np.histogram.size(), 10u) << name;
  }
  // Relu outputs are never negative; the input is the normalised image:
  // (0/255 - 0.286) / 0.353 = -0.810 at black pixels.
  EXPECT_GE(p.entries.at("/relu/Relu:0").min, 0.f);
  EXPECT_NEAR(p.entries.at("input:0").min, -0.286 / 0.353, 1e-4);
}

TEST(MixedPrecisionTest, keepOneConvolutionInFP32) {
  PrecisionConfig config;
  config.keepLayers = {kKeptConv};
  auto m = quantizedModel(config);
  ASSERT_TRUE(m);
  auto convs = nodesOfKind(m->F, Node::Kind::ConvolutionKind);
  ASSERT_EQ(convs.size(), 20u);
  std::vector<Node *> floatConvs;
  for (Node *c : convs) {
    if (c->getType().isFloat()) {
      floatConvs.push_back(c);
    } else {
      EXPECT_EQ(c->getType().getElementType(), ElemKind::Int8QTy)
          << c->getName().str();
    }
  }
  ASSERT_EQ(floatConvs.size(), 1u);
  Node *conv = floatConvs[0];
  EXPECT_EQ(conv->getName().str(), kKeptConv);
  // Its weights stay float, its input comes from a Dequantize and its only
  // user is a Quantize (it sits between INT8 layers).
  EXPECT_TRUE(conv->getNthInput(1).getType().isFloat());
  EXPECT_TRUE(conv->getNthInput(2).getType().isFloat());
  EXPECT_EQ(conv->getNthInput(0).getNode()->getKind(),
            Node::Kind::DequantizeKind);
  auto users = m->F->getUsers(conv->getNthResult(0));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].first->getKind(), Node::Kind::QuantizeKind);
  EXPECT_EQ(m->report.keptByRequest,
            std::vector<std::string>({std::string(kKeptConv)}));
  EXPECT_TRUE(m->report.keptUnsupported.empty());
  EXPECT_EQ(m->report.quantizedNodes, 47u);
  // Every other layer is INT8.
  for (Node::Kind k : kLayerKinds) {
    for (Node *n : nodesOfKind(m->F, k)) {
      if (n != conv) {
        EXPECT_EQ(n->getType().getElementType(), ElemKind::Int8QTy)
            << n->getName().str();
      }
    }
  }
  // And it runs.
  auto logits = m->run(sampleImages()[0]);
  EXPECT_EQ(logits.size(), 10u);
}

TEST(MixedPrecisionTest, keepingEveryLayerIsBitExactFP32) {
  auto fp32 = fp32Model();
  ASSERT_TRUE(fp32);
  PrecisionConfig config;
  config.keepLayers = layerNames(fp32->F);
  ASSERT_EQ(config.keepLayers.size(), 48u);
  auto m = quantizedModel(config);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->report.quantizedNodes, 0u);
  EXPECT_EQ(m->report.keptByRequest.size(), 48u);
  EXPECT_TRUE(nodesOfKind(m->F, Node::Kind::QuantizeKind).empty());
  EXPECT_TRUE(nodesOfKind(m->F, Node::Kind::DequantizeKind).empty());
  for (Node *n : m->F->getNodes()) {
    for (unsigned r = 0; r < n->getNumResults(); r++) {
      EXPECT_TRUE(n->getType(r).isFloat()) << n->getName().str();
    }
  }
  auto images = sampleImages();
  for (size_t i = 0; i < 5; i++) {
    auto want = fp32->run(images[i * 17]);
    auto got = m->run(images[i * 17]);
    EXPECT_TRUE(bitIdentical(want, got)) << images[i * 17];
  }
}

TEST(MixedPrecisionTest, keepingNoneIsFullInt8AndDeterministic) {
  PrecisionConfig none;
  auto a = quantizedModel(none);
  ASSERT_TRUE(a);
  // An independent quantization, in a fresh module, with a keep list that
  // parses to nothing.
  PrecisionConfig empty;
  auto parsed = parseLayerList("");
  ASSERT_TRUE(bool(parsed));
  empty.keepLayers = *parsed;
  EXPECT_TRUE(empty.keepLayers.empty());
  auto b = quantizedModel(empty);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->report.quantizedNodes, 48u);
  EXPECT_TRUE(a->report.keptByRequest.empty());
  EXPECT_TRUE(a->report.keptUnsupported.empty());
  // Every layer is INT8: 20 Convolution, 17 Relu, 8 Add, 1 MaxPool,
  // 1 AvgPool, 1 FullyConnected; one Quantize (the input) and one
  // Dequantize (the logits).
  const std::map<Node::Kind, unsigned> counts = {
      {Node::Kind::ConvolutionKind, 20}, {Node::Kind::ReluKind, 17},
      {Node::Kind::AddKind, 8},          {Node::Kind::MaxPoolKind, 1},
      {Node::Kind::AvgPoolKind, 1},      {Node::Kind::FullyConnectedKind, 1}};
  for (auto &kc : counts) {
    auto nodes = nodesOfKind(a->F, kc.first);
    EXPECT_EQ(nodes.size(), kc.second) << Node::getKindName(kc.first);
    for (Node *n : nodes) {
      EXPECT_EQ(n->getType().getElementType(), ElemKind::Int8QTy)
          << n->getName().str();
    }
  }
  EXPECT_EQ(nodesOfKind(a->F, Node::Kind::QuantizeKind).size(), 1u);
  EXPECT_EQ(nodesOfKind(a->F, Node::Kind::DequantizeKind).size(), 1u);
  auto images = sampleImages();
  for (size_t i = 0; i < 5; i++) {
    auto x = a->run(images[i * 19]);
    auto y = b->run(images[i * 19]);
    EXPECT_TRUE(bitIdentical(x, y)) << images[i * 19];
  }
}

TEST(MixedPrecisionTest, keepListFromFile) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(bool(
      llvm::sys::fs::createTemporaryFile("glow-keep-layers", "txt", path)));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(bool(ec));
    os << "# layers that stay FP32\n"
          "/conv1/Conv   \n"
          "\n"
          "   \t\n"
          "  /layer4/layer4.1/conv2/Conv  # the last convolution\n"
          "# /layer2/layer2.0/conv1/Conv (commented out)\n"
          "/fc/Gemm\t\n";
  }
  auto names = parseLayerList(("@" + path).str());
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(bool(names)) << errorText(names.takeError());
  const std::vector<std::string> want = {
      "/conv1/Conv", "/layer4/layer4.1/conv2/Conv", "/fc/Gemm"};
  EXPECT_EQ(*names, want);

  PrecisionConfig config;
  config.keepLayers = *names;
  auto m = quantizedModel(config);
  ASSERT_TRUE(m);
  std::set<std::string> kept(want.begin(), want.end());
  unsigned floatLayers = 0;
  for (Node::Kind k : kLayerKinds) {
    for (Node *n : nodesOfKind(m->F, k)) {
      bool isKept = kept.count(n->getName().str());
      EXPECT_EQ(n->getType().isFloat(), isKept) << n->getName().str();
      floatLayers += n->getType().isFloat();
    }
  }
  EXPECT_EQ(floatLayers, 3u);
  // The comma form gives the same list; empty items are skipped.
  auto comma =
      parseLayerList(" /conv1/Conv, /layer4/layer4.1/conv2/Conv,,/fc/Gemm ");
  ASSERT_TRUE(bool(comma));
  EXPECT_EQ(*comma, want);
  // A missing file is an error naming it.
  auto missing = parseLayerList("@/nonexistent/keep-list.txt");
  ASSERT_FALSE(bool(missing));
  std::string msg = errorText(missing.takeError());
  EXPECT_NE(msg.find("/nonexistent/keep-list.txt"), std::string::npos) << msg;
}

TEST(MixedPrecisionTest, layerPrecisionFileSetsEachLayer) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(bool(
      llvm::sys::fs::createTemporaryFile("glow-layer-precision", "txt", path)));
  auto write = [&](const char *text) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(bool(ec));
    os << text;
  };
  write("# per-layer precisions\n"
        "/conv1/Conv   fp32\n"
        "\n"
        "  /layer1/layer1.0/conv1/Conv\tW4A8  # case-insensitive\n"
        "/layer4/layer4.1/conv2/Conv w4a8\n"
        "/fc/Gemm int8\n");
  auto parsed = parseLayerPrecisions(("@" + path).str());
  ASSERT_TRUE(bool(parsed)) << errorText(parsed.takeError());
  const std::map<std::string, LayerPrecision> want = {
      {"/conv1/Conv", LayerPrecision::FP32},
      {"/layer1/layer1.0/conv1/Conv", LayerPrecision::W4A8},
      {"/layer4/layer4.1/conv2/Conv", LayerPrecision::W4A8},
      {"/fc/Gemm", LayerPrecision::INT8}};
  EXPECT_EQ(*parsed, want);

  PrecisionConfig config;
  config.layerPrecisions = *parsed;
  auto m = quantizedModel(config);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->report.w4a8Layers,
            std::set<std::string>({"/layer1/layer1.0/conv1/Conv",
                                   "/layer4/layer4.1/conv2/Conv"}));
  for (Node *n : nodesOfKind(m->F, Node::Kind::ConvolutionKind)) {
    std::string name = n->getName().str();
    EXPECT_EQ(n->getType().isFloat(), name == "/conv1/Conv") << name;
    if (!n->getType().isQuantized()) {
      continue;
    }
    // w4a8: 4-bit codes [-8, 7], and all of them used; int8 layers keep
    // their 8-bit codes.
    const Tensor &w = llvm::cast<Constant>(
                          llvm::cast<ConvolutionNode>(n)->getFilter().getNode())
                          ->getPayload();
    std::set<int> codes;
    for (size_t i = 0; i < w.size(); i++) {
      codes.insert(int(w.getAsDouble(i)));
    }
    if (want.count(name)) {
      EXPECT_GE(*codes.begin(), -8) << name;
      EXPECT_LE(*codes.rbegin(), 7) << name;
      EXPECT_GE(codes.size(), 12u) << name;
    } else {
      EXPECT_GT(codes.size(), 16u) << name;
    }
  }

  // Bad files: one-line errors naming the line.
  auto errorFor = [&](const char *text) {
    write(text);
    auto r = parseLayerPrecisions(("@" + path).str());
    EXPECT_FALSE(bool(r));
    return r ? std::string() : errorText(r.takeError());
  };
  std::string msg = errorFor("/conv1/Conv int8\n/fc/Gemm fp16\n");
  EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown precision 'fp16'"), std::string::npos) << msg;
  msg = errorFor("/conv1/Conv\n");
  EXPECT_NE(msg.find("expected 'LAYER fp32|int8|w4a8'"), std::string::npos)
      << msg;
  msg = errorFor("/fc/Gemm int8\n/fc/Gemm w4a8\n");
  EXPECT_NE(msg.find("given int8 before"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  llvm::sys::fs::remove(path);
  EXPECT_FALSE(bool(parseLayerPrecisions("/no/at/sign.txt")));

  // An unknown layer, and a kept layer given another precision.
  std::string error;
  PrecisionConfig unknown;
  unknown.layerPrecisions = {{"/conv1/Cnv", LayerPrecision::W4A8}};
  EXPECT_FALSE(quantizedModel(unknown, &error));
  EXPECT_NE(error.find("unknown layer '/conv1/Cnv' in -layer-precision"),
            std::string::npos)
      << error;
  PrecisionConfig conflict;
  conflict.keepLayers = {"/fc/Gemm"};
  conflict.layerPrecisions = {{"/fc/Gemm", LayerPrecision::INT8}};
  EXPECT_FALSE(quantizedModel(conflict, &error));
  EXPECT_NE(error.find("kept FP32"), std::string::npos) << error;
}

TEST(MixedPrecisionTest, unknownLayerNameSuggestsTheClosest) {
  PrecisionConfig config;
  config.keepLayers = {"/conv1/Conv", "/conv1/Cnv"};
  std::string error;
  auto m = quantizedModel(config, &error);
  ASSERT_FALSE(m);
  EXPECT_NE(error.find("'/conv1/Cnv'"), std::string::npos) << error;
  EXPECT_NE(error.find("'/conv1/Conv'"), std::string::npos) << error;
  // Another typo, deeper in the graph.
  config.keepLayers = {"/layer3/layer3.1/relu9/Relu"};
  error.clear();
  m = quantizedModel(config, &error);
  ASSERT_FALSE(m);
  EXPECT_NE(error.find("/layer3/layer3.1/relu9/Relu"), std::string::npos)
      << error;
  EXPECT_NE(error.find("/layer3/layer3.1/relu1/Relu"), std::string::npos)
      << error;
  // closestNames ranks by edit distance.
  auto close = closestNames(
      "/conv1/Cnv", {"/fc/Gemm", "/conv1/Conv", "/relu/Relu", "/conv1/Conv2"},
      2);
  EXPECT_EQ(close, std::vector<std::string>({"/conv1/Conv", "/conv1/Conv2"}));
}

TEST(MixedPrecisionTest, keepKindFullyConnected) {
  PrecisionConfig config;
  config.keepKinds = {Node::Kind::FullyConnectedKind};
  config.assertAllNodesQuantized = true; // kept by request is fine
  auto m = quantizedModel(config);
  ASSERT_TRUE(m);
  auto fcs = nodesOfKind(m->F, Node::Kind::FullyConnectedKind);
  ASSERT_EQ(fcs.size(), 1u);
  EXPECT_TRUE(fcs[0]->getType().isFloat());
  EXPECT_TRUE(fcs[0]->getNthInput(1).getType().isFloat());
  EXPECT_EQ(fcs[0]->getNthInput(0).getNode()->getKind(),
            Node::Kind::DequantizeKind);
  for (Node::Kind k : kLayerKinds) {
    if (k == Node::Kind::FullyConnectedKind) {
      continue;
    }
    for (Node *n : nodesOfKind(m->F, k)) {
      EXPECT_EQ(n->getType().getElementType(), ElemKind::Int8QTy)
          << n->getName().str();
    }
  }
  EXPECT_EQ(m->report.keptByRequest,
            std::vector<std::string>({std::string("/fc/Gemm")}));
  EXPECT_EQ(m->report.quantizedNodes, 47u);
  // The FP32 head now produces the logits directly: no Dequantize at the
  // output, one at the FC's input.
  EXPECT_EQ(nodesOfKind(m->F, Node::Kind::DequantizeKind).size(), 1u);
}

TEST(MixedPrecisionTest, assertAllNodesQuantized) {
  // Every node of the reference model has an INT8 form.
  PrecisionConfig config;
  config.assertAllNodesQuantized = true;
  auto m = quantizedModel(config);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->report.keptUnsupported.empty());

  // A graph with SoftMax and Div (no INT8 form) fails, naming both.
  auto ee = ExecutionEngine::create("Interpreter");
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  Placeholder *in = M.createPlaceholder(Type(ElemKind::FloatTy, {2, 4}), "in");
  Tensor w(ElemKind::FloatTy, {4, 3}), b(ElemKind::FloatTy, {3});
  for (size_t i = 0; i < 12; i++) {
    w.getHandle<float>().raw(i) = 0.1f * float(i) - 0.5f;
  }
  Node *fc =
      F->createFullyConnected("fc", in, M.createConstant("w", std::move(w)),
                              M.createConstant("b", std::move(b)));
  Node *sig = F->createSoftMax("gate_softmax", fc, 1);
  Node *tanh = F->createArithmetic(Node::Kind::DivKind, "gate_div", fc, fc);
  Node *sum = F->createArithmetic(Node::Kind::AddKind, "sum", sig, tanh);
  F->createSave("out", sum);
  uint64_t hash = hashGraph(*F);
  ASSERT_FALSE(bool(optimizeFunction(F)));
  ProfileSet profile = profileOnRamp(**ee, F, hash);

  // A fresh copy of the same graph for the quantization.
  Module M2;
  Function *F2 = M2.createFunction("main");
  Placeholder *in2 =
      M2.createPlaceholder(Type(ElemKind::FloatTy, {2, 4}), "in");
  Tensor w2(ElemKind::FloatTy, {4, 3}), b2(ElemKind::FloatTy, {3});
  for (size_t i = 0; i < 12; i++) {
    w2.getHandle<float>().raw(i) = 0.1f * float(i) - 0.5f;
  }
  Node *fc2 =
      F2->createFullyConnected("fc", in2, M2.createConstant("w", std::move(w2)),
                               M2.createConstant("b", std::move(b2)));
  Node *sig2 = F2->createSoftMax("gate_softmax", fc2, 1);
  Node *tanh2 = F2->createArithmetic(Node::Kind::DivKind, "gate_div", fc2, fc2);
  F2->createSave("out",
                 F2->createArithmetic(Node::Kind::AddKind, "sum", sig2, tanh2));
  ASSERT_EQ(hashGraph(*F2), hash);
  ASSERT_FALSE(bool(optimizeFunction(F2)));
  PrecisionConfig strict;
  strict.assertAllNodesQuantized = true;
  auto report = transformForPrecisionMode(F2, hash, profile, strict, allInt8);
  ASSERT_FALSE(bool(report));
  std::string msg = errorText(report.takeError());
  EXPECT_NE(msg.find("gate_softmax"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gate_div"), std::string::npos) << msg;
  // Without the assertion the same graph quantizes what it can and keeps
  // SoftMax and Div in FP32.
  auto relaxed =
      transformForPrecisionMode(F2, hash, profile, PrecisionConfig(), allInt8);
  ASSERT_TRUE(bool(relaxed)) << errorText(relaxed.takeError());
  EXPECT_EQ(std::set<std::string>(relaxed->keptUnsupported.begin(),
                                  relaxed->keptUnsupported.end()),
            std::set<std::string>({"gate_softmax", "gate_div"}));
  EXPECT_TRUE(fc2->getType().isQuantized());
  EXPECT_TRUE(sig2->getType().isFloat());
  EXPECT_TRUE(tanh2->getType().isFloat());
}

// A Broadcast that only an FP32 node reads (a Div: no INT8 form) stays
// FP32, its small input dequantized; one that an INT8 Add reads is INT8.
TEST(MixedPrecisionTest, broadcastReadOnlyInFP32StaysFP32) {
  struct Graph {
    Node *fc, *small, *toDiv, *toAdd, *div, *add;
  };
  auto build = [](Module &M, Function *F) {
    Placeholder *in =
        M.createPlaceholder(Type(ElemKind::FloatTy, {2, 4}), "in");
    auto fc = [&](const char *name, dim_t out) {
      Tensor w(ElemKind::FloatTy, {4, out}), b(ElemKind::FloatTy, {out});
      for (size_t i = 0; i < w.size(); i++) {
        w.getHandle<float>().raw(i) = 0.1f * float(i % 7) - 0.3f;
      }
      return F->createFullyConnected(
          name, in, M.createConstant(std::string(name) + ".w", std::move(w)),
          M.createConstant(std::string(name) + ".b", std::move(b)));
    };
    Graph g;
    g.fc = fc("fc", 3);
    g.small = fc("small", 1);
    g.toDiv = F->createBroadcast("div.b", g.small, {2, 3});
    g.toAdd = F->createBroadcast("add.b", g.small, {2, 3});
    g.div = F->createArithmetic(Node::Kind::DivKind, "div", g.fc, g.toDiv);
    g.add = F->createArithmetic(Node::Kind::AddKind, "add", g.fc, g.toAdd);
    F->createSave(
        "out", F->createArithmetic(Node::Kind::AddKind, "sum", g.div, g.add));
    return g;
  };
  auto ee = ExecutionEngine::create("Interpreter");
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  Function *F = M.createFunction("main");
  build(M, F);
  uint64_t hash = hashGraph(*F);
  ProfileSet profile = profileOnRamp(**ee, F, hash);

  Module M2;
  Function *F2 = M2.createFunction("main");
  Graph g = build(M2, F2);
  ASSERT_EQ(hashGraph(*F2), hash);
  auto report =
      transformForPrecisionMode(F2, hash, profile, PrecisionConfig(), allInt8);
  ASSERT_TRUE(bool(report)) << errorText(report.takeError());
  EXPECT_TRUE(g.small->getType().isQuantized());
  EXPECT_TRUE(g.div->getType().isFloat());
  EXPECT_TRUE(g.toDiv->getType().isFloat());
  auto *dq = llvm::dyn_cast<DequantizeNode>(g.toDiv->getNthInput(0).getNode());
  ASSERT_NE(dq, nullptr);
  EXPECT_EQ(dq->getNthInput(0).getNode(), g.small);
  EXPECT_TRUE(g.add->getType().isQuantized());
  EXPECT_TRUE(g.toAdd->getType().isQuantized());
}

//===----------------------------------------------------------------------===//
// A kept layer that the importer lowers into several nodes
//===----------------------------------------------------------------------===//

namespace {
/// x [2, 6] -> Relu "act" -> Gemm "head" (B [6, 4], C a full [2, 4]
/// matrix) -> y. With a full C the importer builds MatMul + Add, both of
/// layer "head".
std::string gemmModelBytes() {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("glow-unittest");
  auto *op = model.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto *g = model.mutable_graph();
  g->set_name("gemm_head");
  auto *in = g->add_input();
  in->set_name("x");
  auto *tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_value(2);
  tt->mutable_shape()->add_dim()->set_dim_value(6);
  auto addInit = [&](const std::string &name, std::vector<int64_t> dims,
                     float base) {
    auto *t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t i = 0; i < n; i++) {
      t->add_float_data(base + 0.07f * float((i * 5) % 11) - 0.3f);
    }
  };
  addInit("B", {6, 4}, 0.f);
  addInit("C", {2, 4}, 0.5f);
  auto *relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("act");
  relu->add_input("x");
  relu->add_output("r");
  auto *gemm = g->add_node();
  gemm->set_op_type("Gemm");
  gemm->set_name("head");
  gemm->add_input("r");
  gemm->add_input("B");
  gemm->add_input("C");
  gemm->add_output("y");
  g->add_output()->set_name("y");
  return model.SerializeAsString();
}

/// Loads the Gemm model into \p M; \returns the function.
Function *loadGemmModel(Module &M, std::unique_ptr<ONNXModelLoader> &keep) {
  auto loader = ONNXModelLoader::loadFromBytes(gemmModelBytes(), M);
  EXPECT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  if (!loader) {
    return nullptr;
  }
  keep = std::move(*loader);
  return keep->getFunction();
}
} // namespace

TEST(MixedPrecisionTest, keptGemmStaysFP32InEveryLoweredNode) {
  // Profile on random data.
  std::mt19937 gen(99);
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  auto pee = ExecutionEngine::create("Interpreter");
  ASSERT_TRUE(bool(pee));
  std::unique_ptr<ONNXModelLoader> pl;
  Function *pF = loadGemmModel((*pee)->getModule(), pl);
  ASSERT_NE(pF, nullptr);
  uint64_t hash = hashGraph(*pF);
  ASSERT_FALSE(bool(optimizeFunction(pF)));
  auto profiler = Profiler::instrument(pF, hash, 10);
  ASSERT_FALSE(bool((*pee)->compile(pF)));
  PlaceholderBindings pb;
  pb.allocate((*pee)->getModule().getPlaceholders());
  Placeholder *px = pl->getInputs()[0].second;
  for (int run = 0; run < 5; run++) {
    auto h = pb.get(px)->getHandle<float>();
    for (size_t i = 0; i < h.size(); i++) {
      h.raw(i) = dist(gen);
    }
    ASSERT_FALSE(bool((*pee)->run(pb)));
    profiler->record(pb);
  }
  const ProfileSet &profile = profiler->getProfile();

  for (bool keepHead : {true, false}) {
    auto ee = ExecutionEngine::create("Interpreter");
    ASSERT_TRUE(bool(ee));
    std::unique_ptr<ONNXModelLoader> l;
    Function *F = loadGemmModel((*ee)->getModule(), l);
    ASSERT_NE(F, nullptr);
    ASSERT_EQ(hashGraph(*F), hash);
    ASSERT_FALSE(bool(optimizeFunction(F)));
    // The importer's lowering: MatMul and Add, both of layer "head".
    auto mms = nodesOfKind(F, Node::Kind::MatMulKind);
    auto adds = nodesOfKind(F, Node::Kind::AddKind);
    ASSERT_EQ(mms.size(), 1u);
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(mms[0]->getLayerName().str(), "head");
    EXPECT_EQ(adds[0]->getLayerName().str(), "head");
    EXPECT_NE(mms[0]->getName().str(), adds[0]->getName().str());
    PrecisionConfig config;
    if (keepHead) {
      config.keepLayers = {"head"};
    }
    auto report = transformForPrecisionMode(F, hash, profile, config, allInt8);
    ASSERT_TRUE(bool(report)) << errorText(report.takeError());
    ASSERT_FALSE(bool((*ee)->compile(F)));
    auto relus = nodesOfKind(F, Node::Kind::ReluKind);
    ASSERT_EQ(relus.size(), 1u);
    EXPECT_EQ(relus[0]->getType().getElementType(), ElemKind::Int8QTy);
    mms = nodesOfKind(F, Node::Kind::MatMulKind);
    adds = nodesOfKind(F, Node::Kind::AddKind);
    ASSERT_EQ(mms.size(), 1u);
    ASSERT_EQ(adds.size(), 1u);
    if (keepHead) {
      EXPECT_TRUE(mms[0]->getType().isFloat());
      EXPECT_TRUE(adds[0]->getType().isFloat());
      EXPECT_TRUE(mms[0]->getNthInput(1).getType().isFloat());
      EXPECT_EQ(mms[0]->getNthInput(0).getNode()->getKind(),
                Node::Kind::DequantizeKind);
      // No conversion between the two halves of the layer.
      EXPECT_EQ(adds[0]->getNthInput(0).getNode(), mms[0]);
      EXPECT_EQ(report->keptByRequest.size(), 2u);
    } else {
      EXPECT_EQ(mms[0]->getType().getElementType(), ElemKind::Int8QTy);
      EXPECT_EQ(adds[0]->getType().getElementType(), ElemKind::Int8QTy);
    }
    // It runs, and stays close to FP32 on the last profiled input. The
    // Relu output (range at most [0, 2], step <= 2/255) is rounded by at
    // most 1/255 per element and reaches y through 6 weights |B| <= 0.4:
    // <= 0.01. Fully INT8, B is rounded too (step 0.7/255: 6 terms of
    // |r| <= 2 times 0.0014, <= 0.017) and the MatMul and Add results are
    // rounded to their grids (half a step each, output ranges of a few
    // units: < 0.02 together). 0.1 bounds both cases.
    PlaceholderBindings b;
    b.allocate((*ee)->getModule().getPlaceholders());
    Placeholder *x = l->getInputs()[0].second;
    *b.get(x) = pb.get(px)->clone();
    ASSERT_FALSE(bool((*ee)->run(b)));
    auto got = b.get(l->getOutputs()[0].second)->getHandle<float>();
    auto want = pb.get(pl->getOutputs()[0].second)->getHandle<float>();
    for (size_t i = 0; i < got.size(); i++) {
      EXPECT_NEAR(got.raw(i), want.raw(i), 0.1) << i;
    }
  }
}

//===----------------------------------------------------------------------===//
// Accuracy
//===----------------------------------------------------------------------===//

TEST(MixedPrecisionTest, int8Top1AgreesWithFP32) {
  auto fp32 = fp32Model();
  ASSERT_TRUE(fp32);
  auto int8 = quantizedModel(PrecisionConfig());
  ASSERT_TRUE(int8);
  auto images = sampleImages();
  ASSERT_EQ(images.size(), 100u);
  unsigned agree = 0, fpCorrect = 0, qCorrect = 0;
  for (auto &file : images) {
    auto a = fp32->run(file), b = int8->run(file);
    ASSERT_EQ(a.size(), 10u);
    ASSERT_EQ(b.size(), 10u);
    size_t la = argmax(a), lb = argmax(b);
    agree += la == lb;
    int label = getLabelFromFileName(file);
    fpCorrect += int(la) == label;
    qCorrect += int(lb) == label;
  }
  std::printf("top-1 agreement INT8 vs FP32: %u/100; correct: FP32 %u, INT8 "
              "%u\n",
              agree, fpCorrect, qCorrect);
  EXPECT_GE(agree, 95u);
}
