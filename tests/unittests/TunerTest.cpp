// The precision-tuner's engine (lib/Tuner) on hand-computed cases.
#include "glow/Tuner/ConfigurationMeasurer.h"
#include "glow/Tuner/SensitivityStudy.h"
#include "glow/Tuner/StudyCheckpoint.h"

#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using namespace glow;

TEST(TunerTest, SignalToQuantizationNoise) {
  // Signal 3^2 + 4^2 = 25, noise (4 - 3)^2 = 1: 10 log10(25) = 13.979 dB.
  EXPECT_NEAR(sqnrOf(25, 1), 10 * std::log10(25.0), 1e-9);
  // Identical outputs are capped at 200 dB.
  EXPECT_EQ(sqnrOf(25, 0), 200);
}

namespace {
/// Two classes; image i gives {2, 1} (class 0) in FP32, and {1, 2} (class
/// 1) when any unit is INT8 and i % 3 == 0. Counts the images each
/// configuration runs.
class FakeEvaluator final : public PrecisionEvaluator {
public:
  explicit FakeEvaluator(size_t batch) : batch_(batch) {}
  llvm::Error run(const std::vector<UnitPrecisions> &configs, size_t first,
                  size_t end, const OutputSink &sink) override {
    for (size_t at = first; at < end; at += batch_) {
      size_t n = std::min(batch_, end - at);
      for (size_t k = 0; k < configs.size(); k++) {
        bool int8 = false;
        for (LayerPrecision p : configs[k]) {
          int8 |= p != LayerPrecision::FP32;
        }
        std::vector<float> rows;
        for (size_t i = at; i < at + n; i++) {
          bool flip = int8 && i % 3 == 0;
          rows.push_back(flip ? 1 : 2);
          rows.push_back(flip ? 2 : 1);
        }
        (int8 ? int8Images : fp32Images) += n;
        if (auto err = sink(k, at, n, rows.data(), 2)) {
          return err;
        }
      }
    }
    return llvm::Error::success();
  }
  size_t fp32Images{0}, int8Images{0};

private:
  size_t batch_;
};
} // namespace

TEST(TunerTest, MeasurerCountsAndSqnr) {
  // 10 images in blocks of 4 (the last one short), every label 0.
  EvaluationSet data;
  data.labels.assign(10, 0);
  data.imageDims = {1, 2};
  data.read = [](size_t, size_t, Tensor &) { return llvm::Error::success(); };
  FakeEvaluator eval(4);
  ConfigurationMeasurer m(eval, data, 2, 4, Communicator::world());
  ASSERT_FALSE(bool(m.init()));
  EXPECT_EQ(m.classes(), 2u);
  EXPECT_EQ(eval.fp32Images, 10u);
  UnitPrecisions fp32(2, LayerPrecision::FP32), mixed = fp32;
  mixed[1] = LayerPrecision::INT8;
  auto all = m.measure({fp32, mixed}, 10);
  ASSERT_TRUE(bool(all)) << llvm::toString(all.takeError());
  // FP32 from the reference, not run again: every image right, no noise.
  EXPECT_EQ(eval.fp32Images, 10u);
  EXPECT_EQ((*all)[0].accuracy, 1.0);
  EXPECT_EQ((*all)[0].sqnr, 200);
  // Images 0, 3, 6, 9 flip: 6 of 10 right; signal 10 x (4 + 1) = 50,
  // noise 4 x ((2 - 1)^2 + (1 - 2)^2) = 8.
  EXPECT_EQ((*all)[1].accuracy, 0.6);
  EXPECT_NEAR((*all)[1].sqnr, 10 * std::log10(50.0 / 8), 1e-9);
  EXPECT_EQ((*all)[1].images, 10u);
  // The first 7 images: 0, 3 and 6 flip, 4 of 7 right, 35 / 6.
  auto seven = m.measure({mixed}, 7);
  ASSERT_TRUE(bool(seven)) << llvm::toString(seven.takeError());
  EXPECT_EQ((*seven)[0].accuracy, 4.0 / 7);
  EXPECT_NEAR((*seven)[0].sqnr, 10 * std::log10(35.0 / 6), 1e-9);
  EXPECT_EQ(eval.int8Images, 17u);
  EXPECT_EQ(m.imageRuns(), 27u);
}

TEST(TunerTest, MeasurerRefusesLabelsBeyondTheClasses) {
  EvaluationSet data;
  data.labels = {0, 1, 2};
  data.imageDims = {1, 2};
  data.read = [](size_t, size_t, Tensor &) { return llvm::Error::success(); };
  FakeEvaluator eval(2);
  ConfigurationMeasurer m(eval, data, 1, 2, Communicator::world());
  auto err = m.init();
  ASSERT_TRUE(bool(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("image 2 has label 2"),
            std::string::npos);
}

namespace {
std::string tempPath(const char *name) {
  std::string p = testing::TempDir() + "/" + name;
  std::remove(p.c_str());
  return p;
}
std::string readAll(const std::string &p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
} // namespace

TEST(TunerTest, CheckpointRoundTrip) {
  std::string path = tempPath("tuner_checkpoint.txt");
  {
    auto cp = StudyCheckpoint::open(path, "f00d", "test settings");
    ASSERT_TRUE(bool(cp)) << llvm::toString(cp.takeError());
    Measurement m;
    m.accuracy = 0.875;
    m.sqnr = 31.5;
    m.images = 8;
    ASSERT_FALSE(bool((*cp)->add("unit3", m)));
  }
  auto cp = StudyCheckpoint::open(path, "f00d", "test settings");
  ASSERT_TRUE(bool(cp)) << llvm::toString(cp.takeError());
  EXPECT_EQ((*cp)->resumed(), 1u);
  const Measurement *m = (*cp)->find("unit3");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->accuracy, 0.875);
  EXPECT_EQ(m->sqnr, 31.5);
  EXPECT_EQ(m->images, 8u);
  EXPECT_EQ((*cp)->find("unit4"), nullptr);
  // Other settings are refused.
  auto other = StudyCheckpoint::open(path, "beef", "other settings");
  ASSERT_FALSE(bool(other));
  EXPECT_NE(llvm::toString(other.takeError()).find("other settings"),
            std::string::npos);
}

TEST(TunerTest, CheckpointRefusesForgedValues) {
  std::string path = tempPath("tuner_forged.txt");
  {
    auto cp = StudyCheckpoint::open(path, "f00d", "test settings");
    ASSERT_TRUE(bool(cp));
  }
  // A line with a correct checksum but an accuracy of 5 (500%).
  std::string body = "M unit1 5 20 10";
  char line[128];
  std::snprintf(line, sizeof(line), "%s %08x\n", body.c_str(),
                unsigned(llvm::crc32(llvm::arrayRefFromStringRef(body))));
  std::ofstream(path, std::ios::app) << line;
  auto cp = StudyCheckpoint::open(path, "f00d", "test settings");
  ASSERT_FALSE(bool(cp));
  EXPECT_NE(llvm::toString(cp.takeError()).find("measurement out of range"),
            std::string::npos)
      << readAll(path);
}
