/*
 * tollgated's log: one line per event on stderr, as text or JSON.  With
 * the log_file setting, stderr is that file (tg_log_open()), reopened on
 * SIGHUP so that logrotate can rename it.
 *
 * A line is a message and named fields.  Text lines read
 *     2026-11-23T04:42:00.123Z info request method=GET status=200 ...
 * and JSON lines hold the same as one object.  Lines are written with a
 * single write(2), so threads never interleave them.  Callers must never
 * pass a secret as a field.
 */

#ifndef TOLLGATE_LOG_H
#define TOLLGATE_LOG_H

#include <stddef.h>
#include <stdint.h>


typedef enum {
    TG_LOG_DEBUG = 0,
    TG_LOG_INFO,
    TG_LOG_WARN,
    TG_LOG_ERROR
} tg_log_level_t;

typedef struct {
    const char *key;
    const char *str; /* NULL: the field is the integer num */
    int64_t     num;
} tg_log_field_t;

#define TG_LF_STR(k, v)                \
    {                                  \
        (k), (v) != NULL ? (v) : "", 0 \
    }
#define TG_LF_INT(k, v)          \
    {                            \
        (k), NULL, (int64_t) (v) \
    }

#define TG_LOG(level, msg, ...)                              \
    do {                                                     \
        const tg_log_field_t tg_fields_[] = { __VA_ARGS__ }; \
        tg_log((level), (msg), tg_fields_,                   \
               sizeof(tg_fields_) / sizeof(tg_fields_[0]));  \
    } while (0)


/* Sets the format (json or text) and the least level written.  Call it
 * before any thread logs. */
void tg_log_configure(int json, tg_log_level_t level);

/* Changes the least level written; safe while threads log (a reload). */
void tg_log_set_level(tg_log_level_t level);

/*
 * Makes stderr (where every line goes, and libraries' messages too) the
 * file at path, appended to, created 0600 if missing.  Called again after
 * the file was renamed, it starts a new one.  Returns 0, or TG_EINVALID
 * with the reason in errbuf (stderr is then unchanged).
 */
int tg_log_open(const char *path, char *errbuf, size_t errlen);

/* Parses "debug", "info", "warn" or "error".  Returns 0 or TG_EINVALID. */
int tg_log_level_parse(const char *text, tg_log_level_t *level);

/* Writes one line, if level is enabled. */
void tg_log(tg_log_level_t level, const char *msg, const tg_log_field_t *fields,
            size_t n);

/* Writes one line with no fields. */
void tg_log_msg(tg_log_level_t level, const char *msg);

#endif /* TOLLGATE_LOG_H */
