// The worker's workflowsPath: every workflow type the engine runs.
export { passwordReset } from './passwordReset.js';
export { ticketHandOff } from './ticketHandOff.js';
export { softwareInstall } from './softwareInstall.js';
export { troubleshootSession } from './troubleshootSession.js';
export { diskCleanup, softwareReinstall, unlockAccount } from './selfService.js';
export { reconcileTickets } from './reconcileTickets.js';
export { slotsStateQuery, targetSlots } from './targetSlots.js';
export { definitionRun } from './definitionRun.js';
export {
  alertUpdateSignal,
  answerUpdate,
  approvalUpdate,
  backUpdate,
  definitionProgressQuery,
  progressQuery,
  sessionQuery,
  ticketEventSignal,
} from './messages.js';
