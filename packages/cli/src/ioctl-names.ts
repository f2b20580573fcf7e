/**
 * The bit of each ioctl in the `ioctls` mask `UFFDIO_API` returns (`1 << _UFFDIO_*`). Source: Linux
 * include/uapi/linux/userfaultfd.h (v6.8, where _UFFDIO_MOVE was added; unchanged through v6.18).
 */
const IOCTL_BITS = [
  ["REGISTER", 0x00],
  ["UNREGISTER", 0x01],
  ["WAKE", 0x02],
  ["COPY", 0x03],
  ["ZEROPAGE", 0x04],
  ["MOVE", 0x05],
  ["WRITEPROTECT", 0x06],
  ["CONTINUE", 0x07],
  ["POISON", 0x08],
  ["API", 0x3f],
] as const;

const KNOWN_IOCTLS_MASK = IOCTL_BITS.reduce((mask, [, bit]) => mask | (1n << BigInt(bit)), 0n);

/** The ioctl names a mask holds, in bit order; bits no ioctl has are `bit N`. */
export function ioctlNames(mask: bigint): string[] {
  const names: string[] = IOCTL_BITS.filter(([, bit]) => (mask >> BigInt(bit)) & 1n).map(
    ([name]) => `UFFDIO_${name}`,
  );
  for (let bit = 0; bit < 64; bit++)
    if (((mask & ~KNOWN_IOCTLS_MASK) >> BigInt(bit)) & 1n) names.push(`bit ${bit}`);
  return names;
}

/** `{UFFDIO_REGISTER, UFFDIO_UNREGISTER, UFFDIO_API} (0x8000000000000003)`. */
export function ioctlsText(mask: bigint): string {
  return `{${ioctlNames(mask).join(", ")}} (0x${mask.toString(16)})`;
}
