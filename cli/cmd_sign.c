/*
 * tollgate sign: signs a call the way Alibaba's X-Ca-* clients do, with
 * libtollgate's own signer (the one the gateway verifies with), and sends
 * it, or prints the string to sign and the headers (--print).  A refusal
 * is printed as its message alone (never the body), with what to do: when
 * the gateway refuses the signature, both strings to sign are compared,
 * so a newcomer sees where theirs differs, or learns that the secret is
 * wrong when they are the same; when the app lacks a grant, the command
 * that adds it.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/cred.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/time.h"
#include "tollgate/xca.h"
#include "cli.h"


#define TG_SIGN_HEADERS_MAX 48
#define TG_SIGN_ANSWER_MAX  (16 * 1024 * 1024)

typedef struct {
    tg_str_t name;
    tg_str_t value;
} tg_sign_header_t;

typedef struct {
    tg_sign_header_t h[TG_SIGN_HEADERS_MAX];
    size_t           n;
    char            *owned[TG_SIGN_HEADERS_MAX]; /* values made here */
    size_t           nowned;
} tg_sign_headers_t;

typedef struct {
    tg_buf_t body;
    tg_buf_t error_message; /* X-Ca-Error-Message */
    tg_buf_t api;           /* X-Tollgate-Api: the grant that is missing */
    tg_buf_t stage;         /* X-Tollgate-Stage */
    int      too_large;
} tg_sign_answer_t;

#define TG_SIGN_STS_PREFIX "Invalid Signature, Server StringToSign:`"


static const tg_sign_header_t *
tg_sign_find(const tg_sign_headers_t *hs, tg_str_t name)
{
    size_t i;

    for (i = 0; i < hs->n; i++) {
        if (tg_str_eq_nocase(hs->h[i].name, name)) {
            return &hs->h[i];
        }
    }
    return NULL;
}


static int
tg_sign_header_fn(void *ctx, tg_str_t name, tg_str_t *value)
{
    const tg_sign_header_t *h = tg_sign_find(ctx, name);

    if (h == NULL) {
        return 0;
    }
    *value = h->value;
    return 1;
}


/* Adds a header unless the user gave it; value is copied. */
static int
tg_sign_default(tg_sign_headers_t *hs, const char *name, const char *value)
{
    char *copy;

    if (tg_sign_find(hs, tg_str_c(name)) != NULL) {
        return TG_CLI_OK;
    }
    if (hs->n == TG_SIGN_HEADERS_MAX) {
        return tg_cli_usage_error("too many headers");
    }
    copy = tg_strndup(value, strlen(value));
    if (copy == NULL) {
        return tg_cli_nomem();
    }
    hs->owned[hs->nowned++] = copy;
    hs->h[hs->n].name = tg_str_c(name);
    hs->h[hs->n].value = tg_str_c(copy);
    hs->n++;
    return TG_CLI_OK;
}


/* Reads the --header "Name: value" options. */
static int
tg_sign_user_headers(const tg_cli_args_t *a, tg_sign_headers_t *hs)
{
    const char *h, *colon;
    int         i = 0;

    while ((h = tg_cli_opt_next(a, "header", &i)) != NULL) {
        colon = strchr(h, ':');
        if (colon == NULL || colon == h) {
            return tg_cli_usage_error("--header %s: expected \"Name: value\"",
                                      h);
        }
        if (hs->n == TG_SIGN_HEADERS_MAX) {
            return tg_cli_usage_error("too many headers");
        }
        hs->h[hs->n].name = (tg_str_t){ h, (size_t) (colon - h) };
        hs->h[hs->n].value = tg_str_trim(tg_str_c(colon + 1));
        hs->n++;
    }
    return TG_CLI_OK;
}


/* Splits url into the path as sent (before '?') and the query. */
static int
tg_sign_split_url(const char *url, tg_str_t *path, tg_str_t *query)
{
    const char *p = strstr(url, "://"), *q, *end;

    if (p == NULL
        || (strncmp(url, "http://", 7) != 0
            && strncmp(url, "https://", 8) != 0))
    {
        return tg_cli_usage_error("URL \"%s\": expected http://HOST/PATH", url);
    }
    p = strchr(p + 3, '/');
    if (p == NULL) {
        *path = TG_STR("/");
        *query = TG_STR("");
        return TG_CLI_OK;
    }
    end = strchr(p, '#');
    if (end == NULL) {
        end = p + strlen(p);
    }
    q = memchr(p, '?', (size_t) (end - p));
    *path = (tg_str_t){ p, (size_t) ((q != NULL ? q : end) - p) };
    *query =
        q != NULL ? (tg_str_t){ q + 1, (size_t) (end - q - 1) } : TG_STR("");
    return TG_CLI_OK;
}


/* The primary pair of --app, revealed through tollgated (audited). */
static int
tg_sign_reveal(tg_cli_t *cli, const char *ref, char **key, char **secret)
{
    tg_buf_t    path = TG_BUF_INIT;
    json_t     *shown = NULL;
    const char *k, *s;
    char        id[64];
    int         rc;

    rc = tg_cli_app_ref(cli, ref, id);
    if (rc == TG_CLI_OK
        && tg_cli_path(&path, "/v1/apps/%s/secret", id) != TG_OK) {
        rc = tg_cli_nomem();
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_call(cli, "GET", path.ptr, NULL, &shown);
    }
    tg_buf_free(&path);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    k = json_string_value(json_object_get(shown, "app_key"));
    s = json_string_value(json_object_get(shown, "app_secret"));
    if (k == NULL || s == NULL) {
        json_decref(shown);
        fprintf(stderr, "tollgate: the answer holds no key pair\n");
        return TG_CLI_ESERVER;
    }
    *key = tg_strndup(k, strlen(k));
    *secret = tg_strndup(s, strlen(s));
    json_decref(shown);
    return *key != NULL && *secret != NULL ? TG_CLI_OK : tg_cli_nomem();
}


/* Sets the X-Ca-* and content headers the clients set. */
static int
tg_sign_defaults(const tg_cli_args_t *a, tg_sign_headers_t *hs, const char *key,
                 tg_str_t body, int form, int sha1)
{
    char md5[TG_XCA_CONTENT_MD5_LEN + 1], nonce[TG_REQUEST_ID_LEN + 1], ts[24];
    int  rc;

    if (tg_request_id_generate(nonce) != TG_OK) {
        return tg_cli_usage_error("no randomness");
    }
    snprintf(ts, sizeof(ts), "%lld", (long long) tg_time_now_ms());

    rc = tg_sign_default(hs, "x-ca-key", key);
    if (rc == TG_CLI_OK) {
        rc = tg_sign_default(hs, "x-ca-timestamp", ts);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_default(hs, "x-ca-nonce", nonce);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_default(hs, "x-ca-stage",
                             tg_cli_has(a, "stage") ? tg_cli_opt(a, "stage")
                                                    : "RELEASE");
    }
    if (rc == TG_CLI_OK && sha1) {
        rc = tg_sign_default(hs, "x-ca-signature-method", "HmacSHA1");
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_default(hs, "accept", "application/json");
    }
    if (rc == TG_CLI_OK && tg_cli_has(a, "data")) {
        rc = tg_sign_default(hs, "content-type",
                             form ? "application/x-www-form-urlencoded; "
                                    "charset=UTF-8"
                                  : "application/json; charset=UTF-8");
    }
    if (rc == TG_CLI_OK && body.len > 0 && !form) {
        if (tg_xca_content_md5(body, md5) != TG_OK) {
            return tg_cli_usage_error("cannot compute Content-MD5");
        }
        rc = tg_sign_default(hs, "content-md5", md5);
    }
    return rc;
}


/* Lists every x-ca-* header but the signature's own, as clients do. */
static int
tg_sign_list(tg_sign_headers_t *hs, tg_buf_t *list)
{
    size_t i;

    for (i = 0; i < hs->n; i++) {
        if (hs->h[i].name.len > 5
            && strncasecmp(hs->h[i].name.ptr, "x-ca-", 5) == 0
            && !tg_str_eq_nocase(hs->h[i].name, TG_STR("x-ca-signature"))
            && !tg_str_eq_nocase(hs->h[i].name,
                                 TG_STR("x-ca-signature-headers")))
        {
            if ((list->len > 0 && tg_buf_append(list, ",", 1) != TG_OK)
                || tg_buf_append(list, hs->h[i].name.ptr, hs->h[i].name.len)
                       != TG_OK)
            {
                return tg_cli_nomem();
            }
        }
    }
    return tg_buf_append(list, "", 0) == TG_OK ? TG_CLI_OK : tg_cli_nomem();
}


static tg_str_t
tg_sign_value(const tg_sign_headers_t *hs, const char *name)
{
    const tg_sign_header_t *h = tg_sign_find(hs, tg_str_c(name));

    return h != NULL ? h->value : TG_STR("");
}


/* Builds the string to sign into sts (a buffer the caller frees). */
static int
tg_sign_sts(const tg_sign_headers_t *hs, const char *method, tg_str_t path,
            tg_str_t query, tg_str_t body, int form, tg_buf_t *sts)
{
    tg_xca_request_t req;
    tg_xca_buffers_t buf;
    tg_xca_need_t    need;
    tg_str_t         out, missing;
    int              rc;

    memset(&req, 0, sizeof(req));
    req.method = tg_str_c(method);
    req.accept = tg_sign_value(hs, "accept");
    req.content_md5 = tg_sign_value(hs, "content-md5");
    req.content_type = tg_sign_value(hs, "content-type");
    req.date = tg_sign_value(hs, "date");
    req.signature_headers = tg_sign_value(hs, "x-ca-signature-headers");
    req.path = path;
    req.query = query;
    req.form = form ? body : TG_STR("");
    req.header = tg_sign_header_fn;
    req.header_ctx = (void *) hs;

    memset(&buf, 0, sizeof(buf));
    rc = tg_xca_string_to_sign(&req, &buf, &out, &need, &missing);
    if (rc == TG_EMISSING) {
        return tg_cli_usage_error("a signed header is missing: %.*s",
                                  TG_STR_ARG(missing));
    }

    buf.pairs = calloc(need.pairs + 1, sizeof(tg_xca_pair_t));
    buf.pairs_cap = need.pairs + 1;
    buf.scratch = malloc(need.scratch + 1);
    buf.scratch_cap = need.scratch + 1;
    buf.out = malloc(need.out + 1);
    buf.out_cap = need.out + 1;

    rc = buf.pairs != NULL && buf.scratch != NULL && buf.out != NULL
             ? tg_xca_string_to_sign(&req, &buf, &out, &need, &missing)
             : TG_ENOMEM;

    /* The gateway refuses a repeated parameter: say so before sending. */
    if (rc == TG_EINVALID) {
        rc = tg_cli_usage_error("the parameter %.*s is repeated: the gateway "
                                "refuses a parameter sent twice",
                                TG_STR_ARG(missing));
    } else if (rc != TG_OK || tg_buf_append(sts, out.ptr, out.len) != TG_OK
               || tg_buf_append(sts, "", 0) != TG_OK)
    {
        rc = tg_cli_nomem();
    } else {
        rc = TG_CLI_OK;
    }

    free(buf.pairs);
    free(buf.scratch);
    free(buf.out);
    return rc;
}


static void
tg_sign_print_sts(FILE *f, const char *who, tg_str_t sts)
{
    size_t i;

    fprintf(f, "%s StringToSign: `", who);
    for (i = 0; i < sts.len; i++) {
        fputc(sts.ptr[i] == '\n' ? '#' : sts.ptr[i], f);
    }
    fputs("`\n", f);
}


static size_t
tg_sign_on_body(char *data, size_t size, size_t n, void *arg)
{
    tg_sign_answer_t *ans = arg;

    if (ans->body.len + size * n > TG_SIGN_ANSWER_MAX) {
        ans->too_large = 1;
        return 0;
    }
    return tg_buf_append(&ans->body, data, size * n) == TG_OK ? size * n : 0;
}


/* Keeps the value of header line data in *out if its name is name. */
static void
tg_sign_keep_header(const char *data, size_t len, const char *name,
                    tg_buf_t *out)
{
    size_t   n = strlen(name);
    tg_str_t v;

    if (len > n + 1 && strncasecmp(data, name, n) == 0 && data[n] == ':') {
        v = (tg_str_t){ data + n + 1, len - n - 1 };
        while (v.len > 0
               && (v.ptr[v.len - 1] == '\n' || v.ptr[v.len - 1] == '\r')) {
            v.len--;
        }
        v = tg_str_trim(v);
        tg_buf_reset(out);
        (void) tg_buf_append(out, v.ptr, v.len);
        (void) tg_buf_append(out, "", 0);
    }
}


static size_t
tg_sign_on_header(char *data, size_t size, size_t n, void *arg)
{
    tg_sign_answer_t *ans = arg;

    tg_sign_keep_header(data, size * n, "x-ca-error-message",
                        &ans->error_message);
    tg_sign_keep_header(data, size * n, "x-tollgate-api", &ans->api);
    tg_sign_keep_header(data, size * n, "x-tollgate-stage", &ans->stage);
    return size * n;
}


/*
 * The refusal's message: X-Ca-Error-Message, else the "Message",
 * "message" or "error_msg" of a JSON body (the other schemes' shapes),
 * into ans->error_message.
 */
static void
tg_sign_message(tg_sign_answer_t *ans)
{
    static const char *const keys[] = { "Message", "message", "error_msg" };
    json_error_t             jerr;
    json_t                  *root;
    const char              *m = NULL;
    size_t                   i;

    if (ans->error_message.len > 0 || ans->body.len == 0) {
        return;
    }
    root = json_loadb(ans->body.ptr, ans->body.len, 0, &jerr);
    for (i = 0; root != NULL && m == NULL && i < 3; i++) {
        m = json_string_value(json_object_get(root, keys[i]));
    }
    if (m != NULL) {
        (void) tg_buf_append_c(&ans->error_message, m);
        (void) tg_buf_append(&ans->error_message, "", 0);
    }
    json_decref(root);
}


/*
 * Explains an Invalid Signature: the gateway's string to sign (in the
 * message, with '#' for each newline) against this client's.  The same
 * string signed to a different signature means a different secret.
 */
static void
tg_sign_explain_signature(const char *message, tg_str_t sts)
{
    const char *server = message + sizeof(TG_SIGN_STS_PREFIX) - 1;
    size_t      len = strlen(server), i;

    if (len > 0 && server[len - 1] == '`') {
        len--;
    }
    for (i = 0; i < len && i < sts.len; i++) {
        if (server[i] != (sts.ptr[i] == '\n' ? '#' : sts.ptr[i])) {
            break;
        }
    }
    if (i == len && i == sts.len) {
        fprintf(stderr, "tollgate: the gateway signed the same string as this "
                        "client, so the AppSecret is wrong (was it reset? "
                        "tollgate app reveal APP shows the current one)\n");
        return;
    }
    fprintf(stderr,
            "tollgate: the strings to sign differ from character %zu on "
            "(newlines as #):\n"
            "  server `%.*s`\n"
            "  client `",
            i + 1, (int) len, server);
    for (i = 0; i < sts.len; i++) {
        fputc(sts.ptr[i] == '\n' ? '#' : sts.ptr[i], stderr);
    }
    fputs("`\n", stderr);
}


/* Explains a 403 for want of a grant, with the command that adds it. */
static void
tg_sign_explain_grant(const tg_sign_answer_t *ans, const char *app)
{
    const char *stage = ans->stage.len > 0 ? ans->stage.ptr : "RELEASE";
    int         release = strcmp(stage, "RELEASE") == 0;

    fprintf(stderr,
            "tollgate: the app has no %sgrant to the API \"%s\"%s%s; "
            "add it with:\n"
            "  tollgate grant add %s %s%s%s\n",
            strstr(ans->error_message.ptr, "Expiry") != NULL ? "current " : "",
            ans->api.ptr, release ? "" : " on the stage ", release ? "" : stage,
            app != NULL ? app : "APP", ans->api.ptr, release ? "" : " --stage ",
            release ? "" : stage);
}


/* Prints a refusal: its message, and what to do about it. */
static void
tg_sign_refused(tg_sign_answer_t *ans, long status, tg_str_t sts,
                const char *app)
{
    tg_sign_message(ans);
    if (ans->error_message.len > 0
        && strncmp(ans->error_message.ptr, TG_SIGN_STS_PREFIX,
                   sizeof(TG_SIGN_STS_PREFIX) - 1)
               == 0)
    {
        fprintf(stderr,
                "tollgate: the gateway answered %ld: Invalid "
                "Signature\n",
                status);
        tg_sign_explain_signature(ans->error_message.ptr, sts);
        return;
    }
    fprintf(stderr, "tollgate: the gateway answered %ld%s%s\n", status,
            ans->error_message.len > 0 ? ": " : "",
            ans->error_message.len > 0 ? ans->error_message.ptr : "");
    if (status == 403 && ans->api.len > 0 && ans->error_message.len > 0) {
        tg_sign_explain_grant(ans, app);
    }
}


/* Sends the signed request and prints the answer. */
static int
tg_sign_send(tg_cli_t *cli, const char *method, const char *url,
             const tg_sign_headers_t *hs, tg_str_t body, tg_str_t sts,
             const char *app)
{
    struct curl_slist *list = NULL, *l;
    tg_sign_answer_t   ans;
    tg_buf_t           line = TG_BUF_INIT;
    CURLcode           crc;
    long               status = 0;
    size_t             i;
    int                rc = TG_CLI_OK;

    memset(&ans, 0, sizeof(ans));
    for (i = 0; i < hs->n && rc == TG_CLI_OK; i++) {
        tg_buf_reset(&line);
        if (tg_buf_printf(&line, TG_STR_FMT ": " TG_STR_FMT,
                          TG_STR_ARG(hs->h[i].name), TG_STR_ARG(hs->h[i].value))
                != TG_OK
            || (l = curl_slist_append(list, line.ptr)) == NULL)
        {
            rc = tg_cli_nomem();
        } else {
            list = l;
        }
    }
    tg_buf_free(&line);

    if (rc == TG_CLI_OK) {
        curl_easy_reset(cli->curl);
        curl_easy_setopt(cli->curl, CURLOPT_URL, url);
        curl_easy_setopt(cli->curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(cli->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(cli->curl, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(cli->curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(cli->curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(cli->curl, CURLOPT_WRITEFUNCTION, tg_sign_on_body);
        curl_easy_setopt(cli->curl, CURLOPT_WRITEDATA, &ans);
        curl_easy_setopt(cli->curl, CURLOPT_HEADERFUNCTION, tg_sign_on_header);
        curl_easy_setopt(cli->curl, CURLOPT_HEADERDATA, &ans);
        if (body.len > 0) {
            curl_easy_setopt(cli->curl, CURLOPT_POSTFIELDS, body.ptr);
            curl_easy_setopt(cli->curl, CURLOPT_POSTFIELDSIZE, (long) body.len);
        }

        crc = curl_easy_perform(cli->curl);
        if (crc != CURLE_OK) {
            fprintf(stderr, "tollgate: cannot reach %s: %s\n", url,
                    curl_easy_strerror(crc));
            rc = TG_CLI_ETRANSPORT;
        } else {
            curl_easy_getinfo(cli->curl, CURLINFO_RESPONSE_CODE, &status);
        }
    }
    curl_slist_free_all(list);

    if (rc == TG_CLI_OK && status >= 200 && status < 300) {
        fwrite(ans.body.ptr != NULL ? ans.body.ptr : "", 1, ans.body.len,
               stdout);
    } else if (rc == TG_CLI_OK) {
        tg_sign_refused(&ans, status, sts, app);
        rc = status < 500 ? TG_CLI_EAPI : TG_CLI_ESERVER;
    }

    tg_buf_free(&ans.body);
    tg_buf_free(&ans.error_message);
    tg_buf_free(&ans.api);
    tg_buf_free(&ans.stage);
    return rc;
}


static int
tg_sign_run(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_sign_headers_t hs;
    tg_buf_t          list = TG_BUF_INIT, sts = TG_BUF_INIT;
    tg_str_t          path = TG_STR("/"), query = TG_STR(""), body;
    const char       *method;
    char             *key = NULL, *secret = NULL;
    char              sig[TG_XCA_SIGNATURE_MAX + 1];
    int               rc, form = tg_cli_has(a, "form");
    size_t            i;

    memset(&hs, 0, sizeof(hs));
    body = tg_str_c(tg_cli_opt(a, "data"));
    if (body.ptr == NULL) {
        body = TG_STR("");
    }
    method = tg_cli_opt(a, "method");
    if (method == NULL) {
        method = tg_cli_has(a, "data") ? "POST" : "GET";
    }

    if (tg_cli_has(a, "app")
        == (tg_cli_has(a, "app-key") || tg_cli_has(a, "app-secret")))
    {
        return tg_cli_usage_error("give --app APP, or --app-key and "
                                  "--app-secret");
    }
    if (!tg_cli_has(a, "app")
        && !(tg_cli_has(a, "app-key") && tg_cli_has(a, "app-secret")))
    {
        return tg_cli_usage_error("--app-key needs --app-secret");
    }

    rc = tg_sign_split_url(a->pos[0], &path, &query);
    if (rc == TG_CLI_OK && tg_cli_has(a, "app")) {
        rc = tg_sign_reveal(cli, tg_cli_opt(a, "app"), &key, &secret);
    } else if (rc == TG_CLI_OK) {
        key = tg_strndup(tg_cli_opt(a, "app-key"),
                         strlen(tg_cli_opt(a, "app-key")));
        secret = tg_strndup(tg_cli_opt(a, "app-secret"),
                            strlen(tg_cli_opt(a, "app-secret")));
        if (key == NULL || secret == NULL) {
            rc = tg_cli_nomem();
        }
    }

    if (rc == TG_CLI_OK) {
        rc = tg_sign_user_headers(a, &hs);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_defaults(a, &hs, key, body, form, tg_cli_has(a, "sha1"));
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_list(&hs, &list);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_default(&hs, "x-ca-signature-headers", list.ptr);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_sts(&hs, method, path, query, body, form, &sts);
    }
    if (rc == TG_CLI_OK
        && tg_xca_sign(tg_cli_has(a, "sha1") ? TG_XCA_HMAC_SHA1
                                             : TG_XCA_HMAC_SHA256,
                       tg_str_c(secret), tg_buf_str(&sts), sig, NULL)
               != TG_OK)
    {
        rc = tg_cli_usage_error("cannot sign");
    }
    if (rc == TG_CLI_OK) {
        rc = tg_sign_default(&hs, "x-ca-signature", sig);
    }

    if (rc == TG_CLI_OK && tg_cli_has(a, "print")) {
        tg_sign_print_sts(stdout, "client", tg_buf_str(&sts));
        for (i = 0; i < hs.n; i++) {
            printf(TG_STR_FMT ": " TG_STR_FMT "\n", TG_STR_ARG(hs.h[i].name),
                   TG_STR_ARG(hs.h[i].value));
        }
    } else if (rc == TG_CLI_OK) {
        rc = tg_sign_send(cli, method, a->pos[0], &hs, body, tg_buf_str(&sts),
                          tg_cli_opt(a, "app"));
    }

    for (i = 0; i < hs.nowned; i++) {
        free(hs.owned[i]);
    }
    if (secret != NULL) {
        tg_wipe(secret, strlen(secret));
    }
    free(secret);
    free(key);
    tg_buf_free(&list);
    tg_buf_free(&sts);
    tg_wipe(sig, sizeof(sig));
    return rc;
}


static const tg_cli_opt_t tg_sign_opts[] = {
    { "app", TG_OPT_VALUE, "APP",
      "sign as this app's primary pair (revealed through tollgated)" },
    { "app-key", TG_OPT_VALUE, "KEY", "the AppKey" },
    { "app-secret", TG_OPT_VALUE | TG_OPT_STDIN, "SECRET", "its AppSecret" },
    { "method", TG_OPT_VALUE, "METHOD", "GET by default, POST with --data" },
    { "header", TG_OPT_VALUE | TG_OPT_MULTI, "\"NAME: VALUE\"",
      "a header to send (x-ca-* ones are signed)" },
    { "data", TG_OPT_VALUE | TG_OPT_STDIN, "BODY",
      "the body (JSON unless --form)" },
    { "form", 0, NULL, "the body is application/x-www-form-urlencoded" },
    { "stage", TG_OPT_VALUE, "STAGE", "X-Ca-Stage (default RELEASE)" },
    { "sha1", 0, NULL, "sign with HmacSHA1 instead of HmacSHA256" },
    { "print", 0, NULL,
      "print the string to sign and the headers; send nothing" },
    { NULL, 0, NULL, NULL },
};


const tg_cli_cmd_t tg_cli_sign_cmds[] = {
    { "sign", NULL, "URL", 1, 1, tg_sign_opts,
      "Sign a call with an app's key (Alibaba X-Ca-*) and send it.",
      tg_sign_run },
    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};
