/*
 * The line-oriented log writer.
 */

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/time.h"
#include "tollgate/utf8.h"
#include "log.h"


/* Set once at start, before threads exist; read-only afterwards. */
static int            tg_log_json;
static tg_log_level_t tg_log_min = TG_LOG_INFO;

static const char *const tg_log_names[] = { "debug", "info", "warn", "error" };


void
tg_log_configure(int json, tg_log_level_t level)
{
    tg_log_json = json;
    tg_log_min = level;
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


/* Appends text as a JSON string, escaped; invalid UTF-8 becomes '?'. */
static void
tg_log_json_string(tg_buf_t *b, const char *text)
{
    static const char    hex[] = "0123456789abcdef";
    char                 clean[512];
    const unsigned char *p;

    tg_utf8_sanitize(tg_str_c(text), clean, sizeof(clean));
    tg_buf_append(b, "\"", 1);

    for (p = (const unsigned char *) clean; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = { '\\', (char) *p };
            tg_buf_append(b, esc, 2);
        } else if (*p < 0x20) {
            char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
            tg_buf_append(b, esc, 6);
        } else {
            tg_buf_append(b, p, 1);
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

    if (level < tg_log_min) {
        return;
    }

    tg_time_format(tg_time_now_ms(), 1, now);

    if (tg_log_json) {
        tg_buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", now,
                      tg_log_names[level]);
        tg_log_json_string(&b, msg);

        for (i = 0; i < n; i++) {
            tg_buf_append(&b, ",", 1);
            tg_log_json_string(&b, fields[i].key);
            tg_buf_append(&b, ":", 1);
            if (fields[i].str != NULL) {
                tg_log_json_string(&b, fields[i].str);
            } else {
                tg_buf_printf(&b, "%" PRId64, fields[i].num);
            }
        }

        tg_buf_append(&b, "}\n", 2);

    } else {
        tg_buf_printf(&b, "%s %-5s %s", now, tg_log_names[level], msg);

        for (i = 0; i < n; i++) {
            tg_buf_printf(&b, " %s=", fields[i].key);
            if (fields[i].str != NULL) {
                tg_log_text_value(&b, fields[i].str);
            } else {
                tg_buf_printf(&b, "%" PRId64, fields[i].num);
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
