/*
 * hold_projection: holds a read transaction open on a data directory's
 * LMDB projection until its standard input closes, as a stuck reader
 * would.  LMDB cannot reuse the pages such a reader may still see, so
 * every write after it takes new ones and the projection fills up: the
 * failure test/e2e/health.test.mjs makes the projector meet.  Only a
 * test tool.
 *
 *     hold_projection DATA_DIR
 *
 * Prints "holding" once the transaction is open; exits 0 after stdin
 * closes, 1 on any failure.
 */

#include <lmdb.h>
#include <stdio.h>
#include <unistd.h>

#include "tollgate/projection.h"


int
main(int argc, char **argv)
{
    MDB_env *env;
    MDB_txn *txn;
    char     dir[4096], buf[64];
    int      rc;

    if (argc != 2) {
        fprintf(stderr, "usage: hold_projection DATA_DIR\n");
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s/%s", argv[1], TG_PROJ_DIR);

    rc = mdb_env_create(&env);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_maxdbs(env, TG_PROJ_MAXDBS);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    }
    if (rc != MDB_SUCCESS) {
        fprintf(stderr, "hold_projection: %s: %s\n", dir, mdb_strerror(rc));
        return 1;
    }

    printf("holding\n");
    fflush(stdout);
    while (read(STDIN_FILENO, buf, sizeof(buf)) > 0) {
        /* until stdin closes */
    }

    mdb_txn_abort(txn);
    mdb_env_close(env);
    return 0;
}
