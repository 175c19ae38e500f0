// The project's reference ResNet-18 (Fashion-MNIST): layer structure after
// optimization, and the Interpreter's logits against PyTorch's.

#include "glow/Base/Image.h"
#include "glow/ExecutionEngine/ExecutionEngine.h"
#include "glow/Importer/ONNXModelLoader.h"
#include "glow/Optimizer/Optimizer.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace glow;

namespace {
const std::string kModel = std::string(GLOW_TEST_MODELS) + "/resnet18.onnx";
const std::string kImages = std::string(GLOW_TEST_IMAGES) + "/fashion";

std::map<std::string, unsigned> countKinds(const Function &F) {
  std::map<std::string, unsigned> counts;
  for (const Node *n : F.getNodes()) {
    counts[n->getKindName()]++;
  }
  return counts;
}
} // namespace

TEST(ReferenceModelTest, optimizedGraphHasThe48Layers) {
  Module M;
  auto loader = ONNXModelLoader::load(
      kModel, M, {{"input", Type(ElemKind::FloatTy, {1, 1, 28, 28})}});
  ASSERT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  Function *F = (*loader)->getFunction();
  auto before = countKinds(*F);
  EXPECT_EQ(before["BatchNormalization"], 20u);
  ASSERT_FALSE(bool(optimizeFunction(F)));
  ASSERT_FALSE(bool(F->verify()));
  auto after = countKinds(*F);
  EXPECT_EQ(after["Convolution"], 20u);
  EXPECT_EQ(after["Relu"], 17u);
  EXPECT_EQ(after["MaxPool"], 1u);
  EXPECT_EQ(after["AvgPool"], 1u);
  EXPECT_EQ(after["Add"], 8u);
  EXPECT_EQ(after["FullyConnected"], 1u);
  EXPECT_EQ(after["BatchNormalization"], 0u);
  EXPECT_EQ(after["Save"], 1u);
  // 48 layers plus the Save of the output, nothing else.
  EXPECT_EQ(F->getNodes().size(), 49u);
  // Layers keep the names the user saw in the ONNX file.
  EXPECT_NE(F->getNodeByName("/conv1/Conv"), nullptr);
  EXPECT_NE(F->getNodeByName("/fc/Gemm"), nullptr);
}

/// The Interpreter's logits on the sample images equal PyTorch's, for each
/// reference model.
class ReferenceLogitsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceLogitsTest, interpreterLogitsMatchPyTorch) {
  const std::string kModel =
      std::string(GLOW_TEST_MODELS) + "/" + GetParam() + ".onnx";
  const std::string kReference =
      std::string(GLOW_TEST_MODELS) + "/" + GetParam() + ".reference.json";
  auto buf = llvm::MemoryBuffer::getFile(kReference);
  ASSERT_TRUE(bool(buf));
  auto json = llvm::json::parse((*buf)->getBuffer());
  ASSERT_TRUE(bool(json)) << llvm::toString(json.takeError());
  auto *root = json->getAsObject();
  auto *logits = root->getObject("sample_logits");
  ASSERT_NE(logits, nullptr);
  ASSERT_GE(logits->size(), 90u);

  auto ee = ExecutionEngine::create("Interpreter");
  ASSERT_TRUE(bool(ee));
  Module &M = (*ee)->getModule();
  auto loader = ONNXModelLoader::load(
      kModel, M, {{"input", Type(ElemKind::FloatTy, {1, 1, 28, 28})}});
  ASSERT_TRUE(bool(loader)) << llvm::toString(loader.takeError());
  ASSERT_FALSE(bool((*ee)->compile((*loader)->getFunction())));
  PlaceholderBindings bindings;
  bindings.allocate(M.getPlaceholders());
  Placeholder *in = (*loader)->getInputs()[0].second;
  Placeholder *out = (*loader)->getOutputs()[0].second;

  // The training script's pre-processing: (x/255 - 0.286) / 0.353.
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to1;
  pp.mean = {0.286f * 255.f};
  pp.stddev = {0.353f};
  double worst = 0;
  unsigned checked = 0;
  for (auto &kv : *logits) {
    std::string file = kImages + "/" + kv.first.str();
    auto img = readPngImage(file);
    ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
    ASSERT_FALSE(bool(writeImageToBatch(*img, pp, *bindings.get(in), 0)));
    ASSERT_FALSE(bool((*ee)->run(bindings)));
    auto *expected = kv.second.getAsArray();
    ASSERT_NE(expected, nullptr);
    auto got = bindings.get(out)->getHandle<float>();
    ASSERT_EQ(got.size(), expected->size());
    // Largest logit magnitude of the image sets the scale of "relative".
    double scale = 0;
    for (auto &e : *expected) {
      scale = std::max(scale, std::fabs(*e.getAsNumber()));
    }
    for (size_t i = 0; i < got.size(); i++) {
      double want = *(*expected)[i].getAsNumber();
      double err = std::fabs(got.raw(i) - want) / scale;
      worst = std::max(worst, err);
      EXPECT_LE(err, 1e-4) << kv.first.str() << " logit " << i << ": got "
                           << got.raw(i) << ", PyTorch " << want;
    }
    checked++;
  }
  EXPECT_EQ(checked, logits->size());
  std::printf("checked %u images, worst relative logit error %.3g\n", checked,
              worst);
}

INSTANTIATE_TEST_SUITE_P(Models, ReferenceLogitsTest,
                         ::testing::Values("resnet18", "mobilenetv2"));
