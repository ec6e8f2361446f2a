import { z } from 'zod';

const QueueName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

/**
 * Non-secret help-desk settings (content/helpdesks.yaml): how tickets are resolved and which
 * help-desk object each engine queue name means. Base URLs and credentials come from the
 * environment.
 */
export const HelpdesksConfig = z.strictObject({
  jira: z
    .strictObject({
      /** Custom field holding the JSM request type, e.g. customfield_10010. */
      requestTypeField: z
        .string()
        .regex(/^customfield_\d+$/, 'a custom field id such as customfield_10010')
        .optional(),
      /** JQL restricting reconciliation, e.g. `project = ITSM`. */
      jql: z.string().default(''),
      /** Time zone of the Jira user the engine signs in as (JQL dates are in it). */
      jqlTimeZone: z.string().default('UTC'),
      resolveTransitions: z.array(z.string().min(1)).min(1).default(['Resolve this issue', 'Resolve', 'Done']),
      /** null: the resolving transition's screen has no resolution field. */
      resolutionName: z.string().min(1).nullable().default('Done'),
      queues: z
        .record(QueueName, z.strictObject({ assigneeAccountId: z.string().min(1).nullable().optional(), labels: z.array(z.string().min(1)).optional() }))
        .default({}),
    })
    .default({ jql: '', jqlTimeZone: 'UTC', resolveTransitions: ['Resolve this issue', 'Resolve', 'Done'], resolutionName: 'Done', queues: {} }),
  servicenow: z
    .strictObject({
      closeCode: z.string().min(1).default('Solved (Permanently)'),
      /** Time zone in which the instance reads dates in encoded queries (the integration user's). */
      queryTimeZone: z.string().min(1).default('UTC'),
      queues: z
        .record(QueueName, z.strictObject({ assignmentGroup: z.string().regex(/^[0-9a-f]{32}$/, 'the sys_id of an assignment group (32 hex characters)') }))
        .default({}),
    })
    .default({ closeCode: 'Solved (Permanently)', queryTimeZone: 'UTC', queues: {} }),
  zendesk: z
    .strictObject({
      queues: z.record(QueueName, z.strictObject({ groupId: z.number().int().positive() })).default({}),
    })
    .default({ queues: {} }),
});
export type HelpdesksConfig = z.infer<typeof HelpdesksConfig>;
