import { createRequire } from "node:module";

// `import.meta` exists only in ES modules, `__filename` only in the CommonJS build.
const requireHere = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

/**
 * A dependency loaded on the first call rather than at import (`yaml`, `io-ts`): importing the SDK to
 * negotiate with a policy written in code loads no parser or codec library. Synchronous, so the parse APIs
 * stay synchronous; `require` works from both the ES module and the CommonJS build.
 */
export function loadOnFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireHere(specifier) as T;
    return loaded;
  };
}

/**
 * An object built on first use of any of its properties: stands for a value the package exports (an io-ts
 * codec) without building it, or loading its library, at import. `instanceof` and method calls see the real one.
 */
export function onFirstUse<T extends object>(build: () => T): T {
  let real: T | undefined;
  const target = () => (real ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(target(), key),
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
}
