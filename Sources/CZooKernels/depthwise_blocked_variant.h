// One instruction set's channel-blocked plane window: VW planes of a depthwise convolution or a
// max pool at once, one plane per lane, included by kernels.c once per set (after
// math_variant.h, before depthwise_variant.h, which calls it) with VARIANT(name), TARGET, VW and
// MULTIPLY_ADD.
//
// The VW input planes are transposed into one bordered plane of VW-float pixels (NCHWc, as
// onnxruntime's MLAS keeps activations), so that a vector is one output position of VW planes
// and every tap is one aligned load, whatever the stride and however narrow the plane; the
// outputs are transposed back. Each lane's arithmetic is the plane window's (the taps in order, a
// chain of multiply-adds or the maximum, then bias and finish), so a plane has the same bits
// whichever path computes it.

/// The lanes of `a` and `b` interleaved, from their first (LOW) or second (HIGH) halves.
#if VW == 16
#define ZOO_INTERLEAVE_LOW(a, b) __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define ZOO_INTERLEAVE_HIGH(a, b) __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#define ZOO_LOG2_VW 4
#elif VW == 8
#define ZOO_INTERLEAVE_LOW(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define ZOO_INTERLEAVE_HIGH(a, b) __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15)
#define ZOO_LOG2_VW 3
#else
#define ZOO_INTERLEAVE_LOW(a, b) __builtin_shufflevector(a, b, 0, 4, 1, 5)
#define ZOO_INTERLEAVE_HIGH(a, b) __builtin_shufflevector(a, b, 2, 6, 3, 7)
#define ZOO_LOG2_VW 2
#endif

/// Output positions computed at once, each a chain of its own.
#define ZOO_BLOCKED_RUNS 8
/// How far ahead of a transposed block each plane is fetched, in floats (four 64-byte lines).
#define ZOO_BLOCKED_AHEAD 64

/// The VW x VW matrix whose rows are `rows` transposed in place: log2(VW) rounds of interleaving
/// row `i` with row `i + VW/2` (each round rotates an element's row and column bits by one). On
/// AVX-512, the usual in-lane unpacks and shuffles first, then 128-bit lane shuffles.
TARGET __attribute__((always_inline)) static inline void VARIANT(transpose)(VARIANT(fvec) *rows) {
#if VW == 16 && defined(__x86_64__)
    __m512 r[16], t[16];
    memcpy(r, rows, sizeof r);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
    memcpy(rows, r, sizeof r);
#else
    typedef VARIANT(fvec) vector;
    for (int round = 0; round < ZOO_LOG2_VW; round++) {
        vector next[VW];
        for (int i = 0; i < VW / 2; i++) {
            next[2 * i] = ZOO_INTERLEAVE_LOW(rows[i], rows[i + VW / 2]);
            next[2 * i + 1] = ZOO_INTERLEAVE_HIGH(rows[i], rows[i + VW / 2]);
        }
        for (int i = 0; i < VW; i++) rows[i] = next[i];
    }
#endif
}

/// `n` (1 to ZOO_BLOCKED_RUNS) output positions, position `i` reading its window from
/// `sources[i]` (`offsets` in floats) and stored at `destinations[i]`: per lane the sum of the
/// taps' `weights[t] x` as a chain of multiply-adds in tap order, plus `bias`, then clamp and
/// `activation`; or, with `maximum`, the largest tap (`x > best ? x : best` from -inf).
TARGET __attribute__((always_inline)) static inline void VARIANT(blocked_runs)(
    int n, const float **sources, float **destinations, const VARIANT(fvec) *weights, const int *offsets, int taps, int maximum,
    const VARIANT(fvec) *bias, float low, float high, int activation) {
    typedef VARIANT(fvec) vector;
    vector sums[ZOO_BLOCKED_RUNS];
    for (int i = 0; i < n; i++) sums[i] = maximum ? (vector)(-__builtin_inff()) : (vector)0;
    for (int t = 0; t < taps; t++) {
        const int offset = offsets[t];
        for (int i = 0; i < n; i++) {
            vector values;
            memcpy(&values, sources[i] + offset, sizeof values);
            sums[i] = maximum ? (values > sums[i] ? values : sums[i]) : MULTIPLY_ADD(weights[t], values, sums[i]);
        }
    }
    for (int i = 0; i < n; i++) {
        vector value = sums[i];
        if (bias) value += *bias;
        value = VARIANT(finish)(value, low, high, activation);
        memcpy(destinations[i], &value, sizeof value);
    }
}

/// Where the blocked path keeps its tables in `p->blocked`, past the bordered plane of `pixel`
/// floats a pixel (VW, or 2 VW: two groups of planes side by side): each input pixel's float
/// offset in the bordered plane, each output position's window corner, then each tap's offset
/// from a corner.
TARGET static inline int *VARIANT(blocked_tables)(const zoo_kernels_depthwise_plane *p, int pixel) {
    return (int *)(p->blocked + (size_t)p->blocked_height * p->blocked_width * pixel);
}

/// Readies `p->blocked` for a call's groups, with `pixel` floats a pixel: the bordered plane's
/// border filled with `p->fill` (each group rewrites the whole inside; filling the whole plane
/// took 4% of MobileNet v2's run at two threads) and the tables of VARIANT(blocked_tables).
TARGET static inline void VARIANT(blocked_prepare)(const zoo_kernels_depthwise_plane *p, int pixel) {
    const size_t row = (size_t)p->blocked_width * pixel, left = (size_t)p->pad_left * pixel, span = (size_t)p->width * pixel;
    VARIANT(fill)(p->blocked, (size_t)p->pad_top * row, p->fill);
    for (int y = 0; y < p->height; y++) {
        float *const start = p->blocked + (size_t)(p->pad_top + y) * row;
        VARIANT(fill)(start, left, p->fill);
        VARIANT(fill)(start + left + span, row - left - span, p->fill);
    }
    const size_t below = (size_t)(p->pad_top + p->height) * row;
    VARIANT(fill)(p->blocked + below, (size_t)p->blocked_height * row - below, p->fill);
    int *inside = VARIANT(blocked_tables)(p, pixel), *corners = inside + (size_t)p->height * p->width;
    for (int y = 0; y < p->height; y++) {
        for (int x = 0; x < p->width; x++) *inside++ = ((p->pad_top + y) * p->blocked_width + p->pad_left + x) * pixel;
    }
    for (int row = 0; row < p->out_h; row++) {
        for (int column = 0; column < p->out_w; column++) *corners++ = (row * p->stride_h * p->blocked_width + column * p->stride_w) * pixel;
    }
    for (int t = 0; t < p->taps; t++) {
        *corners++ = (p->offsets[t] / p->padded_width * p->blocked_width + p->offsets[t] % p->padded_width) * pixel;
    }
}

/// The inside of `p->blocked` (readied by VARIANT(blocked_prepare), VW floats a pixel) from the VW input planes
/// `q0 ..< q0 + VW`: VW pixels of the VW planes at a time (the last VW overlapping the ones
/// before, rewriting the same values), transposed, each pixel to its place.
TARGET __attribute__((always_inline)) static inline void VARIANT(blocked_fill)(const zoo_kernels_depthwise_plane *p, int q0) {
    typedef VARIANT(fvec) vector;
    const size_t in_plane = (size_t)p->height * p->width;
    float *const blocked = p->blocked;
    const int *const inside = VARIANT(blocked_tables)(p, VW);
    const float *input = p->input + (size_t)q0 * in_plane;
    const int in_count = in_plane < VW ? (int)in_plane : VW;
    for (size_t first = 0; first < in_plane; first += VW) {
        const size_t start = first + in_count > in_plane ? in_plane - in_count : first;
        vector rows[VW];
        for (int l = 0; l < VW; l++) {
            // The planes are read as VW streams at once, more than the hardware follows: each
            // is fetched a few lines ahead (past the last plane's end harmlessly).
            __builtin_prefetch(input + l * in_plane + start + ZOO_BLOCKED_AHEAD);
            rows[l] = VARIANT(load_part)(input + l * in_plane + start, in_count);
        }
        VARIANT(transpose)(rows);
        for (int i = 0; i < in_count; i++) memcpy(blocked + inside[start + i], &rows[i], sizeof(vector));
    }
}

/// Output positions `begin ..< end` of the VW output planes `q0 ..< q0 + VW` (zoo_kernels_depthwise)
/// from `p->blocked` (`pixel` floats a pixel, the planes' lanes from float `lane` of each), whose
/// inside holds their input planes (VARIANT(blocked_fill), or a pointwise convolution's
/// products) as far as those positions read. A range of at least VW positions (or the whole
/// plane) whose last VW overlap the positions before rewrites those with the same values.
TARGET __attribute__((always_inline)) static inline void VARIANT(blocked_compute)(
    const zoo_kernels_depthwise_plane *p, int q0, int pixel, int lane, const float *bias, float low, float high, int activation, int maximum,
    size_t begin, size_t end, float *out) {
    typedef VARIANT(fvec) vector;
    const int taps = p->taps;
    const size_t in_plane = (size_t)p->height * p->width, out_plane = (size_t)p->out_h * p->out_w;
    const float *const blocked = p->blocked + lane;
    const int *const inside = VARIANT(blocked_tables)(p, pixel), *const corners = inside + in_plane, *const offsets = corners + out_plane;
    // Each lane's filter and bias (plane q takes channel q % channels), the filters transposed VW
    // taps at a time.
    const float *filters[VW];
    float lane_bias[VW];
    for (int l = 0, channel = q0 % p->channels; l < VW; l++, channel = channel + 1 == p->channels ? 0 : channel + 1) {
        if (!maximum) filters[l] = p->weights + (size_t)channel * p->taps;
        if (bias) lane_bias[l] = bias[channel];
    }
    vector weights[ZOO_KERNELS_BLOCKED_TAPS + VW], bias_vector;
    if (!maximum) {
        const float *const weights_end = p->weights + (size_t)p->channels * p->taps;
        for (int t = 0; t < taps; t += VW) {
            const int n = taps - t < VW ? taps - t : VW;
            for (int l = 0; l < VW; l++) {
                // A whole vector where the filters go on past it (its lanes past `n` land in
                // the vectors past the taps).
                weights[t + l] = VARIANT(load_part)(filters[l] + t, filters[l] + t + VW <= weights_end ? VW : n);
            }
            VARIANT(transpose)(weights + t);
        }
    }
    if (bias) memcpy(&bias_vector, lane_bias, sizeof bias_vector);
    // The outputs, VW positions at a time across rows (ZOO_BLOCKED_RUNS at once; the last VW
    // overlapping the ones before), transposed back to the VW planes.
    const float *sources[VW];
    float *destinations[VW];
    vector rows[VW];
    // (Fewer than VW outputs: one group, whose lanes past them stay 0 until the transpose.)
    const int out_count = out_plane < VW ? (int)out_plane : VW;
    if (out_count < VW) memset(rows, 0, sizeof rows);
    for (int i = 0; i < out_count; i++) destinations[i] = (float *)&rows[i];
    for (size_t first = begin; first < end; first += VW) {
        const size_t start = first + out_count > end ? end - out_count : first;
        for (int i = 0; i < out_count; i++) sources[i] = blocked + corners[start + i];
        for (int i = 0; i < out_count; i += ZOO_BLOCKED_RUNS) {
            if (out_count - i >= ZOO_BLOCKED_RUNS) {
                VARIANT(blocked_runs)(ZOO_BLOCKED_RUNS, sources + i, destinations + i, weights, offsets, taps, maximum, bias ? &bias_vector : NULL, low, high, activation);
            } else {
                VARIANT(blocked_runs)(out_count - i, sources + i, destinations + i, weights, offsets, taps, maximum, bias ? &bias_vector : NULL, low, high, activation);
            }
        }
        VARIANT(transpose)(rows);
        for (int l = 0; l < VW; l++) {
            float *destination = out + (size_t)(q0 + l) * out_plane + start;
            __builtin_prefetch(destination + ZOO_BLOCKED_AHEAD, 1);
            VARIANT(store_part)(destination, rows[l], out_count);
        }
    }
}

/// Planes `first ..< first + count` (a multiple of VW), VW at a time through VARIANT(blocked_fill) and VARIANT(blocked_compute),
/// one copy per activation and kind (sum or maximum), so that each copy's inner loop has no
/// branch. (Copies per window size, the taps unrolled, measured slower.)
TARGET static void VARIANT(depthwise_blocked)(
    const zoo_kernels_depthwise_plane *p, int first, int count, const float *bias, float low, float high, int activation, float *out) {
    VARIANT(blocked_prepare)(p, VW);
#define ZOO_GROUPS(activation, maximum) \
    for (int q = first; q < first + count; q += VW) { \
        VARIANT(blocked_fill)(p, q); \
        VARIANT(blocked_compute)(p, q, VW, 0, bias, low, high, activation, maximum, 0, (size_t)p->out_h * p->out_w, out); \
    }
#define ZOO_GROUPS_FOR(activation) \
    do { \
        if (p->weights) { \
            ZOO_GROUPS(activation, 0); \
        } else { \
            ZOO_GROUPS(activation, 1); \
        } \
    } while (0)
    ZOO_FOR_ACTIVATION(activation, ZOO_GROUPS_FOR)
#undef ZOO_GROUPS_FOR
#undef ZOO_GROUPS
}

#undef ZOO_BLOCKED_AHEAD
#undef ZOO_BLOCKED_RUNS
#undef ZOO_LOG2_VW
#undef ZOO_INTERLEAVE_HIGH
#undef ZOO_INTERLEAVE_LOW
