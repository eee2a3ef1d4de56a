// One instruction set's vector exponential and the activations built on it (and hard swish), included by
// kernels.c once per set, before gemm_variant.h (whose tiles apply them as they are stored), with
// the same VARIANT(name), TARGET, VW and MULTIPLY_ADD; gemm_variant.h undefines them.

typedef float VARIANT(fvec) __attribute__((ext_vector_type(VW)));
typedef int VARIANT(ivec) __attribute__((ext_vector_type(VW)));

/// The first `count` (0 to VW) floats from `source` as a vector's first lanes, the rest 0: a
/// whole vector loaded as one, a part masked on AVX2 and AVX-512 (the lanes past `count` are not
/// read), one by one on the other sets.
TARGET __attribute__((always_inline)) static inline VARIANT(fvec) VARIANT(load_part)(const float *source, int count) {
    VARIANT(fvec) value;
    if (count == VW) {
        memcpy(&value, source, sizeof value);
        return value;
    }
#if VW == 16 && defined(__x86_64__)
    value = (VARIANT(fvec))_mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), source);
#elif VW == 8 && defined(__x86_64__)
    value = (VARIANT(fvec))_mm256_maskload_ps(source, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
#else
    value = (VARIANT(fvec))0;
    for (int i = 0; i < count; i++) value[i] = source[i];
#endif
    return value;
}

/// The first `count` (0 to VW) lanes of `value` to `destination`, the floats past them untouched:
/// a whole vector stored as one, a part masked on AVX2 and AVX-512 (instead of a library call to
/// memcpy per partial vector), one by one on the other sets.
TARGET __attribute__((always_inline)) static inline void VARIANT(store_part)(float *destination, VARIANT(fvec) value, int count) {
    if (count == VW) {
        memcpy(destination, &value, sizeof value);
        return;
    }
#if VW == 16 && defined(__x86_64__)
    _mm512_mask_storeu_ps(destination, (__mmask16)((1u << count) - 1), (__m512)value);
#elif VW == 8 && defined(__x86_64__)
    _mm256_maskstore_ps(destination, _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), (__m256)value);
#else
    for (int i = 0; i < count; i++) destination[i] = value[i];
#endif
}

/// `at[i] = value` for `i < count`, a vector at a time, then the part of one (VARIANT(store_part)).
TARGET static inline void VARIANT(fill)(float *at, size_t count, float value) {
    const VARIANT(fvec) v = (VARIANT(fvec))value;
    size_t i = 0;
    for (; i + VW <= count; i += VW) memcpy(at + i, &v, sizeof v);
    if (i < count) VARIANT(store_part)(at + i, v, (int)(count - i));
}

/// `to[i] = from[i]` for `i < count` (two buffers apart), a vector at a time, the last vector
/// overlapping the one before (rewriting the same values) where `count` is not a multiple of VW,
/// fewer than VW floats as part of one: the short rows of the plane window, which through
/// memcpy would be a library call each.
TARGET static inline void VARIANT(copy)(float *restrict to, const float *restrict from, size_t count) {
    VARIANT(fvec) v;
    if (count < VW) {
        VARIANT(store_part)(to, VARIANT(load_part)(from, (int)count), (int)count);
        return;
    }
    size_t i = 0;
    for (; i + VW <= count; i += VW) {
        memcpy(&v, from + i, sizeof v);
        memcpy(to + i, &v, sizeof v);
    }
    if (i < count) {
        memcpy(&v, from + count - VW, sizeof v);
        memcpy(to + count - VW, &v, sizeof v);
    }
}

/// `value < low ? low : value`, then `> high ? high : ...`: NaN passes through, as in the
/// scalar clamp.
TARGET static inline VARIANT(fvec) VARIANT(clamp)(VARIANT(fvec) value, float low, float high) {
    typedef VARIANT(fvec) vector;
    typedef VARIANT(ivec) mask;
    mask below = value < (vector)low;
    value = (vector)(((mask)(vector)low & below) | ((mask)value & ~below));
    mask above = value > (vector)high;
    return (vector)(((mask)(vector)high & above) | ((mask)value & ~above));
}

/// Cephes's expf without its scaling: exp(t) / 2^k for `k` = t log2 e rounded to nearest, as
/// exp(r) = 1 + r + r^2 P(r) with P of degree 5, r = t - k ln 2 with ln 2 split in two (Cody and
/// Waite).
TARGET static inline VARIANT(fvec) VARIANT(exp_reduced)(VARIANT(fvec) t, VARIANT(fvec) k) {
    typedef VARIANT(fvec) fvec;
    t = MULTIPLY_ADD(k, (fvec)-0.693359375f, t);
    t = MULTIPLY_ADD(k, (fvec)2.12194440e-4f, t);
    fvec p = (fvec)1.9875691500e-4f;
    p = MULTIPLY_ADD(p, t, (fvec)1.3981999507e-3f);
    p = MULTIPLY_ADD(p, t, (fvec)8.3334519073e-3f);
    p = MULTIPLY_ADD(p, t, (fvec)4.1665795894e-2f);
    p = MULTIPLY_ADD(p, t, (fvec)1.6666665459e-1f);
    p = MULTIPLY_ADD(p, t, (fvec)5.0000001201e-1f);
    p = MULTIPLY_ADD(p, t * t, t + 1.0f);
    return p;
}

#if VW == 16
/// exp(x) per lane (AVX-512), Cephes's expf as below, with the scaling by 2^k done by
/// `vscalefps`, which rounds and overflows as the exact product does: x is first clamped to
/// [-104, 89] (NaN passes through the clamp and stays NaN), past which exp is 0 or +inf in float
/// anyway; results below FLT_MIN come out as subnormals, not 0. A third fewer instructions than
/// building 2^k in the exponent bits and patching the out-of-range lanes.
TARGET static inline VARIANT(fvec) VARIANT(exp)(VARIANT(fvec) x) {
    typedef VARIANT(fvec) fvec;
    fvec t = VARIANT(clamp)(x, -104.0f, 89.0f);
    const fvec k = (fvec)_mm512_roundscale_ps((__m512)(t * 1.44269504088896341f), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return (fvec)_mm512_scalef_ps((__m512)VARIANT(exp_reduced)(t, k), (__m512)k);
}
#else
/// exp(x) per lane, Cephes's expf: x = k ln 2 + r with k = x log2 e rounded to nearest and ln 2 split in two
/// (Cody and Waite), exp(r) = 1 + r + r^2 P(r) with P of degree 5, times 2^k built in the exponent
/// bits. Relative error about 2^-23 for x in [-87.33, 88.37] (2^k stays a normal number); above,
/// +inf (exp(88.37) is 2.4e38); below, 0 (the values there are below FLT_MIN); NaN stays NaN.
TARGET static inline VARIANT(fvec) VARIANT(exp)(VARIANT(fvec) x) {
    typedef VARIANT(fvec) fvec;
    typedef VARIANT(ivec) ivec;
    const ivec nan = x != x, high = x > (fvec)88.3762626647949f, low = x < (fvec)-87.3365f;
    fvec t = (fvec)(((ivec)x) & ~(nan | high | low));  // those lanes computed from 0, then replaced
    // Round to nearest by adding and taking away 1.5 2^23 (no rounding instruction on SSE2).
    const fvec k = (t * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    const fvec p = VARIANT(exp_reduced)(t, k);
    const ivec scale = (__builtin_convertvector(k, ivec) + 127) << 23;
    fvec result = p * (fvec)scale;
    result = (fvec)(((ivec)result & ~(high | low)) | ((ivec)(fvec)__builtin_inff() & high));
    return (fvec)(((ivec)result & ~nan) | ((ivec)x & nan));
}

#endif

/// 1 / (1 + exp(-x)).
TARGET static inline VARIANT(fvec) VARIANT(sigmoid_vector)(VARIANT(fvec) x) { return 1.0f / (1.0f + VARIANT(exp)(-x)); }

/// x / (1 + exp(-x)).
TARGET static inline VARIANT(fvec) VARIANT(silu_vector)(VARIANT(fvec) x) { return x / (1.0f + VARIANT(exp)(-x)); }

/// x ((min(max(x + 3, 0), 6)) (1 / 6)), each step rounded (no contraction: no product is added).
TARGET static inline VARIANT(fvec) VARIANT(hard_swish_vector)(VARIANT(fvec) x) {
    return x * (VARIANT(clamp)(x + 3.0f, 0.0f, 6.0f) * (1.0f / 6.0f));
}

/// `activation` (enum zoo_activation) on a vector: sigmoid, SiLU, hard swish or the identity.
TARGET static inline VARIANT(fvec) VARIANT(activate)(VARIANT(fvec) value, int activation) {
    switch (activation) {
    case ZOO_ACTIVATION_SIGMOID: return VARIANT(sigmoid_vector)(value);
    case ZOO_ACTIVATION_SILU: return VARIANT(silu_vector)(value);
    case ZOO_ACTIVATION_HARD_SWISH: return VARIANT(hard_swish_vector)(value);
    default: return value;
    }
}

/// The clamp, then `activation` (enum zoo_activation) on a vector of finished values.
TARGET static inline VARIANT(fvec) VARIANT(finish)(VARIANT(fvec) value, float low, float high, int activation) {
    return VARIANT(activate)(VARIANT(clamp)(value, low, high), activation);
}

/// `y[i] = activation(x[i])` for `i < n`, whole vectors then the tail through one vector filled
/// with zeros, so that every element gets the same arithmetic wherever it lies (x and y may be
/// the same buffer).
TARGET static void VARIANT(activation_map)(int activation, const float *x, float *y, size_t n) {
    typedef VARIANT(fvec) fvec;
    size_t i = 0;
    for (; i + VW <= n; i += VW) {
        fvec v;
        memcpy(&v, x + i, sizeof v);
        v = VARIANT(activate)(v, activation);
        memcpy(y + i, &v, sizeof v);
    }
    if (i < n) {
        float lanes[VW] = {0};
        memcpy(lanes, x + i, (n - i) * sizeof(float));
        fvec v;
        memcpy(&v, lanes, sizeof v);
        v = VARIANT(activate)(v, activation);
        memcpy(lanes, &v, sizeof v);
        memcpy(y + i, lanes, (n - i) * sizeof(float));
    }
}

/// The means of `planes` planes of `size` floats each (`size` at least 1), from `x` to `y`, each
/// summed in double precision in 32 partial sums so that the additions do not wait on each
/// other: each block of 32 elements goes to four vectors of eight partial sums (element `k` of
/// the block to vector `k / 8`, lane `k % 8`), the whole eights after the last block and the
/// tail to the first vector; the four vectors are added pairwise, then the eight lanes in
/// order, and the sum divided by `size`. Every step is a double addition in that order
/// whatever the instruction set, so every set gives the same bits.
TARGET static void VARIANT(plane_means)(const float *x, size_t planes, size_t size, float *y) {
    typedef float floats8 __attribute__((ext_vector_type(8)));
    typedef double doubles8 __attribute__((ext_vector_type(8)));
    for (size_t plane = 0; plane < planes; plane++) {
        const float *base = x + plane * size;
        doubles8 first = 0, second = 0, third = 0, fourth = 0;
#define ZOO_EIGHT(at) ({ floats8 v; memcpy(&v, base + (at), sizeof v); __builtin_convertvector(v, doubles8); })
        size_t k = 0;
        for (; k + 32 <= size; k += 32) {
            first += ZOO_EIGHT(k);
            second += ZOO_EIGHT(k + 8);
            third += ZOO_EIGHT(k + 16);
            fourth += ZOO_EIGHT(k + 24);
        }
        for (; k + 8 <= size; k += 8) first += ZOO_EIGHT(k);
#undef ZOO_EIGHT
        floats8 tail = 0;
        for (size_t lane = 0; k + lane < size; lane++) tail[lane] = base[k + lane];
        first += __builtin_convertvector(tail, doubles8);
        const doubles8 lanes = (first + second) + (third + fourth);
        double sum = 0;
        for (int lane = 0; lane < 8; lane++) sum += lanes[lane];
        y[plane] = (float)(sum / (double)size);
    }
}
