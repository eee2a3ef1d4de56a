// zoo's own thread pool for the executor's parallel loops (ZooExec's Parallel). Waking a parked
// libdispatch worker costs tens of microseconds on Linux, as much as a small layer's whole
// share, so the pool's workers spin for a while after each region before they sleep. A region
// hands chunk i (1 <= i < chunks) to worker i - 1 and runs chunk 0 on the calling thread; each
// worker has its own start and done counters, so no worker can see a region before its fields
// are written or after the caller has moved on.
#include "zoo_kernels.h"

#include <pthread.h>
#include <stdatomic.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define ZOO_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define ZOO_RELAX() __asm__ __volatile__("yield")
#else
#define ZOO_RELAX() ((void)0)
#endif

/// Workers at most (a region of more chunks is refused and the caller runs it another way).
#define ZOO_POOL_MAX 63
/// Checks of its start counter a worker makes before it sleeps (with a pause between: about
/// a hundred microseconds).
#define ZOO_POOL_SPINS 20000

typedef struct {
    pthread_t thread;
    _Atomic long start;
    _Atomic long done;
    int sleeping;
} zoo_worker;

static struct {
    /// Held by the thread running a region: one region at a time (nested or concurrent
    /// regions are refused, not waited for).
    pthread_mutex_t busy;
    /// Guards `sleeping` and the workers' sleep.
    pthread_mutex_t sleep;
    pthread_cond_t wake;
    int workers;
    long generation;
    zoo_parallel_task task;
    void *context;
    zoo_worker worker[ZOO_POOL_MAX];
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static void *zoo_pool_worker(void *argument) {
    const long index = (long)argument;
    zoo_worker *self = &pool.worker[index];
    long seen = 0;
    for (;;) {
        long start;
        int spins = 0;
        while ((start = atomic_load_explicit(&self->start, memory_order_acquire)) == seen) {
            if (++spins < ZOO_POOL_SPINS) {
                ZOO_RELAX();
                continue;
            }
            pthread_mutex_lock(&pool.sleep);
            self->sleeping = 1;
            while (atomic_load_explicit(&self->start, memory_order_acquire) == seen) pthread_cond_wait(&pool.wake, &pool.sleep);
            self->sleeping = 0;
            pthread_mutex_unlock(&pool.sleep);
        }
        seen = start;
        pool.task(pool.context, index + 1);
        atomic_store_explicit(&self->done, start, memory_order_release);
    }
    return NULL;
}

int zoo_parallel(int chunks, zoo_parallel_task task, void *context) {
    if (chunks < 2 || chunks - 1 > ZOO_POOL_MAX) return 0;
    if (pthread_mutex_trylock(&pool.busy) != 0) return 0;
    while (pool.workers < chunks - 1) {
        zoo_worker *worker = &pool.worker[pool.workers];
        atomic_init(&worker->start, 0);
        atomic_init(&worker->done, 0);
        worker->sleeping = 0;
        if (pthread_create(&worker->thread, NULL, zoo_pool_worker, (void *)(long)pool.workers) != 0) break;
        pthread_detach(worker->thread);
        pool.workers++;
    }
    if (pool.workers < chunks - 1) {
        pthread_mutex_unlock(&pool.busy);
        return 0;
    }
    const long generation = ++pool.generation;
    pool.task = task;
    pool.context = context;
    for (int i = 0; i < chunks - 1; i++) atomic_store_explicit(&pool.worker[i].start, generation, memory_order_release);
    pthread_mutex_lock(&pool.sleep);
    for (int i = 0; i < chunks - 1; i++) {
        if (pool.worker[i].sleeping) {
            pthread_cond_broadcast(&pool.wake);
            break;
        }
    }
    pthread_mutex_unlock(&pool.sleep);
    task(context, 0);
    for (int i = 0; i < chunks - 1; i++) {
        while (atomic_load_explicit(&pool.worker[i].done, memory_order_acquire) != generation) ZOO_RELAX();
    }
    pthread_mutex_unlock(&pool.busy);
    return 1;
}
