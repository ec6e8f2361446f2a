// The activity contracts workflows proxy to. Type-only: the workflow sandbox sees these names and
// never the implementations (the lint rules let src/workflows import only this file of activities/).
export type { ReconcileActivities, ReconcileReport } from './reconcile.js';
export type { SupportActivities } from './support.js';
export type { TargetSlotActivities } from './targetSlots.js';
