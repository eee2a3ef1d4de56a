// One instruction set's matrix transpose, included by kernels.c once per set (after
// depthwise_blocked_variant.h, whose VW x VW register transpose it uses) with VARIANT(name),
// TARGET and VW.

/// The matrix of `rows x cols` floats at `x` transposed to `y` (`y[j rows + i] = x[i cols + j]`),
/// for `cols` a constant of 2 to 4 where it is inlined: one pass over `x`, which the compiler
/// vectorizes as interleaved loads (an image's channels-last pixels to channels-first planes).
TARGET __attribute__((always_inline)) static inline void VARIANT(transpose_narrow)(
    const float *restrict x, size_t rows, int cols, float *restrict y) {
    for (size_t i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) y[(size_t)j * rows + i] = x[i * (size_t)cols + j];
    }
}

/// As VARIANT(transpose_narrow), for `rows` a constant of 2 to 4 (planes to channels-last
/// pixels): one pass over `y`, vectorized as interleaved stores.
TARGET __attribute__((always_inline)) static inline void VARIANT(transpose_short)(
    const float *restrict x, int rows, size_t cols, float *restrict y) {
    for (size_t j = 0; j < cols; j++) {
        for (int i = 0; i < rows; i++) y[j * (size_t)rows + i] = x[(size_t)i * cols + j];
    }
}

/// `count` matrices of `rows x cols` floats, one after another at `x`, each transposed to the
/// same place at `y` (`y[j rows + i] = x[i cols + j]`). A side of 2 to 4 goes through one
/// interleaved pass; otherwise blocks of VW x VW go through registers (VARIANT(transpose)), the
/// edges one float at a time. Every float is copied, so every set gives the same bits.
TARGET static void VARIANT(transpose_matrices)(const float *x, size_t count, size_t rows, size_t cols, float *y) {
    typedef VARIANT(fvec) vector;
    const size_t size = rows * cols;
    for (size_t matrix = 0; matrix < count; matrix++, x += size, y += size) {
        // The narrow side a constant in each copy.
        switch (cols) {
        case 2: VARIANT(transpose_narrow)(x, rows, 2, y); continue;
        case 3: VARIANT(transpose_narrow)(x, rows, 3, y); continue;
        case 4: VARIANT(transpose_narrow)(x, rows, 4, y); continue;
        default: break;
        }
        switch (rows) {
        case 2: VARIANT(transpose_short)(x, 2, cols, y); continue;
        case 3: VARIANT(transpose_short)(x, 3, cols, y); continue;
        case 4: VARIANT(transpose_short)(x, 4, cols, y); continue;
        default: break;
        }
        const size_t whole_rows = rows / VW * VW, whole_cols = cols / VW * VW;
        for (size_t i = 0; i < whole_rows; i += VW) {
            for (size_t j = 0; j < whole_cols; j += VW) {
                vector block[VW];
                for (int r = 0; r < VW; r++) memcpy(&block[r], x + (i + r) * cols + j, sizeof(vector));
                VARIANT(transpose)(block);
                for (int r = 0; r < VW; r++) memcpy(y + (j + r) * rows + i, &block[r], sizeof(vector));
            }
        }
        for (size_t i = 0; i < rows; i++) {
            for (size_t j = i < whole_rows ? whole_cols : 0; j < cols; j++) y[j * rows + i] = x[i * cols + j];
        }
    }
}
