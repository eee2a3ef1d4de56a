#if defined(__linux__)
#define _GNU_SOURCE
#endif

#include "zoo_sandbox.h"

#include <errno.h>

#if defined(__linux__)
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/// The address space now in use, in bytes (the first field of /proc/self/statm, in pages), or 0.
static uint64_t address_space_in_use(void) {
    int descriptor = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) return 0;
    char text[128];
    ssize_t length = read(descriptor, text, sizeof text - 1);
    close(descriptor);
    if (length <= 0) return 0;
    text[length] = 0;
    unsigned long long pages = 0;
    if (sscanf(text, "%llu", &pages) != 1) return 0;
    return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int set_limit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit limit = {.rlim_cur = (rlim_t)soft, .rlim_max = (rlim_t)hard};
    return setrlimit(resource, &limit);
}

static int confine_descriptors(int channel) {
    if (channel != 3 && dup2(channel, 3) < 0) return -1;
    for (int descriptor = 0; descriptor < 3; descriptor++) close(descriptor);
    // close_range(2) since Linux 5.9; older kernels close one by one up to the limit.
    if (syscall(SYS_close_range, 4U, ~0U, 0U) == 0) return 0;
    long open_max = sysconf(_SC_OPEN_MAX);
    for (long descriptor = 4; descriptor < (open_max > 0 ? open_max : 65536); descriptor++) close((int)descriptor);
    return 0;
}

static int default_fault_signals(void) {
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGXCPU};
    for (unsigned index = 0; index < sizeof signals / sizeof signals[0]; index++) {
        if (signal(signals[index], SIG_DFL) == SIG_ERR) return -1;
    }
    sigset_t all;
    sigfillset(&all);
    return sigprocmask(SIG_UNBLOCK, &all, NULL);
}

static int install_filter(void) {
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (filter == NULL) return -1;
    const int allowed[] = {
        SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
        SCMP_SYS(close), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
        SCMP_SYS(rt_sigaction), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(futex), SCMP_SYS(sched_yield),
        SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(getrandom),
        SCMP_SYS(sysinfo), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(sched_getaffinity),
    };
    int status = 0;
    for (unsigned index = 0; status == 0 && index < sizeof allowed / sizeof allowed[0]; index++) {
        status = seccomp_rule_add(filter, SCMP_ACT_ALLOW, allowed[index], 0);
    }
    // Writes to the channel only.
    if (status == 0) status = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 3));
    // Signals to this process only (abort() raises SIGABRT with tgkill).
    pid_t self = getpid();
    if (status == 0) status = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self));
    if (status == 0) status = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self));
    if (status == 0) status = seccomp_load(filter);
    seccomp_release(filter);
    if (status != 0) errno = -status;
    return status == 0 ? 0 : -1;
}

int zoo_sandbox_enter(int channel, int parent, uint64_t extra_address_space, uint64_t cpu_seconds) {
    if (confine_descriptors(channel) != 0) return ZOO_SANDBOX_DESCRIPTORS;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return ZOO_SANDBOX_PARENT_DEATH;
    // The parent may have died before the request took effect.
    if (getppid() != parent) _exit(1);
    if (default_fault_signals() != 0) return ZOO_SANDBOX_SIGNALS;
    uint64_t in_use = address_space_in_use();
    uint64_t address_space = in_use + extra_address_space < in_use ? UINT64_MAX : in_use + extra_address_space;
    // SIGXCPU at the soft CPU limit, SIGKILL a second later.
    if (set_limit(RLIMIT_CORE, 0, 0) != 0 || set_limit(RLIMIT_FSIZE, 0, 0) != 0 || set_limit(RLIMIT_CPU, cpu_seconds, cpu_seconds + 1) != 0
        || (in_use > 0 && set_limit(RLIMIT_AS, address_space, address_space) != 0))
        return ZOO_SANDBOX_LIMITS;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return ZOO_SANDBOX_NO_NEW_PRIVILEGES;
    if (install_filter() != 0) return ZOO_SANDBOX_FILTER;
    return ZOO_SANDBOX_OK;
}

int zoo_sandbox_pipe(int ends[2]) { return pipe2(ends, O_CLOEXEC); }

#else

#include <unistd.h>

int zoo_sandbox_pipe(int ends[2]) { return pipe(ends); }

int zoo_sandbox_enter(int channel, int parent, uint64_t extra_address_space, uint64_t cpu_seconds) {
    (void)channel;
    (void)parent;
    (void)extra_address_space;
    (void)cpu_seconds;
    errno = ENOSYS;
    return ZOO_SANDBOX_FILTER;
}

#endif
