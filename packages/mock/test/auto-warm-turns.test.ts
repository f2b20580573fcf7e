import {
  type ApiReply,
  type Backend,
  definePolicy,
  type Errno,
  type FeatureName,
  Knowledge,
  negotiate,
  type Policy,
  type PolicyInput,
} from "@negotiate/core";
import { type MockOptions, mockBackend } from "@negotiate/mock";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { sessionShapeOf } from "./support/session-shape.js";

// `auto` once warm skips the handshake's steps while the kernel answers as before. When it does not (a refused
// open or request, another supported set), it goes on as `auto` does from that step: here each such turn is met
// once by a warm plan and once by a plan that never made a session (so it takes the handshake's way), over the
// same kernel and the same knowledge, and both must end alike, call for call, learning the same.

type Fault =
  | { readonly on: "open"; readonly errno: Errno }
  | { readonly on: "api"; readonly errno: Errno }
  | { readonly on: "api"; readonly supported: bigint };

// A mock kernel whose next calls can be made to fail or to answer another supported set.
function faultyKernel(options: MockOptions) {
  const inner = mockBackend(options);
  const faults: Fault[] = [];
  const next = (on: Fault["on"]) => (faults[0]?.on === on ? faults.shift() : undefined);
  const backend: Backend = {
    info: inner.info,
    open(request) {
      const fault = next("open");
      return fault && "errno" in fault ? err({ errno: fault.errno }) : inner.open(request);
    },
    api(fd, api, features) {
      const fault = next("api");
      if (fault && "errno" in fault)
        return err({ errno: fault.errno, reply: { api, features: 0n, ioctls: 0n } });
      const reply = inner.api(fd, api, features);
      if (!fault || reply.isErr()) return reply;
      const changed: ApiReply = { ...reply.value, features: reply.value.features & fault.supported };
      return ok(changed);
    },
    close: (fd) => inner.close(fd),
    enabledFeatures: (fd) => inner.enabledFeatures(fd),
    explainDenial: (denial) => inner.explainDenial(denial),
    explainUnavailable: (mode) => inner.explainUnavailable(mode),
  };
  return { backend, inner, faults };
}

const knowledgeOf = (knowledge: Knowledge, backend: Backend) =>
  ["syscall", "device", "user-mode-only"].map((mode) => knowledge.supported(backend, mode));

const makePolicy = (spec: PolicyInput): Policy<never, FeatureName> =>
  definePolicy(spec)._unsafeUnwrap() as unknown as Policy<never, FeatureName>;

const WP_ASYNC_ONLY = 1n << 15n;

const turns: { readonly name: string; readonly faults: readonly Fault[] }[] = [
  { name: "the open runs out of fds (EMFILE)", faults: [{ on: "open", errno: "EMFILE" }] },
  { name: "the open is refused (EPERM): the next mode is tried", faults: [{ on: "open", errno: "EPERM" }] },
  {
    name: "the request is refused as unknown (EINVAL): forgotten and probed",
    faults: [{ on: "api", errno: "EINVAL" }],
  },
  { name: "the request is refused otherwise (EFAULT)", faults: [{ on: "api", errno: "EFAULT" }] },
  { name: "the kernel answers a smaller supported set", faults: [{ on: "api", supported: WP_ASYNC_ONLY }] },
  { name: "the kernel answers a larger supported set", faults: [{ on: "api", supported: (1n << 64n) - 1n }] },
];

// Privileged (every mode opens), and unprivileged (syscall refused: auto goes on to the device, then to
// user-mode-only).
const kernels: MockOptions[] = [
  { kernel: "6.18.0", capSysPtrace: true },
  { kernel: "6.0.5", capSysPtrace: true },
  { kernel: "5.15.0", unprivilegedUserfaultfd: 0 },
  { kernel: "6.8.0", unprivilegedUserfaultfd: 0, device: "denied" },
];
const specs: PolicyInput[] = [
  { features: { required: ["THREAD_ID"], optional: ["WP_ASYNC", "MOVE"] }, strategy: "auto", open: "auto" },
  { features: { optional: ["WP_ASYNC", "MINOR_SHMEM"] }, strategy: "auto", open: "auto", verify: false },
];

describe("auto once warm, when the kernel answers otherwise", () => {
  for (const options of kernels)
    for (const [which, spec] of specs.entries())
      for (const turn of turns)
        it(`${options.kernel}, policy ${which}: ${turn.name}`, () => {
          const run = (warm: boolean) => {
            const kernel = faultyKernel(options);
            const knowledge = new Knowledge();
            // Learned and checked twice over: by the policy itself when warm, else by an equal one.
            const teacher = makePolicy(spec);
            for (let i = 0; i < 2; i++)
              sessionShapeOf(negotiate(teacher, { backend: kernel.backend, knowledge }));
            const policy = warm ? teacher : makePolicy(spec);
            kernel.faults.push(...turn.faults);
            const shape = sessionShapeOf(negotiate(policy, { backend: kernel.backend, knowledge }));
            const after = sessionShapeOf(negotiate(policy, { backend: kernel.backend, knowledge }));
            expect(kernel.faults).toEqual([]);
            expect(kernel.inner.openFds()).toEqual([]);
            return { shape, after, learned: knowledgeOf(knowledge, kernel.backend) };
          };
          expect(run(true)).toEqual(run(false));
        });
});
