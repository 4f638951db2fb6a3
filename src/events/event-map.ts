/**
 * The typed map of every event on the bus: name → payload. Empty here: each module adds its
 * own events from its `<module>.events.ts` by declaration merging
 * (`declare module '../events/event-map.js' { interface EventMap extends KeyEvents {} }`),
 * so events/ imports no module and a wrong payload still fails to compile.
 * Keep docs/events.md in step with the modules' events files.
 */
export interface EventMap {}
export type EventName = keyof EventMap;
