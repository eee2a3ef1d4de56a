// One instruction set's packing routines and micro-kernel, included by kernels.c once per set
// (after math_variant.h, before pointwise_depthwise_variant.h, which undefines the parameters) with
//   VARIANT(name)  the function name with the set's suffix,
//   TARGET         the function attribute that enables the set (empty for the generic code),
//   VW, NV, MR     floats per vector, vectors per micro-tile row (NR = VW NV), rows per micro-tile,
//   MULTIPLY_ADD   a b + c on vectors: a fused multiply-add where the set has one (SSE2 has
//                  none: __builtin_elementwise_fma would call fmaf for every lane),
//   MASKED_GATHER  1 where the set has a fast masked gather (AVX-512: the im2col pack reads
//                  only positions inside the plane), 0 for a branch-free select after
//                  loading (measured faster on AVX2 and SSE2).
// The vectors are math_variant.h's (clang's ext_vector_type, lowered to the set's registers).

#define NR (VW * NV)
/// The most panels of A for which whole strips of a plain B are read in place rather than
/// packed: packing costs a pass over B per tile, which few panels do not amortize. Measured per
/// layer inside MobileNet v2 at one thread (AVX-512): 16 rows 0.125 -> 0.104 ms, 24 rows 0.094
/// -> 0.077, 32 rows 0.043 -> 0.036, 64 rows 0.053 -> 0.049.
#define ZOO_DIRECT_PANELS 6
/// How far ahead along a row of B (or of C) its next lines are asked for, in floats (four cache
/// lines): a row of a plane read a strip at a time is one of as many streams as B has rows (C
/// rows a tile touches), more than the hardware prefetchers follow. Measured inside ResNet-50 at
/// one thread (AVX2, Zen 3): its 56 x 56 1x1 convolutions 2.7 -> 1.9 ms, 3 x 3 (Winograd) 4.5 ->
/// 3.1 ms; MobileNet v2's 112 x 112 projection 0.82 -> 0.60 ms.
#define ZOO_PREFETCH_AHEAD 64

/// Asks for the line `ahead` floats past `p` (for writing when `write`) into L2 (locality 1):
/// the address is formed as an integer, as it may lie past the row's end (a prefetch never faults).
#define ZOO_PREFETCH(p, ahead, write) __builtin_prefetch((const void *)((uintptr_t)(p) + (uintptr_t)(ahead) * sizeof(float)), (write), 1)

/// A micro-tile of `rows x cols` (at most MR x nv VW) of C, at `c`: `acc = A panel x B strip`
/// over `kc` steps (the panel's MR values of a step `a_step` floats after the step before's: MR
/// packed, a plane's size where the rows are the pixels of input planes read in place; the
/// strip's first `nv` vectors of NR, its rows `ldb` floats apart: NR packed, B's leading
/// dimension read in place), plus C's current values unless `first`, plus the bias (one per
/// row, or with `column_bias` one per column), plus the residual's values (laid out as C) and
/// finished when `last`. Row `r` of C lies at `c + r ldc`, or at `row_at[r]` when that is given
/// (the pixels of a bordered plane). Inlined with `nv` NV (VARIANT(micro)) or 1
/// (VARIANT(micro_half)), and with `mr` MR or fewer (VARIANT(micro_rows): the panel's first `mr`
/// rows, when the rest are past the matrix): each element gets the same chain of multiply-adds
/// either way.
TARGET __attribute__((always_inline)) static inline void VARIANT(micro_tile)(
    int kc, const float *restrict a, const float *restrict b, size_t ldb, float *c, int ldc, int rows, int cols, int first, int last,
    const float *bias, const float *residual, float low, float high, int activation, int nv, int mr, size_t a_step, float *const *row_at,
    int column_bias) {
    typedef VARIANT(fvec) vector;
    vector acc[MR][NV];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {
        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) acc[r][v] = (vector)0;
    }
    for (int kk = 0; kk < kc; kk++) {
        // The filters of a small-plane layer come from memory (each is used a few dozen times):
        // ask for them 64 steps ahead.
        if (a_step == MR) __builtin_prefetch(a + 64 * MR);
        // A strip of B read in place: its row's next lines, for the strips that follow.
        if (ldb != NR) ZOO_PREFETCH(b, ZOO_PREFETCH_AHEAD, 0);
        vector column[NV];
        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {
            if (v < nv) memcpy(&column[v], b + v * VW, sizeof(vector));
        }
        _Pragma("clang loop unroll(full)") for (int r = 0; r < mr; r++) {
            vector weight = (vector)a[r];
            _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {
                if (v < nv) acc[r][v] = MULTIPLY_ADD(weight, column[v], acc[r][v]);
            }
        }
        a += a_step;
        b += ldb;
    }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {
        if (r >= rows) continue;
        float *row = row_at ? row_at[r] : c + (size_t)r * ldc;
        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {
            if (v >= nv) continue;
            // The columns of this vector inside the strip (a part of one in its last vector).
            const int count = cols - v * VW < VW ? cols - v * VW : VW;
            if (count <= 0) continue;
            vector value = acc[r][v];
            if (!first) value += VARIANT(load_part)(row + v * VW, count);
            if (last) {
                if (bias) value += column_bias ? VARIANT(load_part)(bias + v * VW, count) : (vector)bias[r];
                if (residual) value += VARIANT(load_part)(residual + (size_t)r * ldc + v * VW, count);
                value = VARIANT(finish)(value, low, high, activation);
            }
            VARIANT(store_part)(row + v * VW, value, count);
        }
    }
}

/// VARIANT(micro_tile) over all NV vectors of a strip.
TARGET static void VARIANT(micro)(
    int kc, const float *restrict a, const float *restrict b, size_t ldb, float *c, int ldc, int rows, int cols, int first, int last,
    const float *bias, const float *residual, float low, float high, int activation) {
    VARIANT(micro_tile)(kc, a, b, ldb, c, ldc, rows, cols, first, last, bias, residual, low, high, activation, NV, MR, MR, NULL, 0);
}

/// VARIANT(micro) over a panel's first MR / 3 or 2 MR / 3 rows (`rows` at most that): the last
/// panel of a matrix whose rows are not a multiple of MR (32 and 64 filters: 4 or 8 of 12 rows,
/// 2 or 4 of 6), without the rows of zeros.
TARGET static void VARIANT(micro_rows)(
    int kc, const float *restrict a, const float *restrict b, size_t ldb, float *c, int ldc, int rows, int cols, int first, int last,
    const float *bias, const float *residual, float low, float high, int activation) {
    if (rows <= MR / 3) {
        VARIANT(micro_tile)(kc, a, b, ldb, c, ldc, rows, cols, first, last, bias, residual, low, high, activation, NV, MR / 3, MR, NULL, 0);
    } else {
        VARIANT(micro_tile)(kc, a, b, ldb, c, ldc, rows, cols, first, last, bias, residual, low, high, activation, NV, 2 * MR / 3, MR, NULL, 0);
    }
}

/// VARIANT(micro_tile) over a strip's first vector alone (at most VW columns: the last strip of a
/// small plane), without the NR - VW columns of zeros.
TARGET static void VARIANT(micro_half)(
    int kc, const float *restrict a, const float *restrict b, size_t ldb, float *c, int ldc, int rows, int cols, int first, int last,
    const float *bias, const float *residual, float low, float high, int activation) {
    VARIANT(micro_tile)(kc, a, b, ldb, c, ldc, rows, cols, first, last, bias, residual, low, high, activation, 1, MR, MR, NULL, 0);
}

/// Vectors that hold a panel's MR rows.
#define ZOO_ROW_VECTORS ((MR + VW - 1) / VW)
/// The most columns VARIANT(micro_columns) takes: fewer multiply-adds per step than a vector of
/// columns (MR of them) needs, and at most 8.
#define ZOO_COLUMNS (MR / ZOO_ROW_VECTORS - 1 < 8 ? MR / ZOO_ROW_VECTORS - 1 : 8)

/// Panels VARIANT(micro_columns) takes at once for `n` columns: at least 8 chains of
/// multiply-adds in flight (a lone column's chain would wait out each multiply-add's latency).
#define ZOO_COLUMN_PANELS(n) (8 / ((n) * ZOO_ROW_VECTORS) > 0 ? 8 / ((n) * ZOO_ROW_VECTORS) : 1)

/// `panels` (1 to ZOO_COLUMN_PANELS(cols)) panels from the one at `a` (the next ones
/// `panel_stride` floats apart, their C rows MR rows apart; `rows` counts the rows from the
/// first panel's) of a strip of `cols` columns (a constant where it is inlined), the rows on
/// vectors: each step multiplies each panel's MR weights (ZOO_ROW_VECTORS vectors, read past
/// the panel's MR, into the next step's or the packed matrix's slack) by each column's value.
TARGET __attribute__((always_inline)) static inline void VARIANT(columns_tile)(
    int kc, const float *restrict a, size_t panel_stride, const float *restrict b, float *c, int ldc, int rows, int cols, int panels,
    int first, int last, const float *bias, const float *residual, float low, float high, int activation) {
    typedef VARIANT(fvec) vector;
    enum { P = 8 };
    vector acc[P][ZOO_COLUMNS][ZOO_ROW_VECTORS];
    // Only the sums in use zeroed (all of them would be a call to memset of up to 4 KiB a tile).
    _Pragma("clang loop unroll(full)") for (int q = 0; q < P; q++) {
        if (q >= panels) break;
        _Pragma("clang loop unroll(full)") for (int j = 0; j < ZOO_COLUMNS; j++) {
            if (j >= cols) break;
            _Pragma("clang loop unroll(full)") for (int v = 0; v < ZOO_ROW_VECTORS; v++) acc[q][j][v] = (vector)0;
        }
    }
    for (int kk = 0; kk < kc; kk++) {
        vector x[ZOO_COLUMNS];
        _Pragma("clang loop unroll(full)") for (int j = 0; j < ZOO_COLUMNS; j++) {
            if (j < cols) x[j] = (vector)b[j];
        }
        _Pragma("clang loop unroll(full)") for (int q = 0; q < P; q++) {
            if (q >= panels) break;
            vector weights[ZOO_ROW_VECTORS];
            memcpy(weights, a + q * panel_stride + (size_t)kk * MR, sizeof weights);
            _Pragma("clang loop unroll(full)") for (int j = 0; j < ZOO_COLUMNS; j++) {
                if (j >= cols) break;
                _Pragma("clang loop unroll(full)") for (int v = 0; v < ZOO_ROW_VECTORS; v++) {
                    acc[q][j][v] = MULTIPLY_ADD(weights[v], x[j], acc[q][j][v]);
                }
            }
        }
        b += NR;
    }
    for (int q = 0; q < panels; q++) {
        for (int j = 0; j < cols; j++) {
            for (int v = 0; v < ZOO_ROW_VECTORS; v++) {
                // Rows q MR + v VW ..< + VW of the column, gathered and scattered a lane at a time.
                const int base = q * MR + v * VW, end = rows < (q + 1) * MR ? rows : (q + 1) * MR;
                const int count = end - base < VW ? end - base : VW;
                if (count <= 0) break;
                float lanes[VW], current[VW] = {0}, added[VW] = {0}, biases[VW] = {0};
                for (int t = 0; t < count; t++) {
                    if (!first) current[t] = c[(size_t)(base + t) * ldc + j];
                    if (last && bias) biases[t] = bias[base + t];
                    if (last && residual) added[t] = residual[(size_t)(base + t) * ldc + j];
                }
                vector value = acc[q][j][v], part;
                if (!first) {
                    memcpy(&part, current, sizeof part);
                    value += part;
                }
                if (last) {
                    if (bias) {
                        memcpy(&part, biases, sizeof part);
                        value += part;
                    }
                    if (residual) {
                        memcpy(&part, added, sizeof part);
                        value += part;
                    }
                    value = VARIANT(finish)(value, low, high, activation);
                }
                memcpy(lanes, &value, sizeof lanes);
                for (int t = 0; t < count; t++) c[(size_t)(base + t) * ldc + j] = lanes[t];
            }
        }
    }
}

/// VARIANT(micro) for a strip of `cols` (1 to ZOO_COLUMNS) columns on `panels` panels at once
/// (VARIANT(columns_tile), one copy per column count): one multiply-add per column and panel a
/// step instead of MR for a vector of columns mostly empty (a matrix-vector product: a
/// convolution on a 1 x 1 plane, as in squeeze-and-excitation blocks and classifier heads; the
/// last column of a 7 x 7 plane, the last 4 of a 14 x 14 one). Each element gets the same chain
/// of multiply-adds and the same finish as in VARIANT(micro), so the same bits.
TARGET static void VARIANT(micro_columns)(
    int kc, const float *restrict a, size_t panel_stride, const float *restrict b, float *c, int ldc, int rows, int cols, int panels,
    int first, int last, const float *bias, const float *residual, float low, float high, int activation) {
    // The panel count a constant in each copy: a full group at once, fewer one by one.
#define ZOO_COLUMNS_CASE(n) \
    case n: \
        if (panels == ZOO_COLUMN_PANELS(n)) { \
            VARIANT(columns_tile)(kc, a, panel_stride, b, c, ldc, rows, n, ZOO_COLUMN_PANELS(n), first, last, bias, residual, low, high, activation); \
            return; \
        } \
        for (int q = 0; q < panels; q++) { \
            VARIANT(columns_tile)( \
                kc, a + q * panel_stride, panel_stride, b, c + (size_t)q * MR * ldc, ldc, rows - q * MR, n, 1, first, last, \
                bias ? bias + q * MR : NULL, residual ? residual + (size_t)q * MR * ldc : NULL, low, high, activation); \
        } \
        return;
    switch (cols) {
        ZOO_COLUMNS_CASE(1)
#if ZOO_COLUMNS >= 2
        ZOO_COLUMNS_CASE(2)
#endif
#if ZOO_COLUMNS >= 3
        ZOO_COLUMNS_CASE(3)
        ZOO_COLUMNS_CASE(4)
        ZOO_COLUMNS_CASE(5)
#endif
#if ZOO_COLUMNS >= 6
        ZOO_COLUMNS_CASE(6)
        ZOO_COLUMNS_CASE(7)
        ZOO_COLUMNS_CASE(8)
#endif
    default: return;
    }
#undef ZOO_COLUMNS_CASE
}

/// Packs rows `k0 ..< k0 + kc`, columns `n0 ..< n0 + cols` of a plain B into strips of NR
/// columns, `out[strip][kk][NR]`, zero past `cols` (each row times its `row_scale`, if any).
TARGET static void VARIANT(pack_matrix)(const zoo_kernels_b_source *b, int k0, int kc, int n0, int cols, float *restrict out) {
    for (int strip = 0; strip * NR < cols; strip++) {
        int width = cols - strip * NR < NR ? cols - strip * NR : NR;
        const float *source = b->data + (size_t)k0 * b->ld + n0 + strip * NR;
        float *destination = out + (size_t)strip * kc * NR;
        for (int kk = 0; kk < kc; kk++) {
            ZOO_PREFETCH(source, ZOO_PREFETCH_AHEAD, 0);
            if (b->row_scale) {
                const float scale = b->row_scale[k0 + kk];
                for (int t = 0; t < NR; t++) destination[t] = t < width ? source[t] * scale : 0.0f;
            } else if (width == NR) {
                memcpy(destination, source, NR * sizeof(float));
            } else {
                memcpy(destination, source, (size_t)width * sizeof(float));
                memset(destination + width, 0, (size_t)(NR - width) * sizeof(float));
            }
            source += b->ld;
            destination += NR;
        }
    }
}

#if MASKED_GATHER
/// (AVX-512 alone, VW 16.) A run of VW columns of the im2col matrix at stride 1 or 2 cut into
/// segments that lie in one output row each (a 7 x 7 plane's run of 16 spans three rows):
/// lanes `[lane[g], lane[g + 1])` in output row `top[g]` (the input row of tap (0, 0)), lane 0
/// of the run at input column `left[g]` (virtual where the segment starts later).
typedef struct {
    int count;
    int lane[VW + 1];
    int top[VW], left[VW];
} VARIANT(run_segments);

/// The segments of the run of `lanes` columns from column `first`.
TARGET static void VARIANT(find_segments)(const zoo_kernels_b_source *b, int first, int lanes, VARIANT(run_segments) *s) {
    int y = first / b->out_w, x = first % b->out_w;
    s->count = 0;
    for (int l = 0; l < lanes; l++) {
        if (l == 0 || x == 0) {
            const int g = s->count++;
            s->lane[g] = l;
            s->top[g] = y * b->stride_h - b->pad_top;
            s->left[g] = (x - l) * b->stride_w - b->pad_left;
        }
        if (++x == b->out_w) { x = 0; y++; }
    }
    s->lane[s->count] = lanes;
}

/// Segments a run holds at most in VARIANT(pack_conv_taps) (runs of VW columns over output rows
/// of at least 6: one segment more than the rows a run starts in), and taps a filter.
#define ZOO_PACK_SEGMENTS 4
#define ZOO_PACK_TAPS 49

/// One masked load of a segmented run: from element `offset` of a channel's plane (an address
/// formed as an integer: the masked-off lanes' may lie outside the plane), the lanes of `mask`
/// (the second vector's in its high 16 bits, at stride 2).
typedef struct {
    long offset;
    uint32_t mask;
} VARIANT(tap_load);

/// The masked loads of row `(row, column)` (tap offsets) of a segmented run, into `loads` (one
/// per segment at most; their count returned): per segment whose input row is inside the plane
/// and that reaches into it, its input row from the run's lane 0 (two vectors at stride 2).
TARGET static inline int VARIANT(segment_loads)(
    const VARIANT(run_segments) *s, int height, int width, int row, int column, int step, VARIANT(tap_load) *loads) {
    int n = 0;
    for (int g = 0; g < s->count; g++) {
        const int iy = s->top[g] + row;
        if ((unsigned)iy >= (unsigned)height) continue;
        // Element e of the span from input column `ix` (lane e / step) is this segment's and
        // inside the row when lane[g] step <= e <= (lane[g + 1] - 1) step and 0 <= ix + e < width.
        const long ix = (long)s->left[g] + column;
        long begin = (long)s->lane[g] * step, end = (long)(s->lane[g + 1] - 1) * step + 1;
        if (begin < -ix) begin = -ix;
        if (end > width - ix) end = width - ix;
        if (begin >= end) continue;
        const uint64_t inside = (((uint64_t)1 << end) - 1) & ~(((uint64_t)1 << begin) - 1);
        loads[n++] = (VARIANT(tap_load)){(long)iy * width + ix, (uint32_t)inside};
    }
    return n;
}

/// A run's vector from `count` masked loads of the plane at `plane` (VARIANT(segment_loads)), at
/// stride `step` (1 or 2: the even lanes of the two vectors). Masked-off lanes read nothing, so
/// nothing outside an input row is read; a segment whose input row is padding, and the lanes
/// past the run, stay 0.
TARGET static inline VARIANT(fvec) VARIANT(apply_loads)(const float *plane, const VARIANT(tap_load) *loads, int count, int step) {
    __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
    for (int e = 0; e < count; e++) {
        const uintptr_t start = (uintptr_t)plane + (uintptr_t)(loads[e].offset * (long)sizeof(float));
        low = _mm512_mask_loadu_ps(low, (__mmask16)(loads[e].mask & 0xFFFF), (const float *)start);
        if (step == 2) high = _mm512_mask_loadu_ps(high, (__mmask16)(loads[e].mask >> 16), (const float *)(start + VW * sizeof(float)));
    }
    if (step == 1) return (VARIANT(fvec))low;
    return __builtin_shufflevector((VARIANT(fvec))low, (VARIANT(fvec))high, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}

/// Row `(row, column)` (tap offsets) of a segmented run: per segment, one masked load of its
/// input row (two at stride 2, then their even lanes) merged into the run's vector.
TARGET static inline VARIANT(fvec) VARIANT(segment_load)(
    const VARIANT(run_segments) *s, const float *plane, int height, int width, int row, int column, int step) {
    VARIANT(tap_load) loads[VW];
    return VARIANT(apply_loads)(plane, loads, VARIANT(segment_loads)(s, height, width, row, column, step, loads), step);
}

/// VARIANT(pack_conv) at stride 1 or 2 for filters of at most ZOO_PACK_TAPS taps, output rows of
/// at least 6 and blocks of at least 4 channels (0 when it does not apply, having written
/// nothing; fewer channels do not repay locating every tap first: a 7 x 7 stem's 3 channels
/// packed 7% slower). Where a run's segments (VARIANT(find_segments)) and a tap fall in the
/// plane is the same for every channel, so each strip's masked loads (VARIANT(segment_loads))
/// are worked out once per tap, and every row `kk` of the block is then those loads from its
/// channel's plane, without locating them again for each of the block's channels.
TARGET static int VARIANT(pack_conv_taps)(const zoo_kernels_b_source *b, int k0, int kc, int n0, int cols, float *restrict out) {
    const int area = b->kernel_h * b->kernel_w, step = b->stride_w;
    if (area > ZOO_PACK_TAPS || (step != 1 && step != 2) || b->out_w < 6 || kc < 4 * area) return 0;
    const int height = b->height, width = b->width;
    for (int strip = 0; strip * NR < cols; strip++) {
        const int first = n0 + strip * NR;
        const int used = cols - strip * NR < NR ? cols - strip * NR : NR;
        VARIANT(tap_load) loads[ZOO_PACK_TAPS][NV][ZOO_PACK_SEGMENTS];
        int counts[ZOO_PACK_TAPS][NV];
        for (int h = 0; h < NV; h++) {
            const int lanes = used - h * VW < 0 ? 0 : used - h * VW < VW ? used - h * VW : VW;
            VARIANT(run_segments) s = {0};
            if (lanes > 0) VARIANT(find_segments)(b, first + h * VW, lanes, &s);
            for (int q = 0; q < area; q++) {
                counts[q][h] = VARIANT(segment_loads)(
                    &s, height, width, q / b->kernel_w * b->dilation_h, q % b->kernel_w * b->dilation_w, step, loads[q][h]);
            }
        }
        float *destination = out + (size_t)strip * kc * NR;
        int channel = k0 / area, q = k0 % area;
        for (int kk = 0; kk < kc; kk++, destination += NR) {
            const float *plane = b->data + (size_t)channel * height * width;
            for (int h = 0; h < NV; h++) {
                const VARIANT(fvec) values = VARIANT(apply_loads)(plane, loads[q][h], counts[q][h], step);
                memcpy(destination + h * VW, &values, sizeof values);
            }
            if (++q == area) { q = 0; channel++; }
        }
    }
    return 1;
}
#undef ZOO_PACK_SEGMENTS
#undef ZOO_PACK_TAPS
#endif

/// The im2col pack: as VARIANT(pack_matrix), with B read through the convolution's taps. Each
/// strip's columns are located once (`top`/`left`: the input row and column of tap (0, 0), far
/// outside the plane past `cols`); every row `kk = (c, i, j)` of the block, stepped without
/// division, is then a masked gather `plane_c[(top + i dh) width + left + j dw]`, 0 outside the
/// plane. A run of VW columns that lies in one output row, at stride 1 or 2, whose taps all fall
/// inside the plane, is loaded instead (one vector, or two and their even lanes): the same
/// values. On AVX-512 the other runs at stride 1 or 2 are masked loads (VARIANT(segment_load))
/// instead of gathers.
TARGET static void VARIANT(pack_conv)(const zoo_kernels_b_source *b, int k0, int kc, int n0, int cols, float *restrict out) {
    const int area = b->kernel_h * b->kernel_w;
    const unsigned height = (unsigned)b->height, width = (unsigned)b->width;
    if (height == 0 || width == 0) {  // Only padding: every tap reads 0 (and no plane may be read).
        memset(out, 0, (size_t)((cols + NR - 1) / NR) * kc * NR * sizeof(float));
        return;
    }
#if MASKED_GATHER
    if (VARIANT(pack_conv_taps)(b, k0, kc, n0, cols, out)) return;
#endif
    // Where each row `kk = (c, i, j)` of the block reads, from tap (0, 0) of channel 0: a strip
    // whose every tap falls inside the plane reads its runs there, nothing to check.
    size_t tap_offset[ZOO_KC];
    for (int kk = 0, channel = k0 / area, i = (k0 % area) / b->kernel_w, j = k0 % b->kernel_w; kk < kc; kk++) {
        tap_offset[kk] = ((size_t)channel * height + (size_t)i * b->dilation_h) * width + (size_t)j * b->dilation_w;
        if (++j == b->kernel_w) {
            j = 0;
            if (++i == b->kernel_h) { i = 0; channel++; }
        }
    }
    for (int strip = 0; strip * NR < cols; strip++) {
        const int first = n0 + strip * NR;
        const int used = cols - strip * NR < NR ? cols - strip * NR : NR;
        int top[NR], left[NR];
        int y = first / b->out_w, x = first % b->out_w;
        for (int t = 0; t < NR; t++) {
            // A row far above the plane: adding i dilation_h (at most the padded height) stays below 0.
            top[t] = t < used ? y * b->stride_h - b->pad_top : -(1 << 30);
            left[t] = x * b->stride_w - b->pad_left;
            if (++x == b->out_w) { x = 0; y++; }
        }
        // Which runs of VW columns lie in one output row (so their columns are stride_w apart in
        // one input row), at stride 1 or 2.
        int in_row[NV];
        for (int h = 0; h < NV; h++) {
            in_row[h] = (b->stride_w == 1 || b->stride_w == 2) && (h + 1) * VW <= used && top[h * VW] == top[h * VW + VW - 1];
        }
        // The last column a run reads (at stride 2, one past its last tap, as the load reads it).
        const int reach = b->stride_w == 1 ? VW - 1 : 2 * VW - 1;
        int interior = 1;
        for (int h = 0; h < NV; h++) {
            const int t = h * VW;
            interior = interior && in_row[h] && top[t] >= 0 && top[t] + (b->kernel_h - 1) * b->dilation_h < (int)height && left[t] >= 0 &&
                left[t] + (b->kernel_w - 1) * b->dilation_w + reach < (int)width;
        }
        if (interior) {
            // Every run in one output row and every tap inside: row kk of run h starts at its
            // tap's offset from the run's tap (0, 0) (the values the checked loads below give).
            const float *run[NV];
            for (int h = 0; h < NV; h++) run[h] = b->data + (size_t)top[h * VW] * width + left[h * VW];
            float *destination = out + (size_t)strip * kc * NR;
            for (int kk = 0; kk < kc; kk++, destination += NR) {
                for (int h = 0; h < NV; h++) {
                    const VARIANT(fvec) values = VARIANT(window_load)(run[h] + tap_offset[kk], b->stride_w);
                    memcpy(destination + h * VW, &values, sizeof values);
                }
            }
            continue;
        }
#if MASKED_GATHER
        // The other runs at stride 1 or 2, in segments of one output row each.
        const int segmented = b->stride_w == 1 || b->stride_w == 2;
        VARIANT(run_segments) segments[NV];
        for (int h = 0; h < NV && segmented; h++) {
            const int lanes = used - h * VW < 0 ? 0 : used - h * VW < VW ? used - h * VW : VW;
            if (!in_row[h]) VARIANT(find_segments)(b, first + h * VW, lanes, &segments[h]);
        }
#endif
        float *destination = out + (size_t)strip * kc * NR;
        int channel = k0 / area, i = (k0 % area) / b->kernel_w, j = k0 % b->kernel_w;
        for (int kk = 0; kk < kc; kk++, destination += NR) {
            const float *plane = b->data + (size_t)channel * height * width;
            const int row = i * b->dilation_h, column = j * b->dilation_w;
            int loaded = 0;
            for (int h = 0; h < NV; h++) {
                const int iy = top[h * VW] + row, ix = left[h * VW] + column;
                if (!in_row[h]) continue;
                VARIANT(fvec) values;
                if ((unsigned)iy >= height) {
                    values = (VARIANT(fvec))0;  // the run's input row is padding
                } else if (ix >= 0 && ix + reach < (int)width) {
                    const float *start = plane + (size_t)iy * width + ix;
                    if (b->stride_w == 1) {
                        memcpy(&values, start, sizeof values);
                    } else {
                        values = VARIANT(window_load)(start, 2);
                    }
                } else {
                    continue;  // part of the run lies in the padding at the row's start or end
                }
                memcpy(destination + h * VW, &values, sizeof values);
                loaded |= 1 << h;
            }
#if MASKED_GATHER
            for (int h = 0; h < NV && segmented; h++) {
                if (loaded >> h & 1) continue;
                const VARIANT(fvec) values = in_row[h]
                    ? VARIANT(segment_load)(&(VARIANT(run_segments)){1, {0, VW}, {top[h * VW]}, {left[h * VW]}}, plane, (int)height, (int)width, row, column, b->stride_w)
                    : VARIANT(segment_load)(&segments[h], plane, (int)height, (int)width, row, column, b->stride_w);
                memcpy(destination + h * VW, &values, sizeof values);
                loaded |= 1 << h;
            }
#endif
            for (int t = 0; t < NR && loaded != (1 << NV) - 1; t++) {
                if (loaded >> (t / VW) & 1) continue;
                const int iy = top[t] + row, ix = left[t] + column;
                const int inside = (unsigned)iy < height && (unsigned)ix < width;
#if MASKED_GATHER
                destination[t] = inside ? plane[iy * (int)width + ix] : 0.0f;
#else
                // Branch-free: a position outside the plane loads element 0 and keeps 0.
                const float value = plane[inside ? iy * (int)width + ix : 0];
                destination[t] = inside ? value : 0.0f;
#endif
            }
            if (++j == b->kernel_w) {
                j = 0;
                if (++i == b->kernel_h) { i = 0; channel++; }
            }
        }
    }
}

/// Packs A in blocks of ZOO_KC of depth, each block holding every panel (block-major: a tile
/// reads one block of all its rows as one stream, which matters when the weights come from
/// memory): `packed[k0 M_p + (panel kc + kk) MR + r] = A[panel MR + r][k0 + kk]` with `M_p` the
/// rows rounded up to MR and `kc` the block's depth.
TARGET static void VARIANT(pack_a)(int m, int k, const float *a, int lda, float *packed) {
    const size_t padded_rows = (size_t)(m + MR - 1) / MR * MR;
    for (int k0 = 0; k0 < k; k0 += ZOO_KC) {
        const int kc = k - k0 < ZOO_KC ? k - k0 : ZOO_KC;
        float *block = packed + (size_t)k0 * padded_rows;
        for (int panel = 0; panel * MR < m; panel++) {
            for (int kk = 0; kk < kc; kk++) {
                for (int r = 0; r < MR; r++) {
                    const int row = panel * MR + r;
                    block[((size_t)panel * kc + kk) * MR + r] = row < m ? a[(size_t)row * lda + k0 + kk] : 0;
                }
            }
        }
    }
}

/// Rows `k0 ..< k0 + kc`, columns `n0 ..< n0 + cols` of B packed into strips (zoo_kernels_pack_b).
TARGET static void VARIANT(pack_b)(const zoo_kernels_b_source *b, int k0, int kc, int n0, int cols, float *out) {
    if (b->kernel_h == 0) {
        VARIANT(pack_matrix)(b, k0, kc, n0, cols, out);
    } else {
        VARIANT(pack_conv)(b, k0, kc, n0, cols, out);
    }
}

/// zoo_kernels_gemm_tile (`packed_b` NULL: each block of B packed into `scratch` here) or
/// zoo_kernels_gemm_tile_packed (`packed_b` holding every block, packed before).
TARGET static void VARIANT(gemm_tile)(
    int m, int k, const float *packed_a, int m0, int rows, const zoo_kernels_b_source *b, int n0, int cols, float *c, int ldc,
    const float *bias, const float *residual, float low, float high, int activation, float *scratch, const float *packed_b) {
    const int first_panel = m0 / MR, panels = (rows + MR - 1) / MR;
    const size_t padded_rows = (size_t)(m + MR - 1) / MR * MR;
    if (k == 0) {
        for (int r = 0; r < rows; r++) {
            const float base = bias ? bias[m0 + r] : 0;
            for (int t = 0; t < cols; t++) {
                const float value = residual ? base + residual[(size_t)r * ldc + t] : base;
                c[(size_t)r * ldc + t] = VARIANT(finish)((VARIANT(fvec))value, low, high, activation)[0];
            }
        }
        return;
    }
    for (int k0 = 0; k0 < k; k0 += ZOO_KC) {
        const int kc = k - k0 < ZOO_KC ? k - k0 : ZOO_KC;
        const int first = k0 == 0, last = k0 + kc == k;
        // Few panels of a plain B: its whole strips read in place (packing them would cost
        // as much as the panels' multiply-adds), the rest packed.
        const int direct = !packed_b && b->kernel_h == 0 && !b->row_scale && panels <= ZOO_DIRECT_PANELS;
        const int whole = direct ? cols / NR : 0;
        if (packed_b) {
            scratch = (float *)packed_b + (size_t)k0 * ((cols + NR - 1) / NR * NR);
        } else if (whole * NR < cols) {
            VARIANT(pack_b)(b, k0, kc, n0 + whole * NR, cols - whole * NR, scratch + (size_t)whole * kc * NR);
        }
        // Blocks of ZOO_MC rows of A (ZOO_MC x 256 floats) stay in L2 while every strip passes.
        for (int block = 0; block < panels; block += ZOO_MC / MR) {
            const int end = block + ZOO_MC / MR < panels ? block + ZOO_MC / MR : panels;
            for (int strip = 0; strip * NR < cols; strip++) {
                const int width = cols - strip * NR < NR ? cols - strip * NR : NR;
                // The strip's first `lead` columns through a tile (its first vector alone when
                // they fit one); the rest on the rows' vectors, several panels at once: all of a
                // strip of at most ZOO_COLUMNS, those past the first vector of one of at most VW
                // + ZOO_COLUMNS (a 7 x 7 plane's 49 = 32 + 16 + 1 on AVX-512).
                const int lead = width <= ZOO_COLUMNS ? 0 : NV > 1 && width > VW && width <= VW + ZOO_COLUMNS ? VW : width;
                for (int panel = block; lead > 0 && panel < end; panel++) {
                    const int height = rows - panel * MR < MR ? rows - panel * MR : MR;
                    const float *panel_a = packed_a + (size_t)k0 * padded_rows + (size_t)(first_panel + panel) * kc * MR;
                    const float *strip_b = strip < whole ? b->data + (size_t)k0 * b->ld + n0 + strip * NR : scratch + (size_t)strip * kc * NR;
                    const size_t ldb = strip < whole ? (size_t)b->ld : NR;
                    float *tile = c + (size_t)panel * MR * ldc + strip * NR;
                    const float *panel_bias = bias ? bias + m0 + panel * MR : NULL;
                    const float *tile_residual = residual ? residual + (size_t)panel * MR * ldc + strip * NR : NULL;
                    // The next strip's lines of C (written) and of the residual (read), while
                    // this micro-tile runs.
                    if ((strip + 1) * NR < cols) {
                        for (int r = 0; r < height; r++) {
                            if (first) ZOO_PREFETCH(tile + (size_t)r * ldc, NR, 1);
                            if (last && tile_residual) ZOO_PREFETCH(tile_residual + (size_t)r * ldc, NR, 0);
                        }
                    }
                    if (NV > 1 && lead <= VW) {
                        VARIANT(micro_half)(
                            kc, panel_a, strip_b, ldb, tile, ldc, height, lead, first, last, panel_bias, tile_residual, low, high, activation);
                    } else if (height <= 2 * MR / 3) {
                        VARIANT(micro_rows)(
                            kc, panel_a, strip_b, ldb, tile, ldc, height, lead, first, last, panel_bias, tile_residual, low, high, activation);
                    } else {
                        VARIANT(micro)(
                            kc, panel_a, strip_b, ldb, tile, ldc, height, lead, first, last, panel_bias, tile_residual, low, high, activation);
                    }
                }
                if (lead == width) continue;
                const int count = ZOO_COLUMN_PANELS(width - lead);
                for (int panel = block; panel < end; panel += count) {
                    const float *panel_a = packed_a + (size_t)k0 * padded_rows + (size_t)(first_panel + panel) * kc * MR;
                    const size_t offset = (size_t)panel * MR * ldc + strip * NR + lead;
                    VARIANT(micro_columns)(
                        kc, panel_a, (size_t)kc * MR, scratch + (size_t)strip * kc * NR + lead, c + offset, ldc, rows - panel * MR, width - lead,
                        end - panel < count ? end - panel : count, first, last, bias ? bias + m0 + panel * MR : NULL,
                        residual ? residual + offset : NULL, low, high, activation);
                }
            }
        }
    }
}

#undef ZOO_COLUMN_PANELS
#undef ZOO_COLUMNS
#undef ZOO_ROW_VECTORS
#undef NR
#undef ZOO_DIRECT_PANELS
#undef ZOO_PREFETCH_AHEAD
#undef ZOO_PREFETCH
