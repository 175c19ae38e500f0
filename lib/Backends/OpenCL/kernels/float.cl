// FP32 (and plain integer) kernels, in the Interpreter's order of
// operations.

#define BINARY_BODY(T)                                                         \
  long i = get_global_id(0);                                                   \
  T a = l[i], b = r[i];                                                        \
  switch (op) {                                                                \
  case OP_Add:                                                                 \
    out[i] = a + b;                                                            \
    break;                                                                     \
  case OP_Sub:                                                                 \
    out[i] = a - b;                                                            \
    break;                                                                     \
  case OP_Mul:                                                                 \
    out[i] = a * b;                                                            \
    break;                                                                     \
  case OP_Max:                                                                 \
    out[i] = a < b ? b : a;                                                    \
    break;                                                                     \
  case OP_Min:                                                                 \
    out[i] = b < a ? b : a;                                                    \
    break;                                                                     \
  default:                                                                     \
    BINARY_REST(T)                                                             \
  }

#define BINARY_REST(T)                                                         \
  if (op == OP_Div) {                                                          \
    out[i] = a / b;                                                            \
  } else {                                                                     \
    out[i] = (T)pow((acc_real)a, (acc_real)b);                                 \
  }
__kernel void binary_f32(__global float *out, __global const float *l,
                         __global const float *r, int op) {
  BINARY_BODY(float)
}
#undef BINARY_REST

#define BINARY_REST(T)                                                         \
  if (op == OP_Div) {                                                          \
    out[i] = b == 0 ? (T)0 : (T)(a / b);                                       \
  } else {                                                                     \
    out[i] = (T)pow((acc_real)a, (acc_real)b);                                 \
  }
__kernel void binary_i32(__global int *out, __global const int *l,
                         __global const int *r, int op) {
  BINARY_BODY(int)
}
__kernel void binary_i64(__global long *out, __global const long *l,
                         __global const long *r, int op) {
  BINARY_BODY(long)
}
#undef BINARY_REST

__kernel void unary_f32(__global float *out, __global const float *in, int op,
                        float p0, float p1) {
  long i = get_global_id(0);
  float x = in[i];
  switch (op) {
  case OP_Relu:
    out[i] = x < 0.0f ? 0.0f : x;
    break;
  case OP_Clip: {
    float v = x < p0 ? p0 : x;
    out[i] = p1 < v ? p1 : v;
    break;
  }
  case OP_LeakyRelu:
    out[i] = x >= 0.0f ? x : p0 * x;
    break;
  case OP_Sigmoid:
    out[i] = 1.0f / (1.0f + exp(-x));
    break;
  case OP_Tanh:
    out[i] = tanh(x);
    break;
  case OP_Exp:
    out[i] = exp(x);
    break;
  case OP_Log:
    out[i] = log(x);
    break;
  case OP_Sqrt:
    out[i] = sqrt(x);
    break;
  case OP_Neg:
    out[i] = -x;
    break;
  case OP_Erf:
    out[i] = erf(x);
    break;
  default:
    out[i] = fabs(x);
  }
}

/* Work-item per element; plane = i / inner, channel = plane % C. */
__kernel void batchnorm_f32(__global float *out, __global const float *in,
                            __global const float *scale,
                            __global const float *bias,
                            __global const float *mean,
                            __global const float *var, long C, long inner,
                            float epsilon) {
  long i = get_global_id(0);
  long c = (i / inner) % C;
  float s = scale[c] / sqrt(var[c] + epsilon);
  float t = bias[c] - mean[c] * s;
  out[i] = in[i] * s + t;
}

/* Work-item per output element of [N*C][OH][OW]. */
__kernel void pool_f32(__global float *out, __global const float *in, long H,
                       long W, long OH, long OW, long KH, long KW, long SH,
                       long SW, long PT, long PL, long PB, long PR, int isMax,
                       int includePads) {
  long i = get_global_id(0);
  long ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
  __global const float *x = in + plane * H * W;
  long h0 = oh * SH - PT, w0 = ow * SW - PL;
  float acc = isMax ? -INFINITY : 0.0f;
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
      float v = x[ih * W + iw];
      acc = isMax ? (acc < v ? v : acc) : acc + v;
      count++;
    }
  }
  if (!isMax) {
    if (includePads) {
      long hEnd = min(h0 + KH, H + PB), wEnd = min(w0 + KW, W + PR);
      count = (hEnd - h0) * (wEnd - w0);
    }
    acc = count ? acc / (float)count : 0.0f;
  }
  out[i] = acc;
}

/* MaxPool, a work-item per output row: N * C * OH items. The window is
   clipped to the input once per row and column instead of testing every
   tap, and the indices are 32-bit within a plane (measured on PoCL:
   3.5x faster than pool_f32 on the reference model). Same comparison as
   pool_f32, so the results are identical. */
__kernel void maxpool_f32(__global float *out, __global const float *in,
                          long H, long W, long OH, long OW, long KH, long KW,
                          long SH, long SW, long PT, long PL) {
  long i = get_global_id(0);
  __global const float *x = in + (i / OH) * H * W;
  __global float *y = out + i * OW;
  int h = (int)H, w = (int)W, kh = (int)KH, kw = (int)KW, sw = (int)SW;
  int h0 = (int)(i % OH) * (int)SH - (int)PT, khBegin, khEnd;
  clipWindow(h0, kh, h, &khBegin, &khEnd);
  for (int ow = 0; ow < (int)OW; ow++) {
    int w0 = ow * sw - (int)PL, kwBegin, kwEnd;
    clipWindow(w0, kw, w, &kwBegin, &kwEnd);
    float acc = -INFINITY;
    for (int a = khBegin; a < khEnd; a++) {
      __global const float *xr = x + (h0 + a) * w + w0;
      for (int b = kwBegin; b < kwEnd; b++) {
        float v = xr[b];
        acc = acc < v ? v : acc;
      }
    }
    y[ow] = acc;
  }
}

/* Work-item per (outer, inner) column: the index of its largest (min: its
   smallest) of len elements, the first of equal ones unless last. */
__kernel void argminmax_f32(__global long *out, __global const float *in,
                            long len, long inner, long min, long last) {
  long i = get_global_id(0);
  __global const float *col = in + (i / inner) * len * inner + i % inner;
  float best = col[0];
  long at = 0;
  for (long k = 1; k < len; k++) {
    float v = col[k * inner];
    if ((min ? v < best : v > best) || (last && v == best)) {
      best = v;
      at = k;
    }
  }
  out[i] = at;
}

/* Whether v (of an index after j's) goes before e (index j's) in TopK's
   order: best first, NaN last. */
inline int topkBefore(float v, float e, long largest) {
  if (isnan(v)) {
    return 0;
  }
  return isnan(e) || (largest ? v > e : v < e);
}

/* Work-item per (outer, inner) column: ONNX TopK's indices, the k best of
   len elements (largest, or smallest), best first, of equal ones the lower
   index first: an insertion into the sorted output. */
__kernel void topk_f32(__global long *out, __global const float *in, long len,
                       long inner, long k, long largest) {
  long i = get_global_id(0);
  long o = i / inner, c = i % inner;
  __global const float *col = in + o * len * inner + c;
  __global long *best = out + o * k * inner + c;
  long n = 0;
  for (long j = 0; j < len && k > 0; j++) {
    float v = col[j * inner];
    long p = n < k ? n : k;
    if (p == k && !topkBefore(v, col[best[(k - 1) * inner] * inner], largest)) {
      continue;
    }
    while (p > 0 && topkBefore(v, col[best[(p - 1) * inner] * inner], largest)) {
      if (p < k) {
        best[p * inner] = best[(p - 1) * inner];
      }
      p--;
    }
    best[p * inner] = j;
    n += n < k;
  }
}

/* Work-item per element: ONNX comparisons and logic (CMP_*) of operands of
   scalar kind K_*; a Bool (0/1 byte) result. Not reads only l. */
__kernel void compare(__global char *out, __global const uchar *l,
                      __global const uchar *r, int kind, int mode) {
  long i = get_global_id(0);
  int v;
  if (kind == K_Float) {
    float a = ((__global const float *)l)[i], b = ((__global const float *)r)[i];
    v = mode == CMP_Equal       ? a == b
        : mode == CMP_Less      ? a < b
        : mode == CMP_LessEqual ? a <= b
        : mode == CMP_Greater   ? a > b
                                : a >= b;
  } else {
    long a, b;
    if (kind == K_Int32) {
      a = ((__global const int *)l)[i];
      b = ((__global const int *)r)[i];
    } else if (kind == K_Int64) {
      a = ((__global const long *)l)[i];
      b = ((__global const long *)r)[i];
    } else {
      a = ((__global const char *)l)[i];
      b = ((__global const char *)r)[i];
    }
    switch (mode) {
    case CMP_Equal:
      v = a == b;
      break;
    case CMP_Less:
      v = a < b;
      break;
    case CMP_LessEqual:
      v = a <= b;
      break;
    case CMP_Greater:
      v = a > b;
      break;
    case CMP_GreaterEqual:
      v = a >= b;
      break;
    case CMP_And:
      v = a && b;
      break;
    case CMP_Or:
      v = a || b;
      break;
    case CMP_Xor:
      v = (a != 0) != (b != 0);
      break;
    default:
      v = !a;
    }
  }
  out[i] = v ? 1 : 0;
}

/* Work-item per (outer, inner) column of a softmax along len elements. */
__kernel void softmax_f32(__global float *out, __global const float *in,
                          long len, long inner) {
  long i = get_global_id(0);
  long base = (i / inner) * len * inner + i % inner;
  float mx = -INFINITY;
  for (long k = 0; k < len; k++) {
    mx = fmax(mx, in[base + k * inner]);
  }
  acc_real sum = 0;
  for (long k = 0; k < len; k++) {
    float e = exp(in[base + k * inner] - mx);
    out[base + k * inner] = e;
    sum += e;
  }
  for (long k = 0; k < len; k++) {
    out[base + k * inner] = (float)(out[base + k * inner] / sum);
  }
}

/* Work-item per output element of [N][O][OH][OW]; filter [O][C/G][KH][KW];
   the sum runs in the Interpreter's order (channel, kh, kw). */
__kernel void conv_f32(__global float *out, __global const float *in,
                       __global const float *filter,
                       __global const float *bias, long C, long H, long W,
                       long O, long OH, long OW, long KH, long KW, long SH,
                       long SW, long PT, long PL, long DH, long DW, long G) {
  long i = get_global_id(0);
  long ow = i % OW, oh = (i / OW) % OH, o = (i / (OW * OH)) % O,
       n = i / (OW * OH * O);
  long CG = C / G, g = o / (O / G);
  float acc = bias[o];
  for (long cg = 0; cg < CG; cg++) {
    __global const float *x = in + (n * C + g * CG + cg) * H * W;
    __global const float *w = filter + (o * CG + cg) * KH * KW;
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
        acc += w[kh * KW + kw] * x[ih * W + iw];
      }
    }
  }
  out[i] = acc;
}

/* Work-item per output element: out[n][m] = bias[m] + sum_k a[n][k] b[k][m]
   (hasBias 0: no bias). */
__kernel void matmul_f32(__global float *out, __global const float *a,
                         __global const float *b, __global const float *bias,
                         int hasBias, long K, long M) {
  long i = get_global_id(0);
  long n = i / M, m = i % M;
  float acc = hasBias ? bias[m] : 0.0f;
  for (long k = 0; k < K; k++) {
    acc += a[n * K + k] * b[k * M + m];
  }
  out[i] = acc;
}

/* Matrix product vectorised by hand: a work-item computes 16 columns of 4
   rows of out[N][M] = a[N][K] x b[K][M] + bias, in float16 lanes, adding
   in the order of matmul_f32 (bias, then k ascending), so the results are
   identical. b packed [K][Mp] and bias [Mp] with Mp = M rounded up to 16,
   zero-padded (bias all zeros when there is none). Work-items:
   ceil(N/4) * Mp/16. */
__kernel void matmul_f32_v16(__global float *out, __global const float *a,
                             __global const float *b,
                             __global const float *bias, long N, long K,
                             long M) {
#define MATMUL_F32_LOAD(v) (v)
  MATMUL_V16_ACCUMULATE(float, float16, float, MATMUL_F32_LOAD)
#undef MATMUL_F32_LOAD
  float16 accs[4] = {acc0, acc1, acc2, acc3};
  for (int j = 0; j < 4 && n0 + j < N; j++) {
    __global float *y = out + (n0 + j) * M + mb * 16;
    if (mb * 16 + 16 <= M) {
      vstore16(accs[j], 0, y);
      continue;
    }
    float r[16];
    vstore16(accs[j], 0, r);
    for (int l = 0; mb * 16 + l < M; l++) {
      y[l] = r[l];
    }
  }
}

/* Convolution with group 1, vectorised by hand (PoCL does not vectorise
   the loops of a work-item): a work-item computes 16 output channels of 4
   neighbouring output columns, the accumulators spelled out so that they
   stay in registers (measured on PoCL: this form runs twice as fast as
   8 columns or a loop over an accumulator array). Filter packed
   [O/16][C][KH][KW][16], bias [O/16 * 16] (zero-padded). The epilogue
   (EPILOGUE_*) applies a following Add of `residual` and a Relu, in that
   order, with the same roundings as the separate nodes. Work-items:
   N * ceil(O/16) * OH * ceil(OW/4). */
__kernel void conv_f32_v16(__global float *out, __global const float *in,
                           __global const float *filter,
                           __global const float *bias,
                           __global const float *residual, int epilogue,
                           long C, long H, long W,
                           long O, long OH, long OW, long KH, long KW, long SH,
                           long SW, long PT, long PL, long DH, long DW) {
#define CONV_F32_LOAD(v) (v)
  CONV_V16_ACCUMULATE(float, float, float16, float, CONV_F32_LOAD, 0.0f)
#undef CONV_F32_LOAD
  if (ob * 16 + 16 <= O && ow0 + 4 <= OW) {
    /* Whole tile: one float4 store of 4 columns per channel. */
    __global float *y = out + ((n * O + ob * 16) * OH + oh) * OW + ow0;
    __global const float *res =
        residual + ((n * O + ob * 16) * OH + oh) * OW + ow0;
    long plane = OH * OW;
#define CONV_F32_STORE(L, S)                                                   \
  {                                                                            \
    float4 v = (float4)(acc0.S, acc1.S, acc2.S, acc3.S);                       \
    if (epilogue & EPILOGUE_Add) {                                             \
      v = v + vload4(0, res + L * plane);                                      \
    }                                                                          \
    if (epilogue & EPILOGUE_Relu) {                                            \
      v = select(v, (float4)(0.0f), v < (float4)(0.0f));                       \
    }                                                                          \
    vstore4(v, 0, y + L * plane);                                              \
  }
    CONV_F32_STORE(0, s0)
    CONV_F32_STORE(1, s1)
    CONV_F32_STORE(2, s2)
    CONV_F32_STORE(3, s3)
    CONV_F32_STORE(4, s4)
    CONV_F32_STORE(5, s5)
    CONV_F32_STORE(6, s6)
    CONV_F32_STORE(7, s7)
    CONV_F32_STORE(8, s8)
    CONV_F32_STORE(9, s9)
    CONV_F32_STORE(10, sa)
    CONV_F32_STORE(11, sb)
    CONV_F32_STORE(12, sc)
    CONV_F32_STORE(13, sd)
    CONV_F32_STORE(14, se)
    CONV_F32_STORE(15, sf)
#undef CONV_F32_STORE
    return;
  }
  float r[64];
  V16_SPILL4(r)
  for (int l = 0; l < 16; l++) {
    long o = ob * 16 + l;
    if (o >= O) {
      break;
    }
    long row = ((n * O + o) * OH + oh) * OW;
    for (int j = 0; j < 4 && ow0 + j < OW; j++) {
      float v = r[j * 16 + l];
      if (epilogue & EPILOGUE_Add) {
        v = v + residual[row + ow0 + j];
      }
      if (epilogue & EPILOGUE_Relu) {
        v = v < 0.0f ? 0.0f : v;
      }
      out[row + ow0 + j] = v;
    }
  }
}
