#!/bin/sh
# oci-image.sh ROOTFS NAME OUT.tar: an OCI image layout archive (oci-layout, index.json,
# blobs/sha256/...) with ROOTFS as its single uncompressed layer, named NAME (as
# `ctr images import` reads the io.containerd.image.name annotation). No registry needed.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 ROOTFS NAME OUT.tar" >&2; exit 2; }
rootfs=$1 name=$2 out=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/oci-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
blobs=$work/blobs/sha256
mkdir -p "$blobs"

# put FILE into blobs/sha256 under its digest; prints "DIGEST SIZE"
blob() {
	d=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$blobs/$d"
	echo "$d $(stat -c %s "$blobs/$d")"
}

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 --sort=name -cf "$work/layer" .
set -- $(blob "$work/layer")
layer=$1 layer_size=$2
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$layer" >"$work/config"
set -- $(blob "$work/config")
config=$1 config_size=$2
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	"$config" "$config_size" "$layer" "$layer_size" >"$work/manifest"
set -- $(blob "$work/manifest")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
	"$1" "$2" "$name" >"$work/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
tar -C "$work" -cf "$out" oci-layout index.json blobs
