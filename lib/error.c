/*
 * The error table's accessors.  Everything here is generated from
 * TG_ERRNO_MAP and TG_FIELD_MAP in error.h, so names, statuses and
 * messages cannot drift apart.
 */

#include <stdarg.h>
#include <stdio.h>

#include "tollgate/error.h"


typedef struct {
    unsigned    status;
    const char *name;
    const char *message;
} tg_errno_entry_t;


/* clang-format off */
#define TG__ERRNO_ENTRY(name, status, code, message) { status, code, message },
static const tg_errno_entry_t tg_errno_table[TG__ERRNO_COUNT] = {
    TG_ERRNO_MAP(TG__ERRNO_ENTRY)
};
#undef TG__ERRNO_ENTRY

#define TG__FIELD_NAME(name, native) native,
static const char *const tg_field_names[TG__FIELD_COUNT] = {
    TG_FIELD_MAP(TG__FIELD_NAME)
};
#undef TG__FIELD_NAME
/* clang-format on */


static const tg_errno_entry_t *
tg_errno_lookup(int err)
{
    int index = -1 - err;

    if (err >= 0 || index >= TG__ERRNO_COUNT) {
        return NULL;
    }

    return &tg_errno_table[index];
}


const char *
tg_err_name(int err)
{
    const tg_errno_entry_t *e;

    if (err == TG_OK) {
        return "ok";
    }

    e = tg_errno_lookup(err);
    return e != NULL ? e->name : "unknown_error";
}


const char *
tg_strerror(int err)
{
    const tg_errno_entry_t *e;

    if (err == TG_OK) {
        return "success";
    }

    e = tg_errno_lookup(err);
    return e != NULL ? e->message : "unknown error";
}


unsigned
tg_err_http_status(int err)
{
    const tg_errno_entry_t *e;

    if (err == TG_OK) {
        return 200;
    }

    e = tg_errno_lookup(err);
    return e != NULL ? e->status : 500;
}


const char *
tg_field_name(tg_field_t field)
{
    if ((unsigned) field >= TG__FIELD_COUNT) {
        return "";
    }

    return tg_field_names[field];
}


int
tg_error_set(tg_error_t *err, int code, tg_field_t field, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return code;
    }

    err->code = code;
    err->field = field;
    err->detail[0] = '\0';
    err->retry_after = 0;

    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
        va_end(ap);
    }

    return code;
}


int
tg_error_code(tg_error_t *err, int code)
{
    if (err != NULL && err->code == code) {
        return code;
    }

    return tg_error_set(err, code, TG_FIELD_NONE, NULL);
}
