/* LD_PRELOAD counter of pthread_mutex_lock / pthread_mutex_trylock calls, for benchmarks/locks-per-mar.sh.
 * Writes the running total to the file named by MUTEX_COUNT_FILE (default /tmp/mutex-count.<pid>) on
 * SIGUSR2 and at exit, so that a script can read it before and after a load run of a live server.
 * NIO's locks, swift-prometheus's boxes and LMDB's are pthread mutexes; Swift's Synchronization.Mutex is
 * not (it is a futex word) and is not counted.
 * MUTEX_COUNT_TRACE=N additionally writes the call stack of every Nth lock to stderr (to find them;
 * names are mangled Swift symbols: pipe through swift-demangle). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
#include <execinfo.h>

static atomic_long locks;
static int (*real_lock)(pthread_mutex_t *);
static int (*real_trylock)(pthread_mutex_t *);
static char path[256];
static long trace_every;
static __thread int tracing;

static void trace(long n) {
    if (trace_every <= 0 || n % trace_every != 0 || tracing) return;
    tracing = 1;
    void *frames[24];
    int depth = backtrace(frames, 24);
    ssize_t w = write(2, "mutex-count: stack\n", 19);
    (void)w;
    backtrace_symbols_fd(frames, depth, 2);
    tracing = 0;
}

static void dump(void) {
    /* Async-signal-safe: open/write/close only. */
    char buf[32];
    long n = atomic_load(&locks);
    int len = 0;
    char tmp[32];
    if (n == 0) tmp[len++] = '0';
    while (n > 0) { tmp[len++] = (char)('0' + n % 10); n /= 10; }
    for (int i = 0; i < len; i++) buf[i] = tmp[len - 1 - i];
    buf[len++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) { ssize_t w = write(fd, buf, (size_t)len); (void)w; close(fd); }
}

static void on_signal(int sig) { (void)sig; dump(); }

__attribute__((constructor)) static void init(void) {
    real_lock = dlsym(RTLD_NEXT, "pthread_mutex_lock");
    real_trylock = dlsym(RTLD_NEXT, "pthread_mutex_trylock");
    const char *p = getenv("MUTEX_COUNT_FILE");
    if (p && strlen(p) < sizeof(path)) strcpy(path, p);
    else snprintf(path, sizeof(path), "/tmp/mutex-count.%d", (int)getpid());
    const char *t = getenv("MUTEX_COUNT_TRACE");
    if (t) trace_every = atol(t);
    signal(SIGUSR2, on_signal);
    atexit(dump);
}

int pthread_mutex_lock(pthread_mutex_t *m) {
    if (!real_lock) real_lock = dlsym(RTLD_NEXT, "pthread_mutex_lock");
    long n = atomic_fetch_add_explicit(&locks, 1, memory_order_relaxed);
    trace(n);
    return real_lock(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m) {
    if (!real_trylock) real_trylock = dlsym(RTLD_NEXT, "pthread_mutex_trylock");
    atomic_fetch_add_explicit(&locks, 1, memory_order_relaxed);
    return real_trylock(m);
}
