import * as t from "io-ts";

/** An io-ts codec for a string that `accepts` approves, kept as written; `name` is what errors call it. */
export function checkedString<A extends string>(
  name: string,
  accepts: (value: string) => boolean,
): t.Type<A, A, unknown> {
  const is = (value: unknown): value is A => typeof value === "string" && accepts(value);
  return new t.Type<A, A, unknown>(
    name,
    is,
    (value, context) => (is(value) ? t.success(value) : t.failure(value, context)),
    t.identity,
  );
}
