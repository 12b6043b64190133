/* LD_PRELOAD malloc counter for benchmarks/count-allocs.sh: counts malloc/calloc/realloc/
 * posix_memalign/aligned_alloc calls and prints the total to stderr at exit. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>

static atomic_long count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static char bootstrap[4096];
static size_t bootstrap_used;

static void report(void) { fprintf(stderr, "malloc-count: %ld\n", (long)atomic_load(&count)); }

static int initialised;

__attribute__((constructor)) static void init(void) {
    if (initialised) return;
    initialised = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    atexit(report);
}

void *malloc(size_t n) { if (!real_malloc) init(); atomic_fetch_add(&count, 1); return real_malloc(n); }
void *calloc(size_t a, size_t b) {
    if (!real_calloc) { /* dlsym itself may calloc before init finishes */
        void *p = bootstrap + bootstrap_used; bootstrap_used += (a * b + 15) & ~15UL; return p;
    }
    atomic_fetch_add(&count, 1); return real_calloc(a, b);
}
void *realloc(void *p, size_t n) { if (!real_realloc) init(); atomic_fetch_add(&count, 1); return real_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) { if (!real_posix_memalign) init(); atomic_fetch_add(&count, 1); return real_posix_memalign(p, a, n); }
void *aligned_alloc(size_t a, size_t n) { if (!real_aligned_alloc) init(); atomic_fetch_add(&count, 1); return real_aligned_alloc(a, n); }
