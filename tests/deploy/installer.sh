#!/bin/sh
# shellcheck disable=SC2015,SC2016 # `test && ok || fail` is meant: ok never fails
# deploy/sbx-install against containerd configs in a temporary directory: adds the handler
# (as containerd itself reads the result: `containerd config dump`), keeps every other byte,
# changes nothing the second time, uninstall gives back the original bytes, bad configs are
# refused with file:line:col and left as they were, containerd is restarted only when told
# to, and the files it copies are removed again.
#
#   tests/deploy/installer.sh [SRC_DIR]     (SRC_DIR: the repository, default: this tree)
set -u

SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
INSTALL="$SRC/deploy/sbx-install"
DATA="$SRC/tests/deploy/data"
T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-installer-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/deploy/lib.sh
. "$SRC/tests/deploy/lib.sh"

# A value from the config containerd would run with: `containerd config dump` of FILE, read
# with a TOML parser. KEY is a list of table names, as Python literals.
dumped() {
	file=$1
	shift
	containerd --config "$file" config dump 2>"$T/dump.err" |
		python3 -c 'import sys, tomllib
c = tomllib.loads(sys.stdin.read())
for k in sys.argv[1:]:
    c = c.get(k) if isinstance(c, dict) else None
print("" if c is None else c)' "$@"
}

CRI='io.containerd.grpc.v1.cri'
sbx_binary() { dumped "$1" plugins "$CRI" containerd runtimes sbx options BinaryName; }
sbx_type() { dumped "$1" plugins "$CRI" containerd runtimes sbx runtime_type; }

# The handler as containerd reads it from FILE, with BinaryName $2.
expect_handler() {
	if [ "$(sbx_type "$1")" = io.containerd.runc.v2 ] && [ "$(sbx_binary "$1")" = "$2" ]; then
		ok "$3: containerd reads runtime sbx, runc v2 shim, BinaryName $2"
	else
		fail "$3: containerd reads type '$(sbx_type "$1")' binary '$(sbx_binary "$1")' ($(cat "$T/dump.err"))"
	fi
}

expect_same() {
	if cmp -s "$1" "$2"; then ok "$3"; else fail "$3: $(cmp "$1" "$2" 2>&1)"; fi
}

# Nothing but the named files in a directory (no temporary file left behind).
expect_only() {
	dir=$1
	want=$2
	what=$3
	got=$(cd "$dir" && find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then ok "$what"; else fail "$what: '$got', want '$want'"; fi
}

# install; again (unchanged); uninstall (the original bytes). $1 a fixture, "" for no file,
# "empty" for a zero-byte file.
round_trip() {
	name=$1
	d="$T/$name"
	mkdir -p "$d"
	cfg="$d/config.toml"
	case $name in
	absent) ;;
	empty) : >"$cfg" ;;
	*) cp "$DATA/$name.toml" "$cfg" ;;
	esac
	[ -e "$cfg" ] && cp "$cfg" "$d/orig"
	[ -e "$cfg" ] && origsize=$(wc -c <"$cfg") || origsize=0

	"$INSTALL" install --config "$cfg" >"$d/out1" 2>&1 || fail "$name: install failed: $(cat "$d/out1")"
	expect_handler "$cfg" /opt/sbx/bin/sbx "$name"
	if [ -e "$d/orig" ]; then
		# Every byte before the block is the original's (a newline may follow it).
		if head -c "$origsize" "$cfg" | cmp -s - "$d/orig"; then
			ok "$name: the original bytes come first, unchanged"
		else
			fail "$name: the original bytes were changed"
		fi
	fi
	blocks=$(grep -c '^# >>> sbx-install' "$cfg")
	[ "$blocks" = 1 ] && ok "$name: one block" || fail "$name: $blocks blocks"
	if [ "$name" = others ]; then
		for r in runc kata runsc; do
			t=$(dumped "$cfg" plugins "$CRI" containerd runtimes "$r" runtime_type)
			[ -n "$t" ] && ok "$name: runtime $r still there ($t)" || fail "$name: runtime $r lost"
		done
		[ "$(dumped "$cfg" plugins "$CRI" containerd runtimes runc options SystemdCgroup)" = True ] &&
			ok "$name: runc keeps SystemdCgroup" || fail "$name: runc lost SystemdCgroup"
		[ "$(dumped "$cfg" metrics address)" = 127.0.0.1:1338 ] &&
			ok "$name: the table after the runtimes is kept" || fail "$name: metrics lost"
		[ "$(dumped "$cfg" plugins "$CRI" containerd runtimes sbx pod_annotations)" = "['io.sbx.isolation']" ] &&
			ok "$name: sbx gets the pod's io.sbx.isolation annotation only" || fail "$name: pod_annotations"
	fi

	cp "$cfg" "$d/installed"
	touch -d '2000-01-01' "$cfg"
	"$INSTALL" install --config "$cfg" >"$d/out2" 2>&1 || fail "$name: second install failed"
	expect_same "$cfg" "$d/installed" "$name: installing again changes nothing"
	[ "$(stat -c %Y "$cfg")" = "$(date -d 2000-01-01 +%s)" ] &&
		ok "$name: installing again does not even write the file" ||
		fail "$name: installing again rewrote the file"
	grep -q unchanged "$d/out2" && ok "$name: says unchanged" || fail "$name: $(cat "$d/out2")"

	"$INSTALL" uninstall --config "$cfg" >"$d/out3" 2>&1 || fail "$name: uninstall failed: $(cat "$d/out3")"
	if [ -e "$d/orig" ]; then
		expect_same "$cfg" "$d/orig" "$name: uninstall gives back the original bytes"
		expect_only "$d" "config.toml installed orig out1 out2 out3 " "$name: no temporary file left"
	else
		[ ! -e "$cfg" ] && ok "$name: uninstall removes the file install created" ||
			fail "$name: uninstall left $(cat "$cfg")"
	fi
	[ -z "$(sbx_type "$d/orig" 2>/dev/null)" ] || fail "$name: the fixture already had sbx"
}

for f in absent empty others crlf-no-final-newline; do
	round_trip "$f"
done

# Refused: left byte for byte as it was, with the file, line and column.
refused() {
	name=$1
	want=$2
	d="$T/refused-$name"
	mkdir -p "$d"
	cp "$DATA/$name.toml" "$d/config.toml"
	if "$INSTALL" install --config "$d/config.toml" >"$d/out" 2>&1; then
		fail "$name: install succeeded"
	else
		grep -q "$want" "$d/out" && ok "$name: refused: $(head -n1 "$d/out")" ||
			fail "$name: refused, but '$(cat "$d/out")' does not say '$want'"
	fi
	expect_same "$d/config.toml" "$DATA/$name.toml" "$name: left unchanged"
	expect_only "$d" "config.toml out " "$name: no temporary file left"
}
refused version1 "config.toml:2:1: no \`version = 2\` line"
refused own-sbx 'config.toml:5:[0-9]*: a runtime `sbx` is already configured'

# --prefix goes into BinaryName; installing with another prefix replaces the block.
d="$T/prefix"
mkdir -p "$d"
cp "$DATA/others.toml" "$d/config.toml"
"$INSTALL" install --config "$d/config.toml" --prefix /usr/local/sbx >/dev/null
expect_handler "$d/config.toml" /usr/local/sbx/bin/sbx "--prefix /usr/local/sbx"
"$INSTALL" install --config "$d/config.toml" >/dev/null
expect_handler "$d/config.toml" /opt/sbx/bin/sbx "install again with the default prefix"
[ "$(grep -c '^# >>> sbx-install' "$d/config.toml")" = 1 ] && ok "still one block" || fail "two blocks"
"$INSTALL" uninstall --config "$d/config.toml" >/dev/null
expect_same "$d/config.toml" "$DATA/others.toml" "uninstall after two installs: the original bytes"

# containerd is restarted only with --restart, and only when the config changed.
d="$T/restart"
mkdir -p "$d"
cp "$DATA/others.toml" "$d/config.toml"
restarts() { [ -f "$d/restarts" ] && wc -l <"$d/restarts" || echo 0; }
rcmd="echo restarted >>'$d/restarts'"
"$INSTALL" install --config "$d/config.toml" --restart-cmd "$rcmd" >/dev/null
[ "$(restarts)" = 0 ] && ok "no restart without --restart" || fail "restarted without --restart"
"$INSTALL" uninstall --config "$d/config.toml" >/dev/null
"$INSTALL" install --config "$d/config.toml" --restart --restart-cmd "$rcmd" >/dev/null
[ "$(restarts)" = 1 ] && ok "--restart: restarted once" || fail "--restart: $(restarts) restarts"
"$INSTALL" install --config "$d/config.toml" --restart --restart-cmd "$rcmd" >/dev/null
[ "$(restarts)" = 1 ] && ok "--restart, nothing changed: no restart" || fail "restarted for nothing"
"$INSTALL" uninstall --config "$d/config.toml" --restart --restart-cmd "$rcmd" >/dev/null
[ "$(restarts)" = 2 ] && ok "uninstall --restart: restarted" || fail "uninstall: $(restarts) restarts"
if "$INSTALL" install --config "$d/config.toml" --restart --restart-cmd false >"$d/out" 2>&1; then
	fail "a failed restart is not reported"
else
	grep -q 'restart failed' "$d/out" && ok "a failed restart fails install" || fail "$(cat "$d/out")"
fi

# The files: copied under --dest (a running binary is renamed over, not written into), listed,
# and uninstall removes exactly them.
d="$T/files"
mkdir -p "$d/from/bin" "$d/from/libexec/sbx" "$d/dest/bin"
for f in sbx sbx-hook sbx-trace sbxd; do printf '#!/bin/sh\necho %s\n' "$f" >"$d/from/bin/$f"; done
chmod 0755 "$d/from/bin/"*
echo sentry >"$d/from/libexec/sbx/sbx-sentry"
echo mine >"$d/dest/bin/other-tool"
echo old >"$d/dest/bin/sbx"
exec 7<"$d/dest/bin/sbx" # as if it were running
cp "$DATA/others.toml" "$d/config.toml"
"$INSTALL" install --config "$d/config.toml" --from "$d/from" --dest "$d/dest" --prefix /opt/sbx >/dev/null
exec 7<&-
diff -r "$d/from/libexec" "$d/dest/libexec" >/dev/null && [ "$("$d/dest/bin/sbxd")" = sbxd ] &&
	ok "install copies the tree" || fail "install did not copy the tree"
[ -x "$d/dest/bin/sbx-hook" ] && ok "binaries stay executable" || fail "modes lost"
"$INSTALL" uninstall --config "$d/config.toml" --dest "$d/dest" >/dev/null
expect_only "$d/dest" "bin " "uninstall removes the copied files and their empty folders"
expect_only "$d/dest/bin" "other-tool " "uninstall keeps a file install did not copy"
expect_same "$d/config.toml" "$DATA/others.toml" "uninstall with files: the original config"

# A config install refuses: nothing is copied either.
d="$T/refused-files"
mkdir -p "$d/from/bin"
printf '#!/bin/sh\n' >"$d/from/bin/sbx"
chmod 0755 "$d/from/bin/sbx"
cp "$DATA/version1.toml" "$d/config.toml"
if "$INSTALL" install --config "$d/config.toml" --from "$d/from" --dest "$d/dest" >/dev/null 2>&1; then
	fail "install into a version 1 config succeeded"
else
	[ ! -e "$d/dest" ] && ok "a refused config: no file copied" || fail "a refused config: files copied"
fi

# Hook mode (CRI-O, podman): the hooks.d drop-in, with the hook's path under --prefix; alone
# (no containerd config) or with it; uninstall removes it and leaves other hooks.
d="$T/hooks"
mkdir -p "$d/from/bin" "$d/from/share/sbx/hooks.d" "$d/hooks.d"
printf '#!/bin/sh\n' >"$d/from/bin/sbx"
chmod 0755 "$d/from/bin/sbx"
cp "$SRC/deploy/hooks.d/sbx-hook.json" "$d/from/share/sbx/hooks.d/"
echo '{"version": "1.0.0"}' >"$d/hooks.d/other.json"
"$INSTALL" install --hooks-dir "$d/hooks.d" --from "$d/from" --dest "$d/dest" --prefix /usr/lib/sbx >/dev/null
hook_path=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' "$d/hooks.d/sbx-hook.json" 2>&1)
[ "$hook_path" = /usr/lib/sbx/bin/sbx-hook ] && ok "--hooks-dir: the drop-in runs PREFIX/bin/sbx-hook" ||
	fail "--hooks-dir: hook path '$hook_path'"
cp "$d/hooks.d/sbx-hook.json" "$d/hook.before"
"$INSTALL" install --hooks-dir "$d/hooks.d" --from "$d/from" --dest "$d/dest" --prefix /usr/lib/sbx >"$d/out"
expect_same "$d/hooks.d/sbx-hook.json" "$d/hook.before" "--hooks-dir again: unchanged"
grep -q unchanged "$d/out" && ok "--hooks-dir again: says unchanged" || fail "$(cat "$d/out")"
"$INSTALL" uninstall --hooks-dir "$d/hooks.d" --dest "$d/dest" >/dev/null
expect_only "$d/hooks.d" "other.json " "uninstall --hooks-dir removes the drop-in, keeps other hooks"
[ ! -e "$d/dest" ] && ok "uninstall --hooks-dir removes the files" || fail "files left in $d/dest"

# Usage errors.
"$INSTALL" install >"$T/usage" 2>&1 && fail "no --config accepted" ||
	{ grep -q -- '--config FILE (the containerd config to edit) or --hooks-dir DIR is required' "$T/usage" && ok "no --config: says so" || fail "$(cat "$T/usage")"; }
"$INSTALL" install --config "$T/x.toml" --frob >"$T/usage" 2>&1 && fail "--frob accepted" ||
	{ grep -q "unknown option '--frob'" "$T/usage" && ok "unknown option: says which" || fail "$(cat "$T/usage")"; }
[ ! -e "$T/x.toml" ] && ok "a usage error writes nothing" || fail "a usage error wrote the config"

summary installer
