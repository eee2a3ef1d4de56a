#include "zoo_kernels.h"

#include <string.h>

#define VARIANT(name) name##_generic
#define TARGET
#define VW 4
#define MULTIPLY_ADD(a, b, c) ((a) * (b) + (c))
#include "math_variant.h"

#if defined(__x86_64__)
#define VARIANT(name) name##_avx2
#define TARGET __attribute__((target("avx2,fma")))
#define VW 8
#define MULTIPLY_ADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "math_variant.h"

#define VARIANT(name) name##_avx512
#define TARGET __attribute__((target("avx512f")))
#define VW 16
#define MULTIPLY_ADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "math_variant.h"
#endif

void zoo_kernels_sigmoid(int isa, const float *x, float *y, size_t n) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: sigmoid_avx512(x, y, n); return;
    case ZOO_ISA_AVX2: sigmoid_avx2(x, y, n); return;
#endif
    default: sigmoid_generic(x, y, n); return;
    }
}

void zoo_kernels_silu(int isa, const float *x, float *y, size_t n) {
    switch (isa) {
#if defined(__x86_64__)
    case ZOO_ISA_AVX512: silu_avx512(x, y, n); return;
    case ZOO_ISA_AVX2: silu_avx2(x, y, n); return;
#endif
    default: silu_generic(x, y, n); return;
    }
}
