#!/bin/bash
# Builds nginx itself from Debian's source package with AddressSanitizer
# and UndefinedBehaviorSanitizer, and the Tollgate module and its sample
# upstream module against that build, so that the gateway's end-to-end
# tests run the module inside a sanitized nginx (`make nginx-asan`;
# test/e2e/lib reads TOLLGATE_NGINX and TOLLGATE_NGINX_MODULE).
#
#     scripts/nginx-asan.sh <output dir>
#
# nginx-dev ships nginx's headers and Debian's configure flags
# (/usr/share/nginx/src/conf_flags) but not its .c files, so the source
# comes from `apt-get source nginx`, with a private deb-src list and
# package lists under <output dir>/apt (the machine's apt configuration
# is left alone), newest version first.  NGINX_ASAN_SOURCE=<dir> names an
# unpacked nginx source tree to use instead.  The configure flags are
# Debian's, so the sanitized nginx has the modules and options of the
# packaged one; only the compiler and linker flags differ.  Outputs, in
# <output dir>: sbin/nginx, ngx_http_tollgate_module.so,
# ngx_http_tollgate_echo_module.so and build.log.  The tree is configured
# once; a later run only rebuilds what changed (the module's sources).
set -euo pipefail

out=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
flags=${NGINX_CONF_FLAGS_FILE:-/usr/share/nginx/src/conf_flags}

# UBSan's checks stay recoverable, so that its runtime can honour the
# suppressions of nginx's own code (scripts/nginx-asan.supp, which a
# non-recoverable check ignores); UBSAN_OPTIONS=halt_on_error=1 makes
# every other report fatal, as in the rest of the tests.
san='-fsanitize=address,undefined'
cc_opt="-O1 -g -fno-omit-frame-pointer $san"

mkdir -p "$out"
out=$(cd "$out" && pwd)

# Unpacks Debian's nginx source (its patches applied) into $out/apt and
# prints the tree's path.
debian_source() {
    local apt=$out/apt v
    local o=(-q -o "Dir::Etc::SourceList=$apt/sources.list"
             -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$apt/lists"
             -o "Dir::Cache::Archives=$apt/archives")

    rm -rf "$apt"
    mkdir -p "$apt/lists/partial" "$apt/archives/partial"
    cat >"$apt/sources.list" <<LIST
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
LIST
    apt-get "${o[@]}" update >"$apt/update.log" 2>&1 \
        || { cat "$apt/update.log" >&2; return 1; }
    # A mirror's index may name a version its pool no longer holds.
    for v in $(apt-cache "${o[@]}" showsrc nginx \
                   | sed -n 's/^Version: //p' | sort -rV); do
        if (cd "$apt" && apt-get "${o[@]}" source "nginx=$v") \
               >"$apt/source.log" 2>&1; then
            ls -d "$apt"/nginx-*/ | head -1
            return 0
        fi
    done
    cat "$apt/source.log" >&2
    return 1
}

# Configures the tree in $out/src with Debian's flags and the modules.
configure() {
    # NGX_CONF_FLAGS: Debian's configure arguments (a bash array).
    # shellcheck disable=SC1090
    . "$flags"
    if ! (cd "$out/src" && ./configure "${NGX_CONF_FLAGS[@]}" \
              --with-cc-opt="$cc_opt" --with-ld-opt="$san" \
              --add-dynamic-module="$repo/nginx" \
              --add-dynamic-module="$repo/nginx/echo") \
            >"$out/build.log" 2>&1; then
        cat "$out/build.log" >&2
        rm -rf "$out/src"
        exit 1
    fi
}

# Configured once; later runs rebuild what changed (the module's files),
# and configure again when a module's config (its files, its libraries)
# changed.
if [ ! -f "$out/src/objs/Makefile" ]; then
    src=${NGINX_ASAN_SOURCE:-}
    if [ -z "$src" ]; then
        src=$(debian_source)
    fi
    rm -rf "$out/src"
    mkdir -p "$out/sbin"
    cp -r "$src" "$out/src"
    configure
elif [ "$repo/nginx/config" -nt "$out/src/objs/Makefile" ] \
     || [ "$repo/nginx/echo/config" -nt "$out/src/objs/Makefile" ] \
     || ! grep -q "$repo/nginx/" "$out/src/objs/Makefile"; then
    configure
fi

cd "$out/src"
if ! make -j2 -f objs/Makefile binary modules >>"$out/build.log" 2>&1; then
    tail -50 "$out/build.log" >&2
    exit 1
fi
# Replaced, not overwritten: an nginx of an earlier run may still be up.
install_new() {
    cp "$1" "$2.new" && mv -f "$2.new" "$2"
}
install_new objs/nginx "$out/sbin/nginx"
install_new objs/ngx_http_tollgate_module.so \
    "$out/ngx_http_tollgate_module.so"
install_new objs/ngx_http_tollgate_echo_module.so \
    "$out/ngx_http_tollgate_echo_module.so"
