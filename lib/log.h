/* Logging for the top layer (CLI verbs, sentry main). Library code logs at debug at most. */
#ifndef SBX_LIB_LOG_H
#define SBX_LIB_LOG_H

#include <stdbool.h>

enum sbx_log_level { SBX_LOG_DEBUG, SBX_LOG_INFO, SBX_LOG_WARN, SBX_LOG_ERROR };
enum sbx_log_format { SBX_LOG_TEXT, SBX_LOG_JSON };

/* path NULL: stderr. Returns -errno if the log file cannot be opened. */
int sbx_log_open(const char *path, enum sbx_log_format format, bool debug);
void sbx_log_close(void);
bool sbx_log_debug_enabled(void);
enum sbx_log_format sbx_log_get_format(void);

void sbx_log(enum sbx_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One JSON object per line (json format) or "key=value ..." (text format): for events such as
 * denials. `fields` is a jansson json_t* object, consumed. */
void sbx_log_fields(enum sbx_log_level level, const char *msg, void *fields);

#define log_debug(...) sbx_log(SBX_LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  sbx_log(SBX_LOG_INFO, __VA_ARGS__)
#define log_warn(...)  sbx_log(SBX_LOG_WARN, __VA_ARGS__)
#define log_error(...) sbx_log(SBX_LOG_ERROR, __VA_ARGS__)

#endif
