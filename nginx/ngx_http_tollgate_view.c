/*
 * The worker's view of the projection (see the header).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <lmdb.h>

#include "tollgate/error.h"
#include "ngx_http_tollgate_view.h"


struct ngx_http_tollgate_view_s {
    ngx_str_t dir; /* NUL-terminated */

    /* The worker's environment; env is NULL until it opens. */
    MDB_env *env;
    MDB_txn *txn; /* reset between requests */
    MDB_dbi  dbi[TG_PROJ_NDBS];
};


char *
ngx_http_tollgate_load_key(ngx_conf_t *cf, ngx_str_t *name,
                           u_char key[TG_SEAL_KEY_LEN])
{
    ngx_file_t file;
    u_char     text[TG_SEAL_KEY_LEN * 2 + 2];
    ssize_t    n;
    int        rc;

    if (ngx_conf_full_name(cf->cycle, name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = *name;
    file.log = cf->log;
    file.fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "tollgate_key_file \"%V\" cannot be opened", name);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, text, sizeof(text), 0);
    ngx_close_file(file.fd);

    rc = n > 0 ? tg_proj_key_parse((tg_str_t){ (char *) text, (size_t) n }, key)
               : TG_EINVALID;
    ngx_explicit_memzero(text, sizeof(text));
    if (rc != TG_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_key_file \"%V\" must hold 64 hex digits",
                           name);
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}


ngx_http_tollgate_view_t *
ngx_http_tollgate_view_create(ngx_conf_t *cf, ngx_str_t *dir)
{
    ngx_http_tollgate_view_t *view;

    view = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_view_t));
    if (view == NULL) {
        return NULL;
    }
    view->dir.len = dir->len;
    view->dir.data = ngx_pnalloc(cf->pool, dir->len + 1);
    if (view->dir.data == NULL) {
        return NULL;
    }
    ngx_cpystrn(view->dir.data, dir->data, dir->len + 1);
    return view;
}


/* Opens the databases; committing keeps their handles for the env. */
static int
ngx_http_tollgate_view_dbis(ngx_http_tollgate_view_t *view)
{
    MDB_txn   *txn;
    ngx_uint_t i;
    int        rc;

    rc = mdb_txn_begin(view->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return rc;
    }
    for (i = 0; i < TG_PROJ_NDBS && rc == 0; i++) {
        rc = mdb_dbi_open(txn, tg_proj_db_name(i), 0, &view->dbi[i]);
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}


static ngx_int_t
ngx_http_tollgate_view_try(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    int rc;

    rc = mdb_env_create(&view->env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(view->env, TG_PROJ_MAXDBS);
    }
    if (rc == 0) {
        rc = mdb_env_open(view->env, (char *) view->dir.data,
                          MDB_RDONLY | MDB_NOTLS, 0600);
    }
    if (rc == 0) {
        rc = ngx_http_tollgate_view_dbis(view);
    }
    if (rc == 0) {
        rc = mdb_txn_begin(view->env, NULL, MDB_RDONLY, &view->txn);
        if (rc == 0) {
            mdb_txn_reset(view->txn);
        }
    }

    if (rc != 0) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "tollgate: cannot open the projection \"%V\": %s",
                      &view->dir, mdb_strerror(rc));
        ngx_http_tollgate_view_close(view);
        return NGX_ERROR;
    }
    return NGX_OK;
}


void
ngx_http_tollgate_view_open(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    /* A projection not made yet is opened at the first request. */
    (void) ngx_http_tollgate_view_try(view, log);
}


void
ngx_http_tollgate_view_close(ngx_http_tollgate_view_t *view)
{
    if (view->txn != NULL) {
        mdb_txn_abort(view->txn);
        view->txn = NULL;
    }
    if (view->env != NULL) {
        mdb_env_close(view->env);
        view->env = NULL;
    }
}


ngx_int_t
ngx_http_tollgate_begin(ngx_http_request_t *r, ngx_http_tollgate_view_t *view,
                        const char **reason)
{
    if ((view->env == NULL
         && ngx_http_tollgate_view_try(view, r->connection->log) != NGX_OK)
        || mdb_txn_renew(view->txn) != 0)
    {
        *reason = "Internal Error";
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    return NGX_OK;
}


void
ngx_http_tollgate_end(ngx_http_tollgate_view_t *view)
{
    mdb_txn_reset(view->txn);
}


int
ngx_http_tollgate_get(ngx_http_tollgate_view_t *view, tg_proj_db_t db,
                      const void *key, size_t len, tg_str_t *value)
{
    MDB_val k, v;

    k.mv_data = (void *) key;
    k.mv_size = len;
    if (mdb_get(view->txn, view->dbi[db], &k, &v) != 0) {
        return 0;
    }
    value->ptr = v.mv_data;
    value->len = v.mv_size;
    return 1;
}


int
ngx_http_tollgate_load_app(ngx_http_tollgate_view_t *view,
                           const u_char id[TG_PROJ_ID_LEN], tg_proj_app_t *app)
{
    tg_str_t value;

    return ngx_http_tollgate_get(view, TG_PROJ_APPS, id, TG_PROJ_ID_LEN, &value)
           && tg_proj_app_decode(value, app) == TG_OK;
}
