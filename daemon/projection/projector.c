/*
 * The projector (see projector.h): the change log into LMDB.
 *
 * Each batch re-projects every app its changes name, whole: the app's old
 * records (listed in its apps record, and its grants by key prefix) are
 * deleted and its current state written.  That is idempotent, so a batch
 * applied twice, or an app named by several changes, comes out the same.
 */

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/str.h"
#include "tollgate/time.h"
#include "crash_point.h"
#include "keyring_file.h"
#include "log.h"
#include "projection/projector.h"


#define TG_PROJ_BATCH         500  /* changes per LMDB transaction */
#define TG_PROJ_REBUILD_PAGE  2000 /* apps per read of a rebuild */
#define TG_PROJ_GRANT_KEY_MAX 512

/* The safety-net poll, whose sync also writes the heartbeat. */
#define TG_PROJ_POLL_MS TG_PROJ_HEARTBEAT_MS

/* While syncs keep failing, how often the failure is logged again. */
#define TG_PROJ_FAIL_LOG_MS 60000

/* How often the pages syncs read are unmapped (tg_proj_map_release). */
#define TG_PROJ_RELEASE_MS 100

/*
 * The projection's commits are not fsynced (MDB_NOSYNC): it is derived
 * from the store and the page cache outlives a crash of tollgated.  Only
 * a crash of the system can lose or tear unsynced pages, so the meta
 * record below holds the boot id of the system under which unsynced
 * commits may have been made (written and synced before the first one,
 * removed after the last sync at a clean close).  A projection that
 * holds another boot's id is rebuilt from the change log at start.
 */
#define TG_PROJ_META_UNSYNCED "unsynced_boot"
#define TG_PROJ_BOOT_ID       "/proc/sys/kernel/random/boot_id"
#define TG_PROJ_BOOT_ID_LEN   36

struct tg_projector_s {
    tg_projector_options_t options; /* to rebuild the projection */
    tg_service_t          *service;
    MDB_env               *env;
    MDB_dbi                dbi[TG_PROJ_NDBS];
    uint8_t                key[TG_SEAL_KEY_LEN];
    int64_t                seq;
    char                   boot[TG_PROJ_BOOT_ID_LEN + 1]; /* "": unknown */
    int64_t                heartbeat;      /* the last one written */
    int64_t                heartbeat_mono; /* when, on the monotonic clock */
    int     lmdb_error;        /* the last LMDB failure of a sync, or 0 */
    int64_t fail_logged_mono;  /* when the failure was last logged */
    int64_t fail_logged_count; /* failures then */
    int64_t released_mono;     /* tg_proj_map_release() */

    /* What tg_projector_health() reports; guarded by state_lock, which
     * is never held while LMDB or the store is used. */
    pthread_mutex_t state_lock;
    tg_dp_health_t  state;

    pthread_t       thread;
    int             running;
    pthread_t       follower; /* tg_projector_follow() */
    int             following;
    tg_store_t     *store;
    pthread_mutex_t lock; /* held while applying (a sync) */
    /* wake_lock guards wake and stop; it is never held while waiting
     * for lock, so that a writer's wake never waits for a sync. */
    pthread_mutex_t wake_lock;
    pthread_cond_t  cond;
    int             wake;
    int             stop;
    MDB_txn        *rebuild; /* a rebuild's (tg_proj_log_check), or NULL */
};

typedef struct {
    tg_projector_t *p;
    MDB_txn        *txn;
} tg_proj_batch_t;


static MDB_val
tg_val(const void *p, size_t len)
{
    MDB_val v;

    v.mv_data = (void *) p;
    v.mv_size = len;
    return v;
}


static int
tg_lmdb_error(int rc, const char *what, char *errbuf, size_t size)
{
    snprintf(errbuf, size, "projection: %s: %s", what, mdb_strerror(rc));
    return TG_EINTERNAL;
}


/* Loads <data_dir>/dataplane.key, or makes one. */
static int
tg_proj_key_load(tg_projector_t *p, const char *data_dir, char *errbuf,
                 size_t size)
{
    char        path[4096], text[TG_SEAL_KEY_LEN * 2 + 2];
    uint8_t     raw[TG_SEAL_KEY_LEN];
    struct stat st;
    ssize_t     n;
    int         fd, rc;

    snprintf(path, sizeof(path), "%s/%s", data_dir, TG_PROJ_KEY_FILE);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        rc = tg_random_bytes(raw, sizeof(raw));
        if (rc == TG_OK) {
            tg_hex_encode(raw, sizeof(raw), text);
            strcat(text, "\n");
            rc = tg_file_write_private(path, text, errbuf, size);
        }
        tg_wipe(raw, sizeof(raw));
        if (rc == TG_OK) {
            rc = tg_proj_key_parse(tg_str_c(text), p->key);
        }
        tg_wipe(text, sizeof(text));
        return rc;
    }
    if (fd < 0) {
        snprintf(errbuf, size, "%s: %s", path, strerror(errno));
        return TG_EINTERNAL;
    }

    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
        close(fd);
        snprintf(errbuf, size, "%s: others may read it (chmod 600 it)", path);
        return TG_EINVALID;
    }

    n = read(fd, text, sizeof(text));
    close(fd);
    rc = n > 0 ? tg_proj_key_parse((tg_str_t){ text, (size_t) n }, p->key)
               : TG_EINVALID;
    tg_wipe(text, sizeof(text));
    if (rc != TG_OK) {
        snprintf(errbuf, size, "%s: expected 64 hex digits", path);
    }
    return rc;
}


/*
 * Returns MDB_SUCCESS if the data file holds every page the environment
 * uses, MDB_CORRUPTED if it is shorter (cut short, or damaged by hand:
 * reading the missing pages would raise SIGBUS), or another error.  The
 * meta pages are read from the map only once the file holds them (in the
 * system's pages, which are LMDB's for a projection made here).
 */
static int
tg_proj_env_whole(MDB_env *env, off_t *have, off_t *need)
{
    struct stat st;
    MDB_stat    ms;
    MDB_envinfo info;
    int         fd, rc;
    long        page = sysconf(_SC_PAGESIZE);

    rc = mdb_env_get_fd(env, &fd);
    if (rc != MDB_SUCCESS) {
        return rc;
    }
    if (fstat(fd, &st) != 0) {
        return errno;
    }
    *have = st.st_size;
    *need = 2 * (off_t) (page > 0 ? page : 4096);
    if (*have < *need) {
        return MDB_CORRUPTED;
    }

    rc = mdb_env_stat(env, &ms);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_info(env, &info);
    }
    if (rc != MDB_SUCCESS) {
        return rc;
    }
    *need = ((off_t) info.me_last_pgno + 1) * (off_t) ms.ms_psize;
    return *have < *need ? MDB_CORRUPTED : MDB_SUCCESS;
}


/* Opens the environment in dir and checks its data file; on failure the
 * environment is closed. */
static int
tg_proj_env_try(tg_projector_t *p, const tg_projector_options_t *o,
                const char *dir, off_t *have, off_t *need)
{
    int rc, dead = 0;

    *have = *need = 0;
    rc = mdb_env_create(&p->env);
    if (rc != MDB_SUCCESS) {
        p->env = NULL;
        return rc;
    }
    rc = mdb_env_set_maxdbs(p->env, TG_PROJ_MAXDBS);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_mapsize(p->env, o->map_size);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_open(p->env, dir, MDB_NOTLS, 0600);
    }
    if (rc == MDB_SUCCESS) {
        rc = tg_proj_env_whole(p->env, have, need);
    }
    if (rc != MDB_SUCCESS) {
        mdb_env_close(p->env);
        p->env = NULL;
        return rc;
    }

    /* Reader slots of gateway workers that died holding them would keep
     * pages from reuse and fill the table. */
    if (mdb_reader_check(p->env, &dead) == MDB_SUCCESS && dead > 0) {
        TG_LOG(TG_LOG_WARN, "projection: freed dead readers' slots",
               TG_LF_INT("readers", dead));
    }
    return MDB_SUCCESS;
}


/* Removes the projection's files in dir (its environment closed);
 * returns 0 or an errno. */
static int
tg_proj_env_remove(const char *dir)
{
    static const char *const files[] = { "data.mdb", "lock.mdb" };
    char                     path[4096 + 16];
    size_t                   i;
    int                      n;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (n < 0 || (size_t) n >= sizeof(path)) {
            return ENAMETOOLONG;
        }
        if (unlink(path) != 0 && errno != ENOENT) {
            return errno;
        }
    }
    return 0;
}


/*
 * Opens the environment in dir; one whose data file is damaged (shorter
 * than its pages, or not LMDB's) is removed and made again, empty: the
 * caller catches up from seq 0, the whole change log.
 */
static int
tg_proj_env_make(tg_projector_t *p, const tg_projector_options_t *o,
                 const char *dir)
{
    off_t have, need;
    int   rc;

    rc = tg_proj_env_try(p, o, dir, &have, &need);
    if (rc != MDB_CORRUPTED && rc != MDB_INVALID) {
        return rc;
    }

    TG_LOG(TG_LOG_ERROR,
           "projection: the data file is damaged; rebuilding the projection "
           "from the change log",
           TG_LF_STR("cause", rc == MDB_INVALID ? "not an LMDB file"
                                                : "shorter than its pages"),
           TG_LF_INT("bytes", have), TG_LF_INT("needed", need));
    rc = tg_proj_env_remove(dir);
    return rc != 0 ? rc : tg_proj_env_try(p, o, dir, &have, &need);
}


/* Reads this boot's id into p->boot ("" when the system tells none). */
static void
tg_proj_boot_read(tg_projector_t *p)
{
    char   line[64];
    size_t len = 0;
    FILE  *f;

    p->boot[0] = '\0';
#ifdef TG_CRASH_POINTS
    /* The test build plays a restart of the system with another id. */
    if (getenv("TOLLGATE_TEST_BOOT_ID") != NULL) {
        snprintf(p->boot, sizeof(p->boot), "%s",
                 getenv("TOLLGATE_TEST_BOOT_ID"));
        return;
    }
#endif
    f = fopen(TG_PROJ_BOOT_ID, "re");
    if (f == NULL) {
        return;
    }
    if (fgets(line, sizeof(line), f) != NULL) {
        len = strcspn(line, "\n");
    }
    fclose(f);
    if (len == TG_PROJ_BOOT_ID_LEN) {
        memcpy(p->boot, line, len);
        p->boot[len] = '\0';
    }
}


/*
 * Whether the projection may hold pages torn or lost by a crash of the
 * system: it holds the unsynced mark of a boot that is not this one (or
 * this boot's id is unknown).  Returns an LMDB result.
 */
static int
tg_proj_unsynced_stale(tg_projector_t *p, MDB_txn *txn, int *stale)
{
    MDB_val k = tg_val(TG_PROJ_META_UNSYNCED,
                       sizeof(TG_PROJ_META_UNSYNCED) - 1),
            v;
    int rc;

    *stale = 0;
    rc = mdb_get(txn, p->dbi[TG_PROJ_META], &k, &v);
    if (rc == MDB_NOTFOUND) {
        return MDB_SUCCESS;
    }
    if (rc == MDB_SUCCESS) {
        *stale = p->boot[0] == '\0' || v.mv_size != strlen(p->boot)
                 || memcmp(v.mv_data, p->boot, v.mv_size) != 0;
    }
    return rc;
}


/*
 * Sets (boot non-NULL) or removes the unsynced mark, in a transaction of
 * its own, and forces it to disk with every commit before it.
 */
static int
tg_proj_unsynced_mark(tg_projector_t *p, const char *boot)
{
    MDB_txn *txn;
    MDB_val  k = tg_val(TG_PROJ_META_UNSYNCED,
                        sizeof(TG_PROJ_META_UNSYNCED) - 1),
            v;
    int rc;

    rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS) {
        return rc;
    }
    if (boot != NULL) {
        v = tg_val(boot, strlen(boot));
        rc = mdb_put(txn, p->dbi[TG_PROJ_META], &k, &v, 0);
    } else {
        rc = mdb_del(txn, p->dbi[TG_PROJ_META], &k, NULL);
        rc = rc == MDB_NOTFOUND ? MDB_SUCCESS : rc;
    }
    if (rc != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    return rc == MDB_SUCCESS ? mdb_env_sync(p->env, 1) : rc;
}


/*
 * From here on, commits are not fsynced, once the unsynced mark of this
 * boot is on disk.  Without a boot id, every commit stays synced.
 */
static int
tg_proj_nosync_begin(tg_projector_t *p)
{
    int rc;

    if (p->boot[0] == '\0') {
        return MDB_SUCCESS;
    }
    rc = tg_proj_unsynced_mark(p, p->boot);
    return rc == MDB_SUCCESS ? mdb_env_set_flags(p->env, MDB_NOSYNC, 1) : rc;
}


/*
 * Opens the databases and reads the last seq applied; *stale tells that
 * the projection may have been torn by a crash of the system.
 */
static int
tg_proj_env_load(tg_projector_t *p, int *stale, char *errbuf, size_t size)
{
    MDB_txn *txn;
    MDB_val  k, v;
    size_t   i;
    int      rc;

    rc = mdb_txn_begin(p->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS) {
        return tg_lmdb_error(rc, "begin", errbuf, size);
    }
    for (i = 0; i < TG_PROJ_NDBS && rc == MDB_SUCCESS; i++) {
        rc = mdb_dbi_open(txn, tg_proj_db_name(i), MDB_CREATE, &p->dbi[i]);
    }
    if (rc != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return tg_lmdb_error(rc, "open databases", errbuf, size);
    }

    k = tg_val(TG_PROJ_META_SEQ, sizeof(TG_PROJ_META_SEQ) - 1);
    rc = mdb_get(txn, p->dbi[TG_PROJ_META], &k, &v);
    if (rc == MDB_SUCCESS) {
        if (tg_proj_i64_decode((tg_str_t){ v.mv_data, v.mv_size }, &p->seq)
            != TG_OK) {
            mdb_txn_abort(txn);
            snprintf(errbuf, size, "projection: a malformed seq");
            return TG_EINVALID;
        }
    } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return tg_lmdb_error(rc, "read seq", errbuf, size);
    }

    rc = tg_proj_unsynced_stale(p, txn, stale);
    if (rc != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return tg_lmdb_error(rc, "read the unsynced mark", errbuf, size);
    }

    rc = mdb_txn_commit(txn);
    return rc == MDB_SUCCESS ? TG_OK
                             : tg_lmdb_error(rc, "commit", errbuf, size);
}


static int
tg_proj_env_open(tg_projector_t *p, const tg_projector_options_t *o,
                 char *errbuf, size_t size)
{
    char dir[4096];
    int  rc, stale = 0;

    snprintf(dir, sizeof(dir), "%s/%s", o->data_dir, TG_PROJ_DIR);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(errbuf, size, "%s: %s", dir, strerror(errno));
        return TG_EINTERNAL;
    }

    tg_proj_boot_read(p);
    rc = tg_proj_env_make(p, o, dir);
    if (rc != MDB_SUCCESS) {
        return tg_lmdb_error(rc, dir, errbuf, size);
    }

    rc = tg_proj_env_load(p, &stale, errbuf, size);
    if (rc == TG_OK && stale) {
        TG_LOG(TG_LOG_WARN,
               "projection: the system restarted before its last commits "
               "were synced; rebuilding the projection from the change log");
        mdb_env_close(p->env);
        p->env = NULL;
        p->seq = 0;
        rc = tg_proj_env_remove(dir);
        if (rc == 0) {
            rc = tg_proj_env_make(p, o, dir);
        }
        if (rc != MDB_SUCCESS) {
            return tg_lmdb_error(rc, dir, errbuf, size);
        }
        rc = tg_proj_env_load(p, &stale, errbuf, size);
    }
    if (rc != TG_OK) {
        return rc;
    }

    rc = tg_proj_nosync_begin(p);
    return rc == MDB_SUCCESS ? TG_OK
                             : tg_lmdb_error(rc, "unsynced mark", errbuf, size);
}


/*
 * Unmaps from this process the projection's pages that syncs have read;
 * they stay in the page cache, where the gateway's workers map them too.  A
 * read fault maps a whole neighbourhood of cached pages (fault-around, which
 * MDB_NORDAHEAD does not turn off), so without this every page the projector
 * has ever read would stay counted in tollgated's RSS: most of the data file
 * after a few thousand writes to a large projection.  The map is read-only and
 * shared (no MDB_WRITEMAP): nothing is lost, and a later read faults its page
 * in again.  LMDB does not tell where it mapped the file (mdb_env_info() does
 * only with MDB_FIXEDMAP), so it is looked up in /proc/self/maps by the file's
 * device and inode, at most every TG_PROJ_RELEASE_MS.
 */
static void
tg_proj_map_release(tg_projector_t *p)
{
    MDB_envinfo        info;
    struct stat        st;
    FILE              *maps;
    char               line[512];
    unsigned long long from, to, off, ino;
    unsigned           maj, mnr;
    int                fd;
    int64_t            now = tg_time_monotonic_ms();

    if (p->env == NULL || now - p->released_mono < TG_PROJ_RELEASE_MS
        || mdb_env_info(p->env, &info) != MDB_SUCCESS
        || mdb_env_get_fd(p->env, &fd) != MDB_SUCCESS || fstat(fd, &st) != 0)
    {
        return;
    }
    p->released_mono = now;
    maps = fopen("/proc/self/maps", "re");
    if (maps == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), maps) != NULL) {
        if (sscanf(line, "%llx-%llx %*s %llx %x:%x %llu", &from, &to, &off,
                   &maj, &mnr, &ino)
                == 6
            && ino == (unsigned long long) st.st_ino && maj == major(st.st_dev)
            && mnr == minor(st.st_dev) && off == 0
            && to - from == (unsigned long long) info.me_mapsize)
        {
            (void) madvise((void *) (uintptr_t) from, (size_t) (to - from),
                           MADV_DONTNEED);
            break;
        }
    }
    fclose(maps);
}


/*
 * Closes the environment (if open) and opens it again, made anew if its
 * data file is damaged.  On failure, logs failure with the reason and
 * leaves the projection closed: the next sync's guard tries again.
 */
static int
tg_proj_env_reopen(tg_projector_t *p, const char *failure)
{
    char errbuf[512];
    int  rc;

    if (p->env != NULL) {
        mdb_env_close(p->env);
        p->env = NULL;
    }
    rc = tg_proj_env_open(p, &p->options, errbuf, sizeof(errbuf));
    if (rc != TG_OK) {
        if (p->env != NULL) {
            mdb_env_close(p->env);
            p->env = NULL;
        }
        TG_LOG(TG_LOG_ERROR, failure, TG_LF_STR("error", errbuf));
    }
    return rc;
}


/*
 * Before a sync: a data file cut short since the last one (reading it
 * would raise SIGBUS) is rebuilt from the change log, as at open; so is a
 * projection a failed rebuild left closed.  Returns TG_OK, or an error
 * (logged) with the projection closed, tried again at the next sync.
 */
static int
tg_proj_guard(tg_projector_t *p)
{
    off_t have, need;

    if (p->env != NULL
        && tg_proj_env_whole(p->env, &have, &need) != MDB_CORRUPTED) {
        return TG_OK;
    }

    p->seq = 0;
    p->heartbeat = 0;
    return tg_proj_env_reopen(p, "projection cannot be rebuilt");
}


/* Maps an LMDB result to TG_OK or TG_EINTERNAL, keeping the failure for
 * the log line that reports it. */
static int
tg_proj_check(tg_proj_batch_t *b, int rc)
{
    if (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) {
        return TG_OK;
    }
    b->p->lmdb_error = rc;
    return TG_EINTERNAL;
}


/* Deletes one record an app owned (callback of tg_proj_app_owned). */
static int
tg_proj_drop_owned(void *data, int kind, tg_str_t item)
{
    tg_proj_batch_t *b = data;
    MDB_val          k = tg_val(item.ptr, item.len);
    int              rc;

    rc = mdb_del(b->txn, b->p->dbi[kind == 'k' ? TG_PROJ_KEYS : TG_PROJ_CODES],
                 &k, NULL);
    return tg_proj_check(b, rc);
}


/* Deletes the grants whose key starts with "<app id>\0". */
static int
tg_proj_drop_grants(tg_proj_batch_t *b, const char *id)
{
    MDB_cursor *c;
    MDB_val     k, v;
    size_t      len = strlen(id) + 1;
    int         rc;

    rc = mdb_cursor_open(b->txn, b->p->dbi[TG_PROJ_GRANTS], &c);
    if (rc != MDB_SUCCESS) {
        return tg_proj_check(b, rc);
    }

    /* After a delete, MDB_NEXT lands on the record that followed it. */
    k = tg_val(id, len);
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS && k.mv_size >= len
           && memcmp(k.mv_data, id, len) == 0) {
        rc = mdb_cursor_del(c, 0);
        if (rc == MDB_SUCCESS) {
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        }
    }

    mdb_cursor_close(c);
    return tg_proj_check(b, rc);
}


/* Deletes everything the projection holds for app id. */
static int
tg_proj_drop_app(tg_proj_batch_t *b, const char *id)
{
    MDB_val k = tg_val(id, strlen(id)), v;
    int     rc;

    rc = mdb_get(b->txn, b->p->dbi[TG_PROJ_APPS], &k, &v);
    if (rc == MDB_SUCCESS) {
        rc = tg_proj_app_owned((tg_str_t){ v.mv_data, v.mv_size },
                               tg_proj_drop_owned, b);
        if (rc != TG_OK) {
            return rc;
        }
        rc = mdb_del(b->txn, b->p->dbi[TG_PROJ_APPS], &k, NULL);
    }
    if (tg_proj_check(b, rc) != TG_OK) {
        return TG_EINTERNAL;
    }
    return tg_proj_drop_grants(b, id);
}


static int
tg_proj_put(tg_proj_batch_t *b, tg_proj_db_t db, const void *key, size_t klen,
            const void *val, size_t vlen)
{
    MDB_val k = tg_val(key, klen), v = tg_val(val, vlen);

    return tg_proj_check(b, mdb_put(b->txn, b->p->dbi[db], &k, &v, 0));
}


/* Writes a keys record for app_key with up to two secrets. */
static int
tg_proj_write_key(tg_proj_batch_t *b, const char *app, const char *app_key,
                  const char *secret, int64_t aged_at, const char *prev,
                  int64_t prev_expires)
{
    tg_proj_secret_t secrets[TG_PROJ_SECRETS];
    tg_buf_t         sealed[TG_PROJ_SECRETS] = { TG_BUF_INIT, TG_BUF_INIT };
    tg_buf_t         rec = TG_BUF_INIT;
    size_t           n = 0, i;
    int              rc = TG_OK;

    if (secret != NULL) {
        rc = tg_proj_secret_seal(b->p->key, tg_str_c(app_key), tg_str_c(secret),
                                 &sealed[n]);
        secrets[n].expires_at = 0;
        secrets[n].aged_at = aged_at;
        n++;
    }
    if (rc == TG_OK && prev != NULL) {
        rc = tg_proj_secret_seal(b->p->key, tg_str_c(app_key), tg_str_c(prev),
                                 &sealed[n]);
        secrets[n].expires_at = prev_expires;
        secrets[n].aged_at = 0; /* its grace bounds it */
        n++;
    }
    for (i = 0; i < n; i++) {
        secrets[i].sealed = tg_buf_str(&sealed[i]);
    }

    if (rc == TG_OK) {
        rc = tg_proj_key_encode(tg_str_c(app), secrets, n, &rec);
    }
    if (rc == TG_OK) {
        rc = tg_proj_put(b, TG_PROJ_KEYS, app_key, strlen(app_key), rec.ptr,
                         rec.len);
    }

    tg_buf_free(&rec);
    for (i = 0; i < TG_PROJ_SECRETS; i++) {
        tg_buf_free(&sealed[i]);
    }
    return rc;
}


/*
 * Writes an app's key records.  A pair's previous secret (within grace)
 * verifies under the previous AppKey: the same record when the key was
 * kept, its own record when the key changed.  keys receives every AppKey
 * written.
 */
static int
tg_proj_write_pairs(tg_proj_batch_t *b, const tg_dp_app_t *a, int64_t now,
                    tg_str_t *keys, size_t *nkeys)
{
    const tg_cred_t *kp;
    const char      *prev;
    int64_t          aged_at;
    size_t           i;
    int              rc = TG_OK, grace, same;

    for (i = 0; i < a->npairs && rc == TG_OK; i++) {
        kp = &a->pairs[i];
        prev = a->prev_secrets[i];
        grace =
            prev != NULL && kp->prev_key != NULL && kp->prev_expires_at > now;
        same = grace && strcmp(kp->prev_key, kp->key) == 0;

        aged_at = a->max_secret_age > 0
                      ? kp->secret_at + a->max_secret_age * 1000
                      : 0;
        rc = tg_proj_write_key(b, a->id, kp->key, a->secrets[i], aged_at,
                               same ? prev : NULL, kp->prev_expires_at);
        keys[(*nkeys)++] = tg_str_c(kp->key);

        if (rc == TG_OK && grace && !same) {
            rc = tg_proj_write_key(b, a->id, kp->prev_key, NULL, 0, prev,
                                   kp->prev_expires_at);
            keys[(*nkeys)++] = tg_str_c(kp->prev_key);
        }
    }
    return rc;
}


static int
tg_proj_write_codes(tg_proj_batch_t *b, const tg_dp_app_t *a,
                    uint8_t (*hashes)[TG_PROJ_HASH_LEN])
{
    tg_buf_t rec = TG_BUF_INIT;
    int64_t  aged_at;
    size_t   i;
    int      rc = TG_OK;

    for (i = 0; i < a->ncodes && rc == TG_OK; i++) {
        aged_at = a->max_secret_age > 0
                      ? a->codes_set[i] + a->max_secret_age * 1000
                      : 0;
        tg_buf_reset(&rec);
        rc = tg_proj_code_key(b->p->key, tg_str_c(a->codes[i]), hashes[i]);
        if (rc == TG_OK) {
            rc = tg_proj_code_encode(tg_str_c(a->id), aged_at, &rec);
        }
        if (rc == TG_OK) {
            rc = tg_proj_put(b, TG_PROJ_CODES, hashes[i], TG_PROJ_HASH_LEN,
                             rec.ptr, rec.len);
        }
    }
    tg_buf_free(&rec);
    return rc;
}


static int
tg_proj_write_grants(tg_proj_batch_t *b, const tg_dp_app_t *a)
{
    const tg_grant_t *g;
    char              key[TG_PROJ_GRANT_KEY_MAX];
    uint8_t           expires[8];
    size_t            len, i;
    int               rc = TG_OK;

    for (i = 0; i < a->ngrants && rc == TG_OK; i++) {
        g = &a->grants[i];
        rc = tg_proj_grant_key(tg_str_c(a->id), tg_str_c(g->api_name),
                               tg_str_c(g->stage), key, sizeof(key), &len);
        if (rc == TG_OK) {
            tg_proj_i64_encode(g->expires_at, expires);
            rc = tg_proj_put(b, TG_PROJ_GRANTS, key, len, expires,
                             sizeof(expires));
        }
    }
    return rc;
}


/* Writes an app's current state (its old records are already gone). */
static int
tg_proj_write_app(tg_proj_batch_t *b, const tg_dp_app_t *a, int64_t now)
{
    tg_proj_app_t app;
    tg_str_t     *keys;
    uint8_t(*hashes)[TG_PROJ_HASH_LEN];
    tg_buf_t rec = TG_BUF_INIT;
    size_t   nkeys = 0;
    int      rc;

    keys = calloc(2 * a->npairs + 1, sizeof(tg_str_t));
    hashes = calloc(a->ncodes + 1, TG_PROJ_HASH_LEN);
    if (keys == NULL || hashes == NULL) {
        free(keys);
        free(hashes);
        return TG_ENOMEM;
    }

    rc = tg_proj_write_pairs(b, a, now, keys, &nkeys);
    if (rc == TG_OK) {
        rc = tg_proj_write_codes(b, a, hashes);
    }
    if (rc == TG_OK) {
        rc = tg_proj_write_grants(b, a);
    }

    if (rc == TG_OK) {
        app.enabled = a->app.enabled;
        app.app_id = a->app.app_id;
        app.rate_rps = (uint32_t) a->app.rate_rps;
        app.rate_burst = (uint32_t) a->app.rate_burst;
        rc = tg_proj_app_encode(&app, keys, nkeys,
                                (const uint8_t(*)[TG_PROJ_HASH_LEN]) hashes,
                                a->ncodes, &rec);
    }
    if (rc == TG_OK) {
        rc = tg_proj_put(b, TG_PROJ_APPS, a->id, strlen(a->id), rec.ptr,
                         rec.len);
    }

    tg_buf_free(&rec);
    tg_wipe(hashes, (a->ncodes + 1) * TG_PROJ_HASH_LEN);
    free(hashes);
    free(keys);
    return rc;
}


/* Applies one batch (tg_dp_apply_pt): one LMDB transaction. */
static int
tg_proj_apply(void *data, int64_t seq, const tg_dp_app_t *apps, size_t n)
{
    tg_projector_t *p = data;
    tg_proj_batch_t b;
    uint8_t         s[8];
    int64_t         now = tg_time_now_ms();
    size_t          i;
    int             rc;

    b.p = p;
    b.txn = p->rebuild;
    if (b.txn == NULL
        && tg_proj_check(&b, mdb_txn_begin(p->env, NULL, 0, &b.txn)) != TG_OK)
    {
        return TG_EINTERNAL;
    }

    rc = TG_OK;
    for (i = 0; i < n && rc == TG_OK; i++) {
        /* A rebuild starts from empty databases: nothing to drop. */
        if (p->rebuild == NULL) {
            rc = tg_proj_drop_app(&b, apps[i].id);
        }
        if (rc == TG_OK && apps[i].exists) {
            rc = tg_proj_write_app(&b, &apps[i], now);
        }
    }

    if (rc == TG_OK) {
        tg_proj_i64_encode(seq, s);
        rc = tg_proj_put(&b, TG_PROJ_META, TG_PROJ_META_SEQ,
                         sizeof(TG_PROJ_META_SEQ) - 1, s, sizeof(s));
    }
    if (p->rebuild != NULL) {
        return rc; /* the rebuild commits, or aborts, its whole */
    }
    if (rc == TG_OK) {
        tg_crash_point("projector.applying");
        rc = tg_proj_check(&b, mdb_txn_commit(b.txn));
    } else {
        mdb_txn_abort(b.txn);
    }
    return rc;
}


/*
 * After a rebuild, gives back the memory of its transaction: LMDB keeps
 * every page a write transaction dirtied on the environment's free list
 * until the environment is closed, and a rebuild dirties the whole
 * projection (about 300 MB with 1,000,000 apps), which would stay in
 * tollgated's heap for its life.  The environment is synced (no unsynced
 * mark left), closed and opened again; seq is the one the rebuild reached.
 * A failed open leaves the projection closed: the next sync's guard opens
 * it again.
 */
static int
tg_proj_env_renew(tg_projector_t *p, int64_t seq)
{
    int rc;

    if (mdb_env_sync(p->env, 1) == MDB_SUCCESS) {
        (void) tg_proj_unsynced_mark(p, NULL);
    }
    mdb_env_close(p->env);
    p->env = NULL;
#ifdef __GLIBC__
    (void) malloc_trim(0); /* the freed pages back to the system, too */
#endif
    rc = tg_proj_env_reopen(p, "projection cannot be opened after its rebuild");
    if (rc == TG_OK) {
        p->seq = seq;
    }
    return rc;
}


/*
 * When the change log no longer holds every change after seq (pruned
 * past it, or the store is older than the projection), or the projection
 * is empty (new, or made again after damage) while the store is not,
 * rebuilds the projection from the store's apps, read in pages of a few
 * queries each, in one LMDB transaction: readers keep the old one until
 * it commits, and a crash leaves it as it was (and rebuilt again).  Sets
 * *seq to the store's seq it matches; the changes after it follow.
 */
static int
tg_proj_log_check(tg_projector_t *p, int64_t *seq, tg_error_t *err)
{
    tg_proj_batch_t b;
    int64_t         horizon, latest, at;
    size_t          i;
    int             rc, rebuild;

    rc = tg_service_dp_log_check(p->service, p->seq, &rebuild, &horizon,
                                 &latest, err);
    if (rc != TG_OK || (!rebuild && (p->seq != 0 || latest == 0))) {
        return rc;
    }

    if (rebuild) {
        TG_LOG(TG_LOG_WARN,
               "projection: the change log no longer holds its position "
               "(pruned past it, or the store is older); rebuilding from the "
               "store",
               TG_LF_INT("seq", p->seq), TG_LF_INT("pruned_through", horizon),
               TG_LF_INT("latest", latest));
    } else {
        TG_LOG(TG_LOG_INFO, "projection: empty; building it from the store",
               TG_LF_INT("latest", latest));
    }

    b.p = p;
    if (tg_proj_check(&b, mdb_txn_begin(p->env, NULL, 0, &b.txn)) != TG_OK) {
        return TG_EINTERNAL;
    }
    for (i = 0; i < TG_PROJ_NDBS && rc == TG_OK; i++) {
        if (i != TG_PROJ_META) {
            rc = tg_proj_check(&b, mdb_drop(b.txn, p->dbi[i], 0));
        }
    }

    p->rebuild = b.txn;
    if (rc == TG_OK) {
        rc = tg_service_dp_rebuild(p->service, TG_PROJ_REBUILD_PAGE,
                                   tg_proj_apply, p, &at, err);
    }
    p->rebuild = NULL;

    if (rc == TG_OK) {
        rc = tg_proj_check(&b, mdb_txn_commit(b.txn));
    } else {
        mdb_txn_abort(b.txn);
    }
    if (rc == TG_OK) {
        *seq = p->seq = at;
        TG_LOG(rebuild ? TG_LOG_WARN : TG_LOG_INFO,
               "projection rebuilt from the store", TG_LF_INT("seq", at));
        rc = tg_proj_env_renew(p, at);
    }
    return rc;
}


/*
 * Writes the heartbeat at (Unix ms, taken at mono on the monotonic
 * clock): every change committed before at is applied.  Due every
 * TG_PROJ_HEARTBEAT_MS; half that passes for it, so that a poll that
 * wakes a little early still writes one.  Due-ness is measured on the
 * monotonic clock, so a wall clock stepped back cannot hold it off.
 */
static int
tg_proj_heartbeat(tg_projector_t *p, int64_t at, int64_t mono)
{
    tg_proj_batch_t b;
    uint8_t         v[8];
    int             rc;

    if (p->heartbeat != 0
        && mono - p->heartbeat_mono < TG_PROJ_HEARTBEAT_MS / 2) {
        return TG_OK;
    }

    b.p = p;
    if (tg_proj_check(&b, mdb_txn_begin(p->env, NULL, 0, &b.txn)) != TG_OK) {
        return TG_EINTERNAL;
    }
    tg_proj_i64_encode(at, v);
    rc = tg_proj_put(&b, TG_PROJ_META, TG_PROJ_META_HEARTBEAT,
                     sizeof(TG_PROJ_META_HEARTBEAT) - 1, v, sizeof(v));
    if (rc == TG_OK) {
        rc = tg_proj_check(&b, mdb_txn_commit(b.txn));
    } else {
        mdb_txn_abort(b.txn);
    }
    if (rc == TG_OK) {
        p->heartbeat = at;
        p->heartbeat_mono = mono;
    }
    return rc;
}


/* The message a failed sync reports: rc, and LMDB's failure if any. */
static void
tg_proj_fail_message(int rc, int lmdb_error, char *out, size_t size)
{
    if (lmdb_error == MDB_MAP_FULL) {
        snprintf(out, size,
                 "the projection is full; raise --projection-map-size and "
                 "restart (lmdb: %s)",
                 mdb_strerror(lmdb_error));
    } else if (lmdb_error != 0) {
        snprintf(out, size, "%s (lmdb: %s)", tg_strerror(rc),
                 mdb_strerror(lmdb_error));
    } else {
        snprintf(out, size, "%s", tg_strerror(rc));
    }
}


/*
 * Records a sync's outcome in p->state and logs what changed: a failure
 * once when it begins, then at most once every TG_PROJ_FAIL_LOG_MS with
 * the count meanwhile, and the recovery once.  Called by the syncing
 * thread (under p->lock), so the fail_logged fields need no other lock.
 */
static void
tg_proj_report(tg_projector_t *p, int rc, int lmdb_error, int64_t started)
{
    char    message[sizeof(p->state.error)] = "";
    int64_t mono = tg_time_monotonic_ms(), failures, since;

    pthread_mutex_lock(&p->state_lock);
    p->state.applied_seq = p->seq;
    failures = p->state.failures;
    since = p->state.failing_since;
    if (rc == TG_OK) {
        p->state.last_sync_at = started;
        p->state.failing_since = 0;
        p->state.failures = 0;
        p->state.error[0] = '\0';
    } else {
        tg_proj_fail_message(rc, lmdb_error, message, sizeof(message));
        if (since == 0) {
            p->state.failing_since = tg_time_now_ms();
        }
        p->state.failures++;
        memcpy(p->state.error, message, sizeof(message));
    }
    pthread_mutex_unlock(&p->state_lock);

    if (rc == TG_OK && failures > 0) {
        TG_LOG(TG_LOG_WARN, "projection recovered",
               TG_LF_INT("failures", failures),
               TG_LF_INT("failing_ms", tg_time_now_ms() - since),
               TG_LF_INT("seq", p->seq));
    } else if (rc != TG_OK && failures == 0) {
        TG_LOG(TG_LOG_ERROR, "projection update failed",
               TG_LF_STR("error", message), TG_LF_INT("seq", p->seq));
        p->fail_logged_mono = mono;
        p->fail_logged_count = 1;
    } else if (rc != TG_OK && mono - p->fail_logged_mono >= TG_PROJ_FAIL_LOG_MS)
    {
        TG_LOG(TG_LOG_ERROR, "projection update still failing",
               TG_LF_STR("error", message),
               TG_LF_INT("failures", failures + 1 - p->fail_logged_count),
               TG_LF_INT("failures_in_a_row", failures + 1),
               TG_LF_INT("seq", p->seq));
        p->fail_logged_mono = mono;
        p->fail_logged_count = failures + 1;
    }
}


int
tg_projector_sync(tg_projector_t *p)
{
    tg_error_t err;
    int64_t    seq, started, started_mono;
    int        rc, more = 1;

    memset(&err, 0, sizeof(err));

    pthread_mutex_lock(&p->lock);
    started = tg_time_now_ms();
    started_mono = tg_time_monotonic_ms();
    p->lmdb_error = 0;
    rc = tg_proj_guard(p);
    if (rc == TG_OK && p->seq == 0) {
        rc = tg_proj_log_check(p, &seq, &err); /* empty: from the tables */
    }
    seq = p->seq;
    while (more && rc == TG_OK) {
        rc = tg_service_dp_changes(p->service, &seq, TG_PROJ_BATCH,
                                   tg_proj_apply, p, &more, &err);
    }
    if (rc == TG_OK) {
        rc = tg_proj_log_check(p, &seq, &err);
    }
    /* The store's reads began after started: nothing committed before it
     * is left out. */
    if (rc == TG_OK) {
        rc = tg_proj_heartbeat(p, started, started_mono);
    }
    p->seq = seq;
    tg_proj_report(p, rc, p->lmdb_error, started);
    tg_proj_map_release(p);
    pthread_mutex_unlock(&p->lock);
    return rc;
}


static void
tg_projector_wake(void *data)
{
    tg_projector_t *p = data;

    /* Every write of a group commit wakes it: one signal is enough. */
    pthread_mutex_lock(&p->wake_lock);
    if (!p->wake) {
        p->wake = 1;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->wake_lock);
}


static void *
tg_projector_main(void *data)
{
    tg_projector_t *p = data;
    struct timespec deadline;
    int             stop;

    for (;;) {
        pthread_mutex_lock(&p->wake_lock);
        if (!p->wake && !p->stop) {
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += TG_PROJ_POLL_MS / 1000;
            pthread_cond_timedwait(&p->cond, &p->wake_lock, &deadline);
        }
        p->wake = 0;
        stop = p->stop;
        pthread_mutex_unlock(&p->wake_lock);

        if (stop) {
            return NULL;
        }
        (void) tg_projector_sync(p);
    }
}


int
tg_projector_open(const tg_projector_options_t *o, tg_projector_t **out,
                  char *errbuf, size_t size)
{
    tg_projector_t *p;
    int             rc;

    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(errbuf, size, "projection: out of memory");
        return TG_ENOMEM;
    }
    p->options = *o;
    p->service = o->service;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->wake_lock, NULL);
    pthread_mutex_init(&p->state_lock, NULL);
    pthread_cond_init(&p->cond, NULL);

    rc = tg_proj_key_load(p, o->data_dir, errbuf, size);
    if (rc == TG_OK) {
        rc = tg_proj_env_open(p, o, errbuf, size);
    }
    if (rc == TG_OK) {
        rc = tg_projector_sync(p);
        if (rc != TG_OK) {
            snprintf(errbuf, size, "projection: catching up: %s",
                     tg_strerror(rc));
        }
    }
    if (rc != TG_OK) {
        tg_projector_close(p);
        return rc;
    }

    *out = p;
    return TG_OK;
}


/* How long the follower waits for a notification before it looks at
 * p->stop again, and after a failure before it tries again. */
#define TG_PROJ_FOLLOW_MS 500

static int
tg_projector_stopping(tg_projector_t *p)
{
    int stop;

    pthread_mutex_lock(&p->wake_lock);
    stop = p->stop;
    pthread_mutex_unlock(&p->wake_lock);
    return stop;
}


/* Wakes the projector whenever the store tells of a commit of changes by
 * any node.  A failure (the connection lost) only costs the wait: the
 * poll still runs, and a reconnection wakes the projector once. */
static void *
tg_projector_follow_main(void *data)
{
    tg_projector_t       *p = data;
    const struct timespec pause = { 0, TG_PROJ_FOLLOW_MS * 1000000L };
    int                   rc;

    while (!tg_projector_stopping(p)) {
        rc = tg_store_wait_changes(p->store, TG_PROJ_FOLLOW_MS);
        if (rc == 1) {
            tg_projector_wake(p);
        } else if (rc < 0) {
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}


int
tg_projector_follow(tg_projector_t *p, tg_store_t *store)
{
    if (!tg_store_notifies(store)) {
        return TG_OK;
    }

    p->store = store;
    if (pthread_create(&p->follower, NULL, tg_projector_follow_main, p) != 0) {
        return TG_EINTERNAL;
    }
    p->following = 1;
    return TG_OK;
}


int
tg_projector_start(tg_projector_t *p)
{
    if (pthread_create(&p->thread, NULL, tg_projector_main, p) != 0) {
        return TG_EINTERNAL;
    }
    p->running = 1;
    tg_service_on_commit(p->service, tg_projector_wake, p);
    tg_service_on_dp_health(p->service, tg_projector_health, p);
    return TG_OK;
}


void
tg_projector_health(void *data, tg_dp_health_t *out)
{
    tg_projector_t *p = data;

    pthread_mutex_lock(&p->state_lock);
    *out = p->state;
    pthread_mutex_unlock(&p->state_lock);
}


int64_t
tg_projector_seq(tg_projector_t *p)
{
    int64_t seq;

    pthread_mutex_lock(&p->lock);
    seq = p->seq;
    pthread_mutex_unlock(&p->lock);
    return seq;
}


int64_t
tg_projector_heartbeat(tg_projector_t *p)
{
    int64_t heartbeat;

    pthread_mutex_lock(&p->lock);
    heartbeat = p->heartbeat;
    pthread_mutex_unlock(&p->lock);
    return heartbeat;
}


void
tg_projector_close(tg_projector_t *p)
{
    if (p == NULL) {
        return;
    }

    if (p->running) {
        tg_service_on_commit(p->service, NULL, NULL);
        tg_service_on_dp_health(p->service, NULL, NULL);
        pthread_mutex_lock(&p->wake_lock);
        p->stop = 1;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->wake_lock);
        pthread_join(p->thread, NULL);
    }

    if (p->following) {
        pthread_mutex_lock(&p->wake_lock);
        p->stop = 1;
        pthread_mutex_unlock(&p->wake_lock);
        pthread_join(p->follower, NULL);
    }

    if (p->env != NULL) {
        /* Everything is on disk: no rebuild after the next boot. */
        if (mdb_env_sync(p->env, 1) == MDB_SUCCESS) {
            (void) tg_proj_unsynced_mark(p, NULL);
        }
        mdb_env_close(p->env);
    }
    tg_wipe(p->key, sizeof(p->key));
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->state_lock);
    pthread_mutex_destroy(&p->wake_lock);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
