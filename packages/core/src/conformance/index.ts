export {
  backendConformance,
  type ConformanceAbilities,
  type ConformanceTarget,
} from "./backend-conformance.js";
