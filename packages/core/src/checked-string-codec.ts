import type * as t from "io-ts";
import { loadOnFirstUse } from "./policy/load-on-first-use.js";

/** io-ts, loaded when a codec is first built rather than at import. */
export const ioTs = loadOnFirstUse<typeof t>("io-ts");

/** An io-ts codec for a string that `accepts` approves, kept as written; `name` is what errors call it. */
export function checkedString<A extends string>(
  name: string,
  accepts: (value: string) => boolean,
): t.Type<A, A, unknown> {
  const { Type, success, failure, identity } = ioTs();
  const is = (value: unknown): value is A => typeof value === "string" && accepts(value);
  return new Type<A, A, unknown>(
    name,
    is,
    (value, context) => (is(value) ? success(value) : failure(value, context)),
    identity,
  );
}
