/* Telling sbxd (tools/sbxd) about sbx's own sandboxes, when it runs: best effort, bounded in
 * time, and never a reason for create or delete to fail (sbx works without sbxd). */
#ifndef SBX_RUNTIME_SBXD_REGISTER_H
#define SBX_RUNTIME_SBXD_REGISTER_H

struct container_state;

/* How long create and delete wait for sbxd at most. */
#define SBXD_REGISTER_TIMEOUT_MS 200

void sbxd_register_sandbox(const struct container_state *st);
void sbxd_unregister_sandbox(const char *id);

#endif
