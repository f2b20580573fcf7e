import { fromThrowable, type Result } from "neverthrow";
import { quoteText } from "./quote-value.js";

/** How deep a value from code may nest, and how many nodes it may have in all. */
export const MAX_CODE_DEPTH = 16;
export const MAX_CODE_NODES = 10_000;

/** Why a value from code could not be read: a getter or Proxy threw, or it is too big or too deep. */
export interface UnreadableValue {
  readonly path: string;
  readonly message: string;
}

class Refused extends Error {}

/**
 * A plain copy of a value given by code (a policy document, a host profile), read once, iteratively:
 * lists and plain objects are copied (own enumerable string keys, `__proto__` included, as data), everything
 * else is kept as a scalar for the decoder to refuse. Getters run once, here, and what they throw (Proxies,
 * revoked Proxies, throwing getters) is an error naming the path, as is a value past the limits.
 */
export function copyPlainValue(value: unknown): Result<unknown, UnreadableValue> {
  let path = "";
  return fromThrowable(
    () =>
      copy(value, (at) => {
        path = at;
      }),
    (error): UnreadableValue => ({
      path,
      message:
        error instanceof Refused
          ? error.message
          : `could not be read: a getter or Proxy threw ${quoteText(error instanceof Error ? `${error.name}: ${error.message}` : String(error))}`,
    }),
  )();
}

function copy(value: unknown, at: (path: string) => void): unknown {
  const root: { value?: unknown } = {};
  const pending: {
    readonly source: unknown;
    readonly into: object;
    readonly key: string | number;
    readonly path: string;
    readonly depth: number;
  }[] = [{ source: value, into: root, key: "value", path: "", depth: 0 }];
  let nodes = 0;
  while (pending.length > 0) {
    const { source, into, key, path, depth } = pending.pop()!;
    at(path);
    if (++nodes > MAX_CODE_NODES) throw new Refused(`has more than the limit of ${MAX_CODE_NODES} values`);
    let target: unknown = source;
    if (typeof source === "object" && source !== null) {
      const prototype = Object.getPrototypeOf(source);
      const isList = Array.isArray(source);
      if (isList || prototype === Object.prototype || prototype === null) {
        if (depth >= MAX_CODE_DEPTH)
          throw new Refused(`nests deeper than the limit of ${MAX_CODE_DEPTH} levels`);
        if (isList) {
          const list = source as readonly unknown[];
          const length = list.length;
          if (length > MAX_CODE_NODES)
            throw new Refused(`has more than the limit of ${MAX_CODE_NODES} values`);
          const copied: unknown[] = new Array(length);
          for (let index = 0; index < length; index++)
            pending.push({
              source: list[index],
              into: copied,
              key: index,
              path: `${path}[${index}]`,
              depth: depth + 1,
            });
          target = copied;
        } else {
          const copied: Record<string, unknown> = {};
          for (const name of Object.keys(source)) {
            const child = (source as Record<string, unknown>)[name];
            Object.defineProperty(copied, name, {
              value: undefined,
              enumerable: true,
              writable: true,
              configurable: true,
            });
            pending.push({
              source: child,
              into: copied,
              key: name,
              path: path === "" ? name : `${path}.${name}`,
              depth: depth + 1,
            });
          }
          target = copied;
        }
      }
    }
    Object.defineProperty(into, key, { value: target, enumerable: true, writable: true, configurable: true });
  }
  return root.value;
}
