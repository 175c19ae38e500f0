// peak-benchmark: the one-core arithmetic peak of this machine, measured
// with register-only loops of independent multiply-adds (no memory
// traffic): FP32 fused multiply-add and INT8 dot products (AVX-512 VNNI
// VPDPBUSD, each 64 u8 x s8 products summed into 16 int32), in the widest
// form the CPU has. Prints one JSON line; utils/run_benchmark.py uses it
// for the "% of peak" columns instead of a fixed figure.

#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

constexpr int kChains = 12; // independent accumulators hide the latency
constexpr long kIters = 100'000'000;

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

/// FP32 GFLOP/s with 512-bit FMAs (2 flops a lane).
__attribute__((target("avx512f"))) double fp32Avx512(float seed) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; c++) {
    acc[c] = _mm512_set1_ps(seed * c);
  }
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < kIters; i++) {
    for (int c = 0; c < kChains; c++) {
      acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    }
  }
  double s = seconds(t0);
  alignas(64) float out[16];
  float sink = 0;
  for (int c = 0; c < kChains; c++) {
    _mm512_store_ps(out, acc[c]);
    sink += out[0];
  }
  std::fprintf(stderr, "%s", sink == 12345.f ? " " : "");
  return double(kIters) * kChains * 16 * 2 / s / 1e9;
}

/// FP32 GFLOP/s with 256-bit FMAs.
__attribute__((target("avx2,fma"))) double fp32Avx2(float seed) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; c++) {
    acc[c] = _mm256_set1_ps(seed * c);
  }
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < kIters; i++) {
    for (int c = 0; c < kChains; c++) {
      acc[c] = _mm256_fmadd_ps(acc[c], a, b);
    }
  }
  double s = seconds(t0);
  alignas(32) float out[8];
  float sink = 0;
  for (int c = 0; c < kChains; c++) {
    _mm256_store_ps(out, acc[c]);
    sink += out[0];
  }
  std::fprintf(stderr, "%s", sink == 12345.f ? " " : "");
  return double(kIters) * kChains * 8 * 2 / s / 1e9;
}

/// INT8 GOP/s with 512-bit VPDPBUSD (64 multiply-adds, 2 ops each).
__attribute__((target("avx512f,avx512bw,avx512vnni"))) double
int8Vnni(int seed) {
  __m512i acc[kChains];
  for (int c = 0; c < kChains; c++) {
    acc[c] = _mm512_set1_epi32(seed + c);
  }
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < kIters; i++) {
    for (int c = 0; c < kChains; c++) {
      acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
    }
  }
  double s = seconds(t0);
  alignas(64) int out[16];
  int sink = 0;
  for (int c = 0; c < kChains; c++) {
    _mm512_store_si512(out, acc[c]);
    sink += out[0];
  }
  std::fprintf(stderr, "%s", sink == 12345 ? " " : "");
  return double(kIters) * kChains * 64 * 2 / s / 1e9;
}

/// INT8 GOP/s with 256-bit AVX2 (VPMADDUBSW + VPMADDWD + VPADDD: 32
/// multiply-adds in three instructions).
__attribute__((target("avx2"))) double int8Avx2(int seed) {
  __m256i acc[kChains];
  for (int c = 0; c < kChains; c++) {
    acc[c] = _mm256_set1_epi32(seed + c);
  }
  __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2),
          one = _mm256_set1_epi16(1);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < kIters; i++) {
    for (int c = 0; c < kChains; c++) {
      __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), one);
      acc[c] = _mm256_add_epi32(acc[c], p);
    }
  }
  double s = seconds(t0);
  alignas(32) int out[8];
  int sink = 0;
  for (int c = 0; c < kChains; c++) {
    _mm256_store_si256(reinterpret_cast<__m256i *>(out), acc[c]);
    sink += out[0];
  }
  std::fprintf(stderr, "%s", sink == 12345 ? " " : "");
  return double(kIters) * kChains * 32 * 2 / s / 1e9;
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1) {
    bool help = !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "-help") ||
                !std::strcmp(argv[1], "--help");
    if (help) {
      std::printf("peak-benchmark: prints this machine's one-core FP32 and "
                  "INT8 multiply-add peaks as one JSON line\n");
      return 0;
    }
    std::fprintf(stderr,
                 "peak-benchmark: error: it takes no arguments, got "
                 "'%s'\n",
                 argv[1]);
    return 2;
  }
  __builtin_cpu_init();
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool vnni = avx512 && __builtin_cpu_supports("avx512vnni");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx2) {
    std::fprintf(stderr,
                 "peak-benchmark: error: needs at least AVX2 and FMA\n");
    return 1;
  }
  // Best of three: the first run also warms the clock up.
  double fp32 = 0, int8 = 0;
  for (int r = 0; r < 3; r++) {
    double f = avx512 ? fp32Avx512(float(r)) : fp32Avx2(float(r));
    double q = vnni ? int8Vnni(r) : int8Avx2(r);
    fp32 = f > fp32 ? f : fp32;
    int8 = q > int8 ? q : int8;
  }
  std::printf("{\"fp32_gflops\": %.1f, \"int8_gops\": %.1f, \"fp32_isa\": "
              "\"%s\", \"int8_isa\": \"%s\"}\n",
              fp32, int8, avx512 ? "avx512 fma" : "avx2 fma",
              vnni ? "avx512 vnni" : "avx2 maddubs");
  return 0;
}
