#include "lib/log.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = STDERR_FILENO;
static enum sbx_log_format log_format = SBX_LOG_TEXT;
static bool log_debug_on;

static const char *const level_names[] = {"debug", "info", "warning", "error"};

int sbx_log_open(const char *path, enum sbx_log_format format, bool debug)
{
	log_format = format;
	log_debug_on = debug;
	if (!path)
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	sbx_log_close();
	log_fd = fd;
	return 0;
}

void sbx_log_close(void)
{
	if (log_fd > STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
}

bool sbx_log_debug_enabled(void)
{
	return log_debug_on;
}

enum sbx_log_format sbx_log_get_format(void)
{
	return log_format;
}

static void emit(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t w = write(log_fd, line, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		line += w;
		len -= (size_t)w;
	}
}

void sbx_log_fields(enum sbx_log_level level, const char *msg, void *fields_)
{
	json_t *fields = fields_ ? fields_ : json_object();
	if (level == SBX_LOG_DEBUG && !log_debug_on) {
		json_decref(fields);
		return;
	}
	char ts[64];
	time_rfc3339(ts, sizeof(ts));
	if (log_format == SBX_LOG_JSON) {
		json_object_set_new(fields, "level", json_string(level_names[level]));
		json_object_set_new(fields, "msg", json_string(msg));
		json_object_set_new(fields, "time", json_string(ts));
		char *s = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
		if (s) {
			size_t n = strlen(s);
			s[n] = '\n';
			emit(s, n + 1);
			free(s);
		}
	} else {
		char line[4096];
		int n = snprintf(line, sizeof(line), "%s %s: %s", ts, level_names[level], msg);
		const char *key;
		json_t *val;
		json_object_foreach (fields, key, val) {
			if (n >= (int)sizeof(line) - 2)
				break;
			char *v = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
			n += snprintf(line + n, sizeof(line) - n, " %s=%s", key, v ? v : "?");
			free(v);
		}
		if (n > (int)sizeof(line) - 2)
			n = sizeof(line) - 2;
		line[n++] = '\n';
		emit(line, n);
	}
	json_decref(fields);
}

void sbx_log(enum sbx_log_level level, const char *fmt, ...)
{
	if (level == SBX_LOG_DEBUG && !log_debug_on)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sbx_log_fields(level, msg, NULL);
}
