// One instruction set's plane window: a depthwise convolution or a max pool of one bordered plane,
// included by kernels.c once per set (after math_variant.h, before gemm_variant.h, which
// undefines the parameters) with VARIANT(name), TARGET, VW and MULTIPLY_ADD.

/// The even lanes of two vectors, in order (a stride-2 load).
#if VW == 16
#define ZOO_EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#elif VW == 8
#define ZOO_EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#else
#define ZOO_EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6)
#endif

/// VW outputs whose first reads `source`, the next ones `step` (1 or 2) apart: the sum over the
/// taps of `weights[t] source[offsets[t] + lane step]` as a chain of multiply-adds, plus `bias`,
/// clamped, then `activation`; or, without `weights`, the largest tap (`x > best ? x : best`
/// from -inf).
TARGET static inline VARIANT(fvec) VARIANT(depthwise_run)(
    const float *source, int step, const float *weights, const int *offsets, int taps, const float *bias, float low, float high,
    int activation) {
    typedef VARIANT(fvec) vector;
    vector sum = weights ? (vector)0 : (vector)(-__builtin_inff());
    for (int t = 0; t < taps; t++) {
        const float *start = source + offsets[t];
        vector values;
        if (step == 1) {
            memcpy(&values, start, sizeof values);
        } else {
            // Two vectors, then their even lanes (reads one float past the last tap, inside the slack).
            vector low_half, high_half;
            memcpy(&low_half, start, sizeof low_half);
            memcpy(&high_half, start + VW, sizeof high_half);
            values = ZOO_EVEN_LANES(low_half, high_half);
        }
        if (weights) {
            sum = MULTIPLY_ADD((vector)weights[t], values, sum);
        } else {
            sum = values > sum ? values : sum;
        }
    }
    if (bias) sum += (vector)*bias;
    return VARIANT(finish)(sum, low, high, activation);
}

/// One output at `source` (`step` apart from the next, any step): the same arithmetic as a lane
/// of VARIANT(depthwise_run).
TARGET static inline float VARIANT(depthwise_one)(
    const float *source, const float *weights, const int *offsets, int taps, const float *bias, float low, float high, int activation) {
    float sum = weights ? 0 : -__builtin_inff();
    for (int t = 0; t < taps; t++) {
        const float value = source[offsets[t]];
        if (weights) {
            sum = MULTIPLY_ADD(weights[t], value, sum);
        } else {
            sum = value > sum ? value : sum;
        }
    }
    if (bias) sum += *bias;
    return VARIANT(finish)((VARIANT(fvec))sum, low, high, activation)[0];
}

/// The plane, inlined into VARIANT(depthwise) once per activation, so that each copy's
/// activation is a constant.
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_plane)(
    const zoo_kernels_depthwise_plane *p, const float *bias, float low, float high, int activation, float *out, float *wide) {
    typedef VARIANT(fvec) vector;
    if (p->flat) {
        // Every position m = r padded_width + c of the padded width, VW at a time, then the valid
        // outputs of each row.
        for (int m = 0; m < p->wide_count; m += VW) {
            const vector value = VARIANT(depthwise_run)(p->padded + (size_t)p->stride_w * m, p->stride_w, p->weights, p->offsets, p->taps, bias, low, high, activation);
            memcpy(wide + m, &value, sizeof value);
        }
        for (int row = 0; row < p->out_h; row++) {
            memcpy(out + (size_t)row * p->out_w, wide + (size_t)row * p->padded_width, (size_t)p->out_w * sizeof(float));
        }
        return;
    }
    for (int row = 0; row < p->out_h; row++) {
        const float *source = p->padded + (size_t)row * p->stride_h * p->padded_width;
        float *destination = out + (size_t)row * p->out_w;
        int k = 0;
        if (p->stride_w <= 2 && p->out_w >= VW) {
            // Whole runs, then one run ending the row (overlapping the last one: its lanes are the
            // same arithmetic, so the outputs written twice get the same bits).
            for (;; k += VW) {
                if (k + VW > p->out_w) k = p->out_w - VW;
                const vector value = VARIANT(depthwise_run)(source + (size_t)k * p->stride_w, p->stride_w, p->weights, p->offsets, p->taps, bias, low, high, activation);
                memcpy(destination + k, &value, sizeof value);
                if (k + VW == p->out_w) break;
            }
            k = p->out_w;
        }
        for (; k < p->out_w; k++) {
            destination[k] = VARIANT(depthwise_one)(source + (size_t)k * p->stride_w, p->weights, p->offsets, p->taps, bias, low, high, activation);
        }
    }
}

TARGET static void VARIANT(depthwise)(
    const zoo_kernels_depthwise_plane *p, const float *bias, float low, float high, int activation, float *out, float *wide) {
    switch (activation) {
    case ZOO_ACTIVATION_SIGMOID: VARIANT(depthwise_plane)(p, bias, low, high, ZOO_ACTIVATION_SIGMOID, out, wide); return;
    case ZOO_ACTIVATION_SILU: VARIANT(depthwise_plane)(p, bias, low, high, ZOO_ACTIVATION_SILU, out, wide); return;
    case ZOO_ACTIVATION_HARD_SWISH: VARIANT(depthwise_plane)(p, bias, low, high, ZOO_ACTIVATION_HARD_SWISH, out, wide); return;
    default: VARIANT(depthwise_plane)(p, bias, low, high, ZOO_ACTIVATION_NONE, out, wide); return;
    }
}

#undef ZOO_EVEN_LANES
