import { z } from 'zod';

const Id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, dot, dash and underscore only');

/** A directory account as adapters see it. Contains personal data: never put it in workflow history. */
export const DirectoryUser = z.strictObject({
  id: Id,
  displayName: z.string().min(1),
  email: z.email().optional(),
  enabled: z.boolean().default(true),
  locked: z.boolean().default(false),
  /** Direct group memberships. */
  groups: z.array(Id).default([]),
  manager: Id.optional(),
  department: z.string().optional(),
  /** Identities in other systems, e.g. `{ jira: '5b10a2844c20165700ede21g' }`. */
  externalIds: z.record(z.string(), z.string().min(1)).default({}),
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

/** The demo / in-memory directory file (content/directory.yaml). */
export const DirectoryFile = z
  .strictObject({
    /** Domain of the mail addresses of accounts the engine creates (`<id>@<mailDomain>`). */
    mailDomain: z
      .string()
      .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a mail domain such as example.com')
      .default('example.com'),
    groups: z.array(z.strictObject({ id: Id, description: z.string().optional(), memberOf: z.array(Id).default([]) })).default([]),
    users: z.array(DirectoryUser),
  })
  .superRefine((file, ctx) => {
    const groupIds = new Set(file.groups.map((g) => g.id));
    const userIds = new Set<string>();
    file.users.forEach((u, i) => {
      if (userIds.has(u.id)) ctx.addIssue({ code: 'custom', path: ['users', i, 'id'], message: `duplicate user id "${u.id}"` });
      userIds.add(u.id);
      u.groups.forEach((g, j) => {
        if (!groupIds.has(g)) ctx.addIssue({ code: 'custom', path: ['users', i, 'groups', j], message: `unknown group "${g}"` });
      });
    });
    file.users.forEach((u, i) => {
      if (u.manager && !userIds.has(u.manager)) {
        ctx.addIssue({ code: 'custom', path: ['users', i, 'manager'], message: `unknown manager "${u.manager}"` });
      }
    });
    file.groups.forEach((g, i) =>
      g.memberOf.forEach((p, j) => {
        if (!groupIds.has(p)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'memberOf', j], message: `unknown group "${p}"` });
      }),
    );
  });
export type DirectoryFile = z.infer<typeof DirectoryFile>;

/**
 * What workflows may know about an account: no name, no e-mail address; only what decisions need.
 * `groups` is the transitive membership.
 */
export const UserFacts = z.object({
  id: z.string(),
  enabled: z.boolean(),
  locked: z.boolean(),
  groups: z.array(z.string()),
  manager: z.string().optional(),
  department: z.string().optional(),
  hasEmail: z.boolean(),
});
export type UserFacts = z.infer<typeof UserFacts>;

export const UserLookup = z.union([
  z.strictObject({ by: z.literal('id'), id: z.string().min(1) }),
  z.strictObject({ by: z.literal('email'), email: z.string().min(1) }),
  z.strictObject({ by: z.literal('externalId'), system: z.string().min(1), externalId: z.string().min(1) }),
]);
export type UserLookup = z.infer<typeof UserLookup>;

/**
 * Walks group → parent-group edges upwards from the direct groups. Directories can contain
 * membership cycles; each group is visited once.
 */
export function transitiveGroups(direct: readonly string[], parentsOf: (group: string) => readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...direct];
  while (queue.length > 0) {
    const group = queue.shift() as string;
    if (seen.has(group)) continue;
    seen.add(group);
    queue.push(...parentsOf(group));
  }
  return [...seen].sort();
}

export function toFacts(user: DirectoryUser, groups: string[]): UserFacts {
  return {
    id: user.id,
    enabled: user.enabled,
    locked: user.locked,
    groups,
    manager: user.manager,
    department: user.department,
    hasEmail: Boolean(user.email),
  };
}
