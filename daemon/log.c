/*
 * The line-oriented log writer.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "log.h"


/* The format is set once at start, before threads exist; the level may
 * change at any time (a reload), hence atomic. */
static int        tg_log_json;
static atomic_int tg_log_min = TG_LOG_INFO;

static const char *const tg_log_names[] = { "debug", "info", "warn", "error" };


void
tg_log_configure(int json, tg_log_level_t level)
{
    tg_log_json = json;
    atomic_store_explicit(&tg_log_min, (int) level, memory_order_relaxed);
}


void
tg_log_set_level(tg_log_level_t level)
{
    atomic_store_explicit(&tg_log_min, (int) level, memory_order_relaxed);
}


int
tg_log_open(const char *path, char *errbuf, size_t errlen)
{
    int fd;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        return TG_EINVALID;
    }
    /* dup2() swaps the file under stderr at once: a line written by
     * another thread meanwhile goes whole to the old file or the new. */
    if (fd != STDERR_FILENO && dup2(fd, STDERR_FILENO) < 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return TG_EINVALID;
    }
    if (fd != STDERR_FILENO) {
        close(fd);
    }
    return TG_OK;
}


int
tg_log_level_parse(const char *text, tg_log_level_t *level)
{
    size_t i;

    for (i = 0; i < sizeof(tg_log_names) / sizeof(tg_log_names[0]); i++) {
        if (strcmp(text, tg_log_names[i]) == 0) {
            *level = (tg_log_level_t) i;
            return TG_OK;
        }
    }

    return TG_EINVALID;
}


/* The longest value a line keeps, with its NUL (tg_utf8_sanitize()'s out). */
#define TG_LOG_VALUE_MAX 512


/*
 * Appends text as a JSON string, escaped; invalid UTF-8 and control
 * characters become '?', and a value is cut before TG_LOG_VALUE_MAX bytes.
 * Short printable ASCII without quote or backslash, which is what almost
 * every field holds, is already its own JSON string: it is copied at once.
 */
static void
tg_log_json_string(tg_buf_t *b, const char *text)
{
    static const char    hex[] = "0123456789abcdef";
    char                 clean[TG_LOG_VALUE_MAX];
    const unsigned char *p, *run;
    size_t               len;

    text = text != NULL ? text : "";
    len = strnlen(text, sizeof(clean));
    if (len < sizeof(clean) && tg_json_plain_len(text, len) == len) {
        tg_buf_append(b, "\"", 1);
        tg_buf_append(b, text, len);
        tg_buf_append(b, "\"", 1);
        return;
    }

    tg_utf8_sanitize(tg_str_c(text), clean, sizeof(clean));
    tg_buf_append(b, "\"", 1);

    for (p = (const unsigned char *) clean; *p != '\0'; p++) {
        /* A run of bytes that need no escape goes in one append. */
        for (run = p; *p >= 0x20 && *p != '"' && *p != '\\'; p++) {
            /* void */
        }
        if (p > run) {
            tg_buf_append(b, run, (size_t) (p - run));
        }
        if (*p == '\0') {
            break;
        }
        if (*p == '"' || *p == '\\') {
            char esc[2] = { '\\', (char) *p };
            tg_buf_append(b, esc, 2);
        } else {
            char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
            tg_buf_append(b, esc, 6);
        }
    }

    tg_buf_append(b, "\"", 1);
}


/* Appends a text-format value: bare when it is plain ASCII without
 * spaces, quotes or '=', else quoted and escaped like JSON. */
static void
tg_log_text_value(tg_buf_t *b, const char *s)
{
    const unsigned char *p;

    for (p = (const unsigned char *) s; *p != '\0'; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\' || *p == '=') {
            tg_log_json_string(b, s);
            return;
        }
    }

    if (*s == '\0') {
        tg_buf_append(b, "\"\"", 2);
    } else {
        tg_buf_append_c(b, s);
    }
}


void
tg_log(tg_log_level_t level, const char *msg, const tg_log_field_t *fields,
       size_t n)
{
    tg_buf_t b = TG_BUF_INIT;
    char     now[TG_RFC3339_LEN + 1];
    size_t   i;

    if ((int) level < atomic_load_explicit(&tg_log_min, memory_order_relaxed)) {
        return;
    }

    tg_time_format(tg_time_now_ms(), 1, now);

    /* One allocation holds a usual line (a request's is ~250 bytes). */
    (void) tg_buf_reserve(&b, 512);

    if (tg_log_json) {
        tg_buf_append(&b, "{\"time\":\"", 9);
        tg_buf_append_c(&b, now);
        tg_buf_append(&b, "\",\"level\":\"", 11);
        tg_buf_append_c(&b, tg_log_names[level]);
        tg_buf_append(&b, "\",\"msg\":", 8);
        tg_log_json_string(&b, msg);

        for (i = 0; i < n; i++) {
            tg_buf_append(&b, ",", 1);
            tg_log_json_string(&b, fields[i].key);
            tg_buf_append(&b, ":", 1);
            if (fields[i].str != NULL) {
                tg_log_json_string(&b, fields[i].str);
            } else {
                (void) tg_buf_append_int(&b, fields[i].num);
            }
        }

        tg_buf_append(&b, "}\n", 2);

    } else {
        tg_buf_printf(&b, "%s %-5s %s", now, tg_log_names[level], msg);

        for (i = 0; i < n; i++) {
            tg_buf_append(&b, " ", 1);
            tg_buf_append_c(&b, fields[i].key);
            tg_buf_append(&b, "=", 1);
            if (fields[i].str != NULL) {
                tg_log_text_value(&b, fields[i].str);
            } else {
                (void) tg_buf_append_int(&b, fields[i].num);
            }
        }

        tg_buf_append(&b, "\n", 1);
    }

    if (b.ptr != NULL) {
        ssize_t written = write(STDERR_FILENO, b.ptr, b.len);
        (void) written;
    }

    tg_buf_free(&b);
}


void
tg_log_msg(tg_log_level_t level, const char *msg)
{
    tg_log(level, msg, NULL, 0);
}
