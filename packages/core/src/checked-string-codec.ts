import type * as t from "io-ts";
import { ioTs } from "./policy/lazy-dependencies.js";

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
