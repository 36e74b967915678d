/*
 * The console's static files and settings.  See console.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tollgate/error.h"
#include "console/console.h"
#include "dialects/native/native.h"
#include "log.h"


#define TG_CONSOLE_PREFIX   "/console"
#define TG_CONSOLE_NAME_MAX 256

typedef struct {
    char   *dir;
    int64_t session_seconds;
    int64_t idle_seconds;
} tg_console_settings_t;

typedef struct {
    int           dirfd; /* -1: no console installed */
    char          dir[PATH_MAX];
    tg_service_t *svc; /* for the native API's answer to "/" without it */
} tg_console_t;

typedef struct {
    const char *ext;
    const char *type;
} tg_console_type_t;


/* clang-format off */

static const tg_setting_t tg_console_settings[] = {
    { "console_dir", TG_SETTING_STRING,
      offsetof(tg_console_settings_t, dir), NULL, 0, 0, NULL,
      "the web console's files (default: ../console beside the binary)" },
    { "console_session_seconds", TG_SETTING_INT,
      offsetof(tg_console_settings_t, session_seconds), "28800", 1, 604800,
      NULL, "the longest life of a console session, in seconds" },
    { "console_idle_seconds", TG_SETTING_INT,
      offsetof(tg_console_settings_t, idle_seconds), "1800", 1, 86400, NULL,
      "a console session unused this long ends, in seconds" },
};

/* The types served; a name of any other is not found. */
static const tg_console_type_t tg_console_types[] = {
    { ".html",  "text/html; charset=utf-8" },
    { ".js",    "text/javascript; charset=utf-8" },
    { ".css",   "text/css; charset=utf-8" },
    { ".svg",   "image/svg+xml" },
    { ".png",   "image/png" },
    { ".ico",   "image/x-icon" },
    { ".woff2", "font/woff2" },
    { ".txt",   "text/plain; charset=utf-8" },
};

/* clang-format on */

#define TG_CONSOLE_NTYPES \
    (sizeof(tg_console_types) / sizeof(tg_console_types[0]))


/* The default directory: ../console beside the running binary. */
static int
tg_console_default_dir(char *out, size_t size)
{
    char    exe[PATH_MAX];
    ssize_t n;

    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        return TG_EINTERNAL;
    }
    exe[n] = '\0';

    if ((size_t) snprintf(out, size, "%s/../console", dirname(exe)) >= size) {
        return TG_EINTERNAL;
    }
    return TG_OK;
}


static int
tg_console_create(tg_service_t *svc, const void *settings, void **out)
{
    const tg_console_settings_t *s = settings;
    tg_console_t                *con;
    int                          rc = TG_OK;

    con = calloc(1, sizeof(tg_console_t));
    if (con == NULL) {
        return TG_ENOMEM;
    }

    if (s != NULL && s->dir != NULL && s->dir[0] != '\0') {
        snprintf(con->dir, sizeof(con->dir), "%s", s->dir);
    } else {
        (void) tg_console_default_dir(con->dir, sizeof(con->dir));
    }

    con->dirfd = open(con->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (con->dirfd < 0 && s != NULL && s->dir != NULL && s->dir[0] != '\0') {
        /* A directory named on purpose must be there. */
        TG_LOG(TG_LOG_ERROR, "console directory unusable",
               TG_LF_STR("dir", con->dir), TG_LF_STR("error", strerror(errno)));
        rc = TG_EINVALID;
    } else if (con->dirfd < 0) {
        TG_LOG(TG_LOG_INFO, "console not installed",
               TG_LF_STR("dir", con->dir));
    }

    if (rc != TG_OK) {
        free(con);
        return rc;
    }

    if (s != NULL) {
        tg_service_session_limits(svc, s->session_seconds, s->idle_seconds);
    }

    con->svc = svc;
    *out = con;
    return TG_OK;
}


static void
tg_console_destroy(void *data)
{
    tg_console_t *con = data;

    if (con != NULL) {
        if (con->dirfd >= 0) {
            close(con->dirfd);
        }
        free(con);
    }
}


/* Whether req is a browser's visit to the listener's root: GET or HEAD
 * of "/".  It is claimed by the shape only, so that a vendor's call to
 * "/" (an Action parameter, a vendor header or scheme) is the vendor's. */
static int
tg_console_is_root(const tg_claim_request_t *req)
{
    return strcmp(req->path, "/") == 0
           && (strcmp(req->method, "GET") == 0
               || strcmp(req->method, "HEAD") == 0);
}


static tg_claim_t
tg_console_claim(const tg_claim_request_t *req)
{
    tg_str_t path = tg_str_c(req->path);

    if (tg_str_eq_c(path, TG_CONSOLE_PREFIX)
        || tg_str_has_prefix(path, TG_STR(TG_CONSOLE_PREFIX "/")))
    {
        return TG_CLAIM_PATH;
    }
    return tg_console_is_root(req) ? TG_CLAIM_SHAPE : TG_CLAIM_NONE;
}


/* The headers of every console response. */
static void
tg_console_headers(tg_http_response_t *res, const char *cache)
{
    tg_http_response_header(res, "Content-Security-Policy", "%s",
                            TG_CONSOLE_CSP);
    tg_http_response_header(res, "X-Content-Type-Options", "nosniff");
    tg_http_response_header(res, "Referrer-Policy", "no-referrer");
    tg_http_response_header(res, "X-Frame-Options", "DENY");
    tg_http_response_header(res, "Cross-Origin-Opener-Policy", "same-origin");
    tg_http_response_header(res, "Cache-Control", "%s", cache);
}


/* A short text answer (an error, a redirect). */
static void
tg_console_text(tg_http_response_t *res, unsigned status, const char *text)
{
    res->status = status;
    res->content_type = "text/plain; charset=utf-8";
    tg_buf_reset(&res->body);
    (void) tg_buf_append_c(&res->body, text);
    tg_console_headers(res, "no-store");
}


/* See console.h. */
int
tg_console_name(const char *raw, size_t len, char *name, size_t size)
{
    size_t i, seg = 0, nseg = 1;
    char   c;

    if (len == 0) {
        snprintf(name, size, "index.html");
        return TG_OK;
    }
    if (len >= size) {
        return TG_EBAD_REQUEST;
    }

    for (i = 0; i < len; i++) {
        c = raw[i];
        if (c == '/') {
            if (seg == 0 || ++nseg > TG_CONSOLE_SEGMENTS_MAX) {
                return TG_EBAD_REQUEST;
            }
            seg = 0;
            continue;
        }

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'
              || (c == '.' && seg > 0))
            || ++seg > TG_CONSOLE_SEGMENT_MAX)
        {
            return TG_EBAD_REQUEST; /* '%', '\\', a dot-led segment... */
        }
    }

    if (seg == 0) {
        return TG_EBAD_REQUEST; /* a trailing slash: no listings */
    }

    memcpy(name, raw, len);
    name[len] = '\0';
    return TG_OK;
}


static const char *
tg_console_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    size_t      i;

    for (i = 0; dot != NULL && i < TG_CONSOLE_NTYPES; i++) {
        if (strcmp(dot, tg_console_types[i].ext) == 0) {
            return tg_console_types[i].type;
        }
    }
    return NULL;
}


/* See console.h. */
int
tg_console_accepts_gzip(const char *accept)
{
    tg_str_t    rest, item, coding;
    const char *comma, *semi, *q;

    if (accept == NULL) {
        return 0;
    }

    rest = tg_str_c(accept);
    while (rest.len > 0) {
        comma = memchr(rest.ptr, ',', rest.len);
        item = (tg_str_t){ rest.ptr, comma != NULL ? (size_t) (comma - rest.ptr)
                                                   : rest.len };
        rest = comma != NULL
                   ? (tg_str_t){ comma + 1,
                                 rest.len - (size_t) (comma + 1 - rest.ptr) }
                   : TG_STR("");

        semi = memchr(item.ptr, ';', item.len);
        coding = tg_str_trim((tg_str_t){
            item.ptr, semi != NULL ? (size_t) (semi - item.ptr) : item.len });
        if (coding.len != 4 || strncasecmp(coding.ptr, "gzip", 4) != 0) {
            continue;
        }

        q = semi != NULL ? strstr(semi, "q=") : NULL;
        if (q != NULL && q < item.ptr + item.len) {
            return strtod(q + 2, NULL) > 0;
        }
        return 1;
    }

    return 0;
}


/*
 * Reads name from the console's directory into body: 0,
 * TG_EROUTE_NOT_FOUND (no such regular file, or too large), or
 * TG_ENOMEM.  Symbolic links are not followed at the last step.
 */
static int
tg_console_read(const tg_console_t *con, const char *name, tg_buf_t *body)
{
    struct stat st;
    char        chunk[16384];
    ssize_t     n;
    int         fd, rc = TG_OK;

    fd = openat(con->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return TG_EROUTE_NOT_FOUND;
    }

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size > TG_CONSOLE_FILE_MAX)
    {
        close(fd);
        return TG_EROUTE_NOT_FOUND;
    }

    tg_buf_reset(body);
    while (rc == TG_OK && (n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            rc = errno == EINTR ? TG_OK : TG_EROUTE_NOT_FOUND;
        } else if (body->len + (size_t) n > TG_CONSOLE_FILE_MAX) {
            rc = TG_EROUTE_NOT_FOUND;
        } else {
            rc = tg_buf_append(body, chunk, (size_t) n);
        }
    }

    close(fd);
    return rc;
}


/* Serves name, or its .gz twin when the client takes gzip. */
static void
tg_console_serve(const tg_console_t *con, tg_http_request_t *req,
                 tg_http_response_t *res, const char *name)
{
    const char *type = tg_console_type(name);
    char        gz[TG_CONSOLE_NAME_MAX + 4];
    int         rc = TG_EROUTE_NOT_FOUND, gzipped = 0;

    if (type == NULL) {
        tg_console_text(res, 404, "not found\n");
        return;
    }

    if (tg_console_accepts_gzip(tg_http_header(req, "Accept-Encoding"))) {
        snprintf(gz, sizeof(gz), "%s.gz", name);
        rc = tg_console_read(con, gz, &res->body);
        gzipped = rc == TG_OK;
    }
    if (rc == TG_EROUTE_NOT_FOUND) {
        rc = tg_console_read(con, name, &res->body);
    }

    if (rc != TG_OK) {
        tg_console_text(res, rc == TG_ENOMEM ? 500 : 404,
                        rc == TG_ENOMEM ? "out of memory\n" : "not found\n");
        return;
    }

    res->status = 200;
    res->content_type = type;
    tg_console_headers(res, strncmp(name, "assets/", 7) == 0
                                ? "public, max-age=31536000, immutable"
                                : "no-cache");
    tg_http_response_header(res, "Vary", "Accept-Encoding");
    if (gzipped) {
        tg_http_response_header(res, "Content-Encoding", "gzip");
    }
}


static void
tg_console_handle(void *data, tg_http_request_t *req, tg_http_response_t *res)
{
    const tg_console_t *con = data;
    const char         *method = tg_http_method(req);
    const char         *uri = tg_http_uri(req);
    char                name[TG_CONSOLE_NAME_MAX];
    size_t              len, plen = sizeof(TG_CONSOLE_PREFIX) - 1;

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        tg_console_text(res, 405, "method not allowed\n");
        tg_http_response_header(res, "Allow", "GET, HEAD");
        return;
    }

    len = strcspn(uri, "?#");

    /* The root leads a browser to the console, when there is one to
     * serve; else it is what it was, the native API's unknown route. */

    if (len == 1 && uri[0] == '/') {
        if (con->dirfd < 0 || faccessat(con->dirfd, "index.html", R_OK, 0) != 0)
        {
            tg_native_dialect.handle(con->svc, req, res);
            return;
        }
        tg_console_text(res, 302, "see /console/\n");
        tg_http_response_header(res, "Location", "/console/");
        return;
    }

    /* The raw target must be the decoded one: no escapes at all. */

    if (len < plen || strncmp(uri, TG_CONSOLE_PREFIX, plen) != 0
        || memchr(uri, '%', len) != NULL)
    {
        tg_console_text(res, 400, "bad request\n");
        return;
    }

    if (len > plen && uri[plen] != '/') {
        tg_console_text(res, 404, "not found\n");
        return;
    }

    if (len == plen) {
        tg_console_text(res, 308, "see /console/\n");
        tg_http_response_header(res, "Location", "/console/");
        return;
    }

    if (con->dirfd < 0) {
        tg_console_text(res, 404,
                        "the console is not installed: build it with "
                        "`make console`, or set console_dir\n");
        return;
    }

    if (tg_console_name(uri + plen + 1, len - plen - 1, name, sizeof(name))
        != TG_OK)
    {
        tg_console_text(res, 400, "bad request\n");
        return;
    }

    tg_console_serve(con, req, res, name);
}


const tg_dialect_t tg_console_dialect = {
    .name = "console",
    .settings = tg_console_settings,
    .nsettings = sizeof(tg_console_settings) / sizeof(tg_console_settings[0]),
    .settings_size = sizeof(tg_console_settings_t),
    .create = tg_console_create,
    .destroy = tg_console_destroy,
    .claim = tg_console_claim,
    .handle = tg_console_handle,
};
