// One instruction set's pointwise-then-depthwise convolution, included by kernels.c once per set
// (last: after depthwise_blocked_variant.h and gemm_variant.h, whose blocked plane and
// micro-tile it runs) with the same parameters, which it undefines at its end.
//
// A 1x1 convolution's output channels are computed 2 VW at a time as pixels of 2 VW floats (the
// swapped product `Y^T = X^T W^T`: the pixels on the micro-tile's rows, read in place from the
// input planes, the filters on its two vectors), each stored straight into the depthwise
// convolution's channel-blocked bordered plane, which the depthwise convolution then reads, one
// vector of channels at a time: the intermediate never leaves the core's cache and is never
// transposed into it. Each output of the pointwise
// convolution is the chain of multiply-adds the matrix path gives it (one block of depth), plus
// its bias, finished, and the depthwise convolution is the blocked path's, so the outputs
// have the bits of the two convolutions run one after the other.

/// Outputs of the depthwise convolution per band of output rows (about), each band's products of
/// the 1x1 convolution computed just before it reads them, for a bordered plane of more than
/// ZOO_PAIR_PLANE floats (1 MiB, the L2 of a core): MobileNet v2's 112 x 112 pair (1.6 MiB a
/// block) took 0.34 ms at one thread against 0.39 in one pass; its 56 x 56 ones (0.4 MiB) were
/// no faster in bands.
#define ZOO_PAIR_BAND 512
#define ZOO_PAIR_PLANE 262144

/// The 1x1 convolution's products for pixels `p0 ..< p0 + MR` (fewer at the plane's end) and a
/// block's `vectors` (1 or 2) vectors of filters from lane `lane`, each pixel stored to its place
/// in the bordered plane (`inside`). The tile's rows and vectors are constants in each copy (a
/// last panel of MR / 3 or 2 MR / 3 pixels without the rows of zeros, as VARIANT(micro_rows)
/// does).
TARGET __attribute__((always_inline)) static inline void VARIANT(pair_tile)(
    const zoo_kernels_pointwise_depthwise_pair *f, int p0, int lane, const float *weights, const float *vector_bias, int vectors,
    const int *inside) {
    const zoo_kernels_depthwise_plane *p = &f->depthwise;
    const int pixels = p->height * p->width, rows = pixels - p0 < MR ? pixels - p0 : MR;
    float *row_at[MR];
    for (int r = 0; r < MR; r++) row_at[r] = p->blocked + inside[p0 + (r < rows ? r : 0)] + lane;
    const float *a = f->input + p0;
    size_t a_step = (size_t)pixels;
    float panel[ZOO_KC * MR];
    if (rows < MR) {
        // The last pixels packed, zero past them (read in place, the tile's rows past the plane
        // would read past the input).
        for (int k = 0; k < f->depth; k++) {
            for (int r = 0; r < MR; r++) panel[(size_t)k * MR + r] = r < rows ? a[(size_t)k * pixels + r] : 0;
        }
        a = panel;
        a_step = MR;
    }
#define ZOO_PAIR_TILE(nv, mr) \
    VARIANT(micro_tile)( \
        f->depth, a, weights, 2 * VW, NULL, 0, rows, (nv) * VW, 1, 1, vector_bias, NULL, f->low, f->high, f->activation, nv, mr, a_step, row_at, 1)
    if (rows <= MR / 3) {
        if (vectors == 2) ZOO_PAIR_TILE(2, MR / 3); else ZOO_PAIR_TILE(1, MR / 3);
    } else if (rows <= 2 * MR / 3) {
        if (vectors == 2) ZOO_PAIR_TILE(2, 2 * MR / 3); else ZOO_PAIR_TILE(1, 2 * MR / 3);
    } else if (vectors == 2) {
        ZOO_PAIR_TILE(2, MR);
    } else {
        ZOO_PAIR_TILE(1, MR);
    }
#undef ZOO_PAIR_TILE
}

/// Vectors of channels `first ..< first + count` (zoo_kernels_pointwise_depthwise), with the
/// depthwise convolution's activation `activation` a constant where it is inlined: each block's
/// two vectors at once where both are in the range, else the one that is.
TARGET __attribute__((always_inline)) static inline void VARIANT(pointwise_depthwise_vectors)(
    const zoo_kernels_pointwise_depthwise_pair *f, int first, int count, const float *bias, float low, float high, int activation, float *out) {
    const zoo_kernels_depthwise_plane *p = &f->depthwise;
    const int pixels = p->height * p->width;
    const int *const inside = VARIANT(blocked_tables)(p, 2 * VW);
    // The padded row of a window's last tap below its first, and output rows a band: the whole
    // plane where the bordered plane fits L2 (ZOO_PAIR_PLANE floats), else about ZOO_PAIR_BAND
    // outputs and at least VW (VARIANT(blocked_compute)'s ranges).
    const int reach = p->offsets[p->taps - 1] / p->padded_width;
    const int least = (VW + p->out_w - 1) / p->out_w, most = ZOO_PAIR_BAND / p->out_w;
    const int band = (size_t)p->blocked_height * p->blocked_width * 2 * VW <= ZOO_PAIR_PLANE ? p->out_h : most > least ? most : least;
    for (int vector = first; vector < first + count;) {
        const int block = vector / 2, lane = vector % 2 * VW;
        const int vectors = lane == 0 && vector + 1 < first + count ? 2 : 1;
        const float *const weights = f->weights + (size_t)block * f->depth * 2 * VW + lane;
        const float *const vector_bias = f->bias ? f->bias + (size_t)block * 2 * VW + lane : NULL;
        // Bands of output rows: the products the band's windows read (every pixel up to the
        // last input row they reach), then the band's outputs, while those products are in cache.
        int p0 = 0;
        for (int oy0 = 0; oy0 < p->out_h; oy0 += band) {
            const int oy1 = oy0 + band < p->out_h ? oy0 + band : p->out_h;
            const long last_row = (long)(oy1 - 1) * p->stride_h + reach - p->pad_top;
            const int needed = oy1 == p->out_h || last_row + 1 >= p->height ? pixels : last_row < 0 ? 0 : (int)(last_row + 1) * p->width;
            for (; p0 < needed; p0 += MR) VARIANT(pair_tile)(f, p0, lane, weights, vector_bias, vectors, inside);
            if (oy1 == p->out_h && vector + vectors < first + count) {
                // The next block's filters fetched while this one's last band runs (a small
                // plane's filters come from memory, each used by a few tiles).
                const char *next = (const char *)(f->weights + (size_t)(block + 1) * f->depth * 2 * VW);
                for (size_t line = 0; line < (size_t)f->depth * 2 * VW * sizeof(float); line += 64) __builtin_prefetch(next + line);
            }
            for (int v = 0; v < vectors; v++) {
                VARIANT(blocked_compute)(
                    p, (vector + v) * VW, 2 * VW, lane + v * VW, bias, low, high, activation, 0, (size_t)oy0 * p->out_w, (size_t)oy1 * p->out_w, out);
            }
        }
        vector += vectors;
    }
}

TARGET static void VARIANT(pointwise_depthwise)(
    const zoo_kernels_pointwise_depthwise_pair *f, int first, int count, const float *bias, float low, float high, int activation, float *out) {
    VARIANT(blocked_prepare)(&f->depthwise, 2 * VW);
#define ZOO_VECTORS_FOR(activation) VARIANT(pointwise_depthwise_vectors)(f, first, count, bias, low, high, activation, out)
    ZOO_FOR_ACTIVATION(activation, ZOO_VECTORS_FOR)
#undef ZOO_VECTORS_FOR
}

#undef ZOO_PAIR_BAND
#undef ZOO_PAIR_PLANE
#undef VARIANT
#undef TARGET
#undef VW
#undef NV
#undef MR
#undef MULTIPLY_ADD
#undef MASKED_GATHER
