/* Real programs run unchanged on the host's root with the gofer (`sbx run --gofer --rootfs /
 * -v WORKDIR:/work`): each script runs once in a sandbox (cwd /work) and once natively in a
 * second directory, with the same environment, and both must print the same thing (the native
 * directory's path rewritten to /work). The host root must not change: only the overlay's
 * upper layer (gone with the sandbox) and the volume may. */
#include "harness.h"

TestSuite(gofer_programs, .init = h_setup, .fini = h_teardown, .timeout = 60);

/* The same environment inside and outside: nothing of the test runner's leaks in. */
#define ENV                                                                                        \
	"env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "     \
	"LC_ALL=C TZ=UTC "

/* Scripts live in their own read-only volume, so they are not part of what they list. */
static void write_script(const char *name, const char *text)
{
	char dir[512], path[600];
	snprintf(dir, sizeof(dir), "%s/scripts", h_root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.sh", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f, "create %s", path);
	fprintf(f, "set -e\n%s", text);
	cr_assert_eq(fclose(f), 0);
}

static bool have(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), ENV "sh -c 'command -v %s' >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* Replace every `from` in s by `to` (to no longer than from). */
static void replace_all(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	for (char *p = strstr(s, from); p; p = strstr(p + tl, from)) {
		memcpy(p, to, tl);
		memmove(p + tl, p + fl, strlen(p + fl) + 1);
	}
}

struct outcome {
	int status;
	char *out, *err;
};

static struct outcome keep(const struct run *r)
{
	struct outcome o = {r->status, strdup(r->out), strdup(r->err)};
	cr_assert(o.out && o.err);
	return o;
}

/* Run script `name` in a sandbox on the host's root, its cwd the volume /work (host: `dir`). */
static struct outcome in_sandbox(const char *name, const char *dir)
{
	char vol[600], scripts[600], cmd[256], id[64];
	snprintf(vol, sizeof(vol), "%s:/work", dir);
	snprintf(scripts, sizeof(scripts), "%s/scripts:/scripts:ro", h_root);
	snprintf(cmd, sizeof(cmd), "cd /work && exec " ENV "sh /scripts/%s.sh", name);
	snprintf(id, sizeof(id), "gp-%s", name);
	struct run *r = h_sbx("run", "--rootfs", "/", "-v", vol, "-v", scripts, "--name", id, "--",
			      "/bin/sh", "-c", cmd, NULL);
	struct outcome o = keep(r);
	h_assert_gone(id);
	return o;
}

static struct outcome natively(const char *name, const char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "cd %s && exec " ENV "sh %s/scripts/%s.sh", dir, h_root, name);
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct outcome o = keep(h_runv(argv));
	replace_all(o.out, dir, "/work");
	replace_all(o.err, dir, "/work");
	return o;
}

static char *workdir(const char *kind, const char *name)
{
	static char dirs[2][512];
	char *d = dirs[kind[0] == 'n'];
	snprintf(d, sizeof(dirs[0]), "%s/%s-%s", h_root, kind, name);
	cr_assert_eq(mkdir(d, 0755), 0, "mkdir %s", d);
	return d;
}

/* The lines where two outputs differ, for the failure message. */
static char *diff_of(const char *name, const char *a, const char *b)
{
	static char diff[8192];
	char pa[600], pb[600], cmd[1400];
	snprintf(pa, sizeof(pa), "%s/%s.sandbox.out", h_root, name);
	snprintf(pb, sizeof(pb), "%s/%s.native.out", h_root, name);
	FILE *f = fopen(pa, "w"), *g = fopen(pb, "w");
	cr_assert(f && g);
	fputs(a, f);
	fputs(b, g);
	fclose(f);
	fclose(g);
	snprintf(cmd, sizeof(cmd), "diff %s %s | head -40", pa, pb);
	FILE *p = popen(cmd, "r");
	diff[0] = '\0';
	if (p) {
		h_read_all(fileno(p), diff, sizeof(diff));
		pclose(p);
	}
	return diff;
}

/* The script succeeds in the sandbox and prints what it prints natively; returns the output. */
static char *same_as_native(const char *name, const char *script)
{
	write_script(name, script);
	struct outcome s = in_sandbox(name, workdir("sbx", name));
	struct outcome n = natively(name, workdir("native", name));
	cr_assert_eq(n.status, 0, "%s natively: %s", name, n.err);
	cr_assert_eq(s.status, 0, "%s in the sandbox: exit %d\n%s", name, s.status, s.err);
	cr_assert_str_eq(s.out, n.out, "%s: sandbox (<) and native (>) differ:\n%s\nstderr:\n%s",
			 name, diff_of(name, s.out, n.out), s.err);
	cr_assert(s.out[0], "%s printed nothing", name);
	free(s.err);
	free(n.out);
	free(n.err);
	return s.out;
}

/* A tree as `find -printf '%p %m %T@ %l'` lists it, sorted: names, modes, mtimes, targets. */
#define LIST(dir) "find " dir " -printf '%p %y %m %T@ %l\\n' | LC_ALL=C sort\n"

static const char py_files[] =
    "python3 -B - <<'EOF'\n"
    "import os, shutil, stat\n"
    "os.makedirs('a/b/c')\n"
    "os.mkdir('d', 0o750)\n"
    "for i in range(20):\n"
    "    with open(f'a/b/f{i}', 'w') as f: f.write('x' * i)\n"
    "os.rename('a/b/f0', 'a/g0')\n"
    "os.rename('a/b/c', 'a/c2')\n"
    "os.replace('a/b/f1', 'a/b/f2')\n"
    "os.rename('a/c2', 'd/c3')\n"
    "os.remove('a/b/f3')\n"
    "os.link('a/b/f4', 'a/h4')\n"
    "os.symlink('b/f5', 'a/l5')\n"
    "os.mkdir('e'); open('e/x', 'x').write('x')\n"
    "shutil.rmtree('e')\n"
    "os.rmdir('d/c3')\n"
    "try: os.rmdir('a')\n"
    "except OSError as e: print('rmdir a:', e.strerror)\n"
    "try: open('a/g0', 'x')\n"
    "except OSError as e: print('exclusive:', e.strerror)\n"
    "os.chmod('a/b/f5', 0o640)\n"
    "os.truncate('a/b/f6', 2)\n"
    "with open('a/b/f7', 'a') as f: f.write('appended')\n"
    "with open('a/b/f8', 'r+') as f: f.seek(2); f.write('Y')\n"
    "os.utime('a/b/f9', (1000000000, 1000000000))\n"
    "print(os.access('a/b/f9', os.W_OK), os.access('nothere', os.W_OK))\n"
    "for root, dirs, files in sorted(os.walk('.')):\n"
    "    for n in sorted(dirs + files):\n"
    "        st = os.lstat(os.path.join(root, n))\n"
    "        print(os.path.join(root, n), stat.filemode(st.st_mode), st.st_size, st.st_nlink)\n"
    "print(open('a/b/f7').read(), open('a/b/f8').read(), os.readlink('a/l5'),\n"
    "      os.stat('a/b/f9').st_mtime)\n"
    "EOF\n";

Test(gofer_programs, python_creates_renames_and_deletes)
{
	if (!have("python3"))
		cr_skip_test("no python3");
	char *out = same_as_native("python", py_files);
	cr_assert(strstr(out, "./a/h4 -rw-r--r-- 4 2"), "hard link: %s", out);
	free(out);
}

/* The atomic-save pattern: a temporary file next to the target, written, fsynced, renamed over
 * the old version; the directory fsynced too. Readers never see a partial file. */
static const char py_atomic[] =
    "python3 -B - <<'EOF'\n"
    "import os, tempfile, stat\n"
    "def save(path, data):\n"
    "    d = os.path.dirname(os.path.abspath(path))\n"
    "    fd, tmp = tempfile.mkstemp(dir=d, prefix='.save-')\n"
    "    try:\n"
    "        os.write(fd, data); os.fsync(fd); os.fchmod(fd, 0o644)\n"
    "    finally:\n"
    "        os.close(fd)\n"
    "    os.replace(tmp, path)\n"
    "    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)\n"
    "    os.fsync(dfd); os.close(dfd)\n"
    "os.mkdir('cfg')\n"
    "for i in range(50):\n"
    "    save('cfg/settings.json', b'{\"version\": %d}' % i)\n"
    "old = open('cfg/settings.json', 'rb')\n"
    "save('cfg/settings.json', b'{\"version\": \"new\"}')\n"
    "print(old.read(), open('cfg/settings.json', 'rb').read())\n"
    "st = os.stat('cfg/settings.json')\n"
    "print(sorted(os.listdir('cfg')), stat.filemode(st.st_mode), st.st_nlink)\n"
    "EOF\n";

Test(gofer_programs, python_atomic_save)
{
	if (!have("python3"))
		cr_skip_test("no python3");
	char *out = same_as_native("atomic", py_atomic);
	cr_assert(strstr(out, "['settings.json'] -rw-r--r-- 1"), "no temporary left: %s", out);
	free(out);
}

static const char sqlite_script[] =
    "gen() {\n"
    "  echo 'CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, s TEXT);'\n"
    "  echo 'BEGIN;'\n"
    "  i=1; while [ $i -le 1000 ]; do echo \"INSERT INTO t(v, s) VALUES($i, 'row$i');\"; "
    "i=$((i+1)); done\n"
    "  echo 'COMMIT;'\n"
    "}\n"
    "gen | sqlite3 rollback.db\n"
    "sqlite3 rollback.db 'SELECT count(*), sum(v), min(s), max(s) FROM t;'\n"
    "sqlite3 rollback.db 'BEGIN; DELETE FROM t WHERE v > 10; ROLLBACK; SELECT count(*) FROM t;'\n"
    "sqlite3 rollback.db 'UPDATE t SET v = v * 2 WHERE id % 2 = 0; SELECT sum(v) FROM t;'\n"
    "sqlite3 rollback.db 'PRAGMA integrity_check;'\n"
    "{ echo 'PRAGMA journal_mode=WAL;'; gen; } | sqlite3 wal.db\n"
    "sqlite3 wal.db 'SELECT count(*), sum(v) FROM t; PRAGMA wal_checkpoint(TRUNCATE);'\n"
    "sqlite3 wal.db 'VACUUM; PRAGMA integrity_check;'\n"
    "ls\n";

Test(gofer_programs, sqlite3_transaction)
{
	if (!have("sqlite3"))
		cr_skip_test("no sqlite3 (scripts/deps installs it)");
	char *out = same_as_native("sqlite", sqlite_script);
	cr_assert(strstr(out, "1000|500500|row1|row999\n"), "%s", out);
	free(out);
}

static const char git_script[] =
    "export GIT_AUTHOR_NAME=Sbx GIT_AUTHOR_EMAIL=sbx@example.org\n"
    "export GIT_COMMITTER_NAME=Sbx GIT_COMMITTER_EMAIL=sbx@example.org\n"
    "export GIT_AUTHOR_DATE='2020-02-02T12:00:00Z' GIT_COMMITTER_DATE='2020-02-02T12:00:00Z'\n"
    "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null\n"
    "git init -q -b main repo\n"
    "cd repo\n"
    "echo hello > a.txt; mkdir -p src/deep; echo 'int x;' > src/deep/x.c; ln -s a.txt link\n"
    "printf '#!/bin/sh\\necho hi\\n' > run.sh; chmod +x run.sh\n"
    "git add .\n"
    "git commit -q -m 'first commit'\n"
    "echo more >> a.txt; git mv src/deep/x.c src/y.c; git rm -q --cached link; rm link\n"
    "git commit -q -am 'second: edit, move, remove'\n"
    "git tag -a v1 -m 'tag one'\n"
    "git checkout -q -b side HEAD~1\n"
    "echo side > side.txt; git add side.txt; git commit -q -m 'on a side branch'\n"
    "git checkout -q main\n"
    "git merge -q --no-edit side\n"
    "git gc -q\n"
    "git log --oneline --graph --all\n"
    "git show --stat --format='%H %s' v1 | cat\n"
    "git status --short --branch\n"
    "git fsck --strict 2>&1\n"
    "git ls-files -s\n";

Test(gofer_programs, git_init_add_commit_log)
{
	if (!have("git"))
		cr_skip_test("no git");
	char *out = same_as_native("git", git_script);
	cr_assert(strstr(out, "first commit"), "%s", out);
	free(out);
}

static const char tar_script[] =
    "mkdir -p src/d/e out\n"
    "echo one > src/f1; echo two > src/d/f2; printf '#!/bin/sh\\n' > src/d/e/x\n"
    "ln -s f1 src/rel; ln -s /nonexistent/abs src/d/abs; ln -s ../f1 src/d/up\n"
    "ln src/f1 src/hard\n"
    "chmod 640 src/f1; chmod 4755 src/d/e/x; chmod 700 src/d/e; chmod 1777 src/d\n"
    "touch -h -d '2001-02-03 04:05:06' src/rel src/d/abs src/d/up\n"
    "touch -d '2010-01-01 00:00:01.5' src/f1 src/d/f2 src/d/e/x\n"
    "touch -d '2011-01-01' src/d/e src/d src\n"
    "tar -cf a.tar -C src .\n"
    "tar --format=posix -czf b.tgz -C src .\n"
    "tar -tvf a.tar | awk '{print $1, $6}' | LC_ALL=C sort\n"
    "tar -xpf a.tar -C out\n"
    "mkdir out2; tar -xzpf b.tgz -C out2\n"
    "cd out\n" LIST(".") "cd ../out2\n" LIST(".") "cmp ../src/f1 f1\n";

Test(gofer_programs, tar_symlinks_modes_mtimes)
{
	char *out = same_as_native("tar", tar_script);
	cr_assert(strstr(out, "./d/e/x f 4755 1262304001.5000000000"), "%s", out);
	cr_assert(strstr(out, "./rel l 777 981173106.0000000000 f1"), "%s", out);
	free(out);
}

static const char make_script[] =
    "mkdir proj; cd proj\n"
    "cat > util.h <<'EOF'\n"
    "int add(int a, int b);\n"
    "const char *greet(void);\n"
    "EOF\n"
    "cat > util.c <<'EOF'\n"
    "#include \"util.h\"\n"
    "int add(int a, int b) { return a + b; }\n"
    "const char *greet(void) { return \"hello from util\"; }\n"
    "EOF\n"
    "cat > main.c <<'EOF'\n"
    "#include <stdio.h>\n"
    "#include \"util.h\"\n"
    "int main(void) { printf(\"%s: %d\\n\", greet(), add(40, 2)); return 0; }\n"
    "EOF\n"
    "printf 'CFLAGS = -O2 -Wall -MMD\\nprog: main.o util.o lib/libx.a\\n"
    "\\t$(CC) -o $@ main.o util.o lib/libx.a\\n"
    "lib/libx.a: util.o\\n\\tmkdir -p lib\\n\\t$(AR) rcs $@ $^\\n"
    "-include *.d\\nclean:\\n\\trm -rf prog *.o *.d lib\\n' > Makefile\n"
    "make -s -j2\n"
    "./prog\n"
    "make -q prog && echo up to date\n"
    "touch -d '2030-01-01' util.h\n"
    "make -q prog || echo out of date\n"
    "make -s && ./prog\n"
    "make -s clean && ls\n"
    "gcc -O2 -o direct main.c util.c && ./direct\n";

Test(gofer_programs, gcc_and_make)
{
	if (!have("gcc") || !have("make"))
		cr_skip_test("no gcc or make");
	char *out = same_as_native("make", make_script);
	cr_assert(strstr(out, "hello from util: 42\nup to date\nout of date\n"), "%s", out);
	free(out);
}

static const char coreutils_script[] =
    "mkdir -p src/sub\n"
    "echo a > src/a; echo b > src/sub/b; ln -s a src/la; ln -s /etc/hostname src/abs\n"
    "mkfifo src/fifo; ln src/a src/hard\n"
    "cat src/fifo > got & echo through > src/fifo; wait; cat got; rm got\n"
    "chmod 604 src/a; chmod 2750 src/sub; chmod 755 src/sub/b; chmod 600 src/fifo\n"
    "touch -d '2005-05-05 05:05:05.123456789' src/a src/sub/b\n"
    "touch -d '2005-05-05' src/fifo\n"
    "touch -h -d '2006-06-06 06:06:06' src/la src/abs\n"
    "touch -d '2007-07-07' src/sub src\n"
    "cp -a src dst\n"
    "cp -a src/sub/b dst/b2\n"
    "cp -r src/sub plain\n"
    "cp -al src linked\n"
    "cp --preserve=mode,timestamps src/a kept\n"
    "ln -s dst/a l1; ln -sf dst/sub/b l1; ln -s dst ldir; ln -sfn src ldir; ln -sr src/a rel\n"
    "chmod u+x,g-r dst/a; chmod -R o-rwx dst/sub; chmod 0 plain/b; chmod --reference=src/a "
    "kept\n"
    "touch -d @1234567890 dst/sub/b\n"
    "touch -m -d '2008-08-08 08:08:08' dst/a; touch -a -d '2009-09-09' dst/a\n"
    "touch -d '2012-12-12' new; touch -r dst/a ref; touch -c missing\n"
    "touch -h -d '2003-03-03' l1 ldir rel\n"
    "touch -d '2007-07-07' dst dst/sub\n"
    "find . -mindepth 1 -path ./plain -prune -o -printf '%p %y %m %T@ %l %n\\n' | LC_ALL=C sort\n"
    "find plain -printf '%p %y %m %l %n\\n' | LC_ALL=C sort\n"
    "stat -c '%n %X %Y' dst/a ref new\n"
    "cat l1 ldir/a rel\n";

Test(gofer_programs, cp_ln_chmod_touch)
{
	char *out = same_as_native("coreutils", coreutils_script);
	cr_assert(strstr(out, "./dst/sub d 2750 1183766400"), "%s", out);
	free(out);
}

/* What the programs above could plausibly touch on the host: configuration, HOME and its
 * dot-files (history, caches, ~/.gitconfig), /usr/local, python's bytecode caches, the top of
 * the root. Names, types, sizes, modes, mtimes and ctimes. */
static const char host_listing[] =
    "{ find /etc /usr/local /home /var/tmp /usr/lib/python3 /usr/lib/python3.11 -xdev "
    "-printf '%p %y %s %m %T@ %C@\\n'; "
    "find /root -xdev -maxdepth 2 -path /root/.claude -prune -o "
    "-printf '%p %y %s %m %T@ %C@\\n'; "
    "find / -xdev -maxdepth 1 -printf '%p %y\\n'; } 2>/dev/null | LC_ALL=C sort";

/* Run only in the sandbox: writes to the host root's HOME and /etc, which only the overlay's
 * upper layer may see. */
static const char home_script[] =
    "git config --global sbx.programs yes; git config --global sbx.programs\n"
    "python3 -B -c \"import readline, os; readline.add_history('x = 1'); "
    "readline.write_history_file(os.path.expanduser('~/.python_history'))\"\n"
    "echo 'select 1;' | sqlite3 -cmd '.output /dev/null' ~/.sbx-programs.db\n"
    "echo sbx >> ~/.profile; mkdir -p ~/.cache/sbx-programs /usr/local/sbx-programs\n"
    "touch /etc/sbx-programs; cp -a /etc/hostname /etc/hostname.sbx\n"
    "cat ~/.python_history; tail -1 ~/.profile; ls /etc/hostname.sbx ~/.sbx-programs.db\n";

static void list_host(const char *file)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s > %s", host_listing, file);
	cr_assert_eq(system(cmd), 0, "list the host");
}

Test(gofer_programs, the_host_root_is_unchanged)
{
	static const struct {
		const char *name, *text;
	} scripts[] = {
	    {"python", py_files},
	    {"atomic", py_atomic},
	    {"sqlite", sqlite_script},
	    {"git", git_script},
	    {"tar", tar_script},
	    {"make", make_script},
	    {"coreutils", coreutils_script},
	};
	char before[600], after[600], cmd[1400];
	snprintf(before, sizeof(before), "%s/host-before", h_root);
	snprintf(after, sizeof(after), "%s/host-after", h_root);
	for (size_t i = 0; i < ARRAY_SIZE(scripts); i++)
		write_script(scripts[i].name, scripts[i].text);
	list_host(before);
	for (size_t i = 0; i < ARRAY_SIZE(scripts); i++) {
		struct outcome o = in_sandbox(scripts[i].name, workdir("sbx", scripts[i].name));
		free(o.out);
		free(o.err);
	}
	write_script("home", home_script);
	struct outcome o = in_sandbox("home", workdir("sbx", "home"));
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "yes\nx = 1\nsbx\n/etc/hostname.sbx\n"), "%s", o.out);
	free(o.out);
	free(o.err);
	list_host(after);
	snprintf(cmd, sizeof(cmd), "diff %s %s | head -20", before, after);
	FILE *p = popen(cmd, "r");
	char diff[4096] = "";
	h_read_all(fileno(p), diff, sizeof(diff));
	pclose(p);
	cr_assert_str_empty(diff, "the host changed:\n%s", diff);
}
