#include "zoo_kernels.h"

#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Rows of B packed and multiplied at a time: a strip of 256 x NR floats stays in L1.
#define ZOO_KC ZOO_KERNELS_DEPTH_BLOCK
/// Rows of A multiplied by every strip of B before the next rows (a multiple of every MR).
#define ZOO_MC 192

#define VARIANT(name) name##_generic
#define TARGET
#define VW 4
#define NV 2
#define MR 6
#define MULTIPLY_ADD(a, b, c) ((a) * (b) + (c))
#define MASKED_GATHER 0
#include "math_variant.h"
#include "depthwise_blocked_variant.h"
#include "depthwise_variant.h"
#include "winograd_variant.h"
#include "gemm_variant.h"

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
#include "depthwise_variant.h"
#include "winograd_variant.h"
#include "gemm_variant.h"

#define VARIANT(name) name##_avx512
#define TARGET __attribute__((target("avx512f")))
#define VW 16
#define NV 2
#define MR 12
#define MULTIPLY_ADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#define MASKED_GATHER 1
#include "math_variant.h"
#include "depthwise_blocked_variant.h"
#include "depthwise_variant.h"
#include "winograd_variant.h"
#include "gemm_variant.h"
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
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: pack_a_avx512(m, k, a, lda, packed); return;
    case ZOO_ISA_AVX2: pack_a_avx2(m, k, a, lda, packed); return;
#endif
    default: pack_a_generic(m, k, a, lda, packed); return;
    }
}

void zoo_kernels_gemm_tile(
    int isa, int m, int k, const float *packed_a, int m0, int rows, const zoo_kernels_b_source *b, int n0, int cols,
    float *c, int ldc, const float *bias, const float *residual, float low, float high, int activation, float *scratch) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: gemm_tile_avx512(m, k, packed_a, m0, rows, b, n0, cols, c, ldc, bias, residual, low, high, activation, scratch, NULL); return;
    case ZOO_ISA_AVX2: gemm_tile_avx2(m, k, packed_a, m0, rows, b, n0, cols, c, ldc, bias, residual, low, high, activation, scratch, NULL); return;
#endif
    default: gemm_tile_generic(m, k, packed_a, m0, rows, b, n0, cols, c, ldc, bias, residual, low, high, activation, scratch, NULL); return;
    }
}

void zoo_kernels_pack_b(int isa, const zoo_kernels_b_source *b, int k, int k0, int n0, int cols, float *packed) {
    const int kc = k - k0 < ZOO_KC ? k - k0 : ZOO_KC;
    float *out = packed + (size_t)k0 * ((size_t)(cols + zoo_kernels_nr(isa) - 1) / zoo_kernels_nr(isa) * zoo_kernels_nr(isa));
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: pack_b_avx512(b, k0, kc, n0, cols, out); return;
    case ZOO_ISA_AVX2: pack_b_avx2(b, k0, kc, n0, cols, out); return;
#endif
    default: pack_b_generic(b, k0, kc, n0, cols, out); return;
    }
}

void zoo_kernels_gemm_tile_packed(
    int isa, int m, int k, const float *packed_a, int m0, int rows, const float *packed_b, int cols, float *c, int ldc, const float *bias,
    const float *residual, float low, float high, int activation) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: gemm_tile_avx512(m, k, packed_a, m0, rows, NULL, 0, cols, c, ldc, bias, residual, low, high, activation, NULL, packed_b); return;
    case ZOO_ISA_AVX2: gemm_tile_avx2(m, k, packed_a, m0, rows, NULL, 0, cols, c, ldc, bias, residual, low, high, activation, NULL, packed_b); return;
#endif
    default: gemm_tile_generic(m, k, packed_a, m0, rows, NULL, 0, cols, c, ldc, bias, residual, low, high, activation, NULL, packed_b); return;
    }
}

void zoo_kernels_plane_means(int isa, const float *x, size_t planes, size_t size, float *y) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: plane_means_avx512(x, planes, size, y); return;
    case ZOO_ISA_AVX2: plane_means_avx2(x, planes, size, y); return;
#endif
    default: plane_means_generic(x, planes, size, y); return;
    }
}

void zoo_kernels_activation(int isa, int activation, const float *x, float *y, size_t n) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: activation_map_avx512(activation, x, y, n); return;
    case ZOO_ISA_AVX2: activation_map_avx2(activation, x, y, n); return;
#endif
    default: activation_map_generic(activation, x, y, n); return;
    }
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
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: depthwise_avx512(plane, first, count, bias, low, high, activation, out, wide); return;
    case ZOO_ISA_AVX2: depthwise_avx2(plane, first, count, bias, low, high, activation, out, wide); return;
#endif
    default: depthwise_generic(plane, first, count, bias, low, high, activation, out, wide); return;
    }
}

void zoo_kernels_winograd_input(
    int isa, const zoo_kernels_winograd_plane *w, const float *plane, int first_tile, int count, float *v, size_t xi_stride) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: winograd_input_avx512(w, plane, first_tile, count, v, xi_stride); return;
    case ZOO_ISA_AVX2: winograd_input_avx2(w, plane, first_tile, count, v, xi_stride); return;
#endif
    default: winograd_input_generic(w, plane, first_tile, count, v, xi_stride); return;
    }
}

void zoo_kernels_winograd_output(
    int isa, const zoo_kernels_winograd_plane *w, const float *m, size_t xi_stride, int first_tile, int count, float *plane) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: winograd_output_avx512(w, m, xi_stride, first_tile, count, plane); return;
    case ZOO_ISA_AVX2: winograd_output_avx2(w, m, xi_stride, first_tile, count, plane); return;
#endif
    default: winograd_output_generic(w, m, xi_stride, first_tile, count, plane); return;
    }
}
