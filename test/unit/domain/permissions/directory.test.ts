import { describe, expect, it } from 'vitest';
import { MemoryDirectory } from '../../../../src/activities/directory/memory.js';
import { temporaryPassword } from '../../../../src/activities/directory/password.js';
import { DirectoryFile, toFacts, transitiveGroups } from '../../../../src/domain/permissions/directory.js';
import { loadContent } from '../../../../src/stack/content.js';

describe('group membership', () => {
  it('follows nested groups upwards and survives membership cycles', () => {
    const parents: Record<string, string[]> = { helpdesk: ['it-staff'], 'it-staff': ['staff', 'helpdesk'], staff: [] };
    expect(transitiveGroups(['helpdesk'], (g) => parents[g] ?? [])).toEqual(['helpdesk', 'it-staff', 'staff']);
    expect(transitiveGroups([], () => ['never'])).toEqual([]);
  });
});

describe('demo directory file', () => {
  it('reports unknown groups, managers and duplicate users by path', () => {
    const result = DirectoryFile.safeParse({
      groups: [{ id: 'staff', memberOf: ['nope'] }],
      users: [
        { id: 'a', displayName: 'A', groups: ['staff', 'ghosts'], manager: 'zed' },
        { id: 'a', displayName: 'A again' },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      expect.arrayContaining([
        ['users.0.groups.1', 'unknown group "ghosts"'],
        ['users.0.manager', 'unknown manager "zed"'],
        ['users.1.id', 'duplicate user id "a"'],
        ['groups.0.memberOf.0', 'unknown group "nope"'],
      ]),
    );
  });
});

describe('in-memory directory', async () => {
  const content = await loadContent('content');

  it('finds users by id, e-mail (any case) and help-desk identity', async () => {
    const dir = new MemoryDirectory(content.directory);
    expect((await dir.findUser({ by: 'id', id: 'jdoe' }))?.displayName).toBe('Jane Doe');
    expect((await dir.findUser({ by: 'email', email: 'JANE.DOE@example.com' }))?.id).toBe('jdoe');
    expect((await dir.findUser({ by: 'externalId', system: 'jira', externalId: '712020:11111111-2222-4333-8444-555555555555' }))?.id).toBe('sam.helper');
    expect(await dir.findUser({ by: 'externalId', system: 'servicenow', externalId: '712020:11111111-2222-4333-8444-555555555555' })).toBeNull();
    expect(await dir.findUser({ by: 'id', id: 'nobody' })).toBeNull();
  });

  it('gives transitive groups and privacy-safe facts', async () => {
    const dir = new MemoryDirectory(content.directory);
    const admin = (await dir.findUser({ by: 'id', id: 'dana.admin' }))!;
    const facts = toFacts(admin, await dir.groupsOf(admin));
    expect(facts).toEqual({
      id: 'dana.admin',
      enabled: true,
      locked: false,
      groups: ['domain-admins', 'privileged', 'staff'],
      manager: undefined,
      department: 'IT',
      hasEmail: true,
    });
    expect(JSON.stringify(facts)).not.toMatch(/Dana|@/);
  });

  it('stores only a hash of a new password and refuses unknown accounts', async () => {
    const dir = new MemoryDirectory(content.directory);
    await dir.setPassword('jdoe', 'S3cret!-temporary', { mustChange: true });
    expect(dir.passwordChanges).toEqual([
      expect.objectContaining({ userId: 'jdoe', mustChange: true, passwordSha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect(JSON.stringify(dir.passwordChanges)).not.toContain('S3cret');
    await expect(dir.setPassword('ghost', 'x', { mustChange: true })).rejects.toThrow('no such user ghost');
  });

  it('lets an administrator change account state, without touching the file it came from', async () => {
    const dir = new MemoryDirectory(content.directory);
    dir.update('jdoe', { enabled: false });
    expect((await dir.findUser({ by: 'id', id: 'jdoe' }))?.enabled).toBe(false);
    expect(content.directory.users.find((u) => u.id === 'jdoe')?.enabled).toBe(true);
    expect(() => dir.update('ghost', { enabled: false })).toThrow('no such user ghost');
  });
});

describe('temporary passwords', () => {
  it('have every character class, the requested length, and differ each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = temporaryPassword();
      expect(p).toHaveLength(16);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[2-9]/);
      expect(p).toMatch(/[!#%+\-=?@]/);
      expect(p).not.toMatch(/[O0Il1]/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
