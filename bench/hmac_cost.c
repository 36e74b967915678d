/*
 * hmac_cost: the cost of one bare HMAC of a string, the unit the gateway
 * benchmark divides the worker's per-request CPU by.  Never part of the
 * product or the tests.
 *
 *     hmac_cost LENGTH [ITERATIONS [sha256]]
 *
 * Prints, as one JSON line, the nanoseconds per call of OpenSSL's one-shot
 * HMAC() with SHA-256 and with SHA-1 over LENGTH bytes (what the gateway
 * did per request before it kept keyed MAC state), and of
 * tg_hmac_compute() with a key set once (what it does now), each the
 * median of several interleaved timed batches on the calling CPU.  With
 * "sha256", only the one-shot HMAC-SHA256 runs (for counting its
 * instructions under callgrind, bench/gateway_callgrind.mjs).
 */

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"


#define COST_BATCHES 9


static double
cost_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}


static int
cost_compare(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


int
main(int argc, char **argv)
{
    static const char secret[] = "0123456789abcdef0123456789abcdef";
    double            oneshot256[COST_BATCHES], oneshot1[COST_BATCHES];
    double            keyed256[COST_BATCHES];
    unsigned char     mac[EVP_MAX_MD_SIZE];
    unsigned          maclen;
    tg_hmac_t        *h = NULL;
    char             *msg;
    long              len, iters, i;
    double            t0;
    int               b, only256;

    if (argc < 2 || (len = atol(argv[1])) <= 0) {
        fprintf(stderr, "usage: hmac_cost LENGTH [ITERATIONS]\n");
        return 2;
    }
    iters = argc > 2 ? atol(argv[2]) : 20000;
    only256 = argc > 3 && strcmp(argv[3], "sha256") == 0;
    msg = malloc((size_t) len);
    if (msg == NULL
        || tg_hmac_create(&h, TG_HMAC_SHA256,
                          (tg_str_t){ secret, sizeof(secret) - 1 })
               != TG_OK)
    {
        fprintf(stderr, "hmac_cost: out of memory\n");
        return 1;
    }
    memset(msg, 'x', (size_t) len);

    for (b = 0; b < COST_BATCHES; b++) {
        t0 = cost_now_ns();
        for (i = 0; i < iters; i++) {
            msg[i % len] = (char) i;
            HMAC(EVP_sha256(), secret, sizeof(secret) - 1,
                 (unsigned char *) msg, (size_t) len, mac, &maclen);
        }
        oneshot256[b] = (cost_now_ns() - t0) / (double) iters;
        if (only256) {
            oneshot1[b] = keyed256[b] = 0;
            continue;
        }

        t0 = cost_now_ns();
        for (i = 0; i < iters; i++) {
            msg[i % len] = (char) i;
            HMAC(EVP_sha1(), secret, sizeof(secret) - 1, (unsigned char *) msg,
                 (size_t) len, mac, &maclen);
        }
        oneshot1[b] = (cost_now_ns() - t0) / (double) iters;

        t0 = cost_now_ns();
        for (i = 0; i < iters; i++) {
            msg[i % len] = (char) i;
            if (tg_hmac_compute(h, (tg_str_t){ msg, (size_t) len }, mac)
                != TG_OK) {
                fprintf(stderr, "hmac_cost: tg_hmac_compute failed\n");
                return 1;
            }
        }
        keyed256[b] = (cost_now_ns() - t0) / (double) iters;
    }

    qsort(oneshot256, COST_BATCHES, sizeof(double), cost_compare);
    qsort(oneshot1, COST_BATCHES, sizeof(double), cost_compare);
    qsort(keyed256, COST_BATCHES, sizeof(double), cost_compare);
    printf("{\"length\":%ld,\"oneshot_sha256_ns\":%.0f,"
           "\"oneshot_sha1_ns\":%.0f,\"keyed_sha256_ns\":%.0f}\n",
           len, oneshot256[COST_BATCHES / 2], oneshot1[COST_BATCHES / 2],
           keyed256[COST_BATCHES / 2]);
    tg_hmac_destroy(h);
    free(msg);
    return 0;
}
