/*
 * Output: tables for lists, "name: value" lines for one object, or the
 * API's JSON as it is (--json).
 *
 * Text from the API is printed so that it cannot move the cursor: control
 * characters become spaces and invalid UTF-8 becomes '?'.  Columns are
 * aligned by display width, so CJK names (two columns each) line up.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/utf8.h"
#include "cli.h"


/* East Asian wide: CJK ideographs, kana and Hangul, CJK punctuation and
 * the fullwidth forms. */
static int
tg_cli_wide(int32_t cp)
{
    return tg_utf8_is_cjk(cp) || (cp >= 0x1100 && cp <= 0x115f)
           || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3130 && cp <= 0x318f)
           || (cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0xff00 && cp <= 0xff60)
           || (cp >= 0xffe0 && cp <= 0xffe6);
}


size_t
tg_cli_width(const char *s)
{
    tg_str_t str = tg_str_c(s);
    size_t   pos = 0, width = 0;
    int32_t  cp;

    while (pos < str.len) {
        cp = tg_utf8_next(str, &pos);
        if (cp < 0) {
            pos++;
            width++;
        } else {
            width += tg_cli_wide(cp) ? 2 : 1;
        }
    }
    return width;
}


/* Appends s, made safe for a terminal (see the top of the file). */
static int
tg_cli_append_text(tg_buf_t *b, const char *s)
{
    tg_str_t str = tg_str_c(s);
    size_t   pos = 0, start;
    int32_t  cp;
    int      rc = TG_OK;

    while (pos < str.len && rc == TG_OK) {
        start = pos;
        cp = tg_utf8_next(str, &pos);
        if (cp < 0) {
            pos++;
            rc = tg_buf_append(b, "?", 1);
        } else if (tg_utf8_is_control(cp)) {
            rc = tg_buf_append(b, " ", 1);
        } else {
            rc = tg_buf_append(b, str.ptr + start, pos - start);
        }
    }
    return rc;
}


/*
 * Appends v as one line of text: strings as they are, numbers, yes/no,
 * "-" for null, an object as "k=v, k=v", an array as "a, b".
 */
static int
tg_cli_append_value(tg_buf_t *b, json_t *v)
{
    const char *key;
    json_t     *m;
    size_t      i;
    int         rc = TG_OK, first = 1;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return tg_cli_append_text(b, json_string_value(v));
    case JSON_INTEGER:
        return tg_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return tg_buf_printf(b, "%g", json_real_value(v));
    case JSON_TRUE:
        return tg_buf_append_c(b, "yes");
    case JSON_FALSE:
        return tg_buf_append_c(b, "no");
    case JSON_OBJECT:
        if (json_object_size(v) == 0) {
            return tg_buf_append_c(b, "-");
        }
        json_object_foreach(v, key, m)
        {
            if ((!first && tg_buf_append_c(b, ", ") != TG_OK)
                || tg_cli_append_text(b, key) != TG_OK
                || tg_buf_append_c(b, "=") != TG_OK
                || tg_cli_append_value(b, m) != TG_OK)
            {
                return TG_ENOMEM;
            }
            first = 0;
        }
        return TG_OK;
    case JSON_ARRAY:
        if (json_array_size(v) == 0) {
            return tg_buf_append_c(b, "-");
        }
        json_array_foreach(v, i, m)
        {
            if ((i > 0 && tg_buf_append_c(b, ", ") != TG_OK)
                || tg_cli_append_value(b, m) != TG_OK)
            {
                return TG_ENOMEM;
            }
        }
        return rc;
    default:
        return tg_buf_append_c(b, "-");
    }
}


/* The member that field names: "name", or "target.id". */
static json_t *
tg_cli_field(json_t *obj, const char *field)
{
    const char *dot = strchr(field, '.');
    char        name[64];
    size_t      len;

    if (dot == NULL) {
        return json_object_get(obj, field);
    }
    len = (size_t) (dot - field);
    if (len >= sizeof(name)) {
        return NULL;
    }
    memcpy(name, field, len);
    name[len] = '\0';
    return tg_cli_field(json_object_get(obj, name), dot + 1);
}


static void
tg_cli_print_json(json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    if (text != NULL) {
        puts(text);
        tg_wipe(text, strlen(text));
        free(text);
    }
}


/* Prints cell and pads it to width, unless it ends the line. */
static void
tg_cli_print_cell(const char *cell, size_t width, int last)
{
    size_t w;

    fputs(cell, stdout);
    if (last) {
        putchar('\n');
        return;
    }
    for (w = tg_cli_width(cell); w < width + 2; w++) {
        putchar(' ');
    }
}


void
tg_cli_print_list(const tg_cli_t *cli, json_t *items, const tg_cli_col_t *cols)
{
    size_t    ncols, nrows, r, c, width[16];
    tg_buf_t *cells;
    json_t   *v;

    if (cli->json) {
        tg_cli_print_json(items);
        return;
    }

    for (ncols = 0; cols[ncols].header != NULL && ncols < 16; ncols++) {
        width[ncols] = tg_cli_width(cols[ncols].header);
    }
    nrows = json_array_size(items);

    cells = calloc(nrows * ncols + 1, sizeof(tg_buf_t));
    if (cells == NULL) {
        tg_cli_nomem();
        return;
    }

    for (r = 0; r < nrows; r++) {
        for (c = 0; c < ncols; c++) {
            v = tg_cli_field(json_array_get(items, r), cols[c].field);
            if (tg_cli_append_value(&cells[r * ncols + c], v) != TG_OK
                || tg_buf_append(&cells[r * ncols + c], "", 0) != TG_OK)
            {
                tg_cli_nomem();
                goto done;
            }
            if (tg_cli_width(cells[r * ncols + c].ptr) > width[c]) {
                width[c] = tg_cli_width(cells[r * ncols + c].ptr);
            }
        }
    }

    for (c = 0; c < ncols; c++) {
        tg_cli_print_cell(cols[c].header, width[c], c + 1 == ncols);
    }
    for (r = 0; r < nrows; r++) {
        for (c = 0; c < ncols; c++) {
            tg_cli_print_cell(cells[r * ncols + c].ptr, width[c],
                              c + 1 == ncols);
        }
    }

done:
    for (r = 0; r < nrows * ncols; r++) {
        tg_buf_wipe(&cells[r]);
    }
    free(cells);
}


/* 1 if v is an array that holds an object: printed as a block. */
static int
tg_cli_is_block(json_t *v)
{
    return json_is_array(v) && json_is_object(json_array_get(v, 0));
}


static void
tg_cli_print_members(json_t *obj, int indent, const char *first_prefix)
{
    const char *key, *prefix = first_prefix;
    json_t     *v, *item;
    tg_buf_t    line = TG_BUF_INIT;
    size_t      width = 0, i, w;

    json_object_foreach(obj, key, v)
    {
        if (!tg_cli_is_block(v) && strlen(key) > width) {
            width = strlen(key);
        }
    }

    json_object_foreach(obj, key, v)
    {
        printf("%*s%s", indent, "", prefix);
        prefix = first_prefix[0] != '\0' ? "  " : "";

        if (tg_cli_is_block(v)) {
            printf("%s:\n", key);
            json_array_foreach(v, i, item)
            {
                tg_cli_print_members(item, indent + 2, "- ");
            }
            continue;
        }

        tg_buf_reset(&line);
        if (tg_cli_append_value(&line, v) != TG_OK
            || tg_buf_append(&line, "", 0) != TG_OK)
        {
            tg_cli_nomem();
            break;
        }
        printf("%s:", key);
        for (w = strlen(key); w < width + 1; w++) {
            putchar(' ');
        }
        puts(line.ptr);
    }

    tg_buf_wipe(&line);
}


void
tg_cli_print_object(const tg_cli_t *cli, json_t *obj)
{
    if (cli->json) {
        tg_cli_print_json(obj);
        return;
    }
    if (json_is_object(obj)) {
        tg_cli_print_members(obj, 0, "");
    }
}
