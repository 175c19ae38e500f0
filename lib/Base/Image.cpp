#include "glow/Base/Image.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <png.h>

#include <cmath>
#include <cstdio>
#include <memory>

namespace glow {

namespace {
struct FileCloser {
  void operator()(FILE *f) const { std::fclose(f); }
};
} // namespace

llvm::Expected<RawImage> readPngImage(llvm::StringRef path) {
  std::unique_ptr<FILE, FileCloser> fp(std::fopen(path.str().c_str(), "rb"));
  if (!fp) {
    return makeError("cannot open image '" + path + "'");
  }
  unsigned char header[8] = {0};
  if (std::fread(header, 1, 8, fp.get()) != 8 || png_sig_cmp(header, 0, 8)) {
    return makeError("'" + path + "' is not a PNG file");
  }
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, nullptr);
    return makeError("cannot initialise libpng");
  }
  RawImage img;
  std::vector<png_bytep> rows;
  std::vector<uint8_t> interleaved;
  // libpng reports errors by longjmp; nothing with a destructor is created
  // between setjmp and the reads below.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return makeError("'" + path + "' is a corrupt PNG file");
  }
  png_init_io(png, fp.get());
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  png_byte colorType = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) {
    png_set_strip_16(png);
  }
  if (colorType == PNG_COLOR_TYPE_PALETTE) {
    png_set_palette_to_rgb(png);
  }
  if (colorType == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) {
    png_set_expand_gray_1_2_4_to_8(png);
  }
  if (png_get_valid(png, info, PNG_INFO_tRNS)) {
    png_set_tRNS_to_alpha(png);
  }
  png_set_strip_alpha(png);
  png_read_update_info(png, info);
  img.width = png_get_image_width(png, info);
  img.height = png_get_image_height(png, info);
  img.channels = png_get_channels(png, info);
  size_t rowBytes = png_get_rowbytes(png, info);
  // The header's size is checked before the pixels are allocated.
  if (img.width > kMaxImageSide || img.height > kMaxImageSide) {
    png_destroy_read_struct(&png, &info, nullptr);
    return makeError("'" + path + "' is " + llvm::Twine(img.width) + "x" +
                     llvm::Twine(img.height) + " pixels, more than the limit " +
                     llvm::Twine(kMaxImageSide) + " on a side");
  }
  interleaved.resize(rowBytes * img.height);
  rows.resize(img.height);
  for (dim_t y = 0; y < img.height; y++) {
    rows[y] = interleaved.data() + y * rowBytes;
  }
  png_read_image(png, rows.data());
  png_destroy_read_struct(&png, &info, nullptr);
  if (img.channels != 1 && img.channels != 3) {
    return makeError("'" + path + "' has an unsupported channel count " +
                     llvm::Twine(img.channels));
  }
  img.pixels = std::move(interleaved);
  return img;
}

llvm::Error ImagePreprocessing::validate() const {
  for (float m : mean) {
    if (!std::isfinite(m)) {
      return makeError("-mean must be finite, got " + formatNumber(m));
    }
  }
  for (float s : stddev) {
    if (!std::isfinite(s) || s == 0) {
      return makeError("-stddev must be finite and non-zero, got " +
                       formatNumber(s));
    }
  }
  return llvm::Error::success();
}

/// \returns the (scale, bias) that maps 0..255 onto \p mode's range.
static std::pair<float, float> modeScaleBias(ImageNormalizationMode mode) {
  switch (mode) {
  case ImageNormalizationMode::k0to1:
    return {1.0f / 255.0f, 0.0f};
  case ImageNormalizationMode::kneg1to1:
    return {2.0f / 255.0f, -1.0f};
  case ImageNormalizationMode::k0to255:
    return {1.0f, 0.0f};
  case ImageNormalizationMode::kneg128to127:
    return {1.0f, -128.0f};
  }
  return {1.0f, 0.0f};
}

llvm::Error writeImageToBatch(const RawImage &img, const ImagePreprocessing &pp,
                              Tensor &batch, dim_t slot) {
  auto d = batch.dims();
  if (d.size() != 4 || batch.getElementType() != ElemKind::FloatTy) {
    return makeError("the model input must be a float tensor of rank 4 for "
                     "images, got " +
                     batch.getType().toString());
  }
  if (slot < 0 || slot >= d[0]) {
    return makeError("image slot " + llvm::Twine(slot) +
                     " is outside the batch of " + llvm::Twine(d[0]));
  }
  bool nchw = pp.layout == ImageLayout::NCHW;
  dim_t C = nchw ? d[1] : d[3], H = nchw ? d[2] : d[1], W = nchw ? d[3] : d[2];
  if (img.height != H || img.width != W) {
    return makeError("image is " + llvm::Twine(img.width) + "x" +
                     llvm::Twine(img.height) + " but the model input expects " +
                     llvm::Twine(W) + "x" + llvm::Twine(H));
  }
  if (img.channels != C && img.channels != 1) {
    return makeError("image has " + llvm::Twine(img.channels) +
                     " channels but the model input expects " + llvm::Twine(C));
  }
  for (auto *v : {&pp.mean, &pp.stddev}) {
    if (!v->empty() && v->size() != 1 && dim_t(v->size()) != C) {
      return makeError("-mean/-stddev need 1 or " + llvm::Twine(C) +
                       " values, got " + llvm::Twine(v->size()));
    }
  }
  auto [scale, bias] = modeScaleBias(pp.mode);
  float *out = batch.getHandle<float>().data() + slot * C * H * W;
  for (dim_t c = 0; c < C; c++) {
    // Source channel: BGR order reverses RGB.
    dim_t src = img.channels == 1                    ? 0
                : pp.order == ImageChannelOrder::BGR ? C - 1 - c
                                                     : c;
    float mean = pp.mean.empty() ? 0.f : pp.mean[pp.mean.size() == 1 ? 0 : c];
    float sd =
        pp.stddev.empty() ? 1.f : pp.stddev[pp.stddev.size() == 1 ? 0 : c];
    for (dim_t y = 0; y < H; y++) {
      for (dim_t x = 0; x < W; x++) {
        float pixel = img.pixels[(y * W + x) * img.channels + src];
        float v = ((pixel - mean) / sd) * scale + bias;
        dim_t idx = nchw ? (c * H + y) * W + x : (y * W + x) * C + c;
        out[idx] = v;
      }
    }
  }
  return llvm::Error::success();
}

int getLabelFromFileName(llvm::StringRef path) {
  llvm::StringRef stem = llvm::sys::path::stem(path);
  size_t pos = stem.rfind('_');
  if (pos == llvm::StringRef::npos) {
    return -1;
  }
  unsigned label;
  if (stem.substr(pos + 1).getAsInteger(10, label)) {
    return -1;
  }
  return int(label);
}

} // namespace glow
