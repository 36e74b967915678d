/*
 * The web console's static files, served by tollgated at /console/ on
 * the management listener.
 *
 * The console is a page of static assets (built from console/ into
 * build/console/ by `make console`) that calls the native API like any
 * other client, signed in with a session (native_sessions.c).  This
 * "dialect" only serves its files: it claims every request under
 * /console, answers GET and HEAD from the directory of the console_dir
 * setting, and nothing else.  It also carries the console's settings:
 * the directory and the sessions' lifetimes, which it hands to the core.
 *
 * Files are served with their type, the console's Content-Security-Policy,
 * and caching fit for hashed names: files under assets/ are immutable,
 * others (index.html) are revalidated.  A precompressed twin (name.gz)
 * is sent to clients that accept gzip.  A target with an escape (%),
 * a backslash, an empty, dot-led or unusual segment, or a name of
 * another type is refused before the file system is asked.
 *
 * Ownership: the instance owns its directory handle; it uses the
 * service, which it does not own.
 */

#ifndef TOLLGATE_CONSOLE_H
#define TOLLGATE_CONSOLE_H

#include "dialects.h"


/* The dialect, for the registry (dialects.c). */
extern const tg_dialect_t tg_console_dialect;

/* The Content-Security-Policy of every console response. */
#define TG_CONSOLE_CSP                                         \
    "default-src 'self'; object-src 'none'; base-uri 'none'; " \
    "frame-ancestors 'none'; form-action 'self'"

/* The largest file served, in bytes. */
#define TG_CONSOLE_FILE_MAX (8 * 1024 * 1024)

/* The most segments, and bytes per segment, of a file's name. */
#define TG_CONSOLE_SEGMENTS_MAX 3
#define TG_CONSOLE_SEGMENT_MAX  100


/*
 * Checks the request target after "/console/" (raw, len bytes, up to the
 * query): 1 to TG_CONSOLE_SEGMENTS_MAX segments separated by '/', each
 * of [A-Za-z0-9_-][A-Za-z0-9._-]* and at most TG_CONSOLE_SEGMENT_MAX
 * bytes (so no escape, backslash, dot-led or empty segment, no trailing
 * slash).  Copies it with a NUL into name (size bytes), or "index.html"
 * for an empty target.  Returns 0, or TG_EBAD_REQUEST (name unset).
 */
int tg_console_name(const char *raw, size_t len, char *name, size_t size);

/*
 * Whether an Accept-Encoding header's value (NULL: none) accepts gzip: a
 * "gzip" coding (any case) without a zero q.  Returns 1 or 0.
 */
int tg_console_accepts_gzip(const char *accept);

#endif /* TOLLGATE_CONSOLE_H */
