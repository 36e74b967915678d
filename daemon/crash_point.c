/*
 * Crash points for the crash tests (see crash_point.h).  Without
 * TG_CRASH_POINTS this file only refuses the variable.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash_point.h"

#define TG_CRASH_AT_ENV "TOLLGATE_CRASH_AT"

#ifdef TG_CRASH_POINTS

#include <stdatomic.h>

#define TG_CRASH_NAME_MAX 64

/* Set once by tg_crash_point_init(), before any thread starts. */
static char        tg_crash_name[TG_CRASH_NAME_MAX];
static long        tg_crash_at;
static atomic_long tg_crash_hits;
static atomic_int  tg_crash_armed;


int
tg_crash_point_init(char *errbuf, size_t size)
{
    const char *v = getenv(TG_CRASH_AT_ENV), *colon;
    char       *end;
    size_t      len;

    if (v == NULL || v[0] == '\0') {
        return 0;
    }
    colon = strchr(v, ':');
    len = colon != NULL ? (size_t) (colon - v) : strlen(v);
    tg_crash_at = 1;
    if (colon != NULL) {
        tg_crash_at = strtol(colon + 1, &end, 10);
    }
    if (len == 0 || len >= sizeof(tg_crash_name) || tg_crash_at < 1
        || (colon != NULL && (colon[1] == '\0' || *end != '\0')))
    {
        snprintf(errbuf, size, "%s: expected NAME[:N], N at least 1",
                 TG_CRASH_AT_ENV);
        return -1;
    }
    memcpy(tg_crash_name, v, len);
    tg_crash_name[len] = '\0';
    return 0;
}


void
tg_crash_point_arm(void)
{
    atomic_store(&tg_crash_armed, 1);
}


void
tg_crash_point(const char *name)
{
    if (tg_crash_name[0] == '\0' || !atomic_load(&tg_crash_armed)
        || strcmp(name, tg_crash_name) != 0)
    {
        return;
    }
    if (atomic_fetch_add(&tg_crash_hits, 1) + 1 == tg_crash_at) {
        fprintf(stderr, "tollgated: crash point %s reached; SIGKILL\n", name);
        raise(SIGKILL);
    }
}

#else

int
tg_crash_point_init(char *errbuf, size_t size)
{
    const char *v = getenv(TG_CRASH_AT_ENV);

    if (v != NULL && v[0] != '\0') {
        snprintf(errbuf, size,
                 "%s is set, but this build has no crash points (a test "
                 "setting: unset it)",
                 TG_CRASH_AT_ENV);
        return -1;
    }
    return 0;
}

#endif
