/* A disk whose cache flush is slower than this machine's, for benchmarks only.
 *
 * Preloaded (LD_PRELOAD) into `ledgerdesk` or into a Postgres server, it lets every fsync and fdatasync
 * do the real flush and then waits SLOW_FLUSH_US microseconds more, so a durable commit costs what it
 * would on a slower disk while everything else runs as it does here. Why: every ratio of `ledgerdesk
 * bench` weighs an invoice's own rows against what a durable commit costs, and what a commit costs
 * depends on the disk. See run.sh, and docs/bench/flush-latency.md for this machine's figure. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

static void wait_after_flush(void) {
    const char *setting = getenv("SLOW_FLUSH_US");
    long us = setting ? atol(setting) : 0;
    if (us <= 0) return;
    struct timespec pause = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
}

/* The real call, then the wait: one definition for both calls a commit flushes with. */
#define SLOWED_FLUSH(call)                                                  \
    int call(int fd) {                                                      \
        static int (*real)(int);                                            \
        if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, #call);            \
        int result = real(fd);                                              \
        wait_after_flush();                                                 \
        return result;                                                      \
    }

SLOWED_FLUSH(fsync)
SLOWED_FLUSH(fdatasync)
