// zoo's own float32 matrix-product kernels for convolutions (ZooExec's PackedMatrix): the filters
// are packed once, at load, into the layout the micro-kernel reads; the input side is packed per
// tile straight from the image (no im2col matrix); bias and a clamp are applied as the tile is
// stored; and the activations on vectors that need an exponential (sigmoid, SiLU) or are a chain
// of ops exported as one (hard swish). One source
// is compiled for several instruction sets, picked at run time
// (zoo_kernels_best_isa), so the package needs no compiler flags and runs on any x86-64 and
// arm64.
#ifndef ZOO_KERNELS_H
#define ZOO_KERNELS_H

#include <stddef.h>

/// The instruction sets the kernels are compiled for.
enum zoo_isa {
    /// Portable vector code: SSE2 on x86-64, NEON on arm64 (MR 6, NR 8).
    ZOO_ISA_GENERIC = 0,
    /// AVX2 and FMA, 256-bit vectors (MR 6, NR 16).
    ZOO_ISA_AVX2 = 1,
    /// AVX-512F, 512-bit vectors (MR 12, NR 32).
    ZOO_ISA_AVX512 = 2,
};

/// The widest instruction set this CPU and operating system support (on x86-64, CPUID and the
/// register state the OS saves; elsewhere ZOO_ISA_GENERIC).
int zoo_kernels_best_isa(void);

/// Whether `isa` runs on this machine.
int zoo_kernels_isa_supported(int isa);

/// Rows of a micro-tile (filters) for `isa`: the packed filters are padded to a multiple.
int zoo_kernels_mr(int isa);

/// Columns of a micro-tile (output positions) for `isa`.
int zoo_kernels_nr(int isa);

/// Bytes of the L2 cache of one core as the system reports it (sysconf on Linux), 0 where it
/// does not.
long zoo_kernels_l2_bytes(void);

/// Floats zoo_kernels_pack_a writes for an `m x k` matrix (the panels and 16 floats of zeros
/// past them, which a tile's last step may read).
size_t zoo_kernels_packed_a_count(int isa, int m, int k);

/// Packs the row-major `m x k` matrix `a` (leading dimension `lda`) into `packed`, in blocks of
/// 256 of depth, each holding panels of MR rows: for each `kk` of the block, the MR values
/// `a[p MR + r][kk]` of panel `p` (0 past row `m`). A block of every row is contiguous, so a
/// tile streams the filters it needs in order.
void zoo_kernels_pack_a(int isa, int m, int k, const float *a, int lda, float *packed);

/// Where the right-hand matrix B (`k x n`) of a product comes from.
///
/// A plain matrix: `B[kk][nn] = data[kk ld + nn]` (`kernel_h == 0`), each row times
/// `row_scale[kk]` (one rounding, as a separate multiply would) when `row_scale` is not NULL: a
/// squeeze-and-excitation gate applied to a 1x1 convolution's input channels. A convolution's im2col
/// matrix, never materialized: row `kk = (c kernel_h + i) kernel_w + j`, column
/// `nn = y out_w + x` holds `data[(c height + iy) width + ix]` with
/// `iy = y stride_h + i dilation_h - pad_top`, `ix = x stride_w + j dilation_w - pad_left`,
/// or 0 when that lies outside the `height x width` plane.
typedef struct {
    const float *data;
    int ld;
    int height, width;
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    int pad_top, pad_left;
    int out_w;
    const float *row_scale;
} zoo_kernels_b_source;

/// What a tile applies to each finished value after the clamp.
enum zoo_activation {
    ZOO_ACTIVATION_NONE = 0,
    /// 1 / (1 + exp(-x)).
    ZOO_ACTIVATION_SIGMOID = 1,
    /// x / (1 + exp(-x)).
    ZOO_ACTIVATION_SILU = 2,
    /// x ((min(max(x + 3, 0), 6)) (1 / 6)), each operation rounded as written: hard swish as
    /// Keras writes it and tf2onnx exports it (Add 3, Clip 0..6, Mul by the float 1/6, Mul by x).
    ZOO_ACTIVATION_HARD_SWISH = 3,
};

/// The depth of one block of zoo_kernels_gemm_tile's sums: over at most this much depth, a tile
/// reads each element of its residual once, just before it writes C's element at the same
/// place, so `residual` may be `c` itself.
#define ZOO_KERNELS_DEPTH_BLOCK 256

/// Floats of scratch zoo_kernels_gemm_tile needs for tiles of up to `n` columns.
size_t zoo_kernels_scratch_count(int isa, int n);

/// `C[r][c] = f(clamp(sum_kk A[m0 + r][kk] B[kk][n0 + c] + bias[m0 + r] + R[r][c], low, high))` for
/// `r < rows`, `c < cols`, with the `m x k` matrix A packed by zoo_kernels_pack_a (`m0` a multiple of MR), B from
/// `b`, and `c` pointing at `C[0][0]` (leading dimension `ldc`). `bias` may be NULL (no bias);
/// `residual`, NULL or laid out as `c` (the same leading dimension), is the `R` added last (a
/// residual sum, in the order the separate add would take), and may be `c` itself when `k` is at
/// most ZOO_KERNELS_DEPTH_BLOCK;
/// `low`/`high` of -inf/+inf clamp nothing; `f` is `activation` (enum zoo_activation, computed
/// as zoo_kernels_activation does: the same bits). The sum over `kk` runs in blocks of 256 in order,
/// each a chain of multiply-adds (fused where the set has FMA), so every element's arithmetic is fixed by the sizes and
/// the instruction set alone, whatever tiles the caller cuts. `scratch` holds
/// zoo_kernels_scratch_count(isa, cols) floats, 64-byte aligned.
void zoo_kernels_gemm_tile(
    int isa, int m, int k, const float *packed_a, int m0, int rows, const zoo_kernels_b_source *b, int n0, int cols,
    float *c, int ldc, const float *bias, const float *residual, float low, float high, int activation, float *scratch);

/// Packs the block of depth from `k0` (a multiple of ZOO_KERNELS_DEPTH_BLOCK; the block is the
/// next ZOO_KERNELS_DEPTH_BLOCK rows, or the rest of the `k`) of columns `n0 ..< n0 + cols` of B
/// into `packed`, at the place zoo_kernels_gemm_tile_packed reads it: `k0` times `cols` rounded
/// up to NR floats from `packed`, which holds that many for all `k` rows. The blocks may be packed
/// by different threads, then read by every tile of those columns.
void zoo_kernels_pack_b(int isa, const zoo_kernels_b_source *b, int k, int k0, int n0, int cols, float *packed);

/// zoo_kernels_gemm_tile for the columns zoo_kernels_pack_b packed into `packed_b` (every block of
/// depth), without packing them again: the same arithmetic, so the same bits.
void zoo_kernels_gemm_tile_packed(
    int isa, int m, int k, const float *packed_a, int m0, int rows, const float *packed_b, int cols, float *c, int ldc, const float *bias,
    const float *residual, float low, float high, int activation);

/// The planes of a depthwise convolution or a max pool, each read from its bordered copy (0 or
/// -inf).
typedef struct {
    /// The input's planes, `height x width` each, one after the other (NCHW).
    const float *input;
    int height, width;
    /// Where the input lies in its bordered copy, and what the border holds.
    int pad_top, pad_left;
    float fill;
    /// The scratch that receives the bordered copy, `padded_width` wide, `padded_count` floats
    /// with the slack past it that the vector loads reach (ZooExec's PlaneWindow sizes it).
    float *padded;
    int padded_width;
    int padded_count;
    /// The filters, `taps` weights each (NULL: the maximum), plane `q` taking filter `q %
    /// channels`; and where each tap reads from a window's corner.
    const float *weights;
    int channels;
    const int *offsets;
    int taps;
    /// Taps per window row (tap `t` is row `t / kernel_w`, column `t % kernel_w`) and the
    /// columns between a row's taps.
    int kernel_w, dilation_w;
    int out_h, out_w;
    int stride_h, stride_w;
    /// Nonzero: every position `m = r padded_width + c` (`m < wide_count`, a multiple of 16)
    /// is computed, reading `padded[stride_w m + offset]` (the same stride on both axes, 1 or
    /// 2), then each row's `out_w` valid outputs are copied out. Zero: row by row.
    int flat;
    int wide_count;
    /// Not NULL: groups of zoo_kernels_vector_floats(isa) planes are computed together, one
    /// plane per lane, through this scratch of `blocked_height x blocked_width` pixels of that
    /// many floats (the planes' bordered copy, transposed), then a table of an int per input
    /// position, per output position and per tap; padded position `(r, c)` lies at pixel `r blocked_width + c`;
    /// `blocked_height` is at least
    /// the padded plane's rows and `blocked_width` at least as wide as every window reaches, and
    /// `taps` at most ZOO_KERNELS_BLOCKED_TAPS. The outputs' bits are those of the plane path.
    float *blocked;
    int blocked_width, blocked_height;
} zoo_kernels_depthwise_plane;

/// The most taps a channel-blocked depthwise convolution or max pool takes (a 7 x 7 window).
#define ZOO_KERNELS_BLOCKED_TAPS 49

/// Floats in one of `isa`'s vectors (the VW of its kernels): 16 on AVX-512, 8 on AVX2, 4 otherwise.
int zoo_kernels_vector_floats(int isa);

/// Planes `q` of `first ..< first + count`, each written to `out + q out_h out_w` with filter `q %
/// channels` and `bias[q % channels]` (`bias` may be NULL). Each input plane is copied into `padded` with
/// its border (each float written once), then
/// `out[r][c] = f(clamp(bias + sum_t weights[t] padded[r stride_h padded_width + c stride_w +
/// offsets[t]], low, high))` (`f` is `activation`, enum zoo_activation, as
/// zoo_kernels_activation computes it), each sum a chain of multiply-adds in tap
/// order (fused where the set has FMA), whether a vector lane or a lone output computes it;
/// with `weights` NULL (max pooling), the largest of the taps instead of the sum (`x > best ? x
/// : best`, starting from -inf). `wide` holds `wide_count` floats (flat planes only).
void zoo_kernels_depthwise(
    int isa, const zoo_kernels_depthwise_plane *plane, int first, int count, const float *bias, float low, float high, int activation,
    float *out, float *wide);

/// A 1x1 convolution (stride 1, unpadded, one group) of one image and the depthwise convolution
/// that reads its output, in blocks of 2 VW channels (VW = zoo_kernels_vector_floats(isa)).
typedef struct {
    /// The 1x1 convolution's input: `depth` (at most ZOO_KERNELS_DEPTH_BLOCK) planes of
    /// `depthwise.height x depthwise.width` (NCHW).
    const float *input;
    int depth;
    /// Its filters by blocks: the weight of filter `b 2 VW + l` for input channel `k` at `(b depth +
    /// k) 2 VW + l` (0 past the filters).
    const float *weights;
    /// Its bias, 2 VW per block (NULL: none), and its finish: clamped to `[low, high]`, then
    /// `activation` (enum zoo_activation).
    const float *bias;
    float low, high;
    int activation;
    /// The depthwise convolution, whose `channels` are the 1x1 convolution's filters (a multiple
    /// of VW) and whose `input` is not read; its `blocked` scratch must hold `blocked_height x
    /// blocked_width` pixels of 2 VW floats, then the tables (an int per input position, per
    /// output position and per tap).
    zoo_kernels_depthwise_plane depthwise;
} zoo_kernels_pointwise_depthwise_pair;

/// The depthwise convolution's output planes of the vectors of channels `first ..< first + count`
/// (planes `first VW ..< (first + count) VW`), written to `out + q out_h out_w` as
/// zoo_kernels_depthwise writes them (`bias`, `low`, `high` and `activation` are its), of the 1x1
/// convolution's output `Y[o][p] = f(clamp(bias[o] + sum_k W[o][k] X[k][p], low, high))`, each
/// sum the chain of multiply-adds zoo_kernels_gemm_tile gives it (one block of depth). A block's two vectors are computed at once where both are
/// in the range; its products are stored straight into the depthwise convolution's
/// channel-blocked plane, which it then reads: the same bits as the two convolutions one after
/// the other, however the vectors are split between calls.
void zoo_kernels_pointwise_depthwise(
    int isa, const zoo_kernels_pointwise_depthwise_pair *f, int first, int count, const float *bias, float low, float high, int activation,
    float *out);

/// One image plane of a Winograd F(4x4, 3x3) convolution (stride 1, 3x3): the input plane,
/// its padding at the top and left, the output plane, and the 4 x 4 output tiles per row
/// (tile `t` covers output rows from `4 (t / tiles_wide)` and columns from `4 (t % tiles_wide)`).
typedef struct {
    int height, width;
    int pad_top, pad_left;
    int out_h, out_w;
    int tiles_wide;
} zoo_kernels_winograd_plane;

/// `V[ξ][t] = (B^T d_t B)[ξ]` (points 0, ±1, ±2) for the tiles `t` of `first_tile ..< first_tile
/// + count` of one channel plane at `plane`, `d_t` the tile's 6 x 6 inputs (0 outside the
/// plane), stored at `v + ξ xi_stride + t - first_tile`; 16 tiles at a time on vectors.
void zoo_kernels_winograd_input(
    int isa, const zoo_kernels_winograd_plane *w, const float *plane, int first_tile, int count, float *v, size_t xi_stride);

/// `Y_t = A^T M_t A` for the same tiles of one filter, `M_t[ξ]` read from `m + ξ xi_stride + t -
/// first_tile`, each 4 x 4 result written into the output plane at `plane`, clipped at its edges.
void zoo_kernels_winograd_output(
    int isa, const zoo_kernels_winograd_plane *w, const float *m, size_t xi_stride, int first_tile, int count, float *plane);

/// `y[i] = f(x[i])` for `i < n` (`x` and `y` may be the same buffer), `f` being `activation`
/// (enum zoo_activation): sigmoid `1 / (1 + exp(-x))`, SiLU `x / (1 + exp(-x))` or hard swish, with a
/// vector exp (Cephes's expf: relative error about 2^-23; on AVX2 and SSE2 exp(t) is +inf above
/// t = 88.37 and 0 below t = -87.33, on AVX-512 it is scaled by vscalefps, finite up to FLT_MAX
/// and subnormal below -87.33). Each element's result depends on its value and `isa` alone, and
/// is the one zoo_kernels_gemm_tile's activation gives.
void zoo_kernels_activation(int isa, int activation, const float *x, float *y, size_t n);

/// `count` matrices of `rows x cols` floats, one after another at `x`, each transposed to the
/// same place at `y`: `y[m][j][i] = x[m][i][j]` (`x` and `y` apart). A batch of channels-last
/// images to channels-first, or back, is `count` images of `pixels x channels` matrices.
void zoo_kernels_transpose_matrices(int isa, const float *x, size_t count, size_t rows, size_t cols, float *y);

/// `y[p]` = the mean of the `size` floats of plane `p` of `x`, for `p < planes` (`size` at least
/// 1), summed in double precision in 32 interleaved partial sums in a fixed order (see
/// math_variant.h): the same bits on every instruction set.
void zoo_kernels_plane_means(int isa, const float *x, size_t planes, size_t size, float *y);

/// A chunk of a parallel region: `task(context, chunk)`.
typedef void (*zoo_parallel_task)(void *context, long chunk);

/// Runs `task(context, i)` for every `i < chunks`, chunk 0 on the calling thread and the others
/// on the pool's workers (started on first use, then spinning briefly after each region before
/// they sleep), and returns 1 when all have finished; returns 0 at once, running nothing, when
/// `chunks` is below 2 or above 64, or when another region holds the pool (a region started
/// from inside a task, or from another thread at the same time): the caller then runs the
/// chunks its own way.
int zoo_parallel(int chunks, zoo_parallel_task task, void *context);

#endif
