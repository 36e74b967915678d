/*
 * HTTP with libcurl: one request, its answer parsed, its error printed.
 *
 * Answers may hold secrets, so the buffers that held them are wiped.
 */

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/version.h"
#include "cli.h"


/* An answer larger than this is not tollgated's. */
#define TG_CLI_MAX_ANSWER (64 * 1024 * 1024)

/* The page size when a list is read whole. */
#define TG_CLI_PAGE 100

typedef struct {
    tg_buf_t body;
    char     request_id[80];
    int      too_large;
} tg_cli_answer_t;


static size_t
tg_cli_on_body(char *data, size_t size, size_t n, void *arg)
{
    tg_cli_answer_t *ans = arg;
    size_t           len = size * n;

    if (ans->body.len + len > TG_CLI_MAX_ANSWER) {
        ans->too_large = 1;
        return 0;
    }
    if (tg_buf_append(&ans->body, data, len) != TG_OK) {
        return 0;
    }
    return len;
}


static size_t
tg_cli_on_header(char *data, size_t size, size_t n, void *arg)
{
    static const char name[] = "x-request-id:";
    tg_cli_answer_t  *ans = arg;
    size_t            len = size * n, i, j = 0;

    if (len > sizeof(name) - 1
        && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        for (i = sizeof(name) - 1; i < len; i++) {
            if (isgraph((unsigned char) data[i])
                && j + 1 < sizeof(ans->request_id)) {
                ans->request_id[j++] = data[i];
            }
        }
        ans->request_id[j] = '\0';
    }
    return len;
}


/* Prints an error answer, in the API's shape when it has one. */
static void
tg_cli_print_error(long status, json_t *doc, const char *request_id)
{
    json_t     *err = json_object_get(doc, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    const char *rid = json_string_value(json_object_get(err, "request_id"));

    if (rid == NULL) {
        rid = request_id;
    }

    if (code != NULL && msg != NULL) {
        fprintf(stderr, "tollgate: %s: %s", code, msg);
    } else {
        fprintf(stderr, "tollgate: HTTP %ld: the answer is not tollgated's",
                status);
    }
    if (rid != NULL && rid[0] != '\0') {
        fprintf(stderr, " (request %s)", rid);
    }
    fputc('\n', stderr);
}


static int
tg_cli_perform(tg_cli_t *cli, const char *method, const char *url,
               const char *body, tg_cli_answer_t *ans, long *status)
{
    struct curl_slist *headers = NULL, *h;
    CURLcode           rc;
    CURL              *c = cli->curl;

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tollgate-cli/" TG_VERSION);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tg_cli_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, tg_cli_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, ans);
    if (cli->cacert != NULL) {
        curl_easy_setopt(c, CURLOPT_CAINFO, cli->cacert);
    }

    if (cli->key_id != NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, cli->key_id);
        curl_easy_setopt(c, CURLOPT_PASSWORD,
                         cli->key_secret != NULL ? cli->key_secret : "");
    }

    h = curl_slist_append(headers, "Accept: application/json");
    if (h != NULL && body != NULL) {
        headers = h;
        h = curl_slist_append(headers, "Content-Type: application/json");
    }
    if (h == NULL) {
        curl_slist_free_all(headers);
        return tg_cli_nomem();
    }
    headers = h;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }

    rc = curl_easy_perform(c);
    curl_slist_free_all(headers);

    if (rc != CURLE_OK) {
        if (ans->too_large) {
            fprintf(stderr, "tollgate: %s: the answer is too large\n", url);
            return TG_CLI_ESERVER;
        }
        fprintf(stderr, "tollgate: cannot reach %s: %s\n", cli->endpoint,
                curl_easy_strerror(rc));
        return TG_CLI_ETRANSPORT;
    }

    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return TG_CLI_OK;
}


int
tg_cli_call(tg_cli_t *cli, const char *method, const char *path, json_t *body,
            json_t **out)
{
    tg_cli_answer_t ans;
    tg_buf_t        url = TG_BUF_INIT;
    json_t         *doc = NULL;
    char           *text = NULL;
    long            status = 0;
    int             rc;

    memset(&ans, 0, sizeof(ans));
    if (out != NULL) {
        *out = NULL;
    }

    if (cli->key_id == NULL || cli->key_secret == NULL) {
        return tg_cli_usage_error(
            "no access key: give --access-key-id and --access-key-secret, "
            "set TOLLGATE_ACCESS_KEY_ID and TOLLGATE_ACCESS_KEY_SECRET, or "
            "use --config FILE (e.g. the data directory's admin-access-key)");
    }

    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        if (text == NULL) {
            return tg_cli_nomem();
        }
    }

    if (tg_buf_append_c(&url, cli->endpoint) != TG_OK
        || tg_buf_append_c(&url, path) != TG_OK)
    {
        rc = tg_cli_nomem();
        goto done;
    }

    rc = tg_cli_perform(cli, method, url.ptr, text, &ans, &status);
    cli->status = status;
    if (rc != TG_CLI_OK) {
        goto done;
    }

    if (ans.body.len > 0) {
        doc = json_loadb(ans.body.ptr, ans.body.len, 0, NULL);
    }

    if (status >= 200 && status < 300 && (doc != NULL || status == 204)) {
        if (out != NULL) {
            *out = doc;
            doc = NULL;
        }
        rc = TG_CLI_OK;
        goto done;
    }

    if (!cli->quiet) {
        tg_cli_print_error(status, doc, ans.request_id);
    }
    rc = (status >= 400 && status < 500) ? TG_CLI_EAPI : TG_CLI_ESERVER;

done:
    json_decref(doc);
    if (text != NULL) {
        tg_wipe(text, strlen(text));
        free(text);
    }
    tg_buf_wipe(&ans.body);
    tg_buf_free(&url);
    return rc;
}


int
tg_cli_list(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path, int pageable,
            json_t **items)
{
    json_t     *page = NULL, *all;
    tg_buf_t    url = TG_BUF_INIT;
    const char *sep = strchr(path->ptr, '?') != NULL ? "&" : "?";
    const char *next;
    char       *cursor = NULL;
    long long   offset = 0, total;
    size_t      n;
    int         rc;

    if (!pageable || tg_cli_has(a, "limit") || tg_cli_has(a, "offset")
        || tg_cli_has(a, "cursor"))
    {
        if (pageable
            && (tg_cli_query(path, "limit", tg_cli_opt(a, "limit")) != TG_OK
                || tg_cli_query(path, "offset", tg_cli_opt(a, "offset"))
                       != TG_OK
                || tg_cli_query(path, "cursor", tg_cli_opt(a, "cursor"))
                       != TG_OK))
        {
            return tg_cli_nomem();
        }
        rc = tg_cli_call(cli, "GET", path->ptr, NULL, &page);
        if (rc == TG_CLI_OK) {
            /* One page: where the next one starts, beside the output. */
            next = json_string_value(json_object_get(page, "next_cursor"));
            if (next != NULL) {
                fprintf(stderr, "next page: --cursor %s\n", next);
            }
            *items = json_incref(json_object_get(page, "items"));
            json_decref(page);
            if (!json_is_array(*items)) {
                json_decref(*items);
                fprintf(stderr, "tollgate: the answer holds no list\n");
                return TG_CLI_ESERVER;
            }
        }
        return rc;
    }

    all = json_array();
    if (all == NULL) {
        return tg_cli_nomem();
    }

    /* A list that gives a next page's cursor is walked by it (any depth
     * costs the same, and rows created or deleted meanwhile do not shift
     * the pages); the others by offset. */
    for (;;) {
        tg_buf_reset(&url);
        if ((cursor != NULL
                 ? tg_buf_printf(&url, "%s%slimit=%d&cursor=%s", path->ptr, sep,
                                 TG_CLI_PAGE, cursor)
                 : tg_buf_printf(&url, "%s%slimit=%d&offset=%lld", path->ptr,
                                 sep, TG_CLI_PAGE, offset))
            != TG_OK)
        {
            rc = tg_cli_nomem();
            break;
        }

        rc = tg_cli_call(cli, "GET", url.ptr, NULL, &page);
        if (rc != TG_CLI_OK) {
            break;
        }

        n = json_array_size(json_object_get(page, "items"));
        total = json_integer_value(json_object_get(page, "total"));
        if (json_array_extend(all, json_object_get(page, "items")) != 0) {
            rc = tg_cli_nomem();
            break;
        }
        next = json_string_value(json_object_get(page, "next_cursor"));
        if (next != NULL || cursor != NULL) {
            free(cursor);
            cursor = next != NULL ? tg_strndup(next, strlen(next)) : NULL;
            if (next == NULL || n == 0) {
                break;
            }
            if (cursor == NULL) {
                rc = tg_cli_nomem();
                break;
            }
        }
        json_decref(page);
        page = NULL;

        offset += (long long) n;
        if (cursor == NULL && (n == 0 || offset >= total)) {
            break;
        }
    }

    free(cursor);
    json_decref(page);
    tg_buf_free(&url);
    if (rc != TG_CLI_OK) {
        json_decref(all);
        return rc;
    }
    *items = all;
    return TG_CLI_OK;
}


int
tg_cli_path(tg_buf_t *b, const char *fmt, ...)
{
    va_list     ap;
    const char *p;
    int         rc = TG_OK;

    va_start(ap, fmt);
    for (p = fmt; *p != '\0' && rc == TG_OK; p++) {
        if (p[0] == '%' && p[1] == 's') {
            rc = tg_percent_encode(b, tg_str_c(va_arg(ap, const char *)));
            p++;
        } else {
            rc = tg_buf_append(b, p, 1);
        }
    }
    va_end(ap);
    return rc;
}


int
tg_cli_query(tg_buf_t *b, const char *name, const char *value)
{
    if (value == NULL) {
        return TG_OK;
    }
    if (tg_buf_append_c(b, b->ptr != NULL && strchr(b->ptr, '?') != NULL ? "&"
                                                                         : "?")
            != TG_OK
        || tg_buf_append_c(b, name) != TG_OK
        || tg_buf_append_c(b, "=") != TG_OK)
    {
        return TG_ENOMEM;
    }
    return tg_percent_encode(b, tg_str_c(value));
}


int
tg_cli_usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("tollgate: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return TG_CLI_EUSAGE;
}


int
tg_cli_nomem(void)
{
    fputs("tollgate: out of memory\n", stderr);
    return TG_CLI_EUSAGE;
}
