import { MOCK_ARCHES, type MockArch } from "../mock-options.js";

/** The Landlock syscall numbers of one architecture (`__NR_landlock_*`). */
export interface LandlockSyscallNumbers {
  readonly createRuleset: number;
  readonly addRule: number;
  readonly restrictSelf: number;
}

/** An architecture the Landlock mock simulates: its syscall numbers, byte order and page size, with their source. */
export interface LandlockArchDefinition {
  readonly syscalls: LandlockSyscallNumbers;
  readonly littleEndian: boolean;
  /** Bytes of a page: create_ruleset answers E2BIG for a `size` above it. */
  readonly pageSize: number;
  readonly source: string;
}

const REF1 = "landlock reference §1 (generic syscall table: 444-446)";
const numbers = (base: number, first = 444): LandlockSyscallNumbers => ({
  createRuleset: base + first,
  addRule: base + first + 1,
  restrictSelf: base + first + 2,
});
const arch = (
  source: string,
  { base = 0, first = 444, littleEndian = true, pageSize = 4096 } = {},
): LandlockArchDefinition => ({ syscalls: numbers(base, first), littleEndian, pageSize, source });

/**
 * Every architecture of the Landlock mock: those of the userfaultfd mock (`MockArch`) and the ones only Landlock
 * is simulated on (alpha, the three mips ABIs, x32). mips is simulated little-endian (Node's mipsel/mips64el).
 */
export const LANDLOCK_ARCHES = {
  x86_64: arch(REF1),
  i386: arch(REF1),
  arm64: arch(REF1),
  arm: arch(REF1),
  riscv64: arch(REF1),
  ppc64le: arch(`${REF1}; 64 KiB pages (ppc64le defconfig)`, { pageSize: 65_536 }),
  s390x: arch(`${REF1}; big-endian`, { littleEndian: false }),
  loongarch64: arch(`${REF1}; 16 KiB pages (arch/loongarch/Kconfig default PAGE_SIZE_16KB)`, {
    pageSize: 16_384,
  }),
  alpha: arch("landlock reference §1 (alpha: 554-556); 8 KiB pages", { first: 554, pageSize: 8192 }),
  "mips-o32": arch("landlock reference §1 (mips o32 base 4000: 4444-4446)", { base: 4000 }),
  "mips-n64": arch("landlock reference §1 (mips n64 base 5000: 5444-5446)", { base: 5000 }),
  "mips-n32": arch("landlock reference §1 (mips n32 base 6000: 6444-6446)", { base: 6000 }),
  x32: arch("landlock reference §1 (x32: __X32_SYSCALL_BIT 0x40000000 | 444; uncertain, derived)", {
    base: 0x4000_0000,
  }),
} as const satisfies Record<MockArch | "alpha" | "mips-o32" | "mips-n64" | "mips-n32" | "x32", unknown>;

/** An architecture the Landlock mock simulates. */
export type LandlockMockArch = keyof typeof LANDLOCK_ARCHES;

/** Every `LandlockMockArch`, the userfaultfd mock's first. */
export const LANDLOCK_MOCK_ARCHES: readonly LandlockMockArch[] = [
  ...MOCK_ARCHES,
  ...(Object.keys(LANDLOCK_ARCHES) as LandlockMockArch[]).filter(
    (name) => !(MOCK_ARCHES as readonly string[]).includes(name),
  ),
];
