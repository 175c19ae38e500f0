// Data-movement kernels: copies, strided views (Transpose, Slice,
// Broadcast), Pad, Gather, Concat rows, ConvertTo, and the conversions
// between the plain and the blocked layout. They move bytes, so one kernel
// serves every element kind.

#include "LibjitCommon.h"

using namespace glow::libjit;

namespace {

/// Copies one element of \p size bytes.
LIBJIT_INLINE void copyElem(uint8_t *dst, const uint8_t *src, int64_t size) {
  switch (size) {
  case 1:
    *dst = *src;
    return;
  case 4:
    std::memcpy(dst, src, 4);
    return;
  case 8:
    std::memcpy(dst, src, 8);
    return;
  default:
    std::memcpy(dst, src, size);
  }
}

/// Sets \p idx to the multi-index of flat index \p flat in \p dims.
LIBJIT_INLINE void unflatten(int64_t flat, int64_t rank, const int64_t *dims,
                             int64_t *idx) {
  for (int64_t d = rank; d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
}

} // namespace

/// Items: bytes. dst[i] = src[i].
LIBJIT_EXPORT void libjit_copy(int64_t begin, int64_t end, uint8_t *dst,
                               const uint8_t *src) {
  if (end > begin) {
    std::memcpy(dst + begin, src + begin, end - begin);
  }
}

/// Steps the index \p idx of the first \p rank dimensions of \p outDims
/// to the next element in row-major order, and the source offset \p off
/// with it (wrapping to 0 after the last element).
LIBJIT_INLINE void nextIndex(int64_t rank, const int64_t *outDims,
                             const int64_t *srcStrides, int64_t *idx,
                             int64_t &off) {
  for (int64_t d = rank; d-- > 0;) {
    off += srcStrides[d];
    if (++idx[d] < outDims[d]) {
      return;
    }
    off -= idx[d] * srcStrides[d];
    idx[d] = 0;
  }
}

/// Items: output elements (row-major over outDims). Element i of the output
/// is source element start + sum_d idx[d] * srcStrides[d] (strides in
/// elements, any sign, 0 to broadcast). Serves Transpose, Slice and
/// Broadcast.
LIBJIT_EXPORT void libjit_strided_copy(int64_t begin, int64_t end, uint8_t *dst,
                                       const uint8_t *src, int64_t rank,
                                       const int64_t *outDims,
                                       const int64_t *srcStrides, int64_t start,
                                       int64_t elemSize) {
  for (int64_t d = 0; d < rank; d++) {
    if (outDims[d] == 0) {
      return; // an empty output
    }
  }
  int64_t idx[8] = {0};
  unflatten(begin, rank, outDims, idx);
  int64_t off = start;
  for (int64_t d = 0; d < rank; d++) {
    off += idx[d] * srcStrides[d];
  }
  const int64_t last = rank - 1;
  if (rank > 0 && srcStrides[last] == 1) {
    // The innermost dimension is contiguous in both: whole runs of it.
    for (int64_t i = begin; i < end;) {
      int64_t n = outDims[last] - idx[last];
      n = n < end - i ? n : end - i;
      std::memcpy(dst + i * elemSize, src + off * elemSize, n * elemSize);
      i += n;
      off += n;
      idx[last] += n;
      if (idx[last] < outDims[last]) {
        break; // the end of this thread's items
      }
      off -= idx[last];
      idx[last] = 0;
      nextIndex(last, outDims, srcStrides, idx, off);
    }
    return;
  }
  for (int64_t i = begin; i < end; i++) {
    copyElem(dst + i * elemSize, src + off * elemSize, elemSize);
    nextIndex(rank, outDims, srcStrides, idx, off);
  }
}

/// Items: output elements. ONNX Pad: output index j reads input index
/// j - padsBegin per dimension; outside the input, constant mode writes the
/// \p elemSize bytes at \p value, edge mode repeats the border, reflect
/// mode mirrors without repeating it.
LIBJIT_EXPORT void libjit_pad(int64_t begin, int64_t end, uint8_t *dst,
                              const uint8_t *src, int64_t rank,
                              const int64_t *outDims, const int64_t *inDims,
                              const int64_t *padsBegin, int32_t mode,
                              const uint8_t *value, int64_t elemSize) {
  int64_t idx[8] = {0};
  unflatten(begin, rank, outDims, idx);
  for (int64_t i = begin; i < end; i++) {
    int64_t off = 0;
    bool outside = false;
    for (int64_t d = 0; d < rank; d++) {
      int64_t j = idx[d] - padsBegin[d];
      if (j < 0 || j >= inDims[d]) {
        if (mode == kPadConstant) {
          outside = true;
        } else if (mode == kPadEdge) {
          j = j < 0 ? 0 : inDims[d] - 1;
        } else {
          j = j < 0 ? -j : 2 * (inDims[d] - 1) - j;
        }
      }
      off = off * inDims[d] + j;
    }
    copyElem(dst + i * elemSize, outside ? value : src + off * elemSize,
             elemSize);
    for (int64_t d = rank; d-- > 0;) {
      if (++idx[d] < outDims[d]) {
        break;
      }
      idx[d] = 0;
    }
  }
}

/// Items: outer * numIndices. Copies the slices of \p innerBytes bytes of
/// \p data (viewed as [outer][axisDim][inner]) selected by \p indices
/// (int64 if \p indices64, else int32; negative counts from the end). An
/// index out of range writes zeros and sets *status.
LIBJIT_EXPORT void libjit_gather(int64_t begin, int64_t end, uint8_t *dst,
                                 const uint8_t *data, const uint8_t *indices,
                                 int32_t indices64, int64_t numIndices,
                                 int64_t axisDim, int64_t innerBytes,
                                 int32_t *status) {
  for (int64_t i = begin; i < end; i++) {
    int64_t o = i / numIndices, k = i % numIndices;
    int64_t j;
    if (indices64) {
      j = ((const int64_t *)indices)[k];
    } else {
      j = ((const int32_t *)indices)[k];
    }
    if (j < 0) {
      j += axisDim;
    }
    uint8_t *out = dst + i * innerBytes;
    if (j < 0 || j >= axisDim) {
      std::memset(out, 0, innerBytes);
      __atomic_store_n(status, int32_t(kStatusGatherIndexOutOfRange),
                       __ATOMIC_RELAXED);
      continue;
    }
    std::memcpy(out, data + (o * axisDim + j) * innerBytes, innerBytes);
  }
}

/// Items: elements. ONNX GatherElements: element i of the result (shape
/// \p idxDims) is the element of data (shape \p dataDims) at i's multi-index
/// with its \p axis coordinate replaced by indices[i]; an index out of
/// range writes zeros and sets *status.
LIBJIT_EXPORT void libjit_gather_elements(int64_t begin, int64_t end,
                                          uint8_t *dst, const uint8_t *data,
                                          const uint8_t *indices,
                                          int32_t indices64, int64_t rank,
                                          const int64_t *idxDims,
                                          const int64_t *dataDims, int64_t axis,
                                          int64_t elemSize, int32_t *status) {
  int64_t idx[8] = {0};
  for (int64_t i = begin; i < end; i++) {
    unflatten(i, rank, idxDims, idx);
    int64_t j = indices64 ? ((const int64_t *)indices)[i]
                          : ((const int32_t *)indices)[i];
    if (j < 0) {
      j += dataDims[axis];
    }
    if (j < 0 || j >= dataDims[axis]) {
      std::memset(dst + i * elemSize, 0, elemSize);
      __atomic_store_n(status, int32_t(kStatusGatherIndexOutOfRange),
                       __ATOMIC_RELAXED);
      continue;
    }
    idx[axis] = j;
    int64_t off = 0;
    for (int64_t d = 0; d < rank; d++) {
      off = off * dataDims[d] + idx[d];
    }
    copyElem(dst + i * elemSize, data + off * elemSize, elemSize);
  }
}

/// Items: elements. ONNX Where: out[i] = cond[i] ? l[i] : r[i].
LIBJIT_EXPORT void libjit_select(int64_t begin, int64_t end, uint8_t *dst,
                                 const int8_t *cond, const uint8_t *l,
                                 const uint8_t *r, int64_t elemSize) {
  for (int64_t i = begin; i < end; i++) {
    copyElem(dst + i * elemSize, (cond[i] ? l : r) + i * elemSize, elemSize);
  }
}

/// Items: rows. Copies row r (\p rowBytes bytes) from src + r * srcStride
/// to dst + r * dstStride (Concat: one call per input).
LIBJIT_EXPORT void libjit_copy_rows(int64_t begin, int64_t end, uint8_t *dst,
                                    const uint8_t *src, int64_t rowBytes,
                                    int64_t dstStride, int64_t srcStride) {
  for (int64_t r = begin; r < end; r++) {
    std::memcpy(dst + r * dstStride, src + r * srcStride, rowBytes);
  }
}

namespace {
LIBJIT_INLINE double loadScalar(const uint8_t *p, int32_t kind) {
  switch (kind) {
  case kScalarFloat:
    return *(const float *)p;
  case kScalarInt8:
  case kScalarBool:
    return *(const int8_t *)p;
  case kScalarInt32:
    return *(const int32_t *)p;
  default:
    return double(*(const int64_t *)p);
  }
}
LIBJIT_INLINE int64_t scalarSize(int32_t kind) {
  switch (kind) {
  case kScalarFloat:
  case kScalarInt32:
    return 4;
  case kScalarInt64:
    return 8;
  default:
    return 1;
  }
}
} // namespace

/// Items: elements. ONNX Cast between float, int32, int64 and bool: to bool
/// is (x != 0), to an integer truncates towards zero.
LIBJIT_EXPORT void libjit_convert(int64_t begin, int64_t end, uint8_t *dst,
                                  const uint8_t *src, int32_t srcKind,
                                  int32_t dstKind) {
  int64_t ss = scalarSize(srcKind), ds = scalarSize(dstKind);
  for (int64_t i = begin; i < end; i++) {
    double v = loadScalar(src + i * ss, srcKind);
    uint8_t *o = dst + i * ds;
    switch (dstKind) {
    case kScalarFloat:
      *(float *)o = float(v);
      break;
    case kScalarBool:
      *(int8_t *)o = v != 0;
      break;
    case kScalarInt8:
      *(int8_t *)o = int8_t(int64_t(v));
      break;
    case kScalarInt32:
      *(int32_t *)o = int32_t(int64_t(v));
      break;
    default:
      *(int64_t *)o = int64_t(v);
      break;
    }
  }
}

/// Items: N * C (planes). Plain [N][C][HW] -> blocked [N][Cb][HW][16];
/// lanes past C are zeroed.
LIBJIT_EXPORT void libjit_to_blocked(int64_t begin, int64_t end, uint8_t *dst,
                                     const uint8_t *src, int64_t C, int64_t HW,
                                     int64_t elemSize) {
  int64_t Cb = divUp(C, kBlock);
  for (int64_t p = begin; p < end; p++) {
    int64_t n = p / C, c = p % C;
    const uint8_t *s = src + p * HW * elemSize;
    uint8_t *d =
        dst + ((n * Cb + c / kBlock) * HW * kBlock + c % kBlock) * elemSize;
    for (int64_t i = 0; i < HW; i++) {
      copyElem(d + i * kBlock * elemSize, s + i * elemSize, elemSize);
    }
    if (c == C - 1) {
      for (int64_t cc = C; cc < Cb * kBlock; cc++) {
        uint8_t *z =
            dst +
            ((n * Cb + cc / kBlock) * HW * kBlock + cc % kBlock) * elemSize;
        for (int64_t i = 0; i < HW; i++) {
          std::memset(z + i * kBlock * elemSize, 0, elemSize);
        }
      }
    }
  }
}

/// Planes [p, p + count) of libjit_from_blocked for bytes, all in one block
/// (lanes lane to lane + count - 1 of \p blockSrc): 16 pixels at a time,
/// read as 16 pixel vectors and transposed into 16 lane vectors.
LIBJIT_INLINE void fromBlockedBytes(uint8_t *d, const uint8_t *blockSrc,
                                    int64_t lane, int64_t count, int64_t HW) {
  if (HW < kBlock) {
    for (int64_t i = 0; i < HW; i++) {
      for (int64_t k = 0; k < count; k++) {
        d[k * HW + i] = blockSrc[i * kBlock + lane + k];
      }
    }
    return;
  }
  for (int64_t i0 = 0; i0 < HW; i0 += kBlock) {
    // A last step past the end moves back to end with it (rewriting some
    // pixels with the same bytes).
    int64_t i = i0 + kBlock > HW ? HW - kBlock : i0;
    v16u8 t[kBlock];
    for (int64_t r = 0; r < kBlock; r++) {
      t[r] = *(const v16u8 *)(blockSrc + (i + r) * kBlock);
    }
    transposeBytes16x16(t);
    for (int64_t k = 0; k < count; k++) {
      *(v16u8 *)(d + k * HW + i) = t[lane + k];
    }
  }
}

/// Items: N * H rows. Between blocked [N][Cb][H][W][16] and NHWC
/// [N][H][W][C]: from blocked (a Transpose {0, 2, 3, 1} of a blocked value)
/// or, with \p toBlocked, into blocked (a Transpose {0, 3, 1, 2} that
/// blocked kernels read). Each pixel's channels are its blocks' lanes,
/// copied whole; the last block is cut at C, and written blocked its lanes
/// past C are 0.
LIBJIT_EXPORT void libjit_channels_last_blocks(int64_t begin, int64_t end,
                                               uint8_t *dst, const uint8_t *src,
                                               int64_t C, int64_t H, int64_t W,
                                               int64_t elemSize,
                                               int32_t toBlocked) {
  const int64_t Cb = divUp(C, kBlock), lanesBytes = kBlock * elemSize;
  const int64_t pixelBytes = C * elemSize;
  for (int64_t r = begin; r < end; r++) {
    int64_t n = r / H, h = r % H;
    int64_t nhwcRow = (n * H + h) * W * pixelBytes;
    for (int64_t cb = 0; cb < Cb; cb++) {
      int64_t blocks = ((n * Cb + cb) * H + h) * W * lanesBytes;
      int64_t nhwc = nhwcRow + cb * lanesBytes;
      int64_t bytes =
          (C - cb * kBlock < kBlock ? C - cb * kBlock : kBlock) * elemSize;
      for (int64_t w = 0; w < W; w++) {
        int64_t b = blocks + w * lanesBytes, p = nhwc + w * pixelBytes;
        int64_t to = toBlocked ? b : p, from = toBlocked ? p : b;
        if (bytes == lanesBytes) { // (a size known to the compiler)
          std::memcpy(dst + to, src + from, size_t(lanesBytes));
          continue;
        }
        std::memcpy(dst + to, src + from, size_t(bytes));
        if (toBlocked) {
          std::memset(dst + b + bytes, 0, size_t(lanesBytes - bytes));
        }
      }
    }
  }
}

/// Items: N * C (planes). Blocked [N][Cb][HW][16] -> plain [N][C][HW].
LIBJIT_EXPORT void libjit_from_blocked(int64_t begin, int64_t end, uint8_t *dst,
                                       const uint8_t *src, int64_t C,
                                       int64_t HW, int64_t elemSize) {
  int64_t Cb = divUp(C, kBlock);
  if (elemSize == 1) {
    // The planes of each block in the range together.
    for (int64_t p = begin; p < end;) {
      int64_t n = p / C, c = p % C, lane = c % kBlock;
      int64_t count = kBlock - lane;
      count = C - c < count ? C - c : count;
      count = end - p < count ? end - p : count;
      fromBlockedBytes(dst + p * HW, src + (n * Cb + c / kBlock) * HW * kBlock,
                       lane, count, HW);
      p += count;
    }
    return;
  }
  for (int64_t p = begin; p < end; p++) {
    int64_t n = p / C, c = p % C;
    uint8_t *d = dst + p * HW * elemSize;
    const uint8_t *s =
        src + ((n * Cb + c / kBlock) * HW * kBlock + c % kBlock) * elemSize;
    for (int64_t i = 0; i < HW; i++) {
      copyElem(d + i * elemSize, s + i * kBlock * elemSize, elemSize);
    }
  }
}
