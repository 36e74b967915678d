#!/bin/sh
# Stages Tollgate's files under DESTDIR, in one of two layouts:
#
#   packaging/install.sh local DESTDIR PREFIX   `make install`: everything
#       under PREFIX (/usr/local), the configuration as examples in
#       PREFIX/share/tollgate/examples/ (copy them to /etc/tollgate/);
#   packaging/install.sh deb DESTDIR            `make deb`: Debian's paths,
#       the module in nginx's modules directory, the configuration in
#       /etc/tollgate/ (conffiles).
#
# BUILD (default build) holds the binaries and the module.  Templates
# (*.in) get their @NAME@ paths for the layout.
set -eu

layout=$1
destdir=$2
prefix=${3:-/usr/local}
build=${BUILD:-build}
src=$(cd "$(dirname "$0")/.." && pwd)

case $layout in
deb)
    prefix=/usr
    MODULEDIR=/usr/lib/nginx/modules
    UNITDIR=/lib/systemd/system
    ETC_INSTALL=/etc/tollgate
    ;;
local)
    MODULEDIR=$prefix/lib/tollgate
    UNITDIR=$prefix/lib/systemd/system
    ETC_INSTALL=$prefix/share/tollgate/examples/etc/tollgate
    ;;
*)
    echo "usage: $0 local|deb DESTDIR [PREFIX]" >&2
    exit 2
    ;;
esac

BINDIR=$prefix/bin
SBINDIR=$prefix/sbin
MANDIR=$prefix/share/man
DOCDIR=$prefix/share/doc/tollgate
SHAREDIR=$prefix/share/tollgate
# Where the units and the configuration say things are, once installed.
SYSCONFDIR=/etc/tollgate
STATEDIR=/var/lib/tollgate
LOGDIR=/var/log/tollgate
RUNDIR=/run/tollgate
GATEWAY_RUNDIR=/run/tollgate-gateway
GATEWAY_CACHEDIR=/var/cache/tollgate-gateway
NGINX=/usr/sbin/nginx

# render TEMPLATE DEST MODE
render() {
    mkdir -p "$(dirname "$2")"
    sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@SBINDIR@|$SBINDIR|g" \
        -e "s|@MODULEDIR@|$MODULEDIR|g" -e "s|@DOCDIR@|$DOCDIR|g" \
        -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" -e "s|@STATEDIR@|$STATEDIR|g" \
        -e "s|@LOGDIR@|$LOGDIR|g" -e "s|@RUNDIR@|$RUNDIR|g" \
        -e "s|@GATEWAY_RUNDIR@|$GATEWAY_RUNDIR|g" \
        -e "s|@GATEWAY_CACHEDIR@|$GATEWAY_CACHEDIR|g" \
        -e "s|@SHAREDIR@|$SHAREDIR|g" -e "s|@NGINX@|$NGINX|g" "$1" >"$2.tmp"
    if grep -n '@[A-Z_]*@' "$2.tmp" >&2; then
        echo "$1: a placeholder is left" >&2
        exit 1
    fi
    chmod "$3" "$2.tmp"
    mv "$2.tmp" "$2"
}

# put FILE DEST MODE
put() {
    mkdir -p "$(dirname "$2")"
    install -m "$3" "$1" "$2"
}

d=$destdir

put "$build/bin/tollgated" "$d$SBINDIR/tollgated" 0755
put "$build/bin/tollgate" "$d$BINDIR/tollgate" 0755
put "$build/nginx/ngx_http_tollgate_module.so" \
    "$d$MODULEDIR/ngx_http_tollgate_module.so" 0644
# A package ships stripped programs (Debian's policy); make install keeps
# the symbols.
if [ "$layout" = deb ]; then
    strip --strip-unneeded --remove-section=.comment --remove-section=.note \
        "$d$SBINDIR/tollgated" "$d$BINDIR/tollgate" \
        "$d$MODULEDIR/ngx_http_tollgate_module.so"
fi
# Debian's nginx loads modules through modules-enabled/; the file is
# offered, not enabled (tollgate-gateway.service runs its own nginx).
render "$src/packaging/nginx-module.conf.in" \
    "$d$prefix/share/nginx/modules-available/mod-http-tollgate.conf" 0644

for page in "$src"/man/*.[1-8]; do
    section=${page##*.}
    mkdir -p "$d$MANDIR/man$section"
    gzip -9nc "$page" >"$d$MANDIR/man$section/${page##*/}.gz"
    chmod 0644 "$d$MANDIR/man$section/${page##*/}.gz"
done

render "$src/packaging/systemd/tollgated.service.in" \
    "$d$UNITDIR/tollgated.service" 0644
render "$src/packaging/systemd/tollgate-gateway.service.in" \
    "$d$UNITDIR/tollgate-gateway.service" 0644

render "$src/packaging/etc/tollgated.conf.in" "$d$ETC_INSTALL/tollgated.conf" 0644
render "$src/packaging/etc/gateway.conf.in" "$d$ETC_INSTALL/gateway.conf" 0644
render "$src/packaging/etc/gateway-default.conf.in" \
    "$d$ETC_INSTALL/sites/default.conf" 0644
if [ "$layout" = deb ]; then
    render "$src/packaging/etc/logrotate.conf.in" \
        "$d/etc/logrotate.d/tollgate-gateway" 0644
else
    render "$src/packaging/etc/logrotate.conf.in" \
        "$d$SHAREDIR/examples/logrotate.d/tollgate-gateway" 0644
fi

# `tollgate up`'s nginx template, found from PREFIX/bin (the sample
# upstream it can load is a build tree's: an installation gives
# --upstream).
put "$src/etc/nginx.conf.in" "$d$SHAREDIR/nginx-up.conf.template" 0644

for doc in README.md docs/service.md docs/api.md docs/cli.md docs/gateway.md \
           docs/security.md docs/storage.md docs/openapi.yaml; do
    put "$src/$doc" "$d$DOCDIR/${doc##*/}" 0644
done

# THE CONSOLE (issue 13): the web console's static files, built into
# $build/console/ by its own target, are served by tollgated from
# $SHAREDIR/console.  Installed when they were built.
if [ -d "$build/console" ]; then
    mkdir -p "$d$SHAREDIR/console"
    cp -R "$build/console/." "$d$SHAREDIR/console/"
    find "$d$SHAREDIR/console" -type d -exec chmod 0755 {} +
    find "$d$SHAREDIR/console" -type f -exec chmod 0644 {} +
fi
