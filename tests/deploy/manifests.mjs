// Validates Kubernetes manifests against the Kubernetes API's JSON schemas (the
// kubernetes-models package: one compiled schema validator per kind, from the OpenAPI spec),
// and an OCI hooks.d drop-in against the rules of oci-hooks(5).
//
//   node manifests.mjs [--expect-invalid] FILE.yaml|FILE.json...
//
// Each YAML document is checked with the model of its apiVersion and kind; an unknown kind is
// an error. The shell scripts of the containers' `args` (sh -c) are checked with `sh -n`.
// A container that runs sbxd must keep the seccomp agent's sentries alive across a restart of
// its pod (checkSbxd). With --expect-invalid every file must be rejected (the validator's own
// check). Prints one line per document and a closing "N passed, N failed".
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

const HOOK_STAGES = new Set([
  "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
]);

// The model class of apiVersion/kind, e.g. kubernetes-models/apps/v1/DaemonSet.
async function modelOf(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) {
    throw new Error("apiVersion and kind must be strings");
  }
  try {
    const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return mod[kind];
  } catch (e) {
    throw new Error(`unknown apiVersion/kind ${apiVersion} ${kind}`);
  }
}

// `sh -n` on each container's script (command sh -c, script in args).
function checkScripts(doc) {
  const spec = doc.kind === "Pod" ? doc.spec : doc.spec?.template?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const cmd = c.command ?? [];
    if (cmd.length === 2 && /(^|\/)sh$/.test(cmd[0]) && cmd[1] === "-c") {
      const r = spawnSync("sh", ["-n"], { input: (c.args ?? [])[0] ?? "" });
      if (r.status !== 0) {
        throw new Error(`container ${c.name}: sh -n: ${r.stderr.toString().trim()}`);
      }
    }
  }
}

// sbxd's options on the script line that runs it (backslash continuations joined).
function sbxdOptions(script) {
  for (const line of script.replace(/\\\n/g, " ").split("\n")) {
    if (line.trim().startsWith("#")) continue;
    const t = line.trim().split(/\s+/);
    const at = t.findIndex((w) => /(^|\/)sbxd$/.test(w));
    if (at < 0) continue;
    const opts = {};
    for (let i = at + 1; i < t.length; i++) {
      if (!t[i].startsWith("--")) continue;
      const eq = t[i].indexOf("=");
      if (eq > 0) opts[t[i].slice(0, eq)] = t[i].slice(eq + 1);
      else opts[t[i]] = t[i + 1]?.startsWith("--") ? "" : t[++i] ?? "";
    }
    return opts;
  }
  return null;
}

// sbxd in a pod: a restart, rollout or deletion of the pod kills every process of its cgroups,
// so the agent's sentries must move out (--sentry-cgroup, a relative name), into the host's
// hierarchies (--cgroup-root: a hostPath mount of the host's /sys/fs/cgroup), from the host's
// cgroup namespace (--cgroupns; /proc/1/... needs hostPID), which needs a privileged pod.
function checkSbxd(doc) {
  const spec = doc.kind === "Pod" ? doc.spec : doc.spec?.template?.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const o = sbxdOptions([...(c.command ?? []), ...(c.args ?? [])].join("\n"));
    if (!o) continue;
    const err = (m) => { throw new Error(`container ${c.name}: sbxd: ${m}`); };
    const name = o["--sentry-cgroup"];
    if (!name) err("no --sentry-cgroup: its sentries would die with the pod");
    if (name.startsWith("/") || name.split("/").some((p) => p === "" || p === "." || p === "..")) {
      err(`--sentry-cgroup ${name}: a relative cgroup name without "", "." or ".."`);
    }
    const root = o["--cgroup-root"] ?? "/sys/fs/cgroup";
    const mount = (c.volumeMounts ?? []).find((m) => m.mountPath === root);
    const vol = mount && (spec.volumes ?? []).find((v) => v.name === mount.name);
    if (vol?.hostPath?.path !== "/sys/fs/cgroup") {
      err(`--cgroup-root ${root} is not a hostPath mount of the host's /sys/fs/cgroup`);
    }
    const ns = o["--cgroupns"];
    if (!ns) err("no --cgroupns: the kernel may refuse to move sentries out of the pod's");
    if (ns.startsWith("/proc/") && !spec.hostPID) err(`--cgroupns ${ns} needs hostPID: true`);
    if (!c.securityContext?.privileged) err("moving processes between cgroups needs privileged");
  }
}

async function checkManifest(doc) {
  const Model = await modelOf(doc.apiVersion, doc.kind);
  new Model(doc).validate(); // throws with every violation and its path
  checkScripts(doc);
  checkSbxd(doc);
  return `${doc.kind} ${doc.metadata?.name}`;
}

function checkHook(h) {
  const err = (m) => { throw new Error(m); };
  if (h.version !== "1.0.0") err(`version ${JSON.stringify(h.version)}: expected "1.0.0"`);
  if (typeof h.hook?.path !== "string" || !h.hook.path.startsWith("/")) {
    err("hook.path must be an absolute path");
  }
  if (h.hook.args !== undefined && !(Array.isArray(h.hook.args) && h.hook.args.every((a) => typeof a === "string"))) {
    err("hook.args must be an array of strings");
  }
  if (!Array.isArray(h.stages) || h.stages.length === 0) err("stages must be a non-empty array");
  for (const s of h.stages) if (!HOOK_STAGES.has(s)) err(`stage ${JSON.stringify(s)} is not an OCI hook stage`);
  const w = h.when ?? err("when is required");
  const conds = ["always", "annotations", "commands", "hasBindMounts"].filter((k) => k in w);
  if (conds.length === 0) err("when needs at least one condition");
  for (const [k, v] of Object.entries(w.annotations ?? {})) {
    new RegExp(k);
    new RegExp(v);
  }
  for (const k of Object.keys(w)) if (!["always", "annotations", "commands", "hasBindMounts"].includes(k)) err(`when.${k}: unknown condition`);
  for (const k of Object.keys(h)) if (!["version", "hook", "when", "stages"].includes(k)) err(`${k}: unknown key`);
  return `hooks.d ${h.hook.path} at ${h.stages.join(", ")}`;
}

async function checkFile(file) {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) return [await checkHook(JSON.parse(text))];
  const out = [];
  for (const d of parseAllDocuments(text, { prettyErrors: true })) {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join("; "));
    const doc = d.toJS();
    if (doc !== null) out.push(await checkManifest(doc));
  }
  if (out.length === 0) throw new Error("no document");
  return out;
}

const args = process.argv.slice(2);
const expectInvalid = args[0] === "--expect-invalid";
const files = expectInvalid ? args.slice(1) : args;
let passed = 0, failed = 0;
for (const file of files) {
  let ok, what;
  try {
    what = (await checkFile(file)).join("; ");
    ok = !expectInvalid;
    if (expectInvalid) what = `accepted, but it is invalid: ${what}`;
  } catch (e) {
    ok = expectInvalid;
    what = `${expectInvalid ? "rejected" : "invalid"}: ${e.message.replace(/\s+/g, " ")}`;
  }
  ok ? passed++ : failed++;
  console.log(`[${ok ? "PASS" : "FAIL"}] ${file}: ${what}`);
}
console.log(`manifests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && files.length > 0 ? 0 : 1);
