// The machine's floating-point ceiling for bench/run.sh: fused multiply-adds on float32 vectors
// with nothing else in the loop (24 independent chains, more than the FMA units' latency times
// their count, all in registers), on THREADS threads at once, in GFLOP/s (2 FLOPs per lane per
// multiply-add). It uses the widest set the CPU runs (AVX-512, else AVX2 + FMA; other machines
// print "-"). No kernel that loads its operands can pass this; sgemm_peak.py measures what a
// library's products reach, which on some CPUs is far below it.
//
// Usage: cc -O2 -pthread bench/fma_peak.c -o fma_peak && ./fma_peak THREADS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define STEPS 100000000L
#define CHAINS(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23)

#if defined(__x86_64__)
#include <immintrin.h>

/// One thread's multiply-adds on VECTORs (from SET1) of the instruction set `set` (FMADD), `CHAINS_OF`
/// chains; returns their sum (REDUCE of each) so that nothing is optimized out.
#define DEFINE_RUN(name, set, CHAINS_OF) \
    __attribute__((target(set))) static float name(void) { \
        const VECTOR x = SET1(0.9999f), y = SET1(0.00001f); \
        CHAINS_OF(START) \
        for (long k = 0; k < STEPS; k++) { CHAINS_OF(STEP) } \
        float sum = 0; \
        CHAINS_OF(SUM) \
        return sum; \
    }
#define START(i) VECTOR a##i = SET1((float)(i) * 0.001f);
#define STEP(i) a##i = FMADD(a##i, x, y);
#define SUM(i) sum += REDUCE(a##i);
/// AVX2 has 16 registers: 12 chains.
#define HALF(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)

static inline __attribute__((target("avx2"))) float reduce256(__m256 v) {
    float lanes[8], sum = 0;
    _mm256_storeu_ps(lanes, v);
    for (int l = 0; l < 8; l++) sum += lanes[l];
    return sum;
}

#define VECTOR __m512
#define SET1 _mm512_set1_ps
#define FMADD _mm512_fmadd_ps
#define REDUCE _mm512_reduce_add_ps
DEFINE_RUN(run_avx512, "avx512f,avx512vl", CHAINS)
#undef VECTOR
#undef SET1
#undef FMADD
#undef REDUCE
#define VECTOR __m256
#define SET1 _mm256_set1_ps
#define FMADD _mm256_fmadd_ps
#define REDUCE reduce256
DEFINE_RUN(run_avx2, "avx2,fma", HALF)
#endif

static int width;  // floats per vector of the set in use
static double flops_per_thread;

static void *thread_main(void *result) {
#if defined(__x86_64__)
    *(float *)result = width == 16 ? run_avx512() : run_avx2();
#endif
    return NULL;
}

int main(int argc, char **argv) {
    const int threads = argc == 2 ? atoi(argv[1]) : 0;
    if (threads < 1 || threads > 64) {
        fprintf(stderr, "usage: %s THREADS (1 to 64)\n", argv[0]);
        return 2;
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
        width = 16;
        flops_per_thread = 2.0 * 16 * 24 * STEPS;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        width = 8;
        flops_per_thread = 2.0 * 8 * 12 * STEPS;
    }
#endif
    if (width == 0) {
        puts("-");
        return 0;
    }
    pthread_t handles[64];
    float results[64];
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int t = 0; t < threads; t++) pthread_create(&handles[t], NULL, thread_main, &results[t]);
    for (int t = 0; t < threads; t++) pthread_join(handles[t], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    const double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) * 1e-9;
    float check = 0;
    for (int t = 0; t < threads; t++) check += results[t];
    printf("%.1f\n", flops_per_thread * threads / seconds / 1e9 + (check == -1.0f ? 1e-9 : 0));
    return 0;
}
