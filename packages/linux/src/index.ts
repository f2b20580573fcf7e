export { type ExecFailure, execCommand } from "./exec-command.js";
export {
  createLandlockBackend,
  type LandlockHost,
  type LinuxLandlockPort,
  landlockBackend,
} from "./landlock/landlock-backend.js";
export { linuxBackend } from "./linux-backend.js";
export type { LinuxBackend, LinuxBackendOptions } from "./linux-backend-api.js";
