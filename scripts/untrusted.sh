#!/bin/sh
# The "untrusted" workload `make run` starts in a sandbox. It runs as root inside, and tries
# what a hostile program would; sbx-probe reports what the kernel (or the sentry) answered.
echo "== who am I"
id
echo "hostname: $(hostname)"
echo
echo "== memory, as free reports it (the sandbox limit: sysinfo is emulated by the sentry)"
free -m
echo
echo "== things an untrusted program should not be able to do"
/demo/sbx-probe mount keyctl bpf io_uring ptrace mknod_blk
echo
echo "== things it may do"
/demo/sbx-probe mknod_null
echo "hello from the sandbox" > /tmp/hello && echo "wrote /tmp/hello: $(cat /tmp/hello)"
echo "a write to the root file system: $(touch /etc/x 2>&1 || true)"
