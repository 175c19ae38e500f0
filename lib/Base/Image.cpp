#include "glow/Base/Image.h"
#include "glow/Support/Error.h"
#include "glow/Support/ResourceLimits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <png.h>
#include <turbojpeg.h>

#include <algorithm>
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

/// \returns true if the JPEG \p data carries an Adobe APP14 segment (whose
/// CMYK is stored inverted, the convention PIL follows).
static bool hasAdobeMarker(const std::string &data) {
  size_t i = 2;
  while (i + 4 <= data.size() && uint8_t(data[i]) == 0xFF) {
    uint8_t marker = data[i + 1];
    if (marker == 0xDA || marker == 0xD9) {
      break; // start of scan or end of image: no more headers
    }
    size_t len = (uint8_t(data[i + 2]) << 8) | uint8_t(data[i + 3]);
    if (marker == 0xEE && len >= 7 && i + 9 <= data.size() &&
        data.compare(i + 4, 5, "Adobe") == 0) {
      return true;
    }
    i += 2 + len;
  }
  return false;
}

/// a * b / 255, rounded as PIL's MULDIV255.
static inline int mulDiv255(int a, int b) {
  int t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

llvm::Expected<RawImage> readJpegImage(llvm::StringRef path) {
  auto data = readFileBounded(path, kMaxModelBytes, "image");
  if (!data) {
    return data.takeError();
  }
  const std::string &buf = *data;
  if (buf.size() < 3 || uint8_t(buf[0]) != 0xFF || uint8_t(buf[1]) != 0xD8) {
    return makeError("'" + path + "' is not a JPEG file");
  }
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj) {
    return makeError("cannot initialise libjpeg-turbo");
  }
  auto *bytes = reinterpret_cast<const unsigned char *>(buf.data());
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), bytes, buf.size(), &width, &height,
                          &subsamp, &colorspace) != 0) {
    return makeError("'" + path + "' is a corrupt JPEG file (" +
                     tjGetErrorStr2(tj.get()) + ")");
  }
  if (width <= 0 || height <= 0 || width > kMaxImageSide ||
      height > kMaxImageSide) {
    return makeError("'" + path + "' is " + llvm::Twine(width) + "x" +
                     llvm::Twine(height) + " pixels, more than the limit " +
                     llvm::Twine(kMaxImageSide) + " on a side");
  }
  bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  int pf = cmyk ? TJPF_CMYK : TJPF_RGB;
  std::vector<uint8_t> raw(size_t(width) * height * tjPixelSize[pf]);
  // Warnings (a truncated file) are errors too: the rest would be gray.
  if (tjDecompress2(tj.get(), bytes, buf.size(), raw.data(), width, 0, height,
                    pf, TJFLAG_STOPONWARNING) != 0) {
    return makeError("'" + path + "' is a truncated or corrupt JPEG file (" +
                     llvm::StringRef(tjGetErrorStr2(tj.get())).trim() + ")");
  }
  RawImage img;
  img.width = width;
  img.height = height;
  img.channels = 3;
  if (!cmyk) {
    img.pixels = std::move(raw);
    return img;
  }
  // CMYK to RGB as PIL: R = (255 - K) - C (255 - K) / 255 on the true
  // (un-inverted) values.
  bool inverted = hasAdobeMarker(buf);
  img.pixels.resize(size_t(width) * height * 3);
  for (size_t p = 0, n = size_t(width) * height; p < n; p++) {
    const uint8_t *in = &raw[p * 4];
    int v[4];
    for (int c = 0; c < 4; c++) {
      v[c] = inverted ? 255 - in[c] : in[c];
    }
    int nk = 255 - v[3];
    for (int c = 0; c < 3; c++) {
      img.pixels[p * 3 + c] = uint8_t(nk - mulDiv255(v[c], nk));
    }
  }
  return img;
}

llvm::Expected<RawImage> readImage(llvm::StringRef path) {
  unsigned char head[8] = {0};
  {
    std::unique_ptr<FILE, FileCloser> fp(std::fopen(path.str().c_str(), "rb"));
    if (!fp) {
      return makeError("cannot open image '" + path + "'");
    }
    if (std::fread(head, 1, 8, fp.get()) < 3) {
      return makeError("'" + path + "' is neither a PNG nor a JPEG file");
    }
  }
  if (head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) {
    return readJpegImage(path);
  }
  if (!png_sig_cmp(head, 0, 8)) {
    return readPngImage(path);
  }
  return makeError("'" + path + "' is neither a PNG nor a JPEG file");
}

namespace {
/// One output pixel's taps along one axis: the first input pixel and the
/// fixed-point weights.
struct ResampleTaps {
  std::vector<int> first;
  std::vector<std::vector<int32_t>> weights;
};

/// PIL's 8-bit fixed point: 32 bits less 8 of pixel and 2 of headroom.
constexpr int kResampleBits = 22;

/// The taps of PIL's bilinear (triangle) filter from \p in to \p out
/// pixels: support 1, widened by the scale when shrinking.
ResampleTaps bilinearTaps(dim_t in, dim_t out) {
  double scale = double(in) / double(out);
  double filterScale = std::max(scale, 1.0);
  double support = filterScale;
  ResampleTaps t;
  for (dim_t o = 0; o < out; o++) {
    double center = (double(o) + 0.5) * scale;
    int lo = std::max(0, int(center - support + 0.5));
    int hi = std::min(int(in), int(center + support + 0.5));
    std::vector<double> w;
    double sum = 0;
    for (int x = lo; x < hi; x++) {
      double d = std::abs((x - center + 0.5) / filterScale);
      double v = d < 1 ? 1 - d : 0;
      w.push_back(v);
      sum += v;
    }
    std::vector<int32_t> fixed;
    for (double v : w) {
      double k = sum != 0 ? v / sum : v;
      fixed.push_back(k < 0 ? int32_t(-0.5 + k * (1 << kResampleBits))
                            : int32_t(0.5 + k * (1 << kResampleBits)));
    }
    t.first.push_back(lo);
    t.weights.push_back(std::move(fixed));
  }
  return t;
}

inline uint8_t clip8(int64_t acc) {
  int64_t v = acc >> kResampleBits;
  return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
}
} // namespace

RawImage resizeBilinear(const RawImage &img, dim_t width, dim_t height) {
  dim_t C = img.channels;
  RawImage cur = img;
  if (width != img.width) {
    ResampleTaps t = bilinearTaps(img.width, width);
    RawImage h;
    h.width = width;
    h.height = cur.height;
    h.channels = C;
    h.pixels.resize(size_t(width) * h.height * C);
    for (dim_t y = 0; y < h.height; y++) {
      const uint8_t *row = &cur.pixels[size_t(y) * cur.width * C];
      for (dim_t x = 0; x < width; x++) {
        for (dim_t c = 0; c < C; c++) {
          int64_t acc = int64_t(1) << (kResampleBits - 1);
          for (size_t k = 0; k < t.weights[x].size(); k++) {
            acc += int64_t(row[(t.first[x] + k) * C + c]) * t.weights[x][k];
          }
          h.pixels[(size_t(y) * width + x) * C + c] = clip8(acc);
        }
      }
    }
    cur = std::move(h);
  }
  if (height != img.height) {
    ResampleTaps t = bilinearTaps(img.height, height);
    RawImage v;
    v.width = cur.width;
    v.height = height;
    v.channels = C;
    v.pixels.resize(size_t(v.width) * height * C);
    size_t stride = size_t(cur.width) * C;
    for (dim_t y = 0; y < height; y++) {
      for (size_t i = 0; i < stride; i++) {
        int64_t acc = int64_t(1) << (kResampleBits - 1);
        for (size_t k = 0; k < t.weights[y].size(); k++) {
          acc += int64_t(cur.pixels[(t.first[y] + k) * stride + i]) *
                 t.weights[y][k];
        }
        v.pixels[y * stride + i] = clip8(acc);
      }
    }
    cur = std::move(v);
  }
  return cur;
}

llvm::Expected<RawImage> resizeAndCrop(RawImage img,
                                       const ImagePreprocessing &pp) {
  if (pp.resizeShorterSide) {
    // torchvision's Resize(N): the shorter side becomes N, the longer
    // N * long / short, truncated.
    dim_t n = pp.resizeShorterSide;
    bool wide = img.width >= img.height;
    dim_t shortSide = wide ? img.height : img.width;
    dim_t longSide = wide ? img.width : img.height;
    dim_t newLong = dim_t(double(n) * double(longSide) / double(shortSide));
    dim_t w = wide ? newLong : n, h = wide ? n : newLong;
    if (w != img.width || h != img.height) {
      img = resizeBilinear(img, w, h);
    }
  }
  if (pp.centerCrop) {
    dim_t s = pp.centerCrop;
    if (img.width < s || img.height < s) {
      return makeError("image is " + llvm::Twine(img.width) + "x" +
                       llvm::Twine(img.height) +
                       ", smaller than -center-crop=" + llvm::Twine(s));
    }
    // torchvision: int(round((size - crop) / 2)), halves to even.
    dim_t top = dim_t(std::nearbyint(double(img.height - s) / 2));
    dim_t left = dim_t(std::nearbyint(double(img.width - s) / 2));
    RawImage out;
    out.width = out.height = s;
    out.channels = img.channels;
    out.pixels.resize(size_t(s) * s * img.channels);
    for (dim_t y = 0; y < s; y++) {
      std::copy_n(&img.pixels[((top + y) * img.width + left) * img.channels],
                  s * img.channels, &out.pixels[size_t(y) * s * img.channels]);
    }
    img = std::move(out);
  }
  return std::move(img);
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

llvm::Error writeImageToBatch(const RawImage &original,
                              const ImagePreprocessing &pp, Tensor &batch,
                              dim_t slot) {
  RawImage resized;
  if (pp.resizeShorterSide || pp.centerCrop) {
    auto r = resizeAndCrop(original, pp);
    if (!r) {
      return r.takeError();
    }
    resized = std::move(*r);
  }
  const RawImage &img =
      pp.resizeShorterSide || pp.centerCrop ? resized : original;
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
