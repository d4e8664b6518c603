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
echo
echo "== file changes: the root is mounted read-only; the gofer makes each change for it"
echo "sbx was here" > /etc/motd && echo "wrote /etc/motd: $(cat /etc/motd)"
mkdir -p /srv/data && mv /etc/motd /srv/data/motd && ls /srv/data
ln -s /etc/passwd /srv/data/link && rm /srv/data/link
echo "a write to the read-only volume /demo: $(touch /demo/x 2>&1 || true)"
