// One instruction set's Winograd F(4x4, 3x3) input and output transforms (ZooExec's
// WinogradConvolution), included by kernels.c once per set (after math_variant.h, before
// gemm_variant.h, which undefines the parameters) with VARIANT(name) and TARGET. Sixteen tiles
// are transformed at once, lane `l` of each vector being tile `t + l`, so the transforms are
// vector arithmetic (one AVX-512 register, two AVX2 or four SSE2/NEON ones per vector).

typedef float VARIANT(tiles) __attribute__((ext_vector_type(16)));

/// `B^T z` for one column `z` of six values (points 0, ±1, ±2), `s` apart, into `r`, `rs` apart
/// (`r` may be `z`: every value is read before any is written):
///
///     B^T = [ 4  0 -5  0  1  0 ]
///           [ 0 -4 -4  1  1  0 ]
///           [ 0  4 -4 -1  1  0 ]
///           [ 0 -2 -1  2  1  0 ]
///           [ 0  2 -1 -2  1  0 ]
///           [ 0  4  0 -5  0  1 ]
TARGET static inline void VARIANT(winograd_input_rows)(const VARIANT(tiles) *z, int s, VARIANT(tiles) *r, int rs) {
    typedef VARIANT(tiles) tiles;
    const tiles z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s];
    r[0] = 4 * z0 - 5 * z2 + z4;
    r[rs] = -4 * (z1 + z2) + z3 + z4;
    r[2 * rs] = 4 * (z1 - z2) - z3 + z4;
    r[3 * rs] = 2 * (z3 - z1) - z2 + z4;
    r[4 * rs] = 2 * (z1 - z3) - z2 + z4;
    r[5 * rs] = 4 * z1 - 5 * z3 + z5;
}

/// `A^T z` for one column `z` of six values, `s` apart, into four `rs` apart:
///
///     A^T = [ 1  1  1  1  1  0 ]
///           [ 0  1 -1  2 -2  0 ]
///           [ 0  1  1  4  4  0 ]
///           [ 0  1 -1  8 -8  1 ]
TARGET static inline void VARIANT(winograd_output_rows)(const VARIANT(tiles) *z, int s, VARIANT(tiles) *r, int rs) {
    typedef VARIANT(tiles) tiles;
    const tiles z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s];
    const tiles sum12 = z1 + z2, difference12 = z1 - z2, sum34 = z3 + z4, difference34 = z3 - z4;
    r[0] = z0 + sum12 + sum34;
    r[rs] = difference12 + 2 * difference34;
    r[2 * rs] = sum12 + 4 * sum34;
    r[3 * rs] = difference12 + 8 * difference34 + z5;
}

TARGET static void VARIANT(winograd_input)(
    const zoo_kernels_winograd_plane *w, const float *plane, int first_tile, int count, float *v, size_t xi_stride) {
    typedef VARIANT(tiles) tiles;
    tiles d[36], temp[36];
    float *lanes = (float *)d;
    for (int t = 0; t < count; t += 16) {
        const int width = count - t < 16 ? count - t : 16;
        // The 6 x 6 input tile of each lane (the last tile repeated past `width`), 0 outside the plane.
        for (int l = 0; l < 16; l++) {
            const int tile = first_tile + t + (l < width ? l : width - 1);
            const int top = tile / w->tiles_wide * 4 - w->pad_top, left = tile % w->tiles_wide * 4 - w->pad_left;
            if (top >= 0 && left >= 0 && top + 6 <= w->height && left + 6 <= w->width) {
                for (int i = 0; i < 6; i++) {
                    const float *row = plane + (size_t)(top + i) * w->width + left;
                    for (int j = 0; j < 6; j++) lanes[(i * 6 + j) * 16 + l] = row[j];
                }
            } else {
                for (int i = 0; i < 6; i++) {
                    const int y = top + i;
                    for (int j = 0; j < 6; j++) {
                        const int x = left + j;
                        lanes[(i * 6 + j) * 16 + l] = y >= 0 && y < w->height && x >= 0 && x < w->width ? plane[(size_t)y * w->width + x] : 0;
                    }
                }
            }
        }
        // B^T d, column by column, then (B^T d) B, row by row.
        for (int j = 0; j < 6; j++) VARIANT(winograd_input_rows)(d + j, 6, temp + j, 6);
        for (int i = 0; i < 6; i++) VARIANT(winograd_input_rows)(temp + i * 6, 1, temp + i * 6, 1);
        for (int xi = 0; xi < 36; xi++) {
            float *destination = v + (size_t)xi * xi_stride + t;
            if (width == 16) {
                memcpy(destination, &temp[xi], sizeof(tiles));
            } else {
                memcpy(destination, &temp[xi], (size_t)width * sizeof(float));
            }
        }
    }
}

TARGET static void VARIANT(winograd_output)(
    const zoo_kernels_winograd_plane *w, const float *m, size_t xi_stride, int first_tile, int count, float *plane) {
    typedef VARIANT(tiles) tiles;
    tiles products[36], temp[24], result[16];
    const float *lanes = (const float *)result;
    for (int t = 0; t < count; t += 16) {
        const int width = count - t < 16 ? count - t : 16;
        for (int xi = 0; xi < 36; xi++) {
            const float *source = m + (size_t)xi * xi_stride + t;
            if (width == 16) {
                memcpy(&products[xi], source, sizeof(tiles));
            } else {
                products[xi] = (tiles)0;
                memcpy(&products[xi], source, (size_t)width * sizeof(float));
            }
        }
        // A^T M, column by column (4 x 6), then (A^T M) A, row by row (4 x 4).
        for (int j = 0; j < 6; j++) VARIANT(winograd_output_rows)(products + j, 6, temp + j, 6);
        for (int i = 0; i < 4; i++) VARIANT(winograd_output_rows)(temp + i * 6, 1, result + i * 4, 1);
        for (int l = 0; l < width; l++) {
            const int tile = first_tile + t + l;
            const int top = tile / w->tiles_wide * 4, left = tile % w->tiles_wide * 4;
            const int rows = w->out_h - top < 4 ? w->out_h - top : 4, columns = w->out_w - left < 4 ? w->out_w - left : 4;
            for (int i = 0; i < rows; i++) {
                float *row = plane + (size_t)(top + i) * w->out_w + left;
                for (int j = 0; j < columns; j++) row[j] = lanes[(i * 4 + j) * 16 + l];
            }
        }
    }
}
