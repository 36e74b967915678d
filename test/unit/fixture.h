/*
 * The shared fixture of the unit tests that run the core service: a fresh
 * temporary directory, a store (SQLite in it, or PostgreSQL: tg_fixture_db()),
 * a keyring with one master key, the service over both, and the bootstrap admin
 * signed in.
 *
 * tg_fixture_setup() and tg_fixture_teardown() are cmocka's setup and
 * teardown for a test whose state is a bare tg_fixture_t of the default
 * spec (tg_fixture_default).  A test whose own fixture holds more starts
 * its struct with a tg_fixture_t, names what differs (its directory's tag,
 * its admin key, its limits) in a tg_fixture_spec_t, and allocates it with
 * tg_fixture_alloc() and frees it with tg_fixture_free().
 */

#ifndef TOLLGATE_TEST_FIXTURE_H
#define TOLLGATE_TEST_FIXTURE_H

#include <stddef.h>

#include "service/service.h"
#include "store/db.h"


#define TG_FIXTURE_DIR_LEN 64

/* The size of a store location tg_fixture_db() writes. */
#define TG_FIXTURE_PATH_LEN 256

/* The default spec's admin key, and how many signed-call nonces its
 * service remembers. */
#define TG_FIXTURE_KEY_ID     "TGfixtureAdmin01"
#define TG_FIXTURE_KEY_SECRET "fixture-admin-secret-0123456789"
#define TG_FIXTURE_NONCES     4

typedef struct {
    const char         *name;       /* tag of the temporary directory */
    const char         *key_id;     /* the bootstrap admin's key */
    const char         *key_secret; /* and its secret */
    tg_service_limits_t limits;
} tg_fixture_spec_t;

typedef struct {
    char          dir[TG_FIXTURE_DIR_LEN];   /* removed by the teardown */
    char          path[TG_FIXTURE_PATH_LEN]; /* the store's location */
    tg_store_t   *store;
    tg_keyring_t *keyring;
    tg_service_t *svc;
    tg_actor_t    admin; /* the bootstrap admin, authenticated */
} tg_fixture_t;


/*
 * Creates a fresh directory /tmp/tollgate-test-<name>-XXXXXX into dir
 * (TG_FIXTURE_DIR_LEN bytes).  Returns 0 or -1.
 */
int tg_fixture_mkdir(char *dir, const char *name);

/* Removes dir and everything below it. */
void tg_fixture_rmtree(const char *dir);

/*
 * The store of a unit test whose directory is dir: SQLite's file
 * dir/tollgate.db; or, when the environment's TOLLGATE_TEST_PG holds a
 * PostgreSQL conninfo (scripts/pg-test.sh sets it), a new empty schema
 * of that database, which the conninfo written to path selects.  Writes
 * the location into path (TG_FIXTURE_PATH_LEN bytes) and returns the
 * driver, or NULL when the schema could not be made.
 */
const tg_db_driver_t *tg_fixture_db(const char *dir, char *path);

/* Whether tg_fixture_db() gives PostgreSQL stores. */
int tg_fixture_pg(void);

/*
 * Opens another handle on the store at path, as a second node (or a
 * second tollgated) would: connections of its own, busy_ms 10 s.
 * Returns 0 or the store's error; close it with tg_store_close().
 */
int tg_fixture_open_node(const char *path, unsigned connections,
                         tg_store_t **store);

/*
 * Runs sql (no parameters) on a connection of its own to the store at
 * path of driver, and returns the first column of its first row as an
 * integer (0 when it returns no row).  Asserts that it succeeds.
 */
int64_t tg_fixture_sql(const tg_db_driver_t *driver, const char *path,
                       const char *sql);

/*
 * Opens the store, keyring and service of spec into f (zeroed first) and
 * signs the admin in.  Returns 0, or -1 with what was opened closed.
 */
int tg_fixture_open(tg_fixture_t *f, const tg_fixture_spec_t *spec);

/* Closes what tg_fixture_open() opened and removes its directory. */
void tg_fixture_close(tg_fixture_t *f);

/*
 * Allocates size bytes, zeroed, whose first member is a tg_fixture_t,
 * and opens that fixture of spec.  Returns it, or NULL.
 */
void *tg_fixture_alloc(size_t size, const tg_fixture_spec_t *spec);

/* Closes the fixture at the start of f and frees f.  f may be NULL. */
void tg_fixture_free(void *f);

/* The default spec: the admin key above; 10 apps, 5 key pairs and 5
 * AppCodes an app, one app write at once, TG_FIXTURE_NONCES nonces. */
extern const tg_fixture_spec_t tg_fixture_default;

/* cmocka's setup and teardown: a tg_fixture_t of the default spec in
 * *state. */
int tg_fixture_setup(void **state);
int tg_fixture_teardown(void **state);

#endif /* TOLLGATE_TEST_FIXTURE_H */
