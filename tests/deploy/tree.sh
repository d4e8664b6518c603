#!/bin/sh
# What the DaemonSet installs works where it lands: deploy/stage-tree lays out the build (as
# the Containerfile does), sbx-install copies it to a node directory (here one under the test
# dir, given as --prefix too) and adds the handler; the installed sbx runs a sandbox (finding
# its sentry and gofer in ../libexec/sbx), the installed sbxd answers a ping on a socket of
# the test's own, sbx-hook starts; uninstall removes all of it. As root, after `make build
# rootfs`.
#
#   tests/deploy/tree.sh [SRC_DIR]
# shellcheck disable=SC2015 # `test && ok || fail` is meant: ok never fails
set -u

SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
B=${B:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-tree-test.XXXXXX")
sbxd_pid=""
cleanup() {
	[ -n "$sbxd_pid" ] && kill "$sbxd_pid" 2>/dev/null && wait "$sbxd_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=tests/deploy/lib.sh
. "$SRC/tests/deploy/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "tree: runs as root (it runs a sandbox)" >&2
	exit 1
fi
cd "$SRC" || exit 1

"$SRC/deploy/stage-tree" "$B" "$T/tree" >"$T/stage.out" 2>&1 &&
	ok "stage-tree: $(tail -n1 "$T/stage.out")" || fail "stage-tree: $(cat "$T/stage.out")"
for f in bin/sbx bin/sbx-hook bin/sbx-trace bin/sbxd libexec/sbx/sbx-sentry libexec/sbx/sbx-gofer \
	share/sbx/hooks.d/sbx-hook.json policies/default.json; do
	[ -f "$T/tree/$f" ] || fail "stage-tree: no $f"
done

node="$T/opt/sbx"
cfg="$T/config.toml"
"$SRC/deploy/sbx-install" install --from "$T/tree" --dest "$node" --prefix "$node" \
	--config "$cfg" >"$T/install.out" 2>&1 && ok "sbx-install install" ||
	fail "sbx-install install: $(cat "$T/install.out")"
bin=$(containerd --config "$cfg" config dump 2>/dev/null | grep -A3 'runtimes.sbx.options\]' |
	sed -n 's/^ *BinaryName = "\(.*\)"$/\1/p')
[ "$bin" = "$node/bin/sbx" ] && ok "containerd's handler runs the installed sbx" ||
	fail "BinaryName '$bin'"

out=$("$node/bin/sbx" --root "$T/state" run --rootfs "$SRC/$B/rootfs" -- /bin/echo hello from sbx 2>"$T/run.err")
[ "$out" = "hello from sbx" ] && ok "the installed sbx runs a sandbox" ||
	fail "installed sbx run: '$out' $(cat "$T/run.err")"

"$node/bin/sbxd" --socket "$T/sbxd.sock" --agent-socket "$T/agent.sock" --state "$T/sbxd" \
	--metrics-socket "$T/metrics.sock" --bpffs "$T/no-bpffs" --sbx-root "$T/state" \
	2>"$T/sbxd.err" &
sbxd_pid=$!
i=0
while [ ! -S "$T/sbxd.sock" ] && [ $i -lt 500 ] && kill -0 "$sbxd_pid" 2>/dev/null; do
	sleep 0.01
	i=$((i + 1))
done
reply=$(printf '{"op":"ping"}\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.makefile().readline().strip())' "$T/sbxd.sock" 2>&1)
case $reply in
*'"ok": true'* | *'"ok":true'*) ok "the installed sbxd answers a ping: $reply" ;;
*) fail "installed sbxd: '$reply' $(cat "$T/sbxd.err")" ;;
esac
kill "$sbxd_pid" && wait "$sbxd_pid" 2>/dev/null
sbxd_pid=""

"$node/bin/sbx-hook" --help >/dev/null 2>"$T/hook.err" && ok "the installed sbx-hook starts" ||
	fail "installed sbx-hook: $(cat "$T/hook.err")"
"$node/bin/sbx-trace" --help >/dev/null 2>&1 && ok "the installed sbx-trace starts" ||
	fail "installed sbx-trace does not start"

"$SRC/deploy/sbx-install" uninstall --dest "$node" --config "$cfg" >/dev/null 2>&1
[ ! -e "$node" ] && [ ! -e "$cfg" ] && ok "uninstall removes the files and the config it made" ||
	fail "uninstall left $(find "$node" "$cfg" 2>/dev/null | head -n3)"

summary tree
