import type {
  LandlockAbiDefinition,
  LandlockErratumDefinition,
  LandlockRightDefinition,
} from "./landlock-definition.js";

// Sources: the Landlock reference (§n); "uapi" is include/uapi/linux/landlock.h of the release that added the
// bit; "here" was measured on this project's 6.18 host (ABI 7, errata 7).
const REF3 = "landlock reference §3, uapi landlock.h";
// Generic so that each name stays a literal type (`LandlockRightName` is the union of the names).
const fs = <const Name extends string>(
  name: Name,
  bit: number,
  abi: number,
  target: "file" | "directory",
  description: string,
  source = REF3,
) => ({ name, group: "fs", bit, abi, target, description, source }) as const;

/** Every Landlock right and flag the SDK knows, by group and bit. */
export const LANDLOCK_CATALOGUE = [
  fs("EXECUTE", 0, 1, "file", "Execute a file."),
  fs("WRITE_FILE", 1, 1, "file", "Open a file with write access."),
  fs("READ_FILE", 2, 1, "file", "Open a file with read access."),
  fs("READ_DIR", 3, 1, "directory", "Open a directory or list its content."),
  fs("REMOVE_DIR", 4, 1, "directory", "Remove an empty directory or rename one."),
  fs("REMOVE_FILE", 5, 1, "directory", "Unlink (or rename) a file."),
  fs("MAKE_CHAR", 6, 1, "directory", "Create (or rename or link) a character device."),
  fs("MAKE_DIR", 7, 1, "directory", "Create (or rename) a directory."),
  fs("MAKE_REG", 8, 1, "directory", "Create (or rename or link) a regular file."),
  fs("MAKE_SOCK", 9, 1, "directory", "Create (or rename or link) a UNIX domain socket."),
  fs("MAKE_FIFO", 10, 1, "directory", "Create (or rename or link) a named pipe."),
  fs("MAKE_BLOCK", 11, 1, "directory", "Create (or rename or link) a block device."),
  fs("MAKE_SYM", 12, 1, "directory", "Create (or rename or link) a symbolic link."),
  fs(
    "REFER",
    13,
    2,
    "directory",
    "Link or rename a file from or to a different directory (denied by every domain unless handled and allowed).",
  ),
  fs("TRUNCATE", 14, 3, "file", "Truncate a file (truncate, ftruncate, creat, open with O_TRUNC)."),
  fs("IOCTL_DEV", 15, 5, "file", "ioctl on a character or block device opened under the rule."),
  fs(
    "RESOLVE_UNIX",
    16,
    9,
    "file",
    "connect/sendmsg to a UNIX domain socket bound to a path.",
    "landlock reference §3 (file-valid per rust-landlock, §3 Semantics; uncertain)",
  ),
  {
    name: "BIND_TCP",
    group: "net",
    bit: 0,
    abi: 4,
    description: "Bind a TCP socket to a port.",
    source: REF3,
  },
  {
    name: "CONNECT_TCP",
    group: "net",
    bit: 1,
    abi: 4,
    description: "Connect a TCP socket to a port.",
    source: REF3,
  },
  {
    name: "BIND_UDP",
    group: "net",
    bit: 2,
    abi: 10,
    description: "Bind a UDP socket to a port.",
    source: REF3,
  },
  {
    name: "CONNECT_SEND_UDP",
    group: "net",
    bit: 3,
    abi: 10,
    description: "Connect a UDP socket or send a datagram to a port.",
    source: REF3,
  },
  {
    name: "ABSTRACT_UNIX_SOCKET",
    group: "scope",
    bit: 0,
    abi: 6,
    description: "Deny connecting to an abstract UNIX socket created outside the domain.",
    source: REF3,
  },
  {
    name: "SIGNAL",
    group: "scope",
    bit: 1,
    abi: 6,
    description: "Deny sending a signal to a process outside the domain.",
    source: REF3,
  },
  {
    name: "LOG_SAME_EXEC_OFF",
    group: "restrict",
    bit: 0,
    abi: 7,
    description: "Do not log denials of the restricted program until it executes another one.",
    source: REF3,
  },
  {
    name: "LOG_NEW_EXEC_ON",
    group: "restrict",
    bit: 1,
    abi: 7,
    description: "Log denials of programs executed after restricting.",
    source: REF3,
  },
  {
    name: "LOG_SUBDOMAINS_OFF",
    group: "restrict",
    bit: 2,
    abi: 7,
    description: "Do not log denials of nested domains (the only flag allowed with ruleset fd -1).",
    source: `${REF3}, §2`,
  },
  {
    name: "TSYNC",
    group: "restrict",
    bit: 3,
    abi: 8,
    description: "Restrict every thread of the process at once, all or nothing.",
    source: `${REF3}, §6`,
  },
  {
    name: "QUIET",
    group: "rule",
    bit: 0,
    abi: 10,
    description: "Do not log denials the rule's object would cause (the quiet_* fields say which).",
    source: "landlock reference §2, §3 (7.2; uncertain)",
  },
] as const satisfies readonly LandlockRightDefinition[];

const REF13 = "landlock reference §1, §3";

const PATH_ONLY = ["path-beneath"] as const;
const PATH_AND_NET = ["path-beneath", "net-port"] as const;

/** Every Landlock ABI version, with the mainline release that introduced it. ABI 0: no Landlock (ENOSYS). */
export const LANDLOCK_ABIS = [
  { abi: 1, since: "5.13", rulesetAttrSize: 8, ruleTypes: PATH_ONLY, errataQuery: false, source: REF13 },
  { abi: 2, since: "5.19", rulesetAttrSize: 8, ruleTypes: PATH_ONLY, errataQuery: false, source: REF13 },
  { abi: 3, since: "6.2", rulesetAttrSize: 8, ruleTypes: PATH_ONLY, errataQuery: false, source: REF13 },
  { abi: 4, since: "6.7", rulesetAttrSize: 16, ruleTypes: PATH_AND_NET, errataQuery: false, source: REF13 },
  { abi: 5, since: "6.10", rulesetAttrSize: 16, ruleTypes: PATH_AND_NET, errataQuery: false, source: REF13 },
  { abi: 6, since: "6.12", rulesetAttrSize: 24, ruleTypes: PATH_AND_NET, errataQuery: false, source: REF13 },
  { abi: 7, since: "6.15", rulesetAttrSize: 24, ruleTypes: PATH_AND_NET, errataQuery: true, source: REF13 },
  { abi: 8, since: "7.0", rulesetAttrSize: 24, ruleTypes: PATH_AND_NET, errataQuery: true, source: REF13 },
  { abi: 9, since: "7.1", rulesetAttrSize: 24, ruleTypes: PATH_AND_NET, errataQuery: true, source: REF13 },
  { abi: 10, since: "7.2", rulesetAttrSize: 48, ruleTypes: PATH_AND_NET, errataQuery: true, source: REF13 },
] as const satisfies readonly LandlockAbiDefinition[];

/** The errata the ERRATA query reports (reference §4). */
export const LANDLOCK_ERRATA = [
  {
    erratum: 1,
    abi: 4,
    since: "6.15",
    fixes: "TCP rights no longer apply to other stream protocols (MPTCP, SMC, SCTP)",
    affects: { group: "net", names: ["BIND_TCP", "CONNECT_TCP"] },
    source: "landlock reference §4; security/landlock/errata/abi-4.h",
  },
  {
    erratum: 2,
    abi: 6,
    since: "6.15",
    fixes: "threads of one process may always signal each other under the SIGNAL scope",
    affects: { group: "scope", names: ["SIGNAL"] },
    source: "landlock reference §4; security/landlock/errata/abi-6.h",
  },
  {
    erratum: 3,
    abi: 1,
    since: "6.18",
    fixes: "no access widening through directories disconnected from a bind mount",
    // Every path-beneath check walks the same parents, so every fs right is affected.
    affects: { group: "fs" },
    source:
      "landlock reference §4; security/landlock/errata/abi-1.h; release uncertain (6.18 reports it here)",
  },
] as const satisfies readonly LandlockErratumDefinition[];

/**
 * The most Landlock layers (nested `restrict_self` domains) a thread may have, by the ABI of the kernel: 64 in
 * 5.13–5.18 (ABI 1), 16 from 5.19 (ABI 2) and in the stable trees it was backported to. The 17th (65th) is E2BIG.
 */
export const LANDLOCK_LAYER_LIMITS = [
  { abi: 1, limit: 64, source: "landlock reference §3 (layer limit 64 in 5.13-5.18)" },
  { abi: 2, limit: 16, source: "landlock reference §3, §8 (16 from 5.19; 17th layer E2BIG here)" },
] as const;
