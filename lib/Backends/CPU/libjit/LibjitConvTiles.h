// Shared by the fast convolution kernels (libjit_conv.cpp, FP32, and
// libjit_conv_i8.cpp, INT8): the register tile shapes per instruction set
// and the dispatch of a row's last partial tile.

#ifndef GLOW_BACKENDS_CPU_LIBJIT_LIBJITCONVTILES_H
#define GLOW_BACKENDS_CPU_LIBJIT_LIBJITCONVTILES_H

#include "LibjitCommon.h"

namespace glow {
namespace libjit {

/// Register tiles: output-channel blocks (16 channels each) x output
/// columns, chosen per instruction set so that the accumulators fit in the
/// vector registers (32 with AVX-512, 16 otherwise). Work items are pairs
/// of output blocks whatever the tile, so the planner's item counts do not
/// depend on the instruction set.
#if LIBJIT_VEC == 16
constexpr int kTileBlocks = 2, kTileCols = 14;
constexpr int kTileColsI8 = 12;
#elif LIBJIT_VEC == 8
constexpr int kTileBlocks = 1, kTileCols = 6;
constexpr int kTileColsI8 = 4;
#else
constexpr int kTileBlocks = 1, kTileCols = 3;
constexpr int kTileColsI8 = 2;
#endif

/// Tiles are inlined into the kernels so that the generated code
/// specialises them for the convolution's shape. A row computes its last
/// partial tile's width from OW alone, so that once OW is a constant the
/// dispatch folds to one tile shape before the optimizer visits the others.
#define LIBJIT_TILE LIBJIT_INLINE

/// Expands CALL(C) for the column count C = cols (1..14).
#define LIBJIT_DISPATCH_COLS(cols, CALL)                                       \
  switch (cols) {                                                              \
  case 1:                                                                      \
    CALL(1);                                                                   \
    break;                                                                     \
  case 2:                                                                      \
    CALL(2);                                                                   \
    break;                                                                     \
  case 3:                                                                      \
    CALL(3);                                                                   \
    break;                                                                     \
  case 4:                                                                      \
    CALL(4);                                                                   \
    break;                                                                     \
  case 5:                                                                      \
    CALL(5);                                                                   \
    break;                                                                     \
  case 6:                                                                      \
    CALL(6);                                                                   \
    break;                                                                     \
  case 7:                                                                      \
    CALL(7);                                                                   \
    break;                                                                     \
  case 8:                                                                      \
    CALL(8);                                                                   \
    break;                                                                     \
  case 9:                                                                      \
    CALL(9);                                                                   \
    break;                                                                     \
  case 10:                                                                     \
    CALL(10);                                                                  \
    break;                                                                     \
  case 11:                                                                     \
    CALL(11);                                                                  \
    break;                                                                     \
  case 12:                                                                     \
    CALL(12);                                                                  \
    break;                                                                     \
  case 13:                                                                     \
    CALL(13);                                                                  \
    break;                                                                     \
  case 14:                                                                     \
    CALL(14);                                                                  \
    break;                                                                     \
  default:                                                                     \
    break;                                                                     \
  }

} // namespace libjit
} // namespace glow

#endif // GLOW_BACKENDS_CPU_LIBJIT_LIBJITCONVTILES_H
