// The packing of the INT8 convolutions' inputs (libjit_conv_i8.cpp): the
// unsigned codes (x + 128) of a plain or blocked, int8 or float source with
// the spatial padding written out, rows transposed by quads of pixels for
// the depthwise kernel, the pixel sums of each row, and the window sums
// that asymmetric filters need from them.

#include "LibjitPackRowI8.h"

using namespace glow;
using namespace glow::libjit;

/// One row (input row h, block cb of image n) of libjit_pack_conv_input_i8
/// from any source but int8 blocks: the padding columns and the lanes past
/// C or CB get the zero code.
LIBJIT_INLINE void packRowI8(uint8_t *d, const uint8_t *src, int32_t srcFloat,
                             int32_t srcBlocked, int64_t C, int64_t H,
                             int64_t W, int64_t CB, int64_t CBp, int64_t PL,
                             int64_t Wp, int64_t n, int64_t cb, int64_t h,
                             const TensorQuantizationParams &p, uint8_t zero) {
  int64_t Cs = divUp(C, kBlock);
  for (int64_t wp = 0; wp < Wp; wp++) {
    if (wp < PL || wp >= PL + W) {
      std::memset(d + wp * CBp, zero, CBp);
    }
  }
  if (!srcFloat && !srcBlocked && CB == kBlock && CBp == kBlock) {
    // A plain int8 source, 16 channels a block: 16 pixels of the block's
    // channel rows at a time, transposed into 16 pixel vectors.
    int64_t count = C - cb * kBlock < kBlock ? C - cb * kBlock : kBlock;
    const uint8_t *rows = src + ((n * C + cb * kBlock) * H + h) * W;
    uint8_t *o = d + PL * kBlock;
    v16u8 zeros = (v16u8){} + zero;
    // Reading 16 bytes of a row may run into the next row, but not past
    // the image's last byte.
    const uint8_t *imageEnd = src + (n + 1) * C * H * W;
    for (int64_t w0 = 0; w0 < W; w0 += kBlock) {
      // A last step past the row's end moves back to end with it (when the
      // row has 16 pixels) or takes the pixels left.
      int64_t w = W >= kBlock && w0 + kBlock > W ? W - kBlock : w0;
      int64_t pixels = W - w < kBlock ? W - w : kBlock;
      v16u8 t[kBlock];
      for (int64_t k = 0; k < kBlock; k++) {
        const uint8_t *r = rows + k * H * W + w;
        if (k >= count) {
          t[k] = zeros;
        } else if (r + kBlock <= imageEnd) {
          t[k] = *(const v16u8 *)r ^ uint8_t(0x80);
        } else {
          t[k] = zeros;
          for (int64_t j = 0; j < pixels; j++) {
            t[k][j] = r[j] ^ uint8_t(0x80);
          }
        }
      }
      transposeBytes16x16(t);
      for (int64_t j = 0; j < pixels; j++) {
        *(v16u8 *)(o + (w + j) * kBlock) = t[j];
      }
    }
    return;
  }
  for (int64_t ci = 0; ci < CBp; ci++) {
    int64_t c = cb * CB + ci;
    uint8_t *o = d + PL * CBp + ci;
    if (ci >= CB || c >= C) {
      for (int64_t w = 0; w < W; w++) {
        o[w * CBp] = zero;
      }
      continue;
    }
    // Element w of channel c's row is at row[w * step].
    int64_t first =
        srcBlocked ? ((n * Cs + c / kBlock) * H + h) * W * kBlock + c % kBlock
                   : ((n * C + c) * H + h) * W;
    int64_t step = srcBlocked ? kBlock : 1;
    if (srcFloat) {
      const float *row = (const float *)src + first;
      for (int64_t w = 0; w < W; w++) {
        o[w * CBp] = uint8_t(int32_t(quantizeValue(row[w * step], p)) + 128);
      }
    } else {
      const int8_t *row = (const int8_t *)src + first;
      for (int64_t w = 0; w < W; w++) {
        o[w * CBp] = uint8_t(int32_t(row[w * step]) + 128);
      }
    }
  }
}

/// Row h of image n of libjit_pack_conv_input_i8 from a plain float source
/// of at most 4 channels (CBp = 4, one block: the first convolution's
/// image), kVec pixels at a time: each pixel's four codes as one 32-bit
/// word, and its pixel sum when \p sums is not null.
LIBJIT_INLINE void packRowF32Quad(uint8_t *d, int32_t *sums, const float *src,
                                  int64_t C, int64_t H, int64_t W, int64_t PL,
                                  int64_t Wp, int64_t n, int64_t h, float scale,
                                  int32_t offset, uint8_t zero) {
  uint32_t *o = (uint32_t *)d;
  const uint32_t zeroWord = uint32_t(zero) * 0x01010101u;
  for (int64_t wp = 0; wp < Wp; wp++) {
    if (wp < PL || wp >= PL + W) {
      o[wp] = zeroWord;
      if (sums) {
        sums[wp] = 4 * int32_t(zero);
      }
    }
  }
  const float *rows[4];
  for (int64_t c = 0; c < C; c++) {
    rows[c] = src + ((n * C + c) * H + h) * W;
  }
  TensorQuantizationParams p;
  p.scale = scale;
  p.offset = offset;
  int64_t w = 0;
  for (; w + kVec <= W; w += kVec) {
    vint word = {}, sum = {};
    for (int64_t c = 0; c < 4; c++) {
      vint code;
      if (c < C) {
        code = vquantizeInt(vload(rows[c] + w), scale, offset) + 128;
      } else {
        code = vint{} + int32_t(zero);
      }
      word |= code << int32_t(8 * c);
      sum += code;
    }
    *(vint *)(o + PL + w) = word;
    if (sums) {
      *(vint *)(sums + PL + w) = sum;
    }
  }
  for (; w < W; w++) {
    uint32_t word = 0;
    int32_t sum = 0;
    for (int64_t c = 0; c < 4; c++) {
      int32_t code =
          c < C ? int32_t(quantizeValue(rows[c][w], p)) + 128 : int32_t(zero);
      word |= uint32_t(code) << (8 * c);
      sum += code;
    }
    o[PL + w] = word;
    if (sums) {
      sums[PL + w] = sum;
    }
  }
}

/// Items: N * Hp * ceil(Cb / sumBlocks): row hp of run `plane` of
/// sumBlocks blocks of image n is item (n * Hp + hp) * planes + plane, so
/// that threads split the input by rows, as the convolutions around do.
/// Writes the packed INT8 input
/// [N][Cb][Hp][Wp][CBp] as unsigned codes (x + 128) from an int8
/// (srcFloat = 0) or float source (quantized with scale and offset on the
/// way: a fused Quantize), plain or blocked; padding and lanes past C hold
/// the zero code. CB = channels taken per block (16 or C), CBp = CB rounded
/// up to 4. With \p pixelSums, also writes the sum of every pixel's codes
/// over all lanes of each run of sumBlocks blocks, [N][ceil(Cb /
/// sumBlocks)][Hp][Wp] (for the window sums; a dense convolution sums all
/// its blocks, a grouped one the blocks of each output block). With
/// \p quads (a depthwise convolution's input, CBp = 16), every row is
/// transposed by quads of pixels: [N][Cb][Hp][quadRowPixels(Wp) / 4][16][4]
/// (transposeQuadsI8).
LIBJIT_EXPORT void libjit_pack_conv_input_i8(
    int64_t begin, int64_t end, uint8_t *dst, int32_t *pixelSums,
    const uint8_t *src, int32_t srcFloat, int32_t srcBlocked, int64_t C,
    int64_t H, int64_t W, int64_t CB, int64_t CBp, int64_t sumBlocks,
    int64_t PT, int64_t PL, int64_t Hp, int64_t Wp, float scale, int32_t offset,
    int32_t quads) {
  int64_t Cb = divUp(C, CB), Cs = divUp(C, kBlock);
  const int64_t rowBytes = (quads ? quadRowPixels(Wp) : Wp) * CBp;
  int64_t planes = divUp(Cb, sumBlocks);
  uint8_t zero = uint8_t(offset + 128);
  TensorQuantizationParams p;
  p.scale = scale;
  p.offset = offset;
  bool copyBlocks = srcBlocked && !srcFloat && CB == kBlock && CBp == kBlock;
  for (int64_t r = begin; r < end; r++) {
    int64_t plane = r % planes, hp = (r / planes) % Hp, n = r / (Hp * planes);
    int64_t h = hp - PT;
    int64_t cbEnd = (plane + 1) * sumBlocks < Cb ? (plane + 1) * sumBlocks : Cb;
    for (int64_t cb = plane * sumBlocks; cb < cbEnd; cb++) {
      int32_t *sums =
          pixelSums ? pixelSums + ((n * planes + cb / sumBlocks) * Hp + hp) * Wp
                    : nullptr;
      if (sums && cb % sumBlocks == 0) {
        for (int64_t wp = 0; wp < Wp; wp++) {
          sums[wp] = 0;
        }
      }
      uint8_t *d = dst + ((n * Cb + cb) * Hp + hp) * rowBytes;
      if (h < 0 || h >= H) {
        std::memset(d, zero, rowBytes);
        if (sums) {
          for (int64_t wp = 0; wp < Wp; wp++) {
            sums[wp] += int32_t(zero) * int32_t(CBp);
          }
        }
        continue;
      }
      if (srcFloat && !srcBlocked && CBp == 4 && Cb == 1 && !quads) {
        packRowF32Quad(d, sums, (const float *)src, C, H, W, PL, Wp, n, h,
                       scale, offset, zero);
        continue;
      }
      if (!copyBlocks) {
        // Channel by channel: each channel's row of the source is read
        // in order (a plain source holds it contiguously).
        packRowI8(d, src, srcFloat, srcBlocked, C, H, W, CB, CBp, PL, Wp, n, cb,
                  h, p, zero);
        if (quads) {
          transposeQuadsI8(d, Wp, zero);
        }
        if (sums && CBp == kBlock) {
          for (int64_t wp = 0; wp < Wp; wp++) {
            v16u8 v = *(const v16u8 *)(d + wp * kBlock);
            sums[wp] +=
                __builtin_reduce_add(__builtin_convertvector(v, v16i32));
          }
        } else if (sums) {
          for (int64_t wp = 0; wp < Wp; wp++) {
            int32_t s = 0;
            for (int64_t ci = 0; ci < CBp; ci++) {
              s += d[wp * CBp + ci];
            }
            sums[wp] += s;
          }
        }
        continue;
      }
      packRowBlocksI8(d, sums, src + ((n * Cs + cb) * H + h) * W * kBlock, W,
                      PL, Wp, quads, zero);
    }
  }
}

/// Items: N * OH output rows (N counts the sum planes of every image).
/// sums[n][oh][ow] = the sum of the packed input's codes under the window
/// of output pixel (oh, ow), over every lane of a plane (the correction
/// for non-zero filter offsets), from the pixel sums [N][Hp][Wp] of
/// libjit_pack_conv_input_i8. Per output row, in contiguous passes: the
/// window's column sums at every input column, then their sums along the
/// window's width at every column a window starts at (2 * Wp int32 of the
/// thread's \p scratch), then every SW-th of those.
LIBJIT_EXPORT void libjit_conv_window_sums_i8(
    int64_t begin, int64_t end, int32_t *sums, const int32_t *pixelSums,
    int64_t Hp, int64_t Wp, int64_t OH, int64_t OW, int64_t KH, int64_t KW,
    int64_t SH, int64_t SW, int64_t DH, int64_t DW, int32_t *scratch) {
  int32_t *columns = scratch, *rows = scratch + Wp;
  const int64_t starts = (OW - 1) * SW + 1;
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, n = r / OH;
    const int32_t *top = pixelSums + (n * Hp + oh * SH) * Wp;
    for (int64_t c = 0; c < Wp; c++) {
      columns[c] = top[c];
    }
    for (int64_t kh = 1; kh < KH; kh++) {
      const int32_t *row = top + kh * DH * Wp;
      for (int64_t c = 0; c < Wp; c++) {
        columns[c] += row[c];
      }
    }
    for (int64_t c = 0; c < starts; c++) {
      rows[c] = columns[c];
    }
    for (int64_t kw = 1; kw < KW; kw++) {
      const int32_t *shifted = columns + kw * DW;
      for (int64_t c = 0; c < starts; c++) {
        rows[c] += shifted[c];
      }
    }
    int32_t *out = sums + r * OW;
    for (int64_t ow = 0; ow < OW; ow++) {
      out[ow] = rows[ow * SW];
    }
  }
}
