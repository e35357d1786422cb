/*
 * How fast OpenBLAS's sgemm runs the matrix products of a gpt-ppo minibatch (504 rows:
 * 8 sequences of 63 positions; width 256, MLP 1024, QKV 768) on one thread, warm:
 * the ceiling that GenRL's products, which call it on halves of each product, are
 * compared with in docs/benchmarks.md. Prints G multiply-adds per second per shape, the
 * best of 200 runs.
 *
 *   cc -O2 scripts/bench/sgemm_shapes.c -o /tmp/sgemm_shapes -ldl
 *   OPENBLAS_CORETYPE=SkylakeX /tmp/sgemm_shapes      # the core GenRL asks for on AVX-512
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    void *library = dlopen("libopenblas.so.0", RTLD_NOW);
    if (!library) { fprintf(stderr, "libopenblas.so.0: %s\n", dlerror()); return 1; }
    sgemm_fn sgemm = (sgemm_fn)dlsym(library, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(library, "openblas_set_num_threads");
    if (set_threads) set_threads(1);
    /* transpose A, transpose B, m, n, k: forward x·Wᵀ, backward dX = g·W and dW = gᵀ·x. */
    int shapes[][5] = {
        {0, 1, 504, 768, 256}, {0, 1, 504, 256, 256}, {0, 1, 504, 1024, 256}, {0, 1, 504, 256, 1024},
        {0, 0, 504, 256, 768}, {0, 0, 504, 256, 256}, {0, 0, 504, 256, 1024}, {0, 0, 504, 1024, 256},
        {1, 0, 768, 256, 504}, {1, 0, 256, 256, 504}, {1, 0, 1024, 256, 504}, {1, 0, 256, 1024, 504},
    };
    int count = sizeof shapes / sizeof shapes[0];
    float *a = malloc(sizeof(float) << 20), *b = malloc(sizeof(float) << 20), *c = malloc(sizeof(float) << 20);
    for (int i = 0; i < 1 << 20; i++) { a[i] = (float)(rand() % 100) / 100; b[i] = (float)(rand() % 100) / 100; }
    for (int s = 0; s < count; s++) {
        int ta = shapes[s][0], tb = shapes[s][1], m = shapes[s][2], n = shapes[s][3], k = shapes[s][4];
        int lda = ta ? m : k, ldb = tb ? k : n;
        double best = 1e9;
        for (int run = 0; run < 200; run++) {
            double start = seconds();
            sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1, a, lda, b, ldb, 0, c, n);
            double elapsed = seconds() - start;
            if (elapsed < best) best = elapsed;
        }
        printf("%c%c m=%4d n=%4d k=%4d  %5.1f G multiply-adds/s\n", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
               (double)m * n * k / best / 1e9);
    }
    return 0;
}
