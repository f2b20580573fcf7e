import { createRequire } from "node:module";

// The CommonJS build has an empty `import.meta` and a module-local `__filename`; the ES module build has
// `import.meta.url`. Neither `typeof require` (the ES module build shims it) nor `typeof __filename` (`node -e`
// defines a global one that ES modules see) can tell them apart.
const moduleUrl: string | undefined = import.meta.url;
const cjs = moduleUrl === undefined;
// Made on first use: the CommonJS build never needs it, and loading `node:module` costs a start-up about a ms.
const moduleRequire = loadOnFirstUse<NodeJS.Require>(() => createRequire(moduleUrl ?? __filename));
const requireHere = (id: string): unknown => moduleRequire()(id);

/**
 * A dependency loaded on the first call rather than at import: importing the SDK to negotiate with a policy
 * written in code loads no parser or codec library. Synchronous, so the parse APIs stay synchronous. `load`
 * calls `require` with a literal name where there is one (CommonJS, which a bundler can follow), else this
 * module's own `require` (ES modules).
 */
function loadOnFirstUse<T>(load: () => unknown): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= load() as T;
    return loaded;
  };
}

/** The YAML parser, for YAML texts and JSON error positions. */
export const yaml = loadOnFirstUse<typeof import("yaml")>(() =>
  cjs ? require("yaml") : requireHere("yaml"),
);

/** io-ts, for the codecs the package exports and the host profile. */
export const ioTs = loadOnFirstUse<typeof import("io-ts")>(() =>
  cjs ? require("io-ts") : requireHere("io-ts"),
);

/** Edit distance, for suggestions about misspelt names. */
export const levenshtein = loadOnFirstUse<typeof import("fastest-levenshtein")>(() =>
  cjs ? require("fastest-levenshtein") : requireHere("fastest-levenshtein"),
);

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
