#ifndef GLOW_BASE_IMAGE_H
#define GLOW_BASE_IMAGE_H

#include "glow/Base/Tensor.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace glow {

/// Pixel range that 0..255 is mapped onto (Glow's -image-mode).
enum class ImageNormalizationMode { k0to1, kneg1to1, k0to255, kneg128to127 };
/// Tensor layout of the image input (Glow's -image-layout).
enum class ImageLayout { NCHW, NHWC };
/// Channel order of the image input (Glow's -image-channel-order).
enum class ImageChannelOrder { BGR, RGB };

/// How pixels become input values, exactly as Glow's loaders do:
/// value = ((pixel - mean[c]) / stddev[c]) * scale + bias, where scale and
/// bias map 0..255 onto the mode's range. Empty mean/stddev mean 0 and 1.
struct ImagePreprocessing {
  ImageNormalizationMode mode{ImageNormalizationMode::k0to1};
  ImageLayout layout{ImageLayout::NCHW};
  ImageChannelOrder order{ImageChannelOrder::BGR};
  std::vector<float> mean;
  std::vector<float> stddev;
  /// Before anything else: resize (bilinear, as PIL and torchvision) so
  /// that the shorter side has this many pixels (0: no resize), then take
  /// the centre square of this side (0: no crop), as torchvision's
  /// Resize(N) and CenterCrop(S).
  dim_t resizeShorterSide{0};
  dim_t centerCrop{0};

  /// \returns an error unless every mean is finite and every standard
  /// deviation finite and non-zero.
  llvm::Error validate() const;
};

/// An 8-bit image in memory, pixels interleaved as [height][width][channels]
/// with channels 1 (gray) or 3 (RGB).
struct RawImage {
  dim_t height{0}, width{0}, channels{0};
  std::vector<uint8_t> pixels;
};

/// Reads the PNG file \p path (gray, gray+alpha, RGB, RGBA, palette; 8 or 16
/// bits). Alpha is dropped. \returns an error naming the file if it is
/// missing or not a PNG.
llvm::Expected<RawImage> readPngImage(llvm::StringRef path);

/// Reads the baseline or progressive JPEG file \p path with libjpeg-turbo
/// into RGB (grayscale and CMYK/YCCK are converted as PIL's
/// Image.convert("RGB") does). \returns an error naming the file if it is
/// missing, not a JPEG, truncated or corrupt, or larger than kMaxImageSide.
llvm::Expected<RawImage> readJpegImage(llvm::StringRef path);

/// Reads a PNG or JPEG file, chosen by its first bytes, not its name.
llvm::Expected<RawImage> readImage(llvm::StringRef path);

/// \returns \p img resized to \p width x \p height with PIL's bilinear
/// filter (Image.resize(..., BILINEAR): a triangle filter widened by the
/// scale when shrinking, 8-bit fixed-point coefficients, horizontal pass
/// first).
RawImage resizeBilinear(const RawImage &img, dim_t width, dim_t height);

/// Applies \p pp's resize and centre crop to \p img. \returns an error if
/// the image is smaller than the crop.
llvm::Expected<RawImage> resizeAndCrop(RawImage img,
                                       const ImagePreprocessing &pp);

/// The largest width or height of an image the readers decode; a header
/// that says more is an error before anything is allocated.
constexpr dim_t kMaxImageSide = 16384;

/// Writes \p img, resized and cropped (resizeAndCrop) and preprocessed by
/// \p pp, into image \p slot of the float
/// batch tensor \p batch ([N,C,H,W] or [N,H,W,C] per pp.layout). \returns an
/// error if the image's size or channel count does not fit (a gray image
/// fills every channel of a 3-channel input).
llvm::Error writeImageToBatch(const RawImage &img, const ImagePreprocessing &pp,
                              Tensor &batch, dim_t slot);

/// \returns the label encoded at the end of a file name, Glow's convention
/// "anything_LABEL.png", or -1 if the name carries none.
int getLabelFromFileName(llvm::StringRef path);

} // namespace glow

#endif // GLOW_BASE_IMAGE_H
