// The child side of zoo's sandbox (ZooSandbox): what a forked child does to itself before it
// parses an untrusted file. Linux only; elsewhere zoo_sandbox_enter fails with ENOSYS.
#ifndef ZOO_SANDBOX_H
#define ZOO_SANDBOX_H

#include <stdint.h>

/// The step of zoo_sandbox_enter that failed (0: none), for the parent's message.
enum zoo_sandbox_step {
    ZOO_SANDBOX_OK = 0,
    ZOO_SANDBOX_DESCRIPTORS = 1,
    ZOO_SANDBOX_PARENT_DEATH = 2,
    ZOO_SANDBOX_SIGNALS = 3,
    ZOO_SANDBOX_LIMITS = 4,
    ZOO_SANDBOX_NO_NEW_PRIVILEGES = 5,
    ZOO_SANDBOX_FILTER = 6,
};

/// Confines the calling process, which must be a child just forked and single-threaded:
///
/// 1. descriptors: `channel` becomes descriptor 3 and every other one (0-2 included) is closed;
/// 2. the child is killed when its parent `parent` dies;
/// 3. fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGXCPU) take
///    their default action, so a fault ends the child with that signal;
/// 4. limits: no core file, no file growth, `cpu_seconds` of CPU time, and `extra_address_space`
///    bytes of address space beyond what the child inherited;
/// 5. no new privileges, then a seccomp filter that lets through only memory management, writes
///    to descriptor 3, closing descriptors, exiting, signals to itself, futexes, clocks and
///    system information. Everything else, opening files, networking, exec and process creation
///    among it, fails with EPERM.
///
/// Returns ZOO_SANDBOX_OK, or the step that failed with errno set.
int zoo_sandbox_enter(int channel, int parent, uint64_t extra_address_space, uint64_t cpu_seconds);

/// A pipe whose ends close on exec (pipe2 with O_CLOEXEC); 0, or -1 with errno set.
int zoo_sandbox_pipe(int ends[2]);

/// The channel descriptor inside the sandbox.
static inline int zoo_sandbox_channel(void) { return 3; }

#endif
