# Sourced by bench/run (section "ctrd"): `ctr run --rm IMAGE ID true` through containerd's runc
# shim with --runc-binary sbx vs runc. containerd is our own: config, root, state and sockets
# under $T/ctrd, the CRI plugin off, in a private mount namespace whose /run is a tmpfs (the
# shims' sockets); the image is built from the rootfs (tests/integration/oci-image.sh); the
# containerd namespace and the containers' cgroup parent are $tag. Samples: ctrd.sbx, ctrd.runc.

ctrd_pid=""

ctrd_ctr() { ctr --address "$T/ctrd/containerd.sock" -n "$tag" "$@"; }

ctrd_start() {
	local d=$T/ctrd
	mkdir -p "$d/fifo" "$d/sbx" "$d/runc"
	cat >"$d/config.toml" <<-TOML
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$d/containerd.sock"
		[ttrpc]
		  address = "$d/containerd.sock.ttrpc"
		[debug]
		  address = ""
		[metrics]
		  address = ""
	TOML
	unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run &&
		mkdir /run/containerd && exec containerd --config "$1"' sh "$d/config.toml" \
		>>"$LOG" 2>&1 &
	ctrd_pid=$!
	for _ in $(seq 200); do
		ctrd_ctr version >/dev/null 2>&1 && break
		kill -0 "$ctrd_pid" 2>/dev/null || break
		sleep 0.05
	done
	ctrd_ctr version >/dev/null 2>&1 || return 1
	"$top/tests/integration/oci-image.sh" "$ROOTFS" docker.io/library/sbx-bench:latest \
		"$d/image.tar" && ctrd_ctr images import "$d/image.tar" >>"$LOG" 2>&1
}

ctrd_stop() {
	[ -n "$ctrd_pid" ] || return 0
	kill "$ctrd_pid" 2>/dev/null
	wait "$ctrd_pid" 2>/dev/null
	ctrd_pid=""
}

ctrd_once() { # VARIANT ROUND
	local v=$1 i=$2 bin=$SBX
	[ "$v" = runc ] && bin=$(command -v runc)
	timed "$i" "ctrd.$v" "ctrd.$v" "$OUT/timeit" ctr --address "$T/ctrd/containerd.sock" \
		-n "$tag" run --rm --fifo-dir "$T/ctrd/fifo" --runc-binary "$bin" \
		--runc-root "$T/ctrd/$v" docker.io/library/sbx-bench:latest "$tag-$v-$i" true
}

bench_containerd() {
	local i v
	say "bench: ctr run --rm true, sbx vs runc ($START_REPS interleaved repetitions after one warm-up)"
	if ! command -v containerd >/dev/null || ! ctrd_start; then
		NA[ctrd.sbx]="containerd did not start" NA[ctrd.runc]="containerd did not start"
		ctrd_stop
		return 0
	fi
	for i in $(seq 0 "$START_REPS"); do
		for v in sbx runc; do
			[ -z "${NA[ctrd.$v]:-}" ] || continue
			ctrd_once "$v" "$i" || true
		done
	done
	ctrd_stop
	remove_cgroups
	return 0
}

ctrd_row() {
	local s r
	s=$(med ctrd.sbx) r=$(med ctrd.runc)
	[ -z "${NA[ctrd.sbx]:-}" ] || s=nan
	[ -z "${NA[ctrd.runc]:-}" ] || r=nan
	row "containerd: \`ctr run --rm IMAGE ID true\`, \`--runc-binary sbx\` vs runc ⁹" \
		"$(fmt "$s" ms)" "runc $(fmt "$r" ms)" "$(ratio "$s" "$r")" "≤ 1.1×"
}

ctrd_note() {
	echo "⁹ Wall time of \`ctr run --rm\` (create, start, wait, delete through containerd 1.6's"
	echo "runc shim) against a containerd of the benchmark's own (CRI off, overlayfs snapshots),"
	echo "the image built from build/rootfs; sbx with its gofer and the host's mounts."
}
