import { backendConformance } from "@negotiate/core/conformance";
import { linuxBackend } from "../src/index.js";

// The real kernel, as root (CAP_SYS_PTRACE), in every open mode.
for (const mode of ["syscall", "device", "user-mode-only"] as const) {
  backendConformance({
    name: `linux kernel, root, ${mode}`,
    create: () => linuxBackend()._unsafeUnwrap(),
    can: { mode },
  });
}
