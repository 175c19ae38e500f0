// Shared by the OpenCL kernels (they are built as one program). One
// work-item computes one output element unless a kernel says otherwise.
// The INT8 arithmetic is the Interpreter's (QuantizationMath.h): int32
// accumulation, the float requantization of accumulators (requant_acc) and
// the fixed-point requantization of everything else, with the scales and
// transforms computed on the host, so results are bit-exact.

#pragma OPENCL FP_CONTRACT OFF

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_real;
#else
typedef float acc_real;
#endif

/* Spills the accumulators acc0..3 of a *_v16 kernel into the 64-element
   array r, row (or column) j's 16 lanes at r[j * 16]. */
#define V16_SPILL4(r)                                                          \
  vstore16(acc0, 0, r);                                                        \
  vstore16(acc1, 1, r);                                                        \
  vstore16(acc2, 2, r);                                                        \
  vstore16(acc3, 3, r);

/* The tap loop of the *_v16 convolutions (group 1, 16 output channels of
   4 neighbouring columns a work-item, accumulators spelled out so that they
   stay in registers): declares n, ob, oh, ow0 and the accumulators acc0..3
   of vector type V16 (the bias block to start with) and adds every tap in
   the Interpreter's order (channel, kh, kw). LOAD(v) turns an input element
   into a term, ZERO is the term of padding; the kernel's parameters (in,
   filter packed [O/16][C][KH][KW][16], bias, the geometry) are in scope. */
#define CONV_V16_ACCUMULATE(XT, ST, V16, WT, LOAD, ZERO)                       \
  long i = get_global_id(0);                                                   \
  long tiles = (OW + 3) / 4, Ob = (O + 15) / 16;                               \
  long t = i % tiles, oh = (i / tiles) % OH, ob = (i / (tiles * OH)) % Ob,     \
       n = i / (tiles * OH * Ob);                                              \
  long ow0 = t * 4;                                                            \
  V16 b = vload16(ob, bias);                                                   \
  V16 acc0 = b, acc1 = b, acc2 = b, acc3 = b;                                  \
  __global const WT *wb = filter + ob * C * KH * KW * 16;                      \
  for (long c = 0; c < C; c++) {                                               \
    __global const XT *x = in + (n * C + c) * H * W;                           \
    for (long kh = 0; kh < KH; kh++) {                                         \
      long ih = oh * SH - PT + kh * DH;                                        \
      if (ih < 0 || ih >= H) {                                                 \
        continue;                                                              \
      }                                                                        \
      __global const XT *xr = x + ih * W;                                      \
      for (long kw = 0; kw < KW; kw++) {                                       \
        V16 w = vload16(((c * KH + kh) * KW + kw), wb);                        \
        long iw = ow0 * SW - PL + kw * DW;                                     \
        ST x0 = (iw >= 0 && iw < W) ? LOAD(xr[iw]) : ZERO;                     \
        iw += SW;                                                              \
        ST x1 = (iw >= 0 && iw < W) ? LOAD(xr[iw]) : ZERO;                     \
        iw += SW;                                                              \
        ST x2 = (iw >= 0 && iw < W) ? LOAD(xr[iw]) : ZERO;                     \
        iw += SW;                                                              \
        ST x3 = (iw >= 0 && iw < W) ? LOAD(xr[iw]) : ZERO;                     \
        acc0 += w * x0;                                                        \
        acc1 += w * x1;                                                        \
        acc2 += w * x2;                                                        \
        acc3 += w * x3;                                                        \
      }                                                                        \
    }                                                                          \
  }

/* The sum of the *_v16 matrix products (16 columns of 4 rows a
   work-item): declares mb, n0 and the accumulators acc0..3 of vector type
   V16 (the bias block to start with) and adds a[n][k] x b[k][m] for k
   ascending. LOAD(v) turns an element of a into a term; a, b packed
   [K][Mp], bias [Mp], N, K and M are in scope. Rows past N repeat the last
   one; their results are not stored. */
#define MATMUL_V16_ACCUMULATE(AT, V16, WT, LOAD)                               \
  long i = get_global_id(0);                                                   \
  long Mb = (M + 15) / 16, Mp = Mb * 16;                                       \
  long mb = i % Mb, n0 = (i / Mb) * 4;                                         \
  __global const AT *a0 = a + n0 * K, *a1 = a + min(n0 + 1, N - 1) * K,       \
                    *a2 = a + min(n0 + 2, N - 1) * K,                          \
                    *a3 = a + min(n0 + 3, N - 1) * K;                          \
  V16 acc0 = vload16(mb, bias), acc1 = acc0, acc2 = acc0, acc3 = acc0;         \
  __global const WT *wb = b + mb * 16;                                         \
  for (long k = 0; k < K; k++) {                                               \
    V16 w = vload16(0, wb + k * Mp);                                           \
    acc0 += w * LOAD(a0[k]);                                                   \
    acc1 += w * LOAD(a1[k]);                                                   \
    acc2 += w * LOAD(a2[k]);                                                   \
    acc3 += w * LOAD(a3[k]);                                                   \
  }

/* The taps [*begin, *end) of a pooling window that starts at `start`
   (possibly negative, in padding) and spans k taps of an axis of `size`. */
inline void clipWindow(int start, int k, int size, int *begin, int *end) {
  *begin = max(0, -start);
  *end = min(k, size - start);
}

/* clamp(v) to int8. */
inline char sat8(long v) { return (char)(v < -128 ? -128 : (v > 127 ? 127 : v)); }

/* round(v * m / 2^s), halves up; s <= 0 saturates (applyQuantizationTransform). */
inline long applyTransform(long v, long m, int s) {
  long p = v * m;
  if (s <= 0) {
    return p > 0 ? 2147483647L : (p < 0 ? -2147483648L : 0L);
  }
  return (p + (1L << (s - 1))) >> s;
}

inline char requant(long v, long m, int s, int offset) {
  return sat8(applyTransform(v, m, s) + offset);
}

/* requantizeAccumulator: clamp(rint((float)acc * scale) + offset), the
   product one correctly rounded float multiplication, clamped in float
   before the conversion (rounding half to even). */
inline char requant_acc(int acc, float scale, int offset) {
  float r = (float)acc * scale;
  r = fmin(fmax(r, (float)(-128 - offset)), (float)(127 - offset));
  return (char)(convert_int_rte(r) + offset);
}

/* quantizeValue: clamp(rint(x / scale) + offset) in float. */
inline char quantize1(float x, float scale, int offset) {
  float q = rint(x / scale) + (float)offset;
  q = fmin(fmax(q, -128.0f), 127.0f);
  return (char)q;
}

/* The multi-index of flat index i in dims[0..rank). */
inline void unflatten(long i, int rank, __global const long *dims, long *idx) {
  for (int d = rank - 1; d >= 0; d--) {
    idx[d] = i % dims[d];
    i /= dims[d];
  }
}
