// Data movement: one work-item per output element (or byte).

/* out[i] = src[start + sum_d idx[d] * strides[d]], elements of esize bytes. */
__kernel void strided_copy(__global uchar *dst, __global const uchar *src,
                           int rank, __global const long *outDims,
                           __global const long *strides, long start,
                           int esize) {
  long i = get_global_id(0);
  long idx[8];
  unflatten(i, rank, outDims, idx);
  long off = start;
  for (int d = 0; d < rank; d++) {
    off += idx[d] * strides[d];
  }
  for (int b = 0; b < esize; b++) {
    dst[i * esize + b] = src[off * esize + b];
  }
}

/* ONNX Pad: modes 0 constant (the esize bytes at value), 1 reflect, 2 edge. */
__kernel void pad(__global uchar *dst, __global const uchar *src, int rank,
                  __global const long *outDims, __global const long *inDims,
                  __global const long *padsBegin, int mode,
                  __global const uchar *value, int esize) {
  long i = get_global_id(0);
  long idx[8];
  unflatten(i, rank, outDims, idx);
  long off = 0;
  int outside = 0;
  for (int d = 0; d < rank; d++) {
    long j = idx[d] - padsBegin[d];
    if (j < 0 || j >= inDims[d]) {
      if (mode == 0) {
        outside = 1;
      } else if (mode == 2) {
        j = j < 0 ? 0 : inDims[d] - 1;
      } else {
        j = j < 0 ? -j : 2 * (inDims[d] - 1) - j;
      }
    }
    off = off * inDims[d] + j;
  }
  for (int b = 0; b < esize; b++) {
    dst[i * esize + b] = outside ? value[b] : src[off * esize + b];
  }
}

/* Work-item per (outer, index) slice of innerBytes bytes; an index out of
   range writes zeros and sets status[0]. */
__kernel void gather(__global uchar *dst, __global const uchar *data,
                     __global const uchar *indices, int indices64,
                     long numIndices, long axisDim, long innerBytes,
                     __global int *status) {
  long i = get_global_id(0);
  long o = i / numIndices, k = i % numIndices;
  long j = indices64 ? ((__global const long *)indices)[k]
                     : (long)((__global const int *)indices)[k];
  if (j < 0) {
    j += axisDim;
  }
  __global uchar *out = dst + i * innerBytes;
  if (j < 0 || j >= axisDim) {
    for (long b = 0; b < innerBytes; b++) {
      out[b] = 0;
    }
    status[0] = 1;
    return;
  }
  __global const uchar *in = data + (o * axisDim + j) * innerBytes;
  for (long b = 0; b < innerBytes; b++) {
    out[b] = in[b];
  }
}

/* Work-item per result element: ONNX GatherElements, the element of data
   at the result's multi-index with its axis coordinate replaced by the
   index; an index out of range writes zeros and sets status[0]. */
__kernel void gather_elements(__global uchar *dst, __global const uchar *data,
                              __global const uchar *indices, int indices64,
                              int rank, __global const long *idxDims,
                              __global const long *dataDims, long axis,
                              int esize, __global int *status) {
  long i = get_global_id(0);
  long idx[8];
  unflatten(i, rank, idxDims, idx);
  long j = indices64 ? ((__global const long *)indices)[i]
                     : (long)((__global const int *)indices)[i];
  if (j < 0) {
    j += dataDims[axis];
  }
  if (j < 0 || j >= dataDims[axis]) {
    for (int b = 0; b < esize; b++) {
      dst[i * esize + b] = 0;
    }
    status[0] = 1;
    return;
  }
  idx[axis] = j;
  long off = 0;
  for (int d = 0; d < rank; d++) {
    off = off * dataDims[d] + idx[d];
  }
  for (int b = 0; b < esize; b++) {
    dst[i * esize + b] = data[off * esize + b];
  }
}

/* Work-item per element: ONNX Where. */
__kernel void where_select(__global uchar *dst, __global const char *cond,
                     __global const uchar *l, __global const uchar *r,
                     int esize) {
  long i = get_global_id(0);
  __global const uchar *src = cond[i] ? l : r;
  for (int b = 0; b < esize; b++) {
    dst[i * esize + b] = src[i * esize + b];
  }
}

/* Work-item per byte of an input of rows x rowBytes: Concat. */
__kernel void copy_rows(__global uchar *dst, __global const uchar *src,
                        long rowBytes, long dstStride, long dstOffset) {
  long i = get_global_id(0);
  long r = i / rowBytes, c = i % rowBytes;
  dst[dstOffset + r * dstStride + c] = src[i];
}

inline acc_real loadScalar(__global const uchar *p, int kind) {
  switch (kind) {
  case K_Float:
    return *(__global const float *)p;
  case K_Int8:
  case K_Bool:
    return *(__global const char *)p;
  case K_Int32:
    return *(__global const int *)p;
  default:
    return (acc_real)*(__global const long *)p;
  }
}

inline int kindSize(int kind) {
  return kind == K_Float || kind == K_Int32 ? 4 : (kind == K_Int64 ? 8 : 1);
}

/* ONNX Cast: to bool is (x != 0), to an integer truncates. */
__kernel void convert(__global uchar *dst, __global const uchar *src,
                      int srcKind, int dstKind) {
  long i = get_global_id(0);
  acc_real v = loadScalar(src + i * kindSize(srcKind), srcKind);
  __global uchar *o = dst + i * kindSize(dstKind);
  switch (dstKind) {
  case K_Float:
    *(__global float *)o = (float)v;
    break;
  case K_Bool:
    *(__global char *)o = v != 0;
    break;
  case K_Int8:
    *(__global char *)o = (char)(long)v;
    break;
  case K_Int32:
    *(__global int *)o = (int)(long)v;
    break;
  default:
    *(__global long *)o = (long)v;
  }
}
