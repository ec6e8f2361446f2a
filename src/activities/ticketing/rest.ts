import type { Config } from '../../config.js';
import type { HelpdesksConfig } from '../../domain/helpdesks.js';
import type { TicketSource } from '../../domain/ticket.js';
import type { TicketingPort } from './port.js';

/** REST adapters for the help desks whose credentials are configured. */
export function restHelpdesks(env: Config['helpdesks'], settings: HelpdesksConfig): Partial<Record<TicketSource, TicketingPort>> {
  void env;
  void settings;
  return {};
}
