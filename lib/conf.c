/*
 * The "name = value" settings-file parser.
 */

#include <string.h>

#include "tollgate/conf.h"
#include "tollgate/error.h"


static int
tg_conf_name_check(tg_str_t name)
{
    size_t i;

    if (name.len == 0) {
        return TG_EINVALID;
    }

    for (i = 0; i < name.len; i++) {
        char c = name.ptr[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return TG_EINVALID;
        }
    }

    return TG_OK;
}


/* Parses one non-empty, non-comment line into name and value. */
static int
tg_conf_line(tg_str_t line, tg_str_t *name, tg_str_t *value)
{
    const char *eq = memchr(line.ptr, '=', line.len);

    if (eq == NULL) {
        return TG_EINVALID;
    }

    *name = tg_str_trim((tg_str_t){ line.ptr, (size_t) (eq - line.ptr) });
    *value = tg_str_trim(
        (tg_str_t){ eq + 1, line.len - (size_t) (eq - line.ptr) - 1 });

    if (value->len > 0 && value->ptr[0] == '"') {
        if (value->len < 2 || value->ptr[value->len - 1] != '"') {
            return TG_EINVALID;
        }
        value->ptr++;
        value->len -= 2;
    }

    return tg_conf_name_check(*name);
}


int
tg_conf_parse(tg_str_t text, tg_conf_handler_pt handler, void *data,
              unsigned *line)
{
    tg_str_t name, value, l;
    size_t   pos = 0;
    unsigned n = 0;
    int      rc;

    while (pos < text.len) {
        const char *nl = memchr(text.ptr + pos, '\n', text.len - pos);
        size_t      end = nl != NULL ? (size_t) (nl - text.ptr) : text.len;

        n++;
        l = (tg_str_t){ text.ptr + pos, end - pos };
        pos = end + 1;

        if (l.len > 0 && l.ptr[l.len - 1] == '\r') {
            l.len--;
        }

        l = tg_str_trim(l);
        if (l.len == 0 || l.ptr[0] == '#') {
            continue;
        }

        *line = n;

        if (tg_conf_line(l, &name, &value) != TG_OK) {
            return TG_EINVALID;
        }

        rc = handler(data, name, value, n);
        if (rc != TG_OK) {
            return rc;
        }
    }

    return TG_OK;
}
