#ifndef SBX_RUNTIME_SIGNALS_H
#define SBX_RUNTIME_SIGNALS_H
/* "KILL", "SIGKILL" or "9" to a signal number; -1 if unknown. */
int signal_parse(const char *s);
#endif
