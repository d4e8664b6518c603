/* runtime/oci.h: linux.resources.devices, the input of the cgroup/dev program. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "runtime/oci.h"

#define HEAD                                                                                       \
	"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},\n"                          \
	"\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0}},\n"

static int parse(const char *text, struct oci_config **c, struct sbx_error *err)
{
	return oci_config_parse(text, strlen(text), "t.json", c, err);
}

Test(oci_devices, rules_in_order_with_defaults)
{
	const char *text =
	    HEAD "\"linux\": {\"resources\": {\"devices\": [\n"
		 "{\"allow\": false, \"access\": \"rwm\"},\n"
		 "{\"allow\": true, \"type\": \"b\", \"major\": 7, \"access\": \"rm\"},\n"
		 "{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 200}]}}}";
	struct oci_config *c = NULL;
	struct sbx_error err = {0};

	cr_assert(eq(int, parse(text, &c, &err), 0), "%s", err.msg);
	cr_assert(eq(sz, c->resources.n_devices, 3));
	const struct oci_device_rule *d = c->resources.devices;
	cr_assert(eq(int, d[0].allow, 0));
	cr_assert(eq(int, d[0].type, 'a'));
	cr_assert(eq(i64, d[0].major, -1));
	cr_assert(eq(i64, d[0].minor, -1));
	cr_assert(eq(u32, d[0].access, 7));
	cr_assert(eq(int, d[1].allow, 1));
	cr_assert(eq(int, d[1].type, 'b'));
	cr_assert(eq(i64, d[1].major, 7));
	cr_assert(eq(i64, d[1].minor, -1));
	cr_assert(eq(u32, d[1].access, 1 | 2)); /* m, r */
	cr_assert(eq(i64, d[2].minor, 200));
	cr_assert(eq(u32, d[2].access, 7)); /* absent: rwm */
	oci_config_free(c);
}

static void bad(const char *devices, const char *want)
{
	char text[1024];
	struct oci_config *c = NULL;
	struct sbx_error err = {0};

	snprintf(text, sizeof(text), HEAD "\"linux\": {\"resources\": {\"devices\": %s}}}",
		 devices);
	cr_assert(lt(int, parse(text, &c, &err), 0), "%s accepted", devices);
	cr_assert(strstr(err.msg, want) != NULL, "'%s' lacks '%s'", err.msg, want);
	cr_assert(strstr(err.msg, "t.json:3:") != NULL, "no position in '%s'", err.msg);
}

Test(oci_devices, errors_name_the_entry)
{
	bad("[{\"access\": \"rwm\"}]", "allow");
	bad("[{\"allow\": true, \"access\": \"rwx\"}]", "devices[0].access");
	bad("[{\"allow\": true}, {\"allow\": true, \"type\": \"p\"}]", "devices[1].type");
	bad("[{\"allow\": true, \"major\": -2}]", "major");
	bad("[1]", "devices[0]");
}
