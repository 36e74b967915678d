/*
 * libFuzzer driver for lib/conf.c, the settings-file parser that
 * tollgated and the tollgate CLI run on files a user (or anyone who can
 * write them) edits.
 *
 * Beyond memory safety (ASan, UBSan), it checks the parser's contract:
 * names are [a-z0-9_]+, names and values point into the text, values hold
 * no line break, lines count up, and the handler's error stops the parse
 * and is returned with its line.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/conf.h"
#include "tollgate/error.h"
#include "tollgate/str.h"

#include "fuzz.h"


typedef struct {
    tg_str_t text;
    unsigned last;  /* the line of the last setting */
    size_t   calls; /* settings seen */
    size_t   stop;  /* fail on this call (1-based), 0 never */
} seen_t;


static int
handler(void *data, tg_str_t name, tg_str_t value, unsigned line)
{
    seen_t *s = data;
    size_t  i;

    check(inside(name, s->text) && inside(value, s->text));
    check(name.len > 0 && line > s->last);
    for (i = 0; i < name.len; i++) {
        check((name.ptr[i] >= 'a' && name.ptr[i] <= 'z')
              || (name.ptr[i] >= '0' && name.ptr[i] <= '9')
              || name.ptr[i] == '_');
    }
    check(value.len == 0 || memchr(value.ptr, '\n', value.len) == NULL);
    s->last = line;
    return ++s->calls == s->stop ? TG_EBUSY : TG_OK;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t text = { (const char *) data, size };
    seen_t   s = { text, 0, 0, 0 };
    unsigned line = 0, lines = 1;
    size_t   i, total;
    int      rc;

    for (i = 0; i < size; i++) {
        lines += data[i] == '\n';
    }

    rc = tg_conf_parse(text, handler, &s, &line);
    check(rc == TG_OK || rc == TG_EINVALID);
    check(line <= lines && (rc == TG_OK || line >= 1));
    if (rc != TG_OK || s.calls == 0) {
        return 0;
    }

    /* Stopping at the last setting returns the handler's error there. */
    total = s.calls;
    s = (seen_t){ text, 0, 0, total };
    line = 0;
    check(tg_conf_parse(text, handler, &s, &line) == TG_EBUSY);
    check(s.calls == total && line == s.last);
    return 0;
}
