// Unit tests of the Base library: Type, Tensor, image pre-processing, PNG
// reading and the IDX data set reader. Every expected value is worked out by
// hand in the comment next to it.

#include "glow/Base/IdxDataset.h"
#include "glow/Base/Image.h"
#include "glow/Base/Tensor.h"
#include "glow/Base/Type.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

using namespace glow;

namespace {

/// \returns the message of \p err ("" if it is success) and consumes it.
std::string errorMessage(llvm::Error err) {
  if (!err) {
    return "";
  }
  return llvm::toString(std::move(err));
}

/// A temporary directory removed with its contents at destruction.
class TempDir {
public:
  TempDir() {
    std::error_code ec =
        llvm::sys::fs::createUniqueDirectory("glow-basetest", path_);
    EXPECT_FALSE(ec) << ec.message();
  }
  ~TempDir() { llvm::sys::fs::remove_directories(path_); }
  std::string file(llvm::StringRef name) const {
    llvm::SmallString<128> p(path_);
    llvm::sys::path::append(p, name);
    return std::string(p.str());
  }

private:
  llvm::SmallString<128> path_;
};

void writeFile(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream os(path, std::ios::binary);
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  ASSERT_TRUE(bool(os)) << path;
}

void appendBigEndian32(std::vector<uint8_t> &v, uint32_t x) {
  v.push_back(uint8_t(x >> 24));
  v.push_back(uint8_t(x >> 16));
  v.push_back(uint8_t(x >> 8));
  v.push_back(uint8_t(x));
}

/// An IDX image file: magic 0x00000803, then count, rows, cols big-endian.
std::vector<uint8_t> idxImages(uint32_t count, uint32_t rows, uint32_t cols,
                               const std::vector<uint8_t> &pixels) {
  std::vector<uint8_t> v;
  appendBigEndian32(v, 0x00000803);
  appendBigEndian32(v, count);
  appendBigEndian32(v, rows);
  appendBigEndian32(v, cols);
  v.insert(v.end(), pixels.begin(), pixels.end());
  return v;
}

/// An IDX label file: magic 0x00000801, then count big-endian.
std::vector<uint8_t> idxLabels(uint32_t count,
                               const std::vector<uint8_t> &labels) {
  std::vector<uint8_t> v;
  appendBigEndian32(v, 0x00000801);
  appendBigEndian32(v, count);
  v.insert(v.end(), labels.begin(), labels.end());
  return v;
}

/// A 2x2 gray image with pixels 0, 51, 102, 255 (row-major).
RawImage gray2x2() {
  RawImage img;
  img.height = 2;
  img.width = 2;
  img.channels = 1;
  img.pixels = {0, 51, 102, 255};
  return img;
}

} // namespace

//===----------------------------------------------------------------------===//
// Type
//===----------------------------------------------------------------------===//

TEST(TypeTest, sizeAndBytes) {
  Type f(ElemKind::FloatTy, {2, 3, 4});
  // 2 * 3 * 4 = 24 elements of 4 bytes = 96 bytes.
  EXPECT_EQ(f.size(), 24u);
  EXPECT_EQ(f.getSizeInBytes(), 96u);
  EXPECT_EQ(f.rank(), 3u);
  EXPECT_TRUE(f.isFloat());
  EXPECT_FALSE(f.isQuantized());

  Type i64(ElemKind::Int64ITy, {5});
  // 5 elements of 8 bytes.
  EXPECT_EQ(i64.getSizeInBytes(), 40u);
  Type i8(ElemKind::Int8QTy, {3, 3}, 0.5f, 1);
  // 9 elements of 1 byte.
  EXPECT_EQ(i8.getSizeInBytes(), 9u);
  Type i16(ElemKind::Int16QTy, {7}, 1.f, 0);
  EXPECT_EQ(i16.getSizeInBytes(), 14u);
  Type b(ElemKind::BoolTy, {4, 2});
  EXPECT_EQ(b.getSizeInBytes(), 8u);
  // A scalar (no dimensions) holds one element: the empty product is 1.
  Type scalar(ElemKind::FloatTy, llvm::ArrayRef<dim_t>());
  EXPECT_EQ(scalar.size(), 1u);
  EXPECT_EQ(scalar.getSizeInBytes(), 4u);
  // A zero dimension gives an empty tensor.
  EXPECT_EQ(Type(ElemKind::FloatTy, {3, 0}).size(), 0u);
}

TEST(TypeTest, elementSizesAndNames) {
  EXPECT_EQ(getElementSize(ElemKind::FloatTy), 4u);
  EXPECT_EQ(getElementSize(ElemKind::Int8QTy), 1u);
  EXPECT_EQ(getElementSize(ElemKind::UInt8QTy), 1u);
  EXPECT_EQ(getElementSize(ElemKind::Int16QTy), 2u);
  EXPECT_EQ(getElementSize(ElemKind::Int32QTy), 4u);
  EXPECT_EQ(getElementSize(ElemKind::Int32ITy), 4u);
  EXPECT_EQ(getElementSize(ElemKind::Int64ITy), 8u);
  EXPECT_EQ(getElementSize(ElemKind::BoolTy), 1u);
  EXPECT_TRUE(isQuantizedElemKind(ElemKind::Int8QTy));
  EXPECT_TRUE(isQuantizedElemKind(ElemKind::UInt8QTy));
  EXPECT_TRUE(isQuantizedElemKind(ElemKind::Int16QTy));
  EXPECT_TRUE(isQuantizedElemKind(ElemKind::Int32QTy));
  EXPECT_FALSE(isQuantizedElemKind(ElemKind::FloatTy));
  EXPECT_FALSE(isQuantizedElemKind(ElemKind::Int32ITy));
  EXPECT_FALSE(isQuantizedElemKind(ElemKind::Int64ITy));
  EXPECT_FALSE(isQuantizedElemKind(ElemKind::BoolTy));
  EXPECT_STREQ(getElemKindName(ElemKind::FloatTy), "float");
  EXPECT_STREQ(getElemKindName(ElemKind::Int8QTy), "i8");
  EXPECT_STREQ(getElemKindName(ElemKind::Int64ITy), "index64");
}

TEST(TypeTest, toString) {
  EXPECT_EQ(Type(ElemKind::FloatTy, {1, 16, 28, 28}).toString(),
            "float<1 x 16 x 28 x 28>");
  EXPECT_EQ(Type(ElemKind::Int64ITy, {5}).toString(), "index64<5>");
  // Quantized types print scale and offset.
  EXPECT_EQ(Type(ElemKind::Int8QTy, {1, 10}, 0.25f, -3).toString(),
            "i8[S:0.25 O:-3]<1 x 10>");
  EXPECT_EQ(Type(ElemKind::UInt8QTy, {2}, 0.5f, 7).toString(),
            "ui8[S:0.5 O:7]<2>");
  EXPECT_EQ(dimsToString({1, 2, 3}), "[1, 2, 3]");
  EXPECT_EQ(dimsToString({}), "[]");
}

TEST(TypeTest, equality) {
  Type a(ElemKind::FloatTy, {2, 3});
  EXPECT_EQ(a, Type(ElemKind::FloatTy, {2, 3}));
  EXPECT_NE(a, Type(ElemKind::FloatTy, {3, 2}));
  EXPECT_NE(a, Type(ElemKind::FloatTy, {2, 3, 1}));
  EXPECT_NE(a, Type(ElemKind::Int32ITy, {2, 3}));
  // Scale and offset matter only for quantized kinds.
  EXPECT_EQ(a, Type(ElemKind::FloatTy, {2, 3}, 9.f, 9));

  Type q(ElemKind::Int8QTy, {4}, 0.5f, 3);
  EXPECT_EQ(q, Type(ElemKind::Int8QTy, {4}, 0.5f, 3));
  EXPECT_NE(q, Type(ElemKind::Int8QTy, {4}, 0.25f, 3));   // other scale
  EXPECT_NE(q, Type(ElemKind::Int8QTy, {4}, 0.5f, -3));   // other offset
  EXPECT_NE(q, Type(ElemKind::UInt8QTy, {4}, 0.5f, 3));   // other kind
  EXPECT_NE(q, Type(ElemKind::Int8QTy, {2, 2}, 0.5f, 3)); // other shape
  // isEqualElemType ignores the shape but not the quantization.
  EXPECT_TRUE(q.isEqualElemType(Type(ElemKind::Int8QTy, {9, 9}, 0.5f, 3)));
  EXPECT_FALSE(q.isEqualElemType(Type(ElemKind::Int8QTy, {4}, 0.5f, 4)));
  // newShape keeps kind, scale and offset.
  Type r = Type::newShape(q, {2, 2});
  EXPECT_EQ(r, Type(ElemKind::Int8QTy, {2, 2}, 0.5f, 3));
  EXPECT_EQ(r.getScale(), 0.5f);
  EXPECT_EQ(r.getOffset(), 3);
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

TEST(TensorTest, handleIndexingAndStrides) {
  Tensor t(ElemKind::FloatTy, {2, 3});
  auto h = t.getHandle<float>();
  // A new tensor is zero-filled.
  for (size_t i = 0; i < h.size(); i++) {
    EXPECT_EQ(h.raw(i), 0.f);
  }
  // Row-major strides of [2, 3] are [3, 1].
  ASSERT_EQ(h.strides().size(), 2u);
  EXPECT_EQ(h.strides()[0], 3u);
  EXPECT_EQ(h.strides()[1], 1u);
  // at({1, 2}) is flat element 1 * 3 + 2 = 5.
  h.at({1, 2}) = 5.f;
  EXPECT_EQ(h.raw(5), 5.f);
  EXPECT_EQ(h.getElementPtr({1, 0}), 3u);
  h.raw(1) = 7.f; // flat 1 = (0, 1)
  EXPECT_EQ(h.at({0, 1}), 7.f);
  EXPECT_EQ(t.getAsDouble(1), 7.0);

  Tensor t3(ElemKind::Int32ITy, {2, 3, 4});
  auto h3 = t3.getHandle<int32_t>();
  // Strides of [2, 3, 4]: [3 * 4, 4, 1] = [12, 4, 1].
  EXPECT_EQ(h3.strides()[0], 12u);
  EXPECT_EQ(h3.strides()[1], 4u);
  EXPECT_EQ(h3.strides()[2], 1u);
  // (1, 2, 3) -> 12 + 8 + 3 = 23, the last element.
  h3.at({1, 2, 3}) = -4;
  EXPECT_EQ(h3.raw(23), -4);
  EXPECT_EQ(t3.getSizeInBytes(), 96u);
}

TEST(TensorTest, assignAndConversions) {
  Tensor t(ElemKind::Int64ITy, {3});
  t.getHandle<int64_t>().assign({-5, 0, int64_t(1) << 40});
  EXPECT_EQ(t.getAsDouble(0), -5.0);
  EXPECT_EQ(t.getAsDouble(2), 1099511627776.0); // 2^40
  t.setFromDouble(1, 42.0);
  EXPECT_EQ(t.getHandle<int64_t>().raw(1), 42);

  Tensor q(Type(ElemKind::Int8QTy, {2}, 0.5f, 0));
  q.setFromDouble(0, -7);
  EXPECT_EQ(q.getHandle<int8_t>().raw(0), -7);
  EXPECT_EQ(q.getAsDouble(0), -7.0);
}

TEST(TensorTest, cloneIsIndependent) {
  Tensor a(ElemKind::FloatTy, {2, 2});
  a.getHandle<float>().assign({1.f, 2.f, 3.f, 4.f});
  Tensor b = a.clone();
  EXPECT_EQ(b.getType(), a.getType());
  EXPECT_TRUE(b.isEqual(a));
  EXPECT_NE(b.getUnsafePtr(), a.getUnsafePtr());
  b.getHandle<float>().raw(0) = 100.f;
  // The original keeps its value.
  EXPECT_EQ(a.getHandle<float>().raw(0), 1.f);
  EXPECT_EQ(b.getHandle<float>().raw(0), 100.f);
  EXPECT_FALSE(b.isEqual(a));
  a.zero();
  EXPECT_EQ(a.getHandle<float>().raw(3), 0.f);
  EXPECT_EQ(b.getHandle<float>().raw(3), 4.f);
}

TEST(TensorTest, isEqualWithTolerance) {
  Tensor a(ElemKind::FloatTy, {3});
  Tensor b(ElemKind::FloatTy, {3});
  a.getHandle<float>().assign({1.f, -2.f, 3.f});
  b.getHandle<float>().assign({1.f, -2.f, 3.0005f});
  // |3 - 3.0005| = 5e-4.
  EXPECT_FALSE(a.isEqual(b));
  EXPECT_FALSE(a.isEqual(b, 1e-4));
  EXPECT_TRUE(a.isEqual(b, 1e-3));
  EXPECT_TRUE(b.isEqual(a, 1e-3));

  // Same values, different shape: not equal.
  Tensor c(ElemKind::FloatTy, {1, 3});
  c.getHandle<float>().assign({1.f, -2.f, 3.f});
  EXPECT_FALSE(a.isEqual(c, 1.0));
  // Same bytes, different kind: not equal.
  Tensor d(ElemKind::Int32ITy, {3});
  EXPECT_FALSE(Tensor(ElemKind::FloatTy, {3}).isEqual(d, 1.0));

  // NaN equals only NaN.
  Tensor n1(ElemKind::FloatTy, {1}), n2(ElemKind::FloatTy, {1});
  n1.getHandle<float>().raw(0) = std::nanf("");
  EXPECT_FALSE(n1.isEqual(n2, 1e9));
  n2.getHandle<float>().raw(0) = std::nanf("");
  EXPECT_TRUE(n1.isEqual(n2));
}

TEST(TensorTest, reshapeKeepsPayload) {
  Tensor t(ElemKind::FloatTy, {2, 3});
  t.getHandle<float>().assign({0.f, 1.f, 2.f, 3.f, 4.f, 5.f});
  t.reshape({3, 2});
  EXPECT_EQ(t.getType(), Type(ElemKind::FloatTy, {3, 2}));
  auto h = t.getHandle<float>();
  // Row-major: element (2, 1) of [3, 2] is flat 2 * 2 + 1 = 5.
  EXPECT_EQ(h.at({2, 1}), 5.f);
  // (1, 0) is flat 2.
  EXPECT_EQ(h.at({1, 0}), 2.f);
  t.reshape({6});
  EXPECT_EQ(t.dims().size(), 1u);
  EXPECT_EQ(t.getHandle<float>().at({4}), 4.f);
}

TEST(TensorTest, moveAndToString) {
  Tensor a(ElemKind::FloatTy, {2});
  a.getHandle<float>().assign({1.5f, -2.f});
  Tensor b = std::move(a);
  EXPECT_EQ(b.getHandle<float>().raw(0), 1.5f);
  std::string s = b.toString();
  EXPECT_NE(s.find("float<2>"), std::string::npos) << s;
  EXPECT_NE(s.find("1.5"), std::string::npos) << s;
  EXPECT_NE(s.find("-2"), std::string::npos) << s;
}

//===----------------------------------------------------------------------===//
// Labels from file names
//===----------------------------------------------------------------------===//

TEST(ImageTest, labelFromFileName) {
  EXPECT_EQ(getLabelFromFileName("a/b/fmnist_0012_7.png"), 7);
  EXPECT_EQ(getLabelFromFileName("fmnist_0000_9.png"), 9);
  EXPECT_EQ(getLabelFromFileName("img_12.png"), 12);
  EXPECT_EQ(getLabelFromFileName("cat.png"), -1);
  EXPECT_EQ(getLabelFromFileName("cat_dog.png"), -1);
  // Only the file name counts, not an underscore in a directory.
  EXPECT_EQ(getLabelFromFileName("dir_5/cat.png"), -1);
}

//===----------------------------------------------------------------------===//
// writeImageToBatch
//===----------------------------------------------------------------------===//

TEST(ImageTest, gray0to1WithMeanAndStddev) {
  Tensor batch(ElemKind::FloatTy, {1, 1, 2, 2});
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to1;
  pp.mean = {51.f};
  pp.stddev = {0.5f};
  ASSERT_EQ(errorMessage(writeImageToBatch(gray2x2(), pp, batch, 0)), "");
  // value = ((p - 51) / 0.5) * (1/255):
  //   p=0:   -102 / 255 = -0.4
  //   p=51:     0 / 255 =  0
  //   p=102:  102 / 255 =  0.4
  //   p=255:  408 / 255 =  1.6
  auto h = batch.getHandle<float>();
  EXPECT_NEAR(h.at({0, 0, 0, 0}), -0.4f, 1e-6);
  EXPECT_NEAR(h.at({0, 0, 0, 1}), 0.0f, 1e-6);
  EXPECT_NEAR(h.at({0, 0, 1, 0}), 0.4f, 1e-6);
  EXPECT_NEAR(h.at({0, 0, 1, 1}), 1.6f, 1e-6);
}

TEST(ImageTest, grayOtherModes) {
  ImagePreprocessing pp;
  {
    // neg1to1: p * 2/255 - 1 -> 0: -1, 51: -0.6, 102: -0.2, 255: 1.
    Tensor batch(ElemKind::FloatTy, {1, 1, 2, 2});
    pp.mode = ImageNormalizationMode::kneg1to1;
    ASSERT_EQ(errorMessage(writeImageToBatch(gray2x2(), pp, batch, 0)), "");
    auto h = batch.getHandle<float>();
    EXPECT_NEAR(h.raw(0), -1.0f, 1e-6);
    EXPECT_NEAR(h.raw(1), -0.6f, 1e-6);
    EXPECT_NEAR(h.raw(2), -0.2f, 1e-6);
    EXPECT_NEAR(h.raw(3), 1.0f, 1e-6);
  }
  {
    // neg128to127: p - 128 -> -128, -77, -26, 127.
    Tensor batch(ElemKind::FloatTy, {1, 1, 2, 2});
    pp.mode = ImageNormalizationMode::kneg128to127;
    ASSERT_EQ(errorMessage(writeImageToBatch(gray2x2(), pp, batch, 0)), "");
    auto h = batch.getHandle<float>();
    EXPECT_FLOAT_EQ(h.raw(0), -128.f);
    EXPECT_FLOAT_EQ(h.raw(1), -77.f);
    EXPECT_FLOAT_EQ(h.raw(2), -26.f);
    EXPECT_FLOAT_EQ(h.raw(3), 127.f);
  }
  {
    // 0to255 with mean 100 and stddev 2: (p - 100) / 2 ->
    //   -50, -24.5, 1, 77.5.
    Tensor batch(ElemKind::FloatTy, {1, 1, 2, 2});
    pp.mode = ImageNormalizationMode::k0to255;
    pp.mean = {100.f};
    pp.stddev = {2.f};
    ASSERT_EQ(errorMessage(writeImageToBatch(gray2x2(), pp, batch, 0)), "");
    auto h = batch.getHandle<float>();
    EXPECT_FLOAT_EQ(h.raw(0), -50.f);
    EXPECT_FLOAT_EQ(h.raw(1), -24.5f);
    EXPECT_FLOAT_EQ(h.raw(2), 1.f);
    EXPECT_FLOAT_EQ(h.raw(3), 77.5f);
  }
}

TEST(ImageTest, slotSelectsTheBatchEntry) {
  Tensor batch(ElemKind::FloatTy, {2, 1, 2, 2});
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to255;
  ASSERT_EQ(errorMessage(writeImageToBatch(gray2x2(), pp, batch, 1)), "");
  auto h = batch.getHandle<float>();
  // Slot 0 is untouched (zero), slot 1 holds the pixels 0, 51, 102, 255.
  for (dim_t i = 0; i < 4; i++) {
    EXPECT_EQ(h.raw(i), 0.f);
  }
  EXPECT_EQ(h.at({1, 0, 0, 1}), 51.f);
  EXPECT_EQ(h.at({1, 0, 1, 0}), 102.f);
  EXPECT_EQ(h.at({1, 0, 1, 1}), 255.f);
}

TEST(ImageTest, channelOrderBGRvsRGB) {
  RawImage img;
  img.height = img.width = 1;
  img.channels = 3;
  img.pixels = {10, 20, 30}; // R, G, B
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to255;

  pp.order = ImageChannelOrder::RGB;
  Tensor rgb(ElemKind::FloatTy, {1, 3, 1, 1});
  ASSERT_EQ(errorMessage(writeImageToBatch(img, pp, rgb, 0)), "");
  EXPECT_EQ(rgb.getHandle<float>().raw(0), 10.f);
  EXPECT_EQ(rgb.getHandle<float>().raw(1), 20.f);
  EXPECT_EQ(rgb.getHandle<float>().raw(2), 30.f);

  pp.order = ImageChannelOrder::BGR;
  Tensor bgr(ElemKind::FloatTy, {1, 3, 1, 1});
  ASSERT_EQ(errorMessage(writeImageToBatch(img, pp, bgr, 0)), "");
  EXPECT_EQ(bgr.getHandle<float>().raw(0), 30.f);
  EXPECT_EQ(bgr.getHandle<float>().raw(1), 20.f);
  EXPECT_EQ(bgr.getHandle<float>().raw(2), 10.f);

  // Per-channel mean/stddev in RGB order: (10-1)/1, (20-2)/2, (30-3)/3 =
  // 9, 9, 9.
  pp.order = ImageChannelOrder::RGB;
  pp.mean = {1.f, 2.f, 3.f};
  pp.stddev = {1.f, 2.f, 3.f};
  Tensor norm(ElemKind::FloatTy, {1, 3, 1, 1});
  ASSERT_EQ(errorMessage(writeImageToBatch(img, pp, norm, 0)), "");
  EXPECT_FLOAT_EQ(norm.getHandle<float>().raw(0), 9.f);
  EXPECT_FLOAT_EQ(norm.getHandle<float>().raw(1), 9.f);
  EXPECT_FLOAT_EQ(norm.getHandle<float>().raw(2), 9.f);
}

TEST(ImageTest, nhwcLayoutAndGrayIntoThreeChannels) {
  // A 1x2 RGB image: pixel (0,0) = (1,2,3), pixel (0,1) = (4,5,6).
  RawImage img;
  img.height = 1;
  img.width = 2;
  img.channels = 3;
  img.pixels = {1, 2, 3, 4, 5, 6};
  ImagePreprocessing pp;
  pp.mode = ImageNormalizationMode::k0to255;
  pp.layout = ImageLayout::NHWC;
  pp.order = ImageChannelOrder::RGB;
  Tensor t(ElemKind::FloatTy, {1, 1, 2, 3});
  ASSERT_EQ(errorMessage(writeImageToBatch(img, pp, t, 0)), "");
  // NHWC keeps the interleaved order: 1, 2, 3, 4, 5, 6.
  for (size_t i = 0; i < 6; i++) {
    EXPECT_EQ(t.getHandle<float>().raw(i), float(i + 1));
  }
  // The same image into NCHW [1, 3, 1, 2]: planes (1,4), (2,5), (3,6).
  pp.layout = ImageLayout::NCHW;
  Tensor c(ElemKind::FloatTy, {1, 3, 1, 2});
  ASSERT_EQ(errorMessage(writeImageToBatch(img, pp, c, 0)), "");
  std::vector<float> want = {1, 4, 2, 5, 3, 6};
  for (size_t i = 0; i < 6; i++) {
    EXPECT_EQ(c.getHandle<float>().raw(i), want[i]);
  }
  // A gray image fills every channel of a 3-channel input.
  Tensor g(ElemKind::FloatTy, {1, 3, 2, 2});
  ASSERT_EQ(errorMessage(writeImageToBatch(gray2x2(), pp, g, 0)), "");
  for (dim_t ch = 0; ch < 3; ch++) {
    EXPECT_EQ(g.getHandle<float>().at({0, ch, 1, 0}), 102.f);
    EXPECT_EQ(g.getHandle<float>().at({0, ch, 1, 1}), 255.f);
  }
}

TEST(ImageTest, mismatchesAreErrors) {
  ImagePreprocessing pp;
  {
    // A 2x2 image into a 3x3 input.
    Tensor batch(ElemKind::FloatTy, {1, 1, 3, 3});
    llvm::Error err = writeImageToBatch(gray2x2(), pp, batch, 0);
    ASSERT_TRUE(bool(err));
    std::string msg = llvm::toString(std::move(err));
    EXPECT_NE(msg.find("2x2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("3x3"), std::string::npos) << msg;
  }
  {
    // An RGB image into a 2-channel input.
    RawImage img;
    img.height = img.width = 1;
    img.channels = 3;
    img.pixels = {1, 2, 3};
    Tensor batch(ElemKind::FloatTy, {1, 2, 1, 1});
    llvm::Error err = writeImageToBatch(img, pp, batch, 0);
    ASSERT_TRUE(bool(err));
    EXPECT_NE(llvm::toString(std::move(err)).find("channels"),
              std::string::npos);
  }
  {
    // Slot 2 of a batch of 2 is outside the tensor.
    Tensor batch(ElemKind::FloatTy, {2, 1, 2, 2});
    llvm::Error err = writeImageToBatch(gray2x2(), pp, batch, 2);
    ASSERT_TRUE(bool(err));
    EXPECT_NE(llvm::toString(std::move(err)).find("outside the batch"),
              std::string::npos);
  }
  {
    // A tensor of rank 3 is not an image batch.
    Tensor batch(ElemKind::FloatTy, {1, 2, 2});
    llvm::Error err = writeImageToBatch(gray2x2(), pp, batch, 0);
    ASSERT_TRUE(bool(err));
    llvm::consumeError(std::move(err));
  }
  {
    // Two mean values for three channels.
    Tensor batch(ElemKind::FloatTy, {1, 3, 2, 2});
    pp.mean = {1.f, 2.f};
    llvm::Error err = writeImageToBatch(gray2x2(), pp, batch, 0);
    ASSERT_TRUE(bool(err));
    llvm::consumeError(std::move(err));
  }
}

//===----------------------------------------------------------------------===//
// readPngImage
//===----------------------------------------------------------------------===//

TEST(ImageTest, readFashionPng) {
  auto img = readPngImage(std::string(GLOW_TEST_IMAGES) +
                          "/fashion/fmnist_0000_9.png");
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  EXPECT_EQ(img->height, 28);
  EXPECT_EQ(img->width, 28);
  EXPECT_EQ(img->channels, 1);
  EXPECT_EQ(img->pixels.size(), 28u * 28u);
}

TEST(ImageTest, readGrayPngWithKnownPixels) {
  // utils/make_test_inputs.py writes pixel i (row-major) as i % 256.
  const std::string path =
      std::string(GLOW_TEST_IMAGES) + "/bad/gray_32x32_3.png";
  auto img = readPngImage(path);
  ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
  EXPECT_EQ(img->height, 32);
  EXPECT_EQ(img->width, 32);
  EXPECT_EQ(img->channels, 1);
  ASSERT_EQ(img->pixels.size(), 1024u);
  for (size_t i = 0; i < 1024; i++) {
    ASSERT_EQ(img->pixels[i], uint8_t(i % 256)) << "pixel " << i;
  }
  EXPECT_EQ(getLabelFromFileName(path), 3);
}

TEST(ImageTest, readColorPngsDropAlpha) {
  // utils/make_test_inputs.py: 2x2 RGB pixels (255,0,0) (0,255,0) /
  // (0,0,255) (10,20,30); the RGBA file has the same colours with alpha
  // 255, 128, 0, 64, which the reader drops.
  const std::vector<uint8_t> want = {255, 0, 0,   0,  255, 0,
                                     0,   0, 255, 10, 20,  30};
  for (const char *name : {"rgb_2x2.png", "rgba_2x2.png"}) {
    SCOPED_TRACE(name);
    auto img = readPngImage(std::string(GLOW_TEST_IMAGES) + "/bad/" + name);
    ASSERT_TRUE(bool(img)) << llvm::toString(img.takeError());
    EXPECT_EQ(img->height, 2);
    EXPECT_EQ(img->width, 2);
    EXPECT_EQ(img->channels, 3);
    EXPECT_EQ(img->pixels, want);
  }
}

TEST(ImageTest, readPngErrors) {
  TempDir dir;
  std::string missing = dir.file("does_not_exist.png");
  auto a = readPngImage(missing);
  ASSERT_FALSE(bool(a));
  std::string msg = llvm::toString(a.takeError());
  EXPECT_NE(msg.find("does_not_exist.png"), std::string::npos) << msg;

  std::string text = dir.file("not_a_png.png");
  {
    std::ofstream os(text);
    os << "this is a text file, not a PNG image\n";
  }
  auto b = readPngImage(text);
  ASSERT_FALSE(bool(b));
  msg = llvm::toString(b.takeError());
  EXPECT_NE(msg.find("not a PNG"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not_a_png.png"), std::string::npos) << msg;

  // A file shorter than the 8-byte signature.
  std::string tiny = dir.file("tiny.png");
  writeFile(tiny, {0x89, 'P', 'N'});
  auto c = readPngImage(tiny);
  ASSERT_FALSE(bool(c));
  llvm::consumeError(c.takeError());
}

//===----------------------------------------------------------------------===//
// IdxDataset
//===----------------------------------------------------------------------===//

/// Writes "img" and "lbl" in \p dir: two images of 2 rows x 3 columns,
/// labels 7 and 3; \returns their pixels (0..5 and 250..255).
static std::vector<uint8_t> writeTwoImageSet(TempDir &dir) {
  std::vector<uint8_t> pixels = {0,   1,   2,   3,   4,   5,
                                 250, 251, 252, 253, 254, 255};
  writeFile(dir.file("img"), idxImages(2, 2, 3, pixels));
  writeFile(dir.file("lbl"), idxLabels(2, {7, 3}));
  return pixels;
}

TEST(IdxDatasetTest, roundTrip) {
  TempDir dir;
  std::vector<uint8_t> pixels = writeTwoImageSet(dir);
  auto ds = IdxDataset::load(dir.file("img"), dir.file("lbl"));
  ASSERT_TRUE(bool(ds)) << llvm::toString(ds.takeError());
  EXPECT_EQ(ds->size(), 2);
  EXPECT_EQ(ds->rows(), 2);
  EXPECT_EQ(ds->cols(), 3);
  EXPECT_EQ(ds->getLabel(0), 7);
  EXPECT_EQ(ds->getLabel(1), 3);
  RawImage i0 = ds->getImage(0), i1 = ds->getImage(1);
  EXPECT_EQ(i0.height, 2);
  EXPECT_EQ(i0.width, 3);
  EXPECT_EQ(i0.channels, 1);
  EXPECT_EQ(i0.pixels,
            std::vector<uint8_t>(pixels.begin(), pixels.begin() + 6));
  EXPECT_EQ(i1.pixels, std::vector<uint8_t>(pixels.begin() + 6, pixels.end()));
}

TEST(IdxDatasetTest, limitReadsOnlyTheFirstImages) {
  TempDir dir;
  std::vector<uint8_t> pixels = writeTwoImageSet(dir);
  auto one = IdxDataset::load(dir.file("img"), dir.file("lbl"), 1);
  ASSERT_TRUE(bool(one)) << llvm::toString(one.takeError());
  EXPECT_EQ(one->size(), 1);
  EXPECT_EQ(one->getLabel(0), 7);
  EXPECT_EQ(one->getImage(0).pixels,
            std::vector<uint8_t>(pixels.begin(), pixels.begin() + 6));
  // A limit past the end is the whole set.
  auto all = IdxDataset::load(dir.file("img"), dir.file("lbl"), 5);
  ASSERT_TRUE(bool(all)) << llvm::toString(all.takeError());
  EXPECT_EQ(all->size(), 2);
  EXPECT_EQ(all->getImage(1).pixels,
            std::vector<uint8_t>(pixels.begin() + 6, pixels.end()));
  // The second image cut short: the first alone still loads, both do not.
  auto cut = idxImages(2, 2, 3, pixels);
  cut.resize(cut.size() - 3);
  writeFile(dir.file("cut"), cut);
  auto first = IdxDataset::load(dir.file("cut"), dir.file("lbl"), 1);
  ASSERT_TRUE(bool(first)) << llvm::toString(first.takeError());
  EXPECT_EQ(first->getImage(0).pixels,
            std::vector<uint8_t>(pixels.begin(), pixels.begin() + 6));
  auto both = IdxDataset::load(dir.file("cut"), dir.file("lbl"), 2);
  ASSERT_FALSE(bool(both));
  std::string msg = llvm::toString(both.takeError());
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(IdxDatasetTest, badFilesAreErrors) {
  TempDir dir;
  std::vector<uint8_t> pixels(2 * 2 * 3, 9);
  writeFile(dir.file("lbl"), idxLabels(2, {1, 2}));
  {
    // One pixel byte missing.
    auto img = idxImages(2, 2, 3, pixels);
    img.pop_back();
    writeFile(dir.file("short"), img);
    auto ds = IdxDataset::load(dir.file("short"), dir.file("lbl"));
    ASSERT_FALSE(bool(ds));
    std::string msg = llvm::toString(ds.takeError());
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  }
  {
    // A truncated header (only the magic and one dimension).
    std::vector<uint8_t> img;
    appendBigEndian32(img, 0x00000803);
    appendBigEndian32(img, 2);
    writeFile(dir.file("header"), img);
    auto ds = IdxDataset::load(dir.file("header"), dir.file("lbl"));
    ASSERT_FALSE(bool(ds));
    llvm::consumeError(ds.takeError());
  }
  {
    // 2 images but 3 labels.
    writeFile(dir.file("img"), idxImages(2, 2, 3, pixels));
    writeFile(dir.file("lbl3"), idxLabels(3, {1, 2, 3}));
    auto ds = IdxDataset::load(dir.file("img"), dir.file("lbl3"));
    ASSERT_FALSE(bool(ds));
    std::string msg = llvm::toString(ds.takeError());
    EXPECT_NE(msg.find("2 images"), std::string::npos) << msg;
    EXPECT_NE(msg.find("3 labels"), std::string::npos) << msg;
  }
  {
    // Images and labels swapped: the magic numbers do not fit.
    auto ds = IdxDataset::load(dir.file("lbl"), dir.file("img"));
    ASSERT_FALSE(bool(ds));
    llvm::consumeError(ds.takeError());
  }
  {
    // A missing file.
    auto ds = IdxDataset::load(dir.file("nope"), dir.file("lbl"));
    ASSERT_FALSE(bool(ds));
    std::string msg = llvm::toString(ds.takeError());
    EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
  }
}

TEST(IdxDatasetTest, pngMatchesFashionMnistTestImage0) {
  const std::string images =
      "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  const std::string labels =
      "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
  if (!llvm::sys::fs::exists(images) || !llvm::sys::fs::exists(labels)) {
    GTEST_SKIP() << "Fashion-MNIST test set not installed";
  }
  auto ds = IdxDataset::load(images, labels);
  ASSERT_TRUE(bool(ds)) << llvm::toString(ds.takeError());
  EXPECT_EQ(ds->size(), 10000);
  EXPECT_EQ(ds->rows(), 28);
  EXPECT_EQ(ds->cols(), 28);
  EXPECT_EQ(ds->getLabel(0), 9);
  auto png = readPngImage(std::string(GLOW_TEST_IMAGES) +
                          "/fashion/fmnist_0000_9.png");
  ASSERT_TRUE(bool(png)) << llvm::toString(png.takeError());
  RawImage idx = ds->getImage(0);
  ASSERT_EQ(png->pixels.size(), idx.pixels.size());
  EXPECT_EQ(png->pixels, idx.pixels);
  EXPECT_EQ(getLabelFromFileName("fmnist_0000_9.png"), ds->getLabel(0));
}

//===----------------------------------------------------------------------===//
// Resource limits: checked sizes, the memory budget, bounded reads.
//===----------------------------------------------------------------------===//

TEST(ResourceLimitsTest, TensorBytesAreCheckedBeforeUse) {
  auto ok = checkedTensorBytes({2, 3, 4}, 4, "t");
  ASSERT_TRUE(bool(ok));
  EXPECT_EQ(*ok, 96u);
  auto zero = checkedTensorBytes({5, 0, 7}, 4, "t");
  ASSERT_TRUE(bool(zero));
  EXPECT_EQ(*zero, 0u);
  // A negative dimension and one above kMaxDimension are named.
  auto neg = checkedTensorBytes({-4, 2}, 4, "node 'c'");
  ASSERT_FALSE(bool(neg));
  EXPECT_NE(llvm::toString(neg.takeError()).find("node 'c' has a dimension -4"),
            std::string::npos);
  auto big = checkedTensorBytes({kMaxDimension + 1}, 1, "t");
  EXPECT_FALSE(bool(big));
  llvm::consumeError(big.takeError());
  // Within range each, but the product overflows 64 bits: 2^31^3 * 8.
  auto wrap =
      checkedTensorBytes({kMaxDimension, kMaxDimension, kMaxDimension}, 8, "t");
  ASSERT_FALSE(bool(wrap));
  EXPECT_NE(llvm::toString(wrap.takeError()).find("overflows"),
            std::string::npos);
  auto rank = checkedTensorBytes(std::vector<int64_t>(kMaxRank + 1, 1), 1, "t");
  EXPECT_FALSE(bool(rank));
  llvm::consumeError(rank.takeError());
}

TEST(ResourceLimitsTest, MemoryBudget) {
  setMemoryBudget(1000);
  auto over = checkedTensorBytes({251}, 4, "t");
  ASSERT_FALSE(bool(over));
  EXPECT_NE(llvm::toString(over.takeError()).find("more than the memory limit"),
            std::string::npos);
  auto under = checkedTensorBytes({250}, 4, "t");
  EXPECT_TRUE(bool(under));
  llvm::consumeError(under.takeError());
  // A tensor over the budget is refused by the graph verifier too.
  setMemoryBudget(0);
  EXPECT_EQ(getMemoryBudget(), getPhysicalMemory() / 2);
  auto mul = checkedMul(uint64_t(1) << 40, uint64_t(1) << 30, "x");
  EXPECT_FALSE(bool(mul));
  llvm::consumeError(mul.takeError());
  llvm::Error outside = checkRange(5, 0, 4, "-flag");
  ASSERT_TRUE(bool(outside));
  EXPECT_EQ(llvm::toString(std::move(outside)), "-flag is 5, outside 0..4");
  EXPECT_FALSE(bool(checkRange(0, 0, 4, "-flag")));
}

TEST(ResourceLimitsTest, BoundedReads) {
  // /proc files have a stat size of 0 but content.
  auto version = readFileBounded("/proc/version", 1 << 20, "file");
  ASSERT_TRUE(bool(version));
  EXPECT_EQ(version->rfind("Linux", 0), 0u);
  // Devices and directories are refused at once.
  auto zero = readFileBounded("/dev/zero", 1 << 20, "list");
  ASSERT_FALSE(bool(zero));
  EXPECT_NE(llvm::toString(zero.takeError()).find("it is a device"),
            std::string::npos);
  auto dir = readFileBounded("/tmp", 1 << 20, "list");
  ASSERT_FALSE(bool(dir));
  EXPECT_NE(llvm::toString(dir.takeError()).find("it is a directory"),
            std::string::npos);
  // More than the limit is an error, exactly the limit is not.
  std::string path = testing::TempDir() + "/bounded.txt";
  {
    std::ofstream f(path);
    f << std::string(100, 'x');
  }
  auto exact = readFileBounded(path, 100, "file");
  ASSERT_TRUE(bool(exact));
  EXPECT_EQ(exact->size(), 100u);
  auto over = readFileBounded(path, 99, "file");
  ASSERT_FALSE(bool(over));
  EXPECT_NE(llvm::toString(over.takeError()).find("larger than the limit"),
            std::string::npos);
}
