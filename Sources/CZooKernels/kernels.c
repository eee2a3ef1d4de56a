#include "zoo_kernels.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Rows of B packed and multiplied at a time: a strip of 256 x NR floats stays in L1.
#define ZOO_KC ZOO_KERNELS_DEPTH_BLOCK
/// Rows of A multiplied by every strip of B before the next rows (a multiple of every MR).
#define ZOO_MC 192

/// `APPLY(a)` with `a` the enum zoo_activation constant equal to `activation` (the identity for
/// any other value), then return: kernels that copy their inner loop per activation, so that
/// each copy has no branch, dispatch through this.
#define ZOO_FOR_ACTIVATION(activation, APPLY) \
    switch (activation) { \
    case ZOO_ACTIVATION_SIGMOID: APPLY(ZOO_ACTIVATION_SIGMOID); return; \
    case ZOO_ACTIVATION_SILU: APPLY(ZOO_ACTIVATION_SILU); return; \
    case ZOO_ACTIVATION_HARD_SWISH: APPLY(ZOO_ACTIVATION_HARD_SWISH); return; \
    default: APPLY(ZOO_ACTIVATION_NONE); return; \
    }

#define VARIANT(name) name##_generic
#define TARGET
#define VW 4
#define NV 2
#define MR 6
#define MULTIPLY_ADD(a, b, c) ((a) * (b) + (c))
#define MASKED_GATHER 0
#include "math_variant.h"
#include "depthwise_blocked_variant.h"
#include "transpose_variant.h"
#include "depthwise_variant.h"
#include "winograd_variant.h"
#include "gemm_variant.h"
#include "pointwise_depthwise_variant.h"

#if defined(__x86_64__)
#define VARIANT(name) name##_avx2
#define TARGET __attribute__((target("avx2,fma")))
#define VW 8
#define NV 2
#define MR 6
#define MULTIPLY_ADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#define MASKED_GATHER 0
#include "math_variant.h"
#include "depthwise_blocked_variant.h"
#include "transpose_variant.h"
#include "depthwise_variant.h"
#include "winograd_variant.h"
#include "gemm_variant.h"
#include "pointwise_depthwise_variant.h"

#define VARIANT(name) name##_avx512
#define TARGET __attribute__((target("avx512f")))
#define VW 16
#define NV 2
#define MR 12
#define MULTIPLY_ADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#define MASKED_GATHER 1
#include "math_variant.h"
#include "depthwise_blocked_variant.h"
#include "transpose_variant.h"
#include "depthwise_variant.h"
#include "winograd_variant.h"
#include "gemm_variant.h"
#include "pointwise_depthwise_variant.h"
#endif

/// Calls `name`'s variant for `isa` (the generic one for a set this build has no code for) with
/// the arguments that follow.
#if defined(__x86_64__)
#define ZOO_ON_SET(isa, name, ...) \
    do { \
        switch (isa) { \
        case ZOO_ISA_AVX512: name##_avx512(__VA_ARGS__); break; \
        case ZOO_ISA_AVX2: name##_avx2(__VA_ARGS__); break; \
        default: name##_generic(__VA_ARGS__); break; \
        } \
    } while (0)
#else
#define ZOO_ON_SET(isa, name, ...) ((void)(isa), name##_generic(__VA_ARGS__))
#endif

int zoo_kernels_isa_supported(int isa) {
    switch (isa) {
    case ZOO_ISA_GENERIC: return 1;
#if defined(__x86_64__)
    case ZOO_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case ZOO_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

int zoo_kernels_best_isa(void) {
    if (zoo_kernels_isa_supported(ZOO_ISA_AVX512)) return ZOO_ISA_AVX512;
    if (zoo_kernels_isa_supported(ZOO_ISA_AVX2)) return ZOO_ISA_AVX2;
    return ZOO_ISA_GENERIC;
}

int zoo_kernels_mr(int isa) {
    switch (isa) {
    case ZOO_ISA_AVX512: return 12;
    default: return 6;
    }
}

int zoo_kernels_nr(int isa) {
    switch (isa) {
    case ZOO_ISA_AVX512: return 32;
    case ZOO_ISA_AVX2: return 16;
    default: return 8;
    }
}

long zoo_kernels_l2_bytes(void) {
#if defined(__linux__) && defined(_SC_LEVEL2_CACHE_SIZE)
    const long bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return bytes > 0 ? bytes : 0;
#else
    return 0;
#endif
}

/// Floats past a packed matrix that a panel's last step may read (a vector of 16 from its MR
/// weights: micro_columns); pack_a zeroes them.
#define ZOO_PACKED_SLACK 16

size_t zoo_kernels_packed_a_count(int isa, int m, int k) {
    size_t mr = (size_t)zoo_kernels_mr(isa);
    return ((size_t)m + mr - 1) / mr * mr * (size_t)k + ZOO_PACKED_SLACK;
}

size_t zoo_kernels_scratch_count(int isa, int n) {
    size_t nr = (size_t)zoo_kernels_nr(isa);
    return (size_t)ZOO_KC * (((size_t)n + nr - 1) / nr * nr);
}

void zoo_kernels_pack_a(int isa, int m, int k, const float *a, int lda, float *packed) {
    memset(packed + zoo_kernels_packed_a_count(isa, m, k) - ZOO_PACKED_SLACK, 0, ZOO_PACKED_SLACK * sizeof(float));
    ZOO_ON_SET(isa, pack_a, m, k, a, lda, packed);
}

void zoo_kernels_gemm_tile(
    int isa, int m, int k, const float *packed_a, int m0, int rows, const zoo_kernels_b_source *b, int n0, int cols,
    float *c, int ldc, const float *bias, const float *residual, float low, float high, int activation, float *scratch) {
    ZOO_ON_SET(isa, gemm_tile, m, k, packed_a, m0, rows, b, n0, cols, c, ldc, bias, residual, low, high, activation, scratch, NULL);
}

void zoo_kernels_pack_b(int isa, const zoo_kernels_b_source *b, int k, int k0, int n0, int cols, float *packed) {
    const int kc = k - k0 < ZOO_KC ? k - k0 : ZOO_KC;
    float *out = packed + (size_t)k0 * ((size_t)(cols + zoo_kernels_nr(isa) - 1) / zoo_kernels_nr(isa) * zoo_kernels_nr(isa));
    ZOO_ON_SET(isa, pack_b, b, k0, kc, n0, cols, out);
}

void zoo_kernels_gemm_tile_packed(
    int isa, int m, int k, const float *packed_a, int m0, int rows, const float *packed_b, int cols, float *c, int ldc, const float *bias,
    const float *residual, float low, float high, int activation) {
    ZOO_ON_SET(isa, gemm_tile, m, k, packed_a, m0, rows, NULL, 0, cols, c, ldc, bias, residual, low, high, activation, NULL, packed_b);
}

void zoo_kernels_plane_means(int isa, const float *x, size_t planes, size_t size, float *y) {
    ZOO_ON_SET(isa, plane_means, x, planes, size, y);
}

void zoo_kernels_transpose_matrices(int isa, const float *x, size_t count, size_t rows, size_t cols, float *y) {
    ZOO_ON_SET(isa, transpose_matrices, x, count, rows, cols, y);
}

void zoo_kernels_activation(int isa, int activation, const float *x, float *y, size_t n) {
    ZOO_ON_SET(isa, activation_map, activation, x, y, n);
}

int zoo_kernels_vector_floats(int isa) {
    switch (isa) {
    case ZOO_ISA_AVX512: return 16;
    case ZOO_ISA_AVX2: return 8;
    default: return 4;
    }
}

void zoo_kernels_depthwise(
    int isa, const zoo_kernels_depthwise_plane *plane, int first, int count, const float *bias, float low, float high, int activation,
    float *out, float *wide) {
    ZOO_ON_SET(isa, depthwise, plane, first, count, bias, low, high, activation, out, wide);
}

void zoo_kernels_pointwise_depthwise(
    int isa, const zoo_kernels_pointwise_depthwise_pair *f, int first, int count, const float *bias, float low, float high, int activation,
    float *out) {
    ZOO_ON_SET(isa, pointwise_depthwise, f, first, count, bias, low, high, activation, out);
}

void zoo_kernels_winograd_input(
    int isa, const zoo_kernels_winograd_plane *w, const float *plane, int first_tile, int count, float *v, size_t xi_stride) {
    ZOO_ON_SET(isa, winograd_input, w, plane, first_tile, count, v, xi_stride);
}

void zoo_kernels_winograd_output(
    int isa, const zoo_kernels_winograd_plane *w, const float *m, size_t xi_stride, int first_tile, int count, float *plane) {
    ZOO_ON_SET(isa, winograd_output, w, m, xi_stride, first_tile, count, plane);
}
