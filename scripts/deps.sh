#!/bin/sh
# Installs the Debian 12 packages Tollgate needs, only those that are
# missing, so running it again does nothing.  Groups:
#   build   compile and run tollgated, the tollgate CLI and the nginx module,
#           and build the web console (Node.js and npm)
#   test    build, plus what the test suite runs (cmocka, Node.js, wrk, the
#           sqlite3 shell that edits a stopped store, headless Chromium for
#           the console's browser tests, the openssl CLI that makes the TLS
#           tests' certificates; valgrind; dpkg-dev, man-db and file for
#           `make deb` and its test, and for `apt-get source nginx` of
#           scripts/nginx-asan.sh; PostgreSQL, which scripts/pg-test.sh
#           starts for the store's tests against the PostgreSQL driver;
#           logrotate, which runs the shipped rotation configurations;
#           redis-server, which the cluster tests start beside PostgreSQL)
set -eu

build="gcc make pkg-config libc6-dev libssl-dev libmicrohttpd-dev
       libjansson-dev libsqlite3-dev libcurl4-openssl-dev liblmdb-dev
       nginx nginx-dev libpcre2-dev zlib1g-dev libpq-dev"
test="$build libcmocka-dev clang-format wrk sqlite3 clang libclang-rt-14-dev
      chromium fonts-dejavu-core openssl dpkg-dev man-db file valgrind
      postgresql logrotate redis-server"

case "${1:-test}" in
build) wanted=$build ;;
test) wanted=$test ;;
*) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac

missing=
for p in $wanted; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'
    then
        missing="$missing $p"
    fi
done

# The tests, and the web console's build (both groups), need Node.js 18
# or later with npm.  Debian 12 ships 18; a newer one already on the
# machine is used as it is.
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 18 ]; then
    missing="$missing nodejs npm"
elif ! command -v npm >/dev/null 2>&1; then
    missing="$missing npm"
fi

if [ -z "$missing" ]; then
    exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
fi

echo "deps: installing$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends $missing >/dev/null
