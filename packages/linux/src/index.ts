export { linuxBackend } from "./linux-backend.js";
export type { LinuxBackend, LinuxBackendOptions } from "./linux-backend-api.js";
