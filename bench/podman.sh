# Sourced by bench/run (section "podman"): `podman run --rm --network none IMAGE true` with
# `--runtime sbx` vs `--runtime runc` (Debian's podman 4.3 and conmon). podman's configuration,
# storage, XDG dirs and TMPDIR are under $T/podman; it runs in a private mount namespace whose
# /run and /var/lib are tmpfs (runc's, sbx's and podman's own state; containers/image's
# blob-info cache, which has no setting), so its mounts and state are the run's alone; the containers' cgroup parent is /$tag. The image is imported from
# build/rootfs. Samples: start.podman.sbx, start.podman.runc.

PM=$T/podman
pm_holder="" # a process holding the private mount namespace podman runs in

pm_conf() {
	local nofile nproc
	nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
	[ "$nofile" = unlimited ] || [ "$nofile" -gt 4096 ] && nofile=4096
	[ "$nproc" = unlimited ] || [ "$nproc" -gt 16384 ] && nproc=16384
	mkdir -p "$PM"/{tmp,xdg-config,xdg-data,xdg-cache,xdg-run,home}
	cat >"$PM/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
		[engine]
		conmon_env_vars = ["PATH=$PATH", "CONTAINERS_CONF=$PM/containers.conf", "CONTAINERS_STORAGE_CONF=$PM/storage.conf"]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PM/events.log"
		lock_type = "file"
		tmp_dir = "$PM/tmp"
		volume_path = "$PM/volumes"
		[network]
		network_config_dir = "$PM/net"
	EOF
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n' \
		"$PM" "$PM" >"$PM/storage.conf"
	echo 'unqualified-search-registries = []' >"$PM/registries.conf"
}

# podman with the run's own configuration (conmon gets only conmon_env_vars: its exit command,
# podman container cleanup, must read the same, or it fails and podman waits 20 s for it)
pm_env() {
	env CONTAINERS_CONF="$PM/containers.conf" CONTAINERS_STORAGE_CONF="$PM/storage.conf" \
		CONTAINERS_REGISTRIES_CONF="$PM/registries.conf" XDG_CONFIG_HOME="$PM/xdg-config" \
		XDG_DATA_HOME="$PM/xdg-data" XDG_CACHE_HOME="$PM/xdg-cache" \
		XDG_RUNTIME_DIR="$PM/xdg-run" HOME="$PM/home" TMPDIR="$PM/tmp" "$@"
}

podman_once() { # RUNTIME ROUND
	local rt=$1 path
	case $rt in
	sbx) path=$SBX ;;
	runc) path=$(command -v runc) ;;
	esac
	# no --runtime-flag root=: podman's exit command would not pass it on
	timed "$2" "podman.$rt" "start.podman.$rt" pm_env "$OUT/timeit" \
		--mntns "/proc/$pm_holder/ns/mnt" podman --runtime "$path" run --rm --network none \
		--cgroup-parent "/$tag" localhost/$tag:bench true
}

bench_podman() {
	local i rt ready=$T/pm-ready
	if ! command -v podman >/dev/null; then
		NA[podman.sbx]="podman is not installed" NA[podman.runc]="podman is not installed"
		return 0
	fi
	say "bench: podman run --rm ($START_REPS interleaved repetitions after one warm-up)"
	pm_conf
	unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run &&
		mount -t tmpfs -o mode=0755 tmpfs /var/lib && touch "$1" && exec sleep 3600' \
		sh "$ready" &
	pm_holder=$!
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.05; done
	if [ ! -e "$ready" ]; then
		NA[podman.sbx]="no private mount namespace" NA[podman.runc]=${NA[podman.sbx]}
		return 0
	fi
	tar -C "$ROOTFS" -cf "$PM/rootfs.tar" .
	if ! pm_env nsenter --mount="/proc/$pm_holder/ns/mnt" podman import "$PM/rootfs.tar" \
		"localhost/$tag:bench" >>"$LOG" 2>&1; then
		NA[podman.sbx]="podman import failed (see $LOG)" NA[podman.runc]=${NA[podman.sbx]}
		return 0
	fi
	for i in $(seq 0 "$START_REPS"); do
		for rt in sbx runc; do
			[ -z "${NA[podman.$rt]:-}" ] || continue
			podman_once "$rt" "$i" || true
		done
	done
	podman_cleanup
	return 0
}

# podman's containers, conmons and mounts go with the namespace's holder; its cgroups (under
# /$tag) with remove_cgroups.
podman_cleanup() {
	[ -n "$pm_holder" ] || return 0
	pm_env nsenter --mount="/proc/$pm_holder/ns/mnt" podman rm --all --force --time 0 \
		>>"$LOG" 2>&1 || true
	kill "$pm_holder" 2>/dev/null || true
	wait "$pm_holder" 2>/dev/null || true
	pm_holder=""
	remove_cgroups
}

podman_row() {
	local s r
	s=$(med start.podman.sbx) r=$(med start.podman.runc)
	[ -z "${NA[podman.sbx]:-}" ] || s=nan
	[ -z "${NA[podman.runc]:-}" ] || r=nan
	row "podman: \`podman run --rm --network none IMAGE true\`, \`--runtime sbx\` vs runc ¹⁰" \
		"$(startrow x podman.sbx)" "runc $(startrow x podman.runc)" "$(ratio "$s" "$r")" "≤ 1.1×"
}

podman_note() {
	echo "¹⁰ Wall time of the whole \`podman run --rm\` (create, start, wait, exit status, delete,"
	echo "podman's clean-up through conmon's exit command) with Debian's podman 4.3, cgroupfs"
	echo "manager, overlay storage, an image imported from build/rootfs; sbx with its gofer."
}
