#!/bin/sh
# Builds BUILD/tollgate_VERSION_ARCH.deb from a tree staged by install.sh
# (`make deb`).  The version is include/tollgate/version.h's; the
# dependencies are the shared libraries' packages (dpkg-shlibdeps) and the
# nginx ABI that the module was built against (nginx-dev's sources,
# NGINX_SRC).  Prints the package's path.
set -eu

build=${BUILD:-build}
nginx_src=${NGINX_SRC:-/usr/share/nginx/src}
src=$(cd "$(dirname "$0")/.." && pwd)

version=$(sed -n 's/^#define TG_VERSION "\([^"]*\)"$/\1/p' \
    "$src/include/tollgate/version.h")
arch=$(dpkg --print-architecture)
abi=$(sed -n 's/^nginx:abi=//p' "$nginx_src/debian/libnginx-mod.abisubstvars" \
    2>/dev/null || true)
if [ -z "$version" ]; then
    echo "deb.sh: no TG_VERSION in include/tollgate/version.h" >&2
    exit 1
fi
if [ -z "$abi" ]; then
    echo "deb.sh: no nginx:abi in $nginx_src/debian/libnginx-mod.abisubstvars" \
         "(install nginx-dev)" >&2
    exit 1
fi

work=$build/deb
root=$work/root
rm -rf "$work"
mkdir -p "$root/DEBIAN"
BUILD=$build "$src/packaging/install.sh" deb "$root"

# dpkg-shlibdeps reads a debian/control of the "source package".
mkdir -p "$work/debian"
printf 'Source: tollgate\n\nPackage: tollgate\nArchitecture: any\n' \
    >"$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O --warnings=0 \
    -eroot/usr/sbin/tollgated -eroot/usr/bin/tollgate \
    -eroot/usr/lib/nginx/modules/ngx_http_tollgate_module.so \
    | sed -n 's/^shlibs:Depends=//p')
if [ -z "$shlibs" ]; then
    echo "deb.sh: dpkg-shlibdeps found no dependencies" >&2
    exit 1
fi

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
    -e "s|@SHLIBS@|$shlibs|" -e "s|@NGINX_ABI@|$abi|" \
    "$src/packaging/debian/control.in" >"$root/DEBIAN/control"
for f in conffiles postinst prerm postrm; do
    cp "$src/packaging/debian/$f" "$root/DEBIAN/$f"
done
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles"
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f \
    -print | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) \
    >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

deb=$build/tollgate_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
rm -rf "$work"
echo "$deb"
