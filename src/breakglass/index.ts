export { BreakGlassModule } from './breakglass.module.js';
export { BreakGlassService } from './breakglass.service.js';
export { EmergencyStep } from './emergency.step.js';
export { justificationProblem, strongestFactor, isDesignated, MIN_JUSTIFICATION } from './breakglass-rules.js';
export type { BreakGlassEvents } from './breakglass.events.js';
