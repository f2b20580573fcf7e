export {
  backendConformance,
  type ConformanceAbilities,
  type ConformanceTarget,
} from "./backend-conformance.js";
export {
  type ConformanceFileKind,
  type LandlockConformanceAbilities,
  type LandlockConformanceTarget,
  landlockConformance,
} from "./landlock-conformance.js";
export {
  type NegotiationPortTarget,
  negotiationPortConformance,
} from "./negotiation-port-conformance.js";
