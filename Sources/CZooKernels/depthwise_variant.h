// One instruction set's plane window: a depthwise convolution or a max pool of one bordered plane,
// included by kernels.c once per set (after math_variant.h, before gemm_variant.h, which
// undefines the parameters) with VARIANT(name), TARGET, VW and MULTIPLY_ADD.

/// The even lanes of two vectors, in order (a stride-2 load).
#if VW == 16
#define ZOO_EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ZOO_ODD_LANES(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)
#elif VW == 8
#define ZOO_EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14)
#define ZOO_ODD_LANES(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15)
#else
#define ZOO_EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6)
#define ZOO_ODD_LANES(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7)
#endif

/// Runs of VW outputs computed at once, each a chain of its own.
#define ZOO_RUNS 4

/// The VW floats from `start`, `step` (1 or 2) apart (at step 2, two vectors and their even
/// lanes: one float past the last is read, inside the plane's slack).
TARGET static inline VARIANT(fvec) VARIANT(window_load)(const float *start, int step) {
    typedef VARIANT(fvec) vector;
    vector values;
    if (step == 1) {
        memcpy(&values, start, sizeof values);
    } else {
        vector low_half, high_half;
        memcpy(&low_half, start, sizeof low_half);
        memcpy(&high_half, start + VW, sizeof high_half);
        values = ZOO_EVEN_LANES(low_half, high_half);
    }
    return values;
}

/// `n` (1 to ZOO_RUNS) runs of VW outputs: run i's first output reads `sources[i]`, the next
/// ones `step` apart, and goes to `destinations[i]`. Each output is the sum over the taps of
/// `weights[t] source[offsets[t] + lane step]` as a chain of multiply-adds in tap order, plus
/// `bias`, clamped, then `activation`; or, without `weights`, the largest tap (`x > best ? x :
/// best` from -inf). The runs' chains are independent, so their multiply-adds overlap instead
/// of each waiting for the one before; an output's arithmetic is the same in whichever run and
/// lane it lies.
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_runs)(
    int n, const float **sources, float **destinations, int step, const float *weights, const int *offsets, int taps,
    const float *bias, float low, float high, int activation) {
    typedef VARIANT(fvec) vector;
    vector sums[ZOO_RUNS];
    for (int i = 0; i < n; i++) sums[i] = weights ? (vector)0 : (vector)(-__builtin_inff());
    for (int t = 0; t < taps; t++) {
        const int offset = offsets[t];
        for (int i = 0; i < n; i++) {
            const vector values = VARIANT(window_load)(sources[i] + offset, step);
            if (weights) {
                sums[i] = MULTIPLY_ADD((vector)weights[t], values, sums[i]);
            } else {
                sums[i] = values > sums[i] ? values : sums[i];
            }
        }
    }
    for (int i = 0; i < n; i++) {
        vector value = sums[i];
        if (bias) value += (vector)*bias;
        value = VARIANT(finish)(value, low, high, activation);
        memcpy(destinations[i], &value, sizeof value);
    }
}

/// VARIANT(depthwise_runs) with `n` (1 to ZOO_RUNS) a constant in each copy, so that the runs'
/// sums stay in registers (with `n` a variable they live in memory, each multiply-add waiting
/// on the store of the one before).
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_some_runs)(
    int n, const float **sources, float **destinations, int step, const float *weights, const int *offsets, int taps,
    const float *bias, float low, float high, int activation) {
    _Static_assert(ZOO_RUNS == 4, "a copy for each count of runs");
    switch (n) {
    case 4: VARIANT(depthwise_runs)(4, sources, destinations, step, weights, offsets, taps, bias, low, high, activation); return;
    case 3: VARIANT(depthwise_runs)(3, sources, destinations, step, weights, offsets, taps, bias, low, high, activation); return;
    case 2: VARIANT(depthwise_runs)(2, sources, destinations, step, weights, offsets, taps, bias, low, high, activation); return;
    default: VARIANT(depthwise_runs)(1, sources, destinations, step, weights, offsets, taps, bias, low, high, activation); return;
    }
}

/// `x[j ..< j + VW]` from the consecutive vectors `low = x[0 ..< VW]`, `high = x[VW ..< 2 VW]`, for
/// `0 <= j <= VW` (a constant where it is inlined).
#if VW == 16
#define ZOO_SHIFTED(low, high, j) \
    __builtin_shufflevector(low, high, j, j + 1, j + 2, j + 3, j + 4, j + 5, j + 6, j + 7, j + 8, j + 9, j + 10, j + 11, j + 12, j + 13, j + 14, j + 15)
#elif VW == 8
#define ZOO_SHIFTED(low, high, j) __builtin_shufflevector(low, high, j, j + 1, j + 2, j + 3, j + 4, j + 5, j + 6, j + 7)
#else
#define ZOO_SHIFTED(low, high, j) __builtin_shufflevector(low, high, j, j + 1, j + 2, j + 3)
#endif
TARGET __attribute__((always_inline)) static inline VARIANT(fvec) VARIANT(shifted)(VARIANT(fvec) low, VARIANT(fvec) high, int j) {
    switch (j) {
    case 1: return ZOO_SHIFTED(low, high, 1);
    case 2: return ZOO_SHIFTED(low, high, 2);
    case 3: return ZOO_SHIFTED(low, high, 3);
#if VW > 4
    case 4: return ZOO_SHIFTED(low, high, 4);
    case 5: return ZOO_SHIFTED(low, high, 5);
    case 6: return ZOO_SHIFTED(low, high, 6);
#endif
    default: return j == VW ? high : low;
    }
}
#undef ZOO_SHIFTED

/// The widest window row VARIANT(depthwise_aligned_rows) takes at stride `step` (its columns
/// `j < KW` are shifts by `j / step` of two aligned vectors, and VARIANT(shifted) takes shifts up
/// to 6 and to VW).
#define ZOO_ALIGNED_WIDTH(step) (((VW < 6 ? VW : 6) + 1) * (step))

/// `n` (1 to ZOO_RUNS) consecutive runs of VW outputs of one row at stride `step` (1 or 2), from
/// column `x` of the output row at `destination`, whose window rows start at `source +
/// offsets[i kw]` (aligned). Every load is aligned and read once for all `kw` taps of a window
/// row: at stride 1 a run's taps `j` are the shifts by `j` of its vector and the next run's; at
/// stride 2 each pair of vectors is split into its even and odd lanes (the two phases), and tap
/// `j` is phase `j % 2` shifted by `j / 2` into the next run's. The sums are those of
/// VARIANT(depthwise_runs) (the taps in order, a chain of multiply-adds, or the maximum when
/// `maximum`, then bias and finish); a run past the row's end stores only the outputs inside it
/// (its other lanes may read past the row, into the next one or the plane's slack).
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_aligned_runs)(
    const zoo_kernels_depthwise_plane *p, int n, const float *source, float *destination, int x, const float *weights, int maximum,
    const float *bias, float low, float high, int activation, int kw, int step) {
    typedef VARIANT(fvec) vector;
    const int kh = p->taps / kw;
    vector sums[ZOO_RUNS];
    for (int m = 0; m < n; m++) sums[m] = maximum ? (vector)(-__builtin_inff()) : (vector)0;
    for (int i = 0; i < kh; i++) {
        const float *start = source + p->offsets[i * kw];
        vector phases[2][ZOO_RUNS + 1];
        for (int m = 0; m <= n; m++) {
            if (step == 1) {
                memcpy(&phases[0][m], start + (size_t)m * VW, sizeof(vector));
            } else {
                vector low_half, high_half;
                memcpy(&low_half, start + (size_t)2 * m * VW, sizeof(vector));
                memcpy(&high_half, start + (size_t)(2 * m + 1) * VW, sizeof(vector));
                phases[0][m] = ZOO_EVEN_LANES(low_half, high_half);
                phases[1][m] = ZOO_ODD_LANES(low_half, high_half);
            }
        }
        for (int j = 0; j < kw; j++) {
            const vector weight = maximum ? (vector)0 : (vector)weights[i * kw + j];
            for (int m = 0; m < n; m++) {
                const vector values = VARIANT(shifted)(phases[j % step][m], phases[j % step][m + 1], j / step);
                sums[m] = maximum ? (values > sums[m] ? values : sums[m]) : MULTIPLY_ADD(weight, values, sums[m]);
            }
        }
    }
    for (int m = 0; m < n; m++) {
        vector value = sums[m];
        if (bias) value += (vector)*bias;
        value = VARIANT(finish)(value, low, high, activation);
        const int at = x + m * VW;
        VARIANT(store_part)(destination + at, value, p->out_w - at < VW ? p->out_w - at : VW);
    }
}

/// A plane at stride `step` (1 or 2) along rows, dilation 1, `kw` taps per window row, whose
/// bordered copy has rows of whole vectors (aligned; at stride 1 at least a vector wider than
/// the last run, at stride 2 with the plane's slack past the last row): each row's runs start
/// a vector of outputs apart from its first column, ZOO_RUNS at a time, then two and one at a
/// time (VARIANT(depthwise_aligned_runs)).
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_aligned_rows)(
    const zoo_kernels_depthwise_plane *p, const float *weights, int maximum, const float *bias, float low, float high, int activation, int kw,
    int step, const char *next, size_t lines, float *out) {
    const int per_row = (p->out_w + VW - 1) / VW;
    const size_t per_row_lines = lines / (size_t)p->out_h + 1;
    for (int row = 0; row < p->out_h; row++) {
        for (size_t line = 0; line < per_row_lines; line++) __builtin_prefetch(next + 64 * (per_row_lines * (size_t)row + line));
        const float *base = p->padded + (size_t)row * p->stride_h * p->padded_width;
        float *destination = out + (size_t)row * p->out_w;
        int first = 0;
        for (; first + ZOO_RUNS <= per_row; first += ZOO_RUNS) {
            VARIANT(depthwise_aligned_runs)(
                p, ZOO_RUNS, base + (size_t)first * VW * step, destination, first * VW, weights, maximum, bias, low, high, activation, kw, step);
        }
        // The rest two runs, then one at a time (n a constant in each copy).
        if (first + 2 <= per_row) {
            VARIANT(depthwise_aligned_runs)(
                p, 2, base + (size_t)first * VW * step, destination, first * VW, weights, maximum, bias, low, high, activation, kw, step);
            first += 2;
        }
        for (; first < per_row; first++) {
            VARIANT(depthwise_aligned_runs)(
                p, 1, base + (size_t)first * VW * step, destination, first * VW, weights, maximum, bias, low, high, activation, kw, step);
        }
    }
}

/// One output at `source` (any step from the next): the same arithmetic as a lane of
/// VARIANT(depthwise_runs).
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

/// One plane, from the input plane at `input` with `filter` (NULL when `maximum`) and `bias`
/// (this plane's, or NULL) to `out`, inlined into VARIANT(depthwise) once per activation, step
/// (1 or 2: the runs' stride along a row, when `p->stride_w` is at most 2) and kind (a sum, or
/// the maximum when `maximum`), so that each copy's inner loop has no branch.
///
/// The plane is first copied into `p->padded` with its border. Flat planes: every position `m
/// = r padded_width + c` of the padded width, VW at a time, then each row's valid outputs copied
/// out. Otherwise row by row: the runs of a row start VW apart, the last one ending the row
/// (overlapping the one before), and outputs one by one where a row is shorter than VW or the
/// stride larger than 2. Either way ZOO_RUNS runs at once, across rows.
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_plane)(
    const zoo_kernels_depthwise_plane *p, const float *input, const float *filter, const float *bias, float low, float high, int activation,
    int step, int maximum, float *out, float *wide) {
    // The border and the slack get `fill`, the inside the input's rows.
    const int right = p->padded_width - p->pad_left - p->width;
    float *at = p->padded, *const end = p->padded + p->padded_count;
    const size_t top = (size_t)p->pad_top * p->padded_width + p->pad_left;
    VARIANT(fill)(at, top, p->fill);
    at += top;
    for (int row = 0; row < p->height; row++) {
        VARIANT(copy)(at, input + (size_t)row * p->width, (size_t)p->width);
        at += p->width;
        const int gap = row + 1 < p->height ? right + p->pad_left : right;
        VARIANT(fill)(at, (size_t)gap, p->fill);
        at += gap;
    }
    VARIANT(fill)(at, (size_t)(end - at), p->fill);
    const float *weights = maximum ? NULL : filter;
    const float *sources[ZOO_RUNS];
    float *destinations[ZOO_RUNS];
    // The next plane of the input (NCHW) is fetched while this one is computed, a few lines per
    // group of runs (a prefetch past the tensor's end is harmless).
    const char *next = (const char *)(input + (size_t)p->height * p->width);
    const size_t lines = ((size_t)p->height * p->width * sizeof(float) + 63) / 64;
    if (p->flat) {
        const int runs = p->wide_count / VW;
        const size_t per_group = lines / ((runs + ZOO_RUNS - 1) / ZOO_RUNS) + 1;
        for (int first = 0; first < runs; first += ZOO_RUNS) {
            for (size_t line = 0; line < per_group; line++) __builtin_prefetch(next + 64 * (per_group * (first / ZOO_RUNS) + line));
            const int n = runs - first < ZOO_RUNS ? runs - first : ZOO_RUNS;
            for (int i = 0; i < n; i++) {
                const size_t m = (size_t)(first + i) * VW;
                sources[i] = p->padded + step * m;
                destinations[i] = wide + m;
            }
            VARIANT(depthwise_some_runs)(n, sources, destinations, step, weights, p->offsets, p->taps, bias, low, high, activation);
        }
        for (int row = 0; row < p->out_h; row++) {
            VARIANT(copy)(out + (size_t)row * p->out_w, wide + (size_t)row * p->padded_width, (size_t)p->out_w);
        }
        return;
    }
    if (p->stride_w == step && p->dilation_w == 1 && p->padded_width % VW == 0
        && (step == 2 || p->padded_width >= (p->out_w + VW - 1) / VW * VW + VW) && p->kernel_w >= 1 && p->kernel_w <= ZOO_ALIGNED_WIDTH(step)
        && p->taps % p->kernel_w == 0) {
        // kw a constant in each copy.
        switch (p->kernel_w) {
        case 3: VARIANT(depthwise_aligned_rows)(p, weights, maximum, bias, low, high, activation, 3, step, next, lines, out); return;
        case 5: VARIANT(depthwise_aligned_rows)(p, weights, maximum, bias, low, high, activation, 5, step, next, lines, out); return;
        default: break;
        }
    }
    if (p->stride_w <= 2 && p->out_w >= VW) {
        const int per_row = (p->out_w + VW - 1) / VW;
        const int runs = p->out_h * per_row;
        const size_t per_group = lines / ((runs + ZOO_RUNS - 1) / ZOO_RUNS) + 1;
        for (int first = 0; first < runs; first += ZOO_RUNS) {
            for (size_t line = 0; line < per_group; line++) __builtin_prefetch(next + 64 * (per_group * (first / ZOO_RUNS) + line));
            const int n = runs - first < ZOO_RUNS ? runs - first : ZOO_RUNS;
            for (int i = 0; i < n; i++) {
                const int row = (first + i) / per_row, run = (first + i) % per_row;
                const int k = run * VW + VW > p->out_w ? p->out_w - VW : run * VW;
                sources[i] = p->padded + (size_t)row * p->stride_h * p->padded_width + (size_t)k * step;
                destinations[i] = out + (size_t)row * p->out_w + k;
            }
            VARIANT(depthwise_some_runs)(n, sources, destinations, step, weights, p->offsets, p->taps, bias, low, high, activation);
        }
        return;
    }
    for (int row = 0; row < p->out_h; row++) {
        const float *source = p->padded + (size_t)row * p->stride_h * p->padded_width;
        float *destination = out + (size_t)row * p->out_w;
        for (int k = 0; k < p->out_w; k++) {
            destination[k] = VARIANT(depthwise_one)(source + (size_t)k * p->stride_w, weights, p->offsets, p->taps, bias, low, high, activation);
        }
    }
}

/// Planes `first ..< first + count` (zoo_kernels_depthwise), through one copy of
/// VARIANT(depthwise_plane).
TARGET __attribute__((always_inline)) static inline void VARIANT(depthwise_planes)(
    const zoo_kernels_depthwise_plane *p, int first, int count, const float *bias, float low, float high, int activation, int step,
    int maximum, float *out, float *wide) {
    const size_t in_plane = (size_t)p->height * p->width, out_plane = (size_t)p->out_h * p->out_w;
    for (int q = first; q < first + count; q++) {
        const int filter = q % p->channels;
        VARIANT(depthwise_plane)(
            p, p->input + (size_t)q * in_plane, maximum ? NULL : p->weights + (size_t)filter * p->taps, bias ? bias + filter : NULL, low, high,
            activation, step, maximum, out + (size_t)q * out_plane, wide);
    }
}

TARGET static void VARIANT(depthwise)(
    const zoo_kernels_depthwise_plane *p, int first, int count, const float *bias, float low, float high, int activation, float *out,
    float *wide) {
    if (p->blocked && count >= VW) {
        // Whole groups of VW planes channel-blocked, the rest plane by plane.
        const int groups = count / VW * VW;
        VARIANT(depthwise_blocked)(p, first, groups, bias, low, high, activation, out);
        first += groups;
        count -= groups;
    }
    const int step = p->stride_w == 1 ? 1 : 2;
#define ZOO_PLANES(activation, step, maximum) VARIANT(depthwise_planes)(p, first, count, bias, low, high, activation, step, maximum, out, wide)
#define ZOO_PLANES_OF_KIND(activation, maximum) (step == 1 ? ZOO_PLANES(activation, 1, maximum) : ZOO_PLANES(activation, 2, maximum))
#define ZOO_PLANES_FOR(activation) (p->weights ? ZOO_PLANES_OF_KIND(activation, 0) : ZOO_PLANES_OF_KIND(activation, 1))
    ZOO_FOR_ACTIVATION(activation, ZOO_PLANES_FOR)
#undef ZOO_PLANES_FOR
#undef ZOO_PLANES_OF_KIND
#undef ZOO_PLANES
}

#undef ZOO_ALIGNED_WIDTH
#undef ZOO_RUNS
#undef ZOO_EVEN_LANES
#undef ZOO_ODD_LANES
