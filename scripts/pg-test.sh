#!/bin/sh
# Runs a command beside a throwaway PostgreSQL server: initdb into a new
# temporary directory, the server listening only on a Unix socket in it,
# the command run with TOLLGATE_TEST_PG set to the server's conninfo (and
# TOLLGATE_TEST_PG_URL to the same as a postgres:// URL), then the server
# stopped and the directory removed, whatever the command's outcome.
#
#   scripts/pg-test.sh build/test/test_store
#
# PostgreSQL comes from Debian's packages (scripts/deps.sh test).  The
# server refuses to run as root: as root, it runs as the postgres user the
# package made.  Durability is off (fsync=off): the data is thrown away.
# TOLLGATE_PG_OPTS adds server options after these (a benchmark turns
# fsync back on with "-c fsync=on -c full_page_writes=on").
set -eu

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "pg-test: no PostgreSQL server (run scripts/deps.sh test)" >&2
    exit 1
fi

dir=$(mktemp -d /tmp/tollgate-pg-XXXXXX)
as=
if [ "$(id -u)" -eq 0 ]; then
    as="runuser -u postgres --"
    chown postgres "$dir"
    chmod 755 "$dir" # the tests, as root, reach the socket in it
fi

# The server's programs run from / : as postgres, the caller's directory
# (under /root, say) may be one they cannot read.
server() {
    (cd / && $as "$@")
}

stop() {
    server "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 \
        || true
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 1' INT TERM

if ! server "$bindir/initdb" -D "$dir/data" --username=tollgate --auth=trust \
    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1
then
    cat "$dir/initdb.log" >&2
    exit 1
fi

opts="-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off"
opts="$opts -c log_min_error_statement=panic ${TOLLGATE_PG_OPTS:-}"
if ! server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "$opts" start >/dev/null
then
    cat "$dir/server.log" >&2
    exit 1
fi

TOLLGATE_TEST_PG="host=$dir dbname=postgres user=tollgate"
TOLLGATE_TEST_PG_URL="postgresql://tollgate@/postgres?host=$dir"
export TOLLGATE_TEST_PG TOLLGATE_TEST_PG_URL

rc=0
"$@" || rc=$?
if [ "$rc" -ne 0 ] && [ -f "$dir/server.log" ]; then
    echo "pg-test: the server's log:" >&2
    tail -n 40 "$dir/server.log" >&2
fi
exit "$rc"
