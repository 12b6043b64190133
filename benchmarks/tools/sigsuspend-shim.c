/* LD_PRELOAD shim for running `hss serve` under valgrind 3.19 (benchmarks/callgrind-mar.sh): valgrind writes
 * into the signal mask that libdispatch passes to sigsuspend (kept read-only), and crashes; this hands the
 * system call a copy. */
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *m) { sigset_t copy = *m; return (int)syscall(SYS_rt_sigsuspend, &copy, 8); }
