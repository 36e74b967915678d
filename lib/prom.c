/*
 * The Prometheus text exposition format (see the header).  The grammar
 * it follows: https://prometheus.io/docs/instrumenting/exposition_formats/
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/prom.h"


#define TG_PROM_LABELS_MAX 8


static int
tg_prom_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}


static int
tg_prom_digit(char c)
{
    return c >= '0' && c <= '9';
}


int
tg_prom_metric_name_ok(const char *name)
{
    size_t i;

    if (name == NULL || name[0] == '\0'
        || !(tg_prom_alpha(name[0]) || name[0] == ':'))
    {
        return 0;
    }
    for (i = 1; name[i] != '\0'; i++) {
        if (!tg_prom_alpha(name[i]) && !tg_prom_digit(name[i])
            && name[i] != ':') {
            return 0;
        }
    }
    return 1;
}


int
tg_prom_label_name_ok(const char *name)
{
    size_t i;

    if (name == NULL || !tg_prom_alpha(name[0])
        || (name[0] == '_' && name[1] == '_'))
    {
        return 0;
    }
    for (i = 1; name[i] != '\0'; i++) {
        if (!tg_prom_alpha(name[i]) && !tg_prom_digit(name[i])) {
            return 0;
        }
    }
    return 1;
}


/* Appends s with backslash and line feed escaped, and the double quote
 * too when quote is set (label values). */
static int
tg_prom_escape(tg_buf_t *b, const char *s, int quote)
{
    const char *run = s;
    const char *esc;
    int         rc;

    for (; *s != '\0'; s++) {
        if (*s == '\\') {
            esc = "\\\\";
        } else if (*s == '\n') {
            esc = "\\n";
        } else if (*s == '"' && quote) {
            esc = "\\\"";
        } else {
            continue;
        }
        rc = tg_buf_append(b, run, (size_t) (s - run));
        if (rc == TG_OK) {
            rc = tg_buf_append_c(b, esc);
        }
        if (rc != TG_OK) {
            return rc;
        }
        run = s + 1;
    }
    return tg_buf_append(b, run, (size_t) (s - run));
}


int
tg_prom_family(tg_buf_t *b, const char *name, const char *type,
               const char *help)
{
    static const char *const types[] = { "counter", "gauge", "histogram",
                                         "summary", "untyped" };
    size_t                   i;
    int                      rc;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (type != NULL && strcmp(type, types[i]) == 0) {
            break;
        }
    }
    if (!tg_prom_metric_name_ok(name) || i == sizeof(types) / sizeof(types[0]))
    {
        return TG_EINVALID;
    }

    rc = tg_buf_printf(b, "# HELP %s ", name);
    if (rc == TG_OK) {
        rc = tg_prom_escape(b, help != NULL ? help : "", 0);
    }
    if (rc == TG_OK) {
        rc = tg_buf_printf(b, "\n# TYPE %s %s\n", name, type);
    }
    return rc;
}


/* Appends name and its labels, "{a="x",b="y"}" (nothing if none). */
static int
tg_prom_series(tg_buf_t *b, const char *name, const tg_prom_label_t *labels,
               size_t n)
{
    size_t i;
    int    rc;

    if (!tg_prom_metric_name_ok(name)) {
        return TG_EINVALID;
    }
    for (i = 0; i < n; i++) {
        if (!tg_prom_label_name_ok(labels[i].name) || labels[i].value == NULL) {
            return TG_EINVALID;
        }
    }

    rc = tg_buf_append_c(b, name);
    for (i = 0; rc == TG_OK && i < n; i++) {
        rc = tg_buf_printf(b, "%c%s=\"", i == 0 ? '{' : ',', labels[i].name);
        if (rc == TG_OK) {
            rc = tg_prom_escape(b, labels[i].value, 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append_c(b, "\"");
        }
    }
    if (rc == TG_OK && n > 0) {
        rc = tg_buf_append_c(b, "}");
    }
    return rc;
}


/* Formats a value as the format spells it. */
static void
tg_prom_number(char *out, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(out, size, "NaN");
    } else if (isinf(v)) {
        snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, size, "%.0f", v);
    } else {
        /* the shortest of the two that reads back as v */
        snprintf(out, size, "%.15g", v);
        if (strtod(out, NULL) != v) {
            snprintf(out, size, "%.17g", v);
        }
    }
}


int
tg_prom_sample(tg_buf_t *b, const char *name, const tg_prom_label_t *labels,
               size_t n, double value)
{
    char num[40];
    int  rc;

    rc = tg_prom_series(b, name, labels, n);
    if (rc == TG_OK) {
        tg_prom_number(num, sizeof(num), value);
        rc = tg_buf_printf(b, " %s\n", num);
    }
    return rc;
}


int
tg_prom_sample_u64(tg_buf_t *b, const char *name, const tg_prom_label_t *labels,
                   size_t n, uint64_t value)
{
    int rc;

    rc = tg_prom_series(b, name, labels, n);
    if (rc == TG_OK) {
        rc = tg_buf_printf(b, " %llu\n", (unsigned long long) value);
    }
    return rc;
}


int
tg_prom_histogram(tg_buf_t *b, const char *name, const tg_prom_label_t *labels,
                  size_t n, const double *bounds, const uint64_t *counts,
                  size_t nbounds, double sum)
{
    tg_prom_label_t all[TG_PROM_LABELS_MAX];
    char            series[128], le[40];
    uint64_t        total = 0;
    size_t          i;
    int             rc = TG_OK;

    if (n >= TG_PROM_LABELS_MAX || strlen(name) + sizeof("_bucket") > 128) {
        return TG_EINVALID;
    }
    for (i = 1; i < nbounds; i++) {
        if (!(bounds[i] > bounds[i - 1])) {
            return TG_EINVALID;
        }
    }

    if (n > 0) {
        memcpy(all, labels, n * sizeof(all[0]));
    }
    all[n].name = "le";
    all[n].value = le;

    snprintf(series, sizeof(series), "%s_bucket", name);
    for (i = 0; rc == TG_OK && i <= nbounds; i++) {
        total += counts[i];
        tg_prom_number(le, sizeof(le), i < nbounds ? bounds[i] : INFINITY);
        rc = tg_prom_sample_u64(b, series, all, n + 1, total);
    }

    snprintf(series, sizeof(series), "%s_sum", name);
    if (rc == TG_OK) {
        rc = tg_prom_sample(b, series, labels, n, sum);
    }
    snprintf(series, sizeof(series), "%s_count", name);
    if (rc == TG_OK) {
        rc = tg_prom_sample_u64(b, series, labels, n, total);
    }
    return rc;
}
