import { type FileHandle, open } from "node:fs/promises";

/** Where the content of a lazily served page comes from. */
export interface PageSource {
  /** For the report, e.g. `pattern` or `file data.bin`. */
  readonly description: string;
  /** Writes the content of page `index` into `page` (zeroed, one page long). May be asynchronous, like I/O. */
  fill(index: number, page: Uint8Array): void | Promise<void>;
  /** Releases what the source holds (an open file); called once, after the last `fill`. */
  close?(): Promise<void>;
}

/** Byte `offset` of page `index` of {@link patternSource}: different in every page and along each page. */
export function patternByte(index: number, offset: number): number {
  return (index * 37 + offset * 7 + (offset >> 8)) & 0xff;
}

/** A generator: page `index` is `patternByte(index, 0..pageSize-1)`. */
export function patternSource(): PageSource {
  return {
    description: "pattern",
    fill(index, page) {
      for (let offset = 0; offset < page.length; offset++) page[offset] = patternByte(index, offset);
    },
  };
}

/** Page `index` is the file's bytes at `index * pageSize`; past the end of the file, zeros. */
export function fileSource(path: string): PageSource {
  let handle: Promise<FileHandle> | undefined;
  return {
    description: `file ${path}`,
    async fill(index, page) {
      handle ??= open(path, "r");
      await (await handle).read(page, 0, page.length, index * page.length);
    },
    async close() {
      // A file that failed to open was reported by `fill`; there is nothing to close then.
      await handle?.then(
        (file) => file.close(),
        () => undefined,
      );
    },
  };
}
