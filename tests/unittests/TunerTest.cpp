// The precision-tuner's engine (lib/Tuner) on hand-computed cases.
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
  EXPECT_NEAR(signalToQuantizationNoise({3, 4}, {3, 3}, 2),
              10 * std::log10(25.0), 1e-9);
  // Identical outputs are capped at 200 dB.
  EXPECT_EQ(signalToQuantizationNoise({3, 4}, {3, 4}, 2), 200);
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
