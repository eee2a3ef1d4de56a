// OpenBLAS's CBLAS interface (Debian libopenblas-dev; pkg-config name `openblas`, which puts its
// own include folder, holding cblas.h, first on the search path).
#include <cblas.h>

/// OpenBLAS's call that stops its thread server (it restarts it itself if a call ever needs
/// more than one thread). Not in cblas.h, so declared weak: a build without it leaves it null.
extern int blas_thread_shutdown_(void) __attribute__((weak));

/// OpenBLAS on the calling thread alone, its own threads stopped. The threads it starts when it
/// is loaded spin on sched_yield for about 2^28 cycles before they sleep (its THREAD_TIMEOUT),
/// and do so again after any threaded call: on a machine with as many cores as zoo's threads,
/// they take cycles from zoo's own workers (a first run of MobileNet v2 at two threads here took
/// 70-77 ms with them, 4.8 ms with OPENBLAS_NUM_THREADS=1).
static inline void zoo_blas_single_threaded(void) {
    openblas_set_num_threads(1);
    if (blas_thread_shutdown_) blas_thread_shutdown_();
}
