/*
 * Time as Unix milliseconds, and its RFC 3339 text form.
 *
 * Tollgate keeps every instant as int64 milliseconds since the epoch, UTC,
 * and shows it as RFC 3339 in UTC ("2026-11-23T04:42:00Z").
 */

#ifndef TOLLGATE_TIME_H
#define TOLLGATE_TIME_H

#include <stdint.h>

#include "tollgate/str.h"


#define TG_RFC3339_LEN 24 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" */

/* The current time from the realtime clock, in ms. */
int64_t tg_time_now_ms(void);

/* A monotonic clock in ms, for measuring intervals. */
int64_t tg_time_monotonic_ms(void);

/*
 * Writes ms as RFC 3339 UTC and a NUL into out: with milliseconds
 * ("...:00.123Z") if with_ms, else whole seconds ("...:00Z").  Years
 * outside 0-9999 are clamped.  Returns the number of characters.
 */
size_t tg_time_format(int64_t ms, int with_ms, char out[TG_RFC3339_LEN + 1]);

/*
 * Parses RFC 3339: "YYYY-MM-DDTHH:MM:SS", optional fraction (up to 9
 * digits; kept to the millisecond), then "Z" or "+HH:MM"/"-HH:MM".  'T'
 * and 'Z' may be lowercase.  Returns 0 and sets *ms, or TG_EINVALID.
 */
int tg_time_parse(tg_str_t s, int64_t *ms);

#endif /* TOLLGATE_TIME_H */
