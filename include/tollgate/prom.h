/*
 * A writer of the Prometheus text exposition format, version 0.0.4.
 *
 * Each call appends to a tg_buf_t: a family's "# HELP" and "# TYPE"
 * lines, one sample, or a whole histogram.  Names are checked against
 * the format's grammar; help text and label values are escaped as the
 * format says (a backslash, a double quote in label values, a line
 * feed).  The caller gives a family's lines together, HELP first.
 *
 * Ownership: nothing is kept; the buffer is the caller's.  On error the
 * buffer may hold part of the call's output: the caller discards it.
 */

#ifndef TOLLGATE_PROM_H
#define TOLLGATE_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


/* The media type of a scrape's answer. */
#define TG_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct {
    const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*, not "__..." */
    const char *value; /* any UTF-8 text; escaped */
} tg_prom_label_t;


/* Whether name is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*). */
int tg_prom_metric_name_ok(const char *name);

/* Whether name is a valid label name, and not reserved ("__..."). */
int tg_prom_label_name_ok(const char *name);

/*
 * Appends "# HELP name help" and "# TYPE name type" (type: counter,
 * gauge, histogram, summary or untyped).  Returns 0, TG_EINVALID for a
 * bad name or type, or TG_ENOMEM.
 */
int tg_prom_family(tg_buf_t *b, const char *name, const char *type,
                   const char *help);

/*
 * Appends one sample: name, its n labels (none if n is 0) and value
 * (NaN, +Inf and -Inf as the format spells them; integers without a
 * fraction).  Returns 0, TG_EINVALID for a bad name, or TG_ENOMEM.
 */
int tg_prom_sample(tg_buf_t *b, const char *name, const tg_prom_label_t *labels,
                   size_t n, double value);

/* The same with an unsigned integer value, printed exactly. */
int tg_prom_sample_u64(tg_buf_t *b, const char *name,
                       const tg_prom_label_t *labels, size_t n, uint64_t value);

/*
 * Appends a histogram's samples: name_bucket for each of the nbounds
 * upper bounds (increasing) and +Inf, cumulative; name_sum; name_count.
 * counts[0..nbounds] are the observations in each bucket alone (the
 * last: above every bound).  The count is their total, so that +Inf and
 * _count agree whatever the counts' readers raced with.  labels (n, at
 * most 7) go on every sample, "le" after them.  Returns 0, TG_EINVALID,
 * or TG_ENOMEM.
 */
int tg_prom_histogram(tg_buf_t *b, const char *name,
                      const tg_prom_label_t *labels, size_t n,
                      const double *bounds, const uint64_t *counts,
                      size_t nbounds, double sum);

#endif /* TOLLGATE_PROM_H */
