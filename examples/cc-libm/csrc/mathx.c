#include <math.h>
#include <pthread.h>
#include <stdint.h>

double mathx_hypot(double a, double b) { return sqrt(a * a + b * b); }

double mathx_cbrt_pow(double x, double e) { return cbrt(pow(x, e)); }

struct job { uint64_t lo, hi, sum; };

static void *sum_squares(void *arg) {
    struct job *j = arg;
    j->sum = 0;
    for (uint64_t i = j->lo; i < j->hi; i++) j->sum += i * i;
    return 0;
}

/* Sum of squares of 0..n-1 computed by `threads` pthreads (at most 16). */
uint64_t mathx_parallel_squares(uint64_t n, int threads) {
    pthread_t t[16];
    struct job jobs[16];
    if (threads < 1) threads = 1;
    if (threads > 16) threads = 16;
    uint64_t chunk = (n + threads - 1) / threads, total = 0;
    for (int i = 0; i < threads; i++) {
        jobs[i].lo = i * chunk;
        jobs[i].hi = (i + 1) * chunk < n ? (i + 1) * chunk : n;
        if (pthread_create(&t[i], 0, sum_squares, &jobs[i]) != 0) return 0;
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], 0);
        total += jobs[i].sum;
    }
    return total;
}
