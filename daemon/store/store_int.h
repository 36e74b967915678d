/*
 * The store's private helpers: running a query with parameters and
 * reading its rows into records.  Only store*.c include this.
 */

#ifndef TOLLGATE_STORE_INT_H
#define TOLLGATE_STORE_INT_H

#include <pthread.h>
#include <semaphore.h>

#include "store/store.h"


typedef struct tg_group_member_s tg_group_member_t;

/* Where a member of the queue is (tg_group_member_t.state). */
#define TG_MEMBER_QUEUED 0 /* waiting in the queue */
#define TG_MEMBER_TAKEN  1 /* a request the turn's holder took to run */
#define TG_MEMBER_DONE   2 /* a request answered: rc is its result */
#define TG_MEMBER_TURN   3 /* given the turn: its thread now holds it */

/*
 * A writer in the queue for the turn: a request (fn set, tg_txn_run()),
 * which the turn's holder runs and answers, or a writer that waits to
 * hold the turn itself (fn NULL, tg_txn_begin()).  Each is woken by its
 * own semaphore, posted once, after state is DONE or TURN, by the
 * thread that set it.  state leaves QUEUED under the group's lock only.
 */
struct tg_group_member_s {
    tg_group_member_t *next;
    tg_txn_fn_pt       fn;
    void              *data;
    int                action; /* the caller's metrics action, carried */
    int                rc;     /* a request's result (DONE) */
    int                state;  /* TG_MEMBER_* */
    sem_t              wake;
};

/* The group commit (tg_txn_begin(), tg_txn_run()).  lock guards the
 * fields below it; conn, opened_ns and lingered are the holder's. */
typedef struct {
    tg_db_conn_t          *conn;      /* the open group transaction, or NULL */
    int64_t                opened_ns; /* when it began */
    int                    lingered;  /* its holder lingered once */
    pthread_mutex_t        lock;
    pthread_cond_t         arrived;    /* a writer joined the queue */
    int                    busy;       /* a thread holds the turn */
    unsigned               waiting;    /* writers in the queue */
    unsigned               last_batch; /* operations of the last commit */
    tg_group_member_t     *queue;      /* in the order they came */
    tg_group_member_t    **queue_tail;
    tg_store_write_stats_t stats;
} tg_group_t;

struct tg_store_s {
    const tg_db_driver_t *driver;
    tg_db_t              *db;
    unsigned              version;
    unsigned              busy_ms;
    tg_group_t            group;
    /* Fault injection (tg_store_fault_arm()): inert while fault_at is 0. */
    uint64_t fault_at;    /* the fallible driver call that fails, from 1 */
    uint64_t fault_calls; /* fallible driver calls since armed */
    int      fault_hit;   /* fault_at was reached */
};

/*
 * Counts one fallible driver call while a fault is armed: returns
 * TG_ESTORE if it is the one that must fail (the caller then skips the
 * driver's call), else 0.  Inert, and touching nothing, when unarmed.
 */
int tg_store_fault(tg_store_t *store);

/* One query parameter. */
typedef struct {
    char     type; /* 't' text, 'i' integer, 'n' null */
    tg_str_t text;
    int64_t  num;
} tg_param_t;

#define TG_P_TEXT(s) \
    {                \
        't', (s), 0  \
    }
#define TG_P_CSTR(s)        \
    {                       \
        't', tg_str_c(s), 0 \
    }
#define TG_P_INT(v)                     \
    {                                   \
        'i', TG_STR_NULL, (int64_t) (v) \
    }
#define TG_P_NULL           \
    {                       \
        'n', TG_STR_NULL, 0 \
    }
/* Text, or NULL when the string is absent (NULL ptr). */
#define TG_P_OPT(s)                         \
    {                                       \
        (s).ptr != NULL ? 't' : 'n', (s), 0 \
    }

/* Passes a literal parameter list as (array, count). */
#define TG_PARAMS(...)                   \
    (const tg_param_t[]){ __VA_ARGS__ }, \
        sizeof((const tg_param_t[]){ __VA_ARGS__ }) / sizeof(tg_param_t)
#define TG_NO_PARAMS NULL, 0

/* A running query. */
typedef struct {
    tg_txn_t     *txn;
    tg_db_stmt_t *stmt;
    int           rc; /* the first error met while reading columns */
} tg_cursor_t;


/*
 * Prepares sql (cached when cache is set: sql must be a literal), binds
 * params and leaves the cursor before its first row.  Returns 0 or an
 * error; on error the cursor needs no closing.
 */
int tg_cursor_open(tg_txn_t *t, const char *sql, int cache,
                   const tg_param_t *params, size_t n, tg_cursor_t *c);

/* Returns TG_DB_ROW, TG_DB_DONE or an error. */
int tg_cursor_next(tg_cursor_t *c);

void tg_cursor_close(tg_cursor_t *c);

int64_t tg_col_int(tg_cursor_t *c, int column);

/* A malloc'd copy of a text column ("" for NULL); on OOM, NULL and
 * c->rc = TG_ENOMEM. */
char *tg_col_dup(tg_cursor_t *c, int column);

/* A malloc'd copy, or NULL for SQL NULL (OOM as tg_col_dup()). */
char *tg_col_dup_opt(tg_cursor_t *c, int column);

/* Copies a text column into a fixed buffer; too long is TG_ESTORE. */
void tg_col_copy(tg_cursor_t *c, int column, char *dst, size_t size);

/* Runs a statement that returns no rows; *changes may be NULL. */
int tg_run(tg_txn_t *t, const char *sql, const tg_param_t *params, size_t n,
           int64_t *changes);

/* Runs a query whose first row's first column is an integer; *out is 0
 * when there is no row. */
int tg_scalar(tg_txn_t *t, const char *sql, const tg_param_t *params, size_t n,
              int64_t *out);

/*
 * Reads rows into a growing array of records of size elem_size, calling
 * read() on each zeroed element.  On error, frees what was read with
 * free_item() and returns the error.
 */
typedef void (*tg_row_read_pt)(tg_cursor_t *c, void *item);
typedef void (*tg_row_free_pt)(void *item);

int tg_read_rows(tg_txn_t *t, const char *sql, int cache,
                 const tg_param_t *params, size_t n, size_t elem_size,
                 tg_row_read_pt read, tg_row_free_pt free_item, void **items,
                 size_t *count);

/* Reads at most one row into item; no row gives not_found. */
int tg_read_one(tg_txn_t *t, const char *sql, const tg_param_t *params,
                size_t n, tg_row_read_pt read, tg_row_free_pt free_item,
                void *item, int not_found);

#endif /* TOLLGATE_STORE_INT_H */
