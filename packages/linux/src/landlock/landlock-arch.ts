/** The Landlock syscall numbers of one architecture. */
export interface LandlockSyscalls {
  readonly createRuleset: number;
  readonly addRule: number;
  readonly restrictSelf: number;
}

// Landlock reference §1: 444-446 on every architecture with the generic table; mips adds its ABI's base.
const generic = (base: number): LandlockSyscalls => ({
  createRuleset: base + 444,
  addRule: base + 445,
  restrictSelf: base + 446,
});

// Keyed by `process.arch`.
const SYSCALLS: Readonly<Record<string, LandlockSyscalls>> = {
  x64: generic(0),
  ia32: generic(0),
  arm: generic(0),
  arm64: generic(0),
  riscv64: generic(0),
  loong64: generic(0),
  ppc64: generic(0),
  s390x: generic(0),
  // Node's mips builds are o32 (mipsel) and n64 (mips64el).
  mipsel: generic(4000),
  mips64el: generic(5000),
};

/** The Landlock syscall numbers for a `process.arch` value, or `undefined` for an architecture without a row. */
export function landlockSyscalls(nodeArch: string): LandlockSyscalls | undefined {
  return Object.hasOwn(SYSCALLS, nodeArch) ? SYSCALLS[nodeArch] : undefined;
}

/** `PR_SET_NO_NEW_PRIVS` (prctl.h), the same on every architecture. */
export const PR_SET_NO_NEW_PRIVS = 38;

/**
 * `O_PATH | O_CLOEXEC` for `open(2)`: 0o10000000 | 0o2000000 in asm-generic, and no architecture of the table
 * above overrides either (alpha, parisc and sparc do, and have no row).
 */
export const O_PATH_CLOEXEC = 0o10000000 | 0o2000000;
