/** JSON with bigints as `0x…n` strings, for values crossing a process boundary. */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, field) => (typeof field === "bigint" ? `0x${field.toString(16)}n` : field));

/** The inverse of `toJson`. */
export const fromJson = <T>(text: string): T =>
  JSON.parse(text, (_key, value) =>
    typeof value === "string" && /^0x[0-9a-f]+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  ) as T;
