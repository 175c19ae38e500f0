// Fast FP32 convolutions in the blocked layout (LibjitLayout.h): direct
// convolution with a register tile of output channels x output columns
// (FMA), depthwise convolutions, the packing of their inputs and the fused
// epilogues (bias, Relu/Clip, Quantize). The INT8 ones are in
// libjit_conv_i8.cpp.

#include "LibjitConvTiles.h"

using namespace glow;
using namespace glow::libjit;

//===----------------------------------------------------------------------===//
// FP32
//===----------------------------------------------------------------------===//

namespace {

/// Geometry of a blocked convolution over a packed input. Output block ob
/// reads the Cb input blocks that start at firstInBlock(ob) of the CbIn
/// blocks of the packed input: all of them for a dense convolution
/// (cbStep 0), its groups' blocks for a grouped one.
struct ConvShape {
  int64_t Cb, CB, Hp, Wp, Ob, OH, OW, KH, KW, SH, SW, DH, DW;
  int64_t CbIn, obPerStep, cbStep;
  int64_t firstInBlock(int64_t ob) const { return ob / obPerStep * cbStep; }
};

/// One tile: NB output blocks (16 channels each) x COLS output pixels:
/// pixel t is pixel p0 + t of output row oh, or with MULTI_ROW of the
/// output rows from oh on taken as one run (OW pixels a row).
template <int NB, int COLS, bool MULTI_ROW>
LIBJIT_TILE void convTileF32(const ConvShape &s, const float *in,
                             const float *filter, const float *bias,
                             uint8_t *out, int64_t n, int64_t ob, int64_t oh,
                             int64_t p0, const ConvScalars &ep) {
  constexpr int NV = NB * kVecsPerBlock;
  vfloat acc[NV][COLS];
#pragma unroll
  for (int v = 0; v < NV; v++) {
    vfloat b = vload(bias + ob * kBlock + v * kVec);
#pragma unroll
    for (int t = 0; t < COLS; t++) {
      acc[v][t] = b;
    }
  }
  const int64_t filterBlock = s.Cb * s.KH * s.KW * s.CB * kBlock;
  // Where pixel t's window starts, from the window of pixel 0 of row oh
  // (MULTI_ROW) or of pixel p0 of it. (With MULTI_ROW and one tile a run,
  // p0 is 0 and the offsets fold to constants once OW is one.)
  int64_t pixel[COLS];
#pragma unroll
  for (int t = 0; t < COLS; t++) {
    int64_t q = p0 + t;
    pixel[t] = MULTI_ROW ? ((q / s.OW) * s.SH * s.Wp + (q % s.OW) * s.SW) * s.CB
                         : t * s.SW * s.CB;
  }
  const int64_t ow0 = MULTI_ROW ? 0 : p0;
  const int64_t cbIn = s.firstInBlock(ob);
  for (int64_t cb = 0; cb < s.Cb; cb++) {
    for (int64_t kh = 0; kh < s.KH; kh++) {
      const float *row =
          in +
          (((n * s.CbIn + cbIn + cb) * s.Hp + oh * s.SH + kh * s.DH) * s.Wp +
           ow0 * s.SW) *
              s.CB;
      const float *wrow =
          filter + ((ob * s.Cb + cb) * s.KH + kh) * s.KW * s.CB * kBlock;
      for (int64_t kw = 0; kw < s.KW; kw++) {
        const float *x = row + kw * s.DW * s.CB;
        const float *w = wrow + kw * s.CB * kBlock;
        for (int64_t ci = 0; ci < s.CB; ci++) {
          vfloat wv[NV];
#pragma unroll
          for (int v = 0; v < NV; v++) {
            wv[v] = vload(w + (v / kVecsPerBlock) * filterBlock + ci * kBlock +
                          (v % kVecsPerBlock) * kVec);
          }
#pragma unroll
          for (int t = 0; t < COLS; t++) {
            vfloat xv = vsplat(x[pixel[t] + ci]);
#pragma unroll
            for (int v = 0; v < NV; v++) {
              acc[v][t] += wv[v] * xv;
            }
          }
        }
      }
    }
  }
  vfloat lo = vsplat(ep.lo), hi = vsplat(ep.hi);
#pragma unroll
  for (int v = 0; v < NV; v++) {
    int64_t blk = ob + v / kVecsPerBlock, lane0 = (v % kVecsPerBlock) * kVec;
    // Whole output rows are contiguous: pixel t is at base + t either way.
    int64_t base = ((n * s.Ob + blk) * s.OH + oh) * s.OW + p0;
#pragma unroll
    for (int t = 0; t < COLS; t++) {
      vfloat y = vmin(vmax(acc[v][t], lo), hi);
      int64_t at = (base + t) * kBlock + lane0;
      if (!ep.quantize) {
        vstore((float *)out + at, y);
      } else {
        vquantize((int8_t *)out + at, y, ep.scale, ep.offset);
      }
    }
  }
}

/// The first \p pixels output pixels from row oh on of output blocks ob to
/// ob + NB - 1, in tiles of kTileCols and a last partial one: the row
/// itself (pixels = OW), or with MULTI_ROW whole short rows as one run
/// (at most 14 pixels: one tile with AVX-512, whose width is a constant
/// once OW and the rows are).
template <int NB, bool MULTI_ROW>
LIBJIT_INLINE void
convPixelsF32(const ConvShape &s, const float *in, const float *filter,
              const float *bias, uint8_t *out, int64_t n, int64_t ob,
              int64_t oh, int64_t pixels, const ConvScalars &ep) {
  const int64_t full = pixels / kTileCols * kTileCols, rest = pixels - full;
  for (int64_t p = 0; p < full; p += kTileCols) {
    convTileF32<NB, kTileCols, MULTI_ROW>(s, in, filter, bias, out, n, ob, oh,
                                          p, ep);
  }
  const int64_t p = full;
#define LIBJIT_CALL(C)                                                         \
  convTileF32<NB, C, MULTI_ROW>(s, in, filter, bias, out, n, ob, oh, p, ep)
  LIBJIT_DISPATCH_COLS(rest, LIBJIT_CALL)
#undef LIBJIT_CALL
}

} // namespace

/// Items: N * Cb * Hp rows of the packed input. Writes the packed input
/// [N][Cb][Hp][Wp][CB] of a convolution from a float source in the plain
/// (srcBlocked = 0) or blocked layout, with zeros in the padding.
LIBJIT_EXPORT void libjit_pack_conv_input_f32(int64_t begin, int64_t end,
                                              float *dst, const float *src,
                                              int32_t srcBlocked, int64_t C,
                                              int64_t H, int64_t W, int64_t CB,
                                              int64_t PT, int64_t PL,
                                              int64_t Hp, int64_t Wp) {
  int64_t Cb = divUp(C, CB), Cs = divUp(C, kBlock);
  for (int64_t r = begin; r < end; r++) {
    int64_t hp = r % Hp, cb = (r / Hp) % Cb, n = r / (Hp * Cb);
    float *d = dst + r * Wp * CB;
    int64_t h = hp - PT;
    if (h < 0 || h >= H) {
      std::memset(d, 0, Wp * CB * sizeof(float));
      continue;
    }
    for (int64_t wp = 0; wp < Wp; wp++) {
      int64_t w = wp - PL;
      float *o = d + wp * CB;
      if (w < 0 || w >= W) {
        std::memset(o, 0, CB * sizeof(float));
        continue;
      }
      if (srcBlocked) {
        // CB == 16: one block's lanes, padded lanes included.
        std::memcpy(o, src + (((n * Cs + cb) * H + h) * W + w) * kBlock,
                    kBlock * sizeof(float));
        continue;
      }
      for (int64_t ci = 0; ci < CB; ci++) {
        int64_t c = cb * CB + ci;
        o[ci] = c < C ? src[((n * C + c) * H + h) * W + w] : 0.f;
      }
    }
  }
}

/// Items: N * ceil(Ob / 2) * OH output rows (pairs of output blocks). FP32
/// convolution of a packed input [N][CbIn][Hp][Wp][CB] with a packed
/// filter [Ob][Cb][KH][KW][CB][16] and a bias of Ob * 16 floats into a
/// blocked output, with the fused epilogue. Output block ob reads input
/// blocks from (ob / obPerStep) * cbStep on (ConvShape). \p obOdd is Ob %
/// 2: the kernel is compiled for it, and Ob itself is a run-time value,
/// so that layers that differ only in their output channels share a
/// compiled copy.
LIBJIT_EXPORT void
libjit_conv_blocked_f32(int64_t begin, int64_t end, uint8_t *out,
                        const float *in, const float *filter, const float *bias,
                        int64_t Cb, int64_t CB, int64_t CbIn, int64_t obPerStep,
                        int64_t cbStep, int64_t Hp, int64_t Wp, int64_t Ob,
                        int64_t obOdd, int64_t OH, int64_t OW, int64_t KH,
                        int64_t KW, int64_t SH, int64_t SW, int64_t DH,
                        int64_t DW, const ConvScalars *scalars) {
  ConvShape s{Cb, CB, Hp, Wp, Ob, OH,   OW,        KH,
              KW, SH, SW, DH, DW, CbIn, obPerStep, cbStep};
  const ConvScalars &ep = *scalars;
  int64_t pairs = divUp(Ob, 2);
  // Two output blocks share a tile when they read the same input blocks.
  const bool pairable = cbStep == 0 || obPerStep % 2 == 0;
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, pair = (r / OH) % pairs, n = r / (OH * pairs);
    int64_t ob = pair * 2;
    // (!obOdd folds, obOdd being a constant: an even Ob drops the other
    // path.)
    if (kTileBlocks == 2 && pairable && (!obOdd || ob + 2 <= Ob)) {
      convPixelsF32<2, false>(s, in, filter, bias, out, n, ob, oh, OW, ep);
      continue;
    }
    for (int64_t b = ob; b < ob + 2 && b < Ob; b++) {
      convPixelsF32<1, false>(s, in, filter, bias, out, n, b, oh, OW, ep);
    }
  }
}

/// libjit_conv_blocked_f32 for short output rows: an item is a run of
/// rowsPerItem output rows (convRowsPerItem: it divides OH, and the run
/// fits one register tile) of a pair of output blocks, computed as one
/// tile. Items: N * ceil(Ob / 2) * OH / rowsPerItem. A kernel of its own,
/// so that the other convolutions' kernel stays as small to compile.
LIBJIT_EXPORT void
libjit_conv_rows_f32(int64_t begin, int64_t end, uint8_t *out, const float *in,
                     const float *filter, const float *bias, int64_t Cb,
                     int64_t CB, int64_t CbIn, int64_t obPerStep,
                     int64_t cbStep, int64_t Hp, int64_t Wp, int64_t Ob,
                     int64_t obOdd, int64_t OH, int64_t OW, int64_t KH,
                     int64_t KW, int64_t SH, int64_t SW, int64_t DH, int64_t DW,
                     int64_t rowsPerItem, const ConvScalars *scalars) {
  ConvShape s{Cb, CB, Hp, Wp, Ob, OH,   OW,        KH,
              KW, SH, SW, DH, DW, CbIn, obPerStep, cbStep};
  const ConvScalars &ep = *scalars;
  int64_t pairs = divUp(Ob, 2), runs = OH / rowsPerItem;
  const bool pairable = cbStep == 0 || obPerStep % 2 == 0;
  for (int64_t r = begin; r < end; r++) {
    int64_t run = r % runs, pair = (r / runs) % pairs, n = r / (runs * pairs);
    int64_t ob = pair * 2, oh = run * rowsPerItem;
    if (kTileBlocks == 2 && pairable && (!obOdd || ob + 2 <= Ob)) {
      convPixelsF32<2, true>(s, in, filter, bias, out, n, ob, oh,
                             rowsPerItem * OW, ep);
      continue;
    }
    for (int64_t b = ob; b < ob + 2 && b < Ob; b++) {
      convPixelsF32<1, true>(s, in, filter, bias, out, n, b, oh,
                             rowsPerItem * OW, ep);
    }
  }
}

/// Items: N * Cb * OH output rows. Depthwise FP32 convolution (one filter
/// per channel) of a blocked input (CB = 16, [N][Cb][H][W][16]) with a
/// filter [Cb][KH][KW][16], padded by PT rows at the top and PL columns at
/// the left (and as the output size requires at the bottom and right): the
/// taps that fall in the padding are skipped, so the input needs no padded
/// copy (an input that was packed with its padding passes PT = PL = 0).
LIBJIT_EXPORT void
libjit_conv_depthwise_f32(int64_t begin, int64_t end, uint8_t *out,
                          const float *in, const float *filter,
                          const float *bias, int64_t Cb, int64_t H, int64_t W,
                          int64_t PT, int64_t PL, int64_t OH, int64_t OW,
                          int64_t KH, int64_t KW, int64_t SH, int64_t SW,
                          int64_t DH, int64_t DW, const ConvScalars *scalars) {
  const ConvScalars &ep = *scalars;
  // The output columns whose taps all lie in the row: [owLo, owHi).
  int64_t owLo = PL > 0 ? (PL + SW - 1) / SW : 0;
  int64_t lastTap = (KW - 1) * DW;
  int64_t owHi =
      W - 1 - lastTap + PL >= 0 ? (W - 1 - lastTap + PL) / SW + 1 : 0;
  owLo = owLo < OW ? owLo : OW;
  owHi = owHi < owLo ? owLo : (owHi > OW ? OW : owHi);
  for (int64_t r = begin; r < end; r++) {
    int64_t oh = r % OH, cb = (r / OH) % Cb, n = r / (OH * Cb);
    const float *w = filter + cb * KH * KW * kBlock;
    const float *plane = in + (n * Cb + cb) * H * W * kBlock;
    // The kernel rows that fall in the image.
    int64_t h0 = oh * SH - PT, khLo = 0, khHi = KH;
    while (khLo < KH && h0 + khLo * DH < 0) {
      khLo++;
    }
    while (khHi > khLo && h0 + (khHi - 1) * DH >= H) {
      khHi--;
    }
    // Relu/Clip, then the store (or Quantize) of output pixel ow.
    auto finish = [&](const vfloat *acc, int64_t ow) {
      int64_t at = (((n * Cb + cb) * OH + oh) * OW + ow) * kBlock;
      for (int v = 0; v < kVecsPerBlock; v++) {
        vfloat y = vmin(vmax(acc[v], vsplat(ep.lo)), vsplat(ep.hi));
        if (!ep.quantize) {
          vstore((float *)out + at + v * kVec, y);
        } else {
          vquantize((int8_t *)out + at + v * kVec, y, ep.scale, ep.offset);
        }
      }
    };
    auto pixel = [&](int64_t ow, bool edge) {
      vfloat acc[kVecsPerBlock];
      for (int v = 0; v < kVecsPerBlock; v++) {
        acc[v] = vload(bias + cb * kBlock + v * kVec);
      }
      int64_t w0 = ow * SW - PL;
      for (int64_t kh = khLo; kh < khHi; kh++) {
        const float *x = plane + ((h0 + kh * DH) * W + w0) * kBlock;
        for (int64_t kw = 0; kw < KW; kw++) {
          if (edge && (w0 + kw * DW < 0 || w0 + kw * DW >= W)) {
            continue;
          }
          for (int v = 0; v < kVecsPerBlock; v++) {
            acc[v] += vload(x + kw * DW * kBlock + v * kVec) *
                      vload(w + (kh * KW + kw) * kBlock + v * kVec);
          }
        }
      }
      finish(acc, ow);
    };
    for (int64_t ow = 0; ow < owLo; ow++) {
      pixel(ow, true);
    }
    int64_t ow = owLo;
    // A row whose every kernel row lies in the image, with one vector a
    // pixel (AVX-512): the taps' weights stay in registers for the row,
    // and kPixels pixels go together so that their chains of FMAs overlap
    // (a pixel alone is a chain of KH x KW dependent FMAs).
    constexpr int kMaxTaps = 25, kPixels = 4;
    if constexpr (kVecsPerBlock == 1) {
      if (KH * KW <= kMaxTaps && khLo == 0 && khHi == KH) {
        vfloat wv[kMaxTaps];
        for (int64_t t = 0; t < KH * KW; t++) {
          wv[t] = vload(w + t * kBlock);
        }
        const vfloat b = vload(bias + cb * kBlock);
        for (; ow + kPixels <= owHi; ow += kPixels) {
          vfloat acc[kPixels];
          for (int p = 0; p < kPixels; p++) {
            acc[p] = b;
          }
          for (int64_t kh = 0; kh < KH; kh++) {
            const float *x =
                plane + ((h0 + kh * DH) * W + ow * SW - PL) * kBlock;
            for (int64_t kw = 0; kw < KW; kw++) {
              for (int p = 0; p < kPixels; p++) {
                acc[p] +=
                    vload(x + (p * SW + kw * DW) * kBlock) * wv[kh * KW + kw];
              }
            }
          }
          for (int p = 0; p < kPixels; p++) {
            finish(&acc[p], ow + p);
          }
        }
      }
    }
    for (; ow < owHi; ow++) {
      pixel(ow, false);
    }
    for (ow = owHi; ow < OW; ow++) {
      pixel(ow, true);
    }
  }
}
