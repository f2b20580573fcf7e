import { explainTrace } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { openRefusal } from "../src/explain.js";
import { renderTable, styleFor } from "../src/output.js";
import { ANSI } from "./support/run-cli.js";

const stripAnsi = (text: string) => text.replace(new RegExp(ANSI.source, "g"), "");

describe("renderTable", () => {
  it("aligns columns on the plain text, so colour codes do not shift them", () => {
    const rows = [
      ["MOVE", { text: "yes", tone: "ok" as const }, "6.8"],
      ["EXACT_ADDRESS", { text: "no", tone: "bad" as const }, "5.18"],
    ];
    const plain = renderTable(["FEATURE", "SUPPORTED", "SINCE"], rows, styleFor({ write: () => {} }, {}));
    const coloured = renderTable(
      ["FEATURE", "SUPPORTED", "SINCE"],
      rows,
      styleFor({ write: () => {}, isTTY: true }, {}),
    );
    expect(plain).toBe(
      [
        "FEATURE        SUPPORTED  SINCE",
        "MOVE           yes        6.8",
        "EXACT_ADDRESS  no         5.18",
      ].join("\n"),
    );
    expect(coloured).not.toBe(plain);
    expect(stripAnsi(coloured)).toBe(plain);
  });
});

describe("explainTrace", () => {
  it("spells each open mode as the call it makes, and names each uffd by its order, not its fd number", () => {
    expect(
      explainTrace([
        { op: "open", mode: "device", closeOnExec: true, nonBlocking: false, result: "EACCES" },
        { op: "open", mode: "user-mode-only", closeOnExec: false, nonBlocking: false, result: "ok", fd: 7 },
        { op: "close", fd: 7, result: "ok" },
        { op: "open", mode: "syscall", closeOnExec: true, nonBlocking: true, result: "ok", fd: 7 },
      ]),
    ).toEqual([
      ' 1. tried to open a uffd with ioctl(open("/dev/userfaultfd"), USERFAULTFD_IOC_NEW, O_CLOEXEC) → EACCES',
      " 2. opened uffd #1 with userfaultfd(UFFD_USER_MODE_ONLY)",
      " 3. closed uffd #1",
      " 4. opened uffd #2 with userfaultfd(O_CLOEXEC|O_NONBLOCK)",
    ]);
  });

  it("names the capability behind an EPERM for EVENT_FORK, and says EINVAL names no bit", () => {
    const zero = { api: 0n, features: 0n, ioctls: 0n };
    const open = {
      op: "open",
      mode: "syscall",
      closeOnExec: true,
      nonBlocking: true,
      result: "ok",
      fd: 5,
    } as const;
    expect(
      explainTrace([
        open,
        { op: "api", fd: 5, api: 0xaan, features: 0x102n, result: "EPERM", reply: zero },
        { op: "api", fd: 5, api: 0xabn, features: 0n, result: "EINVAL", reply: zero },
        { op: "close", fd: 5, result: "EBADF" },
      ]).slice(1),
    ).toEqual([
      " 2. UFFDIO_API features={EVENT_FORK, THREAD_ID} on uffd #1 → EPERM (EVENT_FORK needs CAP_SYS_PTRACE)",
      " 3. UFFDIO_API api=0xab features=0 (probe) on uffd #1 → EINVAL (the fd was already initialised, or the api value was refused)",
      " 4. closing uffd #1 → EBADF",
    ]);
  });

  it("explains open refusals without a permission cause by their errno", () => {
    expect(openRefusal("user-mode-only", "EINVAL")).toBe(
      "EINVAL: the kernel does not know UFFD_USER_MODE_ONLY (added in 5.11)",
    );
    expect(openRefusal("syscall", "ENOSYS")).toMatch(/^ENOSYS: no userfaultfd syscall/);
    expect(openRefusal("device", "EACCES", { kind: "device-permissions", path: "/dev/userfaultfd" })).toBe(
      "EACCES: /dev/userfaultfd is not readable and writable by this user",
    );
  });
});
