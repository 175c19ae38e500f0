// INT8 kernels, bit-exact with the Interpreter's.

__kernel void quantize(__global char *out, __global const float *in,
                       float scale, int offset) {
  long i = get_global_id(0);
  out[i] = quantize1(in[i], scale, offset);
}

__kernel void dequantize(__global float *out, __global const char *in,
                         float scale, int offset) {
  long i = get_global_id(0);
  out[i] = scale * (float)((int)in[i] - offset);
}

/* Work-item per element of rows x rowLen: RescaleQuantized, Concat. */
__kernel void rescale_rows_i8(__global char *out, __global const char *in,
                              long rowLen, long dstStride, long dstOffset,
                              int inOffset, long mult, int shift,
                              int outOffset) {
  long i = get_global_id(0);
  long r = i / rowLen, c = i % rowLen;
  out[dstOffset + r * dstStride + c] =
      requant((long)in[i] - inOffset, mult, shift, outOffset);
}

__kernel void binary_i8(__global char *out, __global const char *a,
                        __global const char *b, int op, int aOffset,
                        int bOffset, int outOffset, long multA, int shiftA,
                        long multB, int shiftB) {
  long i = get_global_id(0);
  if (op == OP_Mul) {
    long p = (long)(a[i] - aOffset) * (long)(b[i] - bOffset);
    out[i] = requant(p, multA, shiftA, outOffset);
    return;
  }
  long va = applyTransform(a[i] - aOffset, multA, shiftA);
  long vb = applyTransform(b[i] - bOffset, multB, shiftB);
  out[i] = sat8(va + (op == OP_Sub ? -vb : vb) + outOffset);
}

/* Work-item per element: an element-wise function as a table of its 256
   int8 results. */
__kernel void lookup_i8(__global char *out, __global const char *in,
                        __global const char *table) {
  long i = get_global_id(0);
  out[i] = table[(int)in[i] + 128];
}

__kernel void clip_i8(__global char *out, __global const char *in,
                      int inOffset, long lo, long hi, long mult, int shift,
                      int outOffset) {
  long i = get_global_id(0);
  long v = (long)in[i] - inOffset;
  v = v < lo ? lo : (v > hi ? hi : v);
  out[i] = requant(v, mult, shift, outOffset);
}

/* Work-item per output element; the average's requantization for a window
   of c cells is avgMults/avgShifts[c] (c from 1 to KH * KW). */
__kernel void pool_i8(__global char *out, __global const char *in, long H,
                      long W, long OH, long OW, long KH, long KW, long SH,
                      long SW, long PT, long PL, long PB, long PR, int isMax,
                      int includePads, int inOffset, int outOffset,
                      long maxMult, int maxShift,
                      __global const long *avgMults,
                      __global const int *avgShifts) {
  long i = get_global_id(0);
  long ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
  __global const char *x = in + plane * H * W;
  long h0 = oh * SH - PT, w0 = ow * SW - PL;
  int best = -2147483647 - 1, sum = 0;
  long count = 0;
  for (long kh = 0; kh < KH; kh++) {
    long ih = h0 + kh;
    if (ih < 0 || ih >= H) {
      continue;
    }
    for (long kw = 0; kw < KW; kw++) {
      long iw = w0 + kw;
      if (iw < 0 || iw >= W) {
        continue;
      }
      int v = (int)x[ih * W + iw] - inOffset;
      best = max(best, v);
      sum += v;
      count++;
    }
  }
  if (isMax) {
    out[i] = requant(count ? best : 0, maxMult, maxShift, outOffset);
    return;
  }
  if (includePads) {
    long hEnd = min(h0 + KH, H + PB), wEnd = min(w0 + KW, W + PR);
    count = (hEnd - h0) * (wEnd - w0);
  }
  out[i] = count ? requant(sum, avgMults[count], avgShifts[count], outOffset)
                 : sat8(outOffset);
}

/* INT8 MaxPool, a work-item per output row (N * C * OH items), the window
   clipped as in maxpool_f32; the maximum is rescaled to the output type as
   in pool_i8, so the results are identical. */
__kernel void maxpool_i8(__global char *out, __global const char *in, long H,
                         long W, long OH, long OW, long KH, long KW, long SH,
                         long SW, long PT, long PL, int inOffset,
                         int outOffset, long maxMult, int maxShift) {
  long i = get_global_id(0);
  __global const char *x = in + (i / OH) * H * W;
  __global char *y = out + i * OW;
  int h = (int)H, w = (int)W, sw = (int)SW;
  int h0 = (int)(i % OH) * (int)SH - (int)PT, khBegin, khEnd;
  clipWindow(h0, (int)KH, h, &khBegin, &khEnd);
  for (int ow = 0; ow < (int)OW; ow++) {
    int w0 = ow * sw - (int)PL, kwBegin, kwEnd;
    clipWindow(w0, (int)KW, w, &kwBegin, &kwEnd);
    int best = 0;
    bool any = false;
    for (int a = khBegin; a < khEnd; a++) {
      __global const char *xr = x + (h0 + a) * w + w0;
      for (int b = kwBegin; b < kwEnd; b++) {
        int v = (int)xr[b] - inOffset;
        best = any ? max(best, v) : v;
        any = true;
      }
    }
    y[ow] = requant(best, maxMult, maxShift, outOffset);
  }
}

/* Work-item per output element; per output channel: filter offset and
   the scale of the accumulator's requantization. */
__kernel void conv_i8(__global char *out, __global const char *in,
                      __global const char *filter, __global const int *bias,
                      __global const int *filterOffsets,
                      __global const float *scales, int inOffset, int outOffset, long C, long H, long W,
                      long O, long OH, long OW, long KH, long KW, long SH,
                      long SW, long PT, long PL, long DH, long DW, long G) {
  long i = get_global_id(0);
  long ow = i % OW, oh = (i / OW) % OH, o = (i / (OW * OH)) % O,
       n = i / (OW * OH * O);
  long CG = C / G, g = o / (O / G);
  int acc = bias[o], woff = filterOffsets[o];
  for (long cg = 0; cg < CG; cg++) {
    __global const char *x = in + (n * C + g * CG + cg) * H * W;
    __global const char *w = filter + (o * CG + cg) * KH * KW;
    for (long kh = 0; kh < KH; kh++) {
      long ih = oh * SH - PT + kh * DH;
      if (ih < 0 || ih >= H) {
        continue;
      }
      for (long kw = 0; kw < KW; kw++) {
        long iw = ow * SW - PL + kw * DW;
        if (iw < 0 || iw >= W) {
          continue;
        }
        acc += ((int)w[kh * KW + kw] - woff) * ((int)x[ih * W + iw] - inOffset);
      }
    }
  }
  out[i] = requant_acc(acc, scales[o], outOffset);
}

/* Work-item per output element of an INT8 matrix product (hasBias 0: none). */
__kernel void matmul_i8(__global char *out, __global const char *a,
                        __global const char *b, __global const int *bias,
                        int hasBias, long K, long M, int aOffset, int bOffset,
                        float scale, int outOffset) {
  long i = get_global_id(0);
  long n = i / M, m = i % M;
  int acc = hasBias ? bias[m] : 0;
  for (long k = 0; k < K; k++) {
    acc += ((int)a[n * K + k] - aOffset) * ((int)b[k * M + m] - bOffset);
  }
  out[i] = requant_acc(acc, scale, outOffset);
}

/* INT8 matrix product vectorised by hand like matmul_f32_v16: 16 columns
   of 4 rows a work-item in int32 lanes, b packed [K][Mp] as int
   (b - bOffset), bias [Mp] (zeros when there is none). Work-items:
   ceil(N/4) * Mp/16. */
__kernel void matmul_i8_v16(__global char *out, __global const char *a,
                            __global const int *b, __global const int *bias,
                            long N, long K, long M, int aOffset, float scale,
                            int outOffset) {
#define MATMUL_I8_LOAD(v) ((int)(v) - aOffset)
  MATMUL_V16_ACCUMULATE(char, int16, int, MATMUL_I8_LOAD)
#undef MATMUL_I8_LOAD
  int r[64];
  V16_SPILL4(r)
  for (int j = 0; j < 4 && n0 + j < N; j++) {
    __global char *y = out + (n0 + j) * M + mb * 16;
    for (int l = 0; l < 16 && mb * 16 + l < M; l++) {
      y[l] = requant_acc(r[j * 16 + l], scale, outOffset);
    }
  }
}

/* INT8 convolution with group 1, vectorised by hand like conv_f32_v16: a
   work-item computes 16 output channels of 4 neighbouring columns in int32
   lanes. Filter packed [O/16][C][KH][KW][16] as int (w - filter offset),
   bias [O/16 * 16]; padding contributes 0 as in the Interpreter. */
__kernel void conv_i8_v16(__global char *out, __global const char *in,
                          __global const int *filter, __global const int *bias,
                          __global const float *scales, int inOffset,
                          int outOffset, long C, long H, long W, long O,
                          long OH, long OW, long KH, long KW, long SH, long SW,
                          long PT, long PL, long DH, long DW) {
#define CONV_I8_LOAD(v) ((int)(v) - inOffset)
  CONV_V16_ACCUMULATE(char, int, int16, int, CONV_I8_LOAD, 0)
#undef CONV_I8_LOAD
  int r[64];
  V16_SPILL4(r)
  for (int l = 0; l < 16; l++) {
    long o = ob * 16 + l;
    if (o >= O) {
      break;
    }
    __global char *y = out + ((n * O + o) * OH + oh) * OW;
    for (int j = 0; j < 4 && ow0 + j < OW; j++) {
      y[ow0 + j] = requant_acc(r[j * 16 + l], scales[o], outOffset);
    }
  }
}
