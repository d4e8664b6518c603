# Shared by tests/deploy/*.sh (sourced): counting results and the closing line.
# shellcheck shell=sh
passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "[PASS] $1"
}

fail() {
	failed=$((failed + 1))
	echo "[FAIL] $1" >&2
}

# "NAME: N passed, N failed"; the exit status says whether all passed.
summary() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}
