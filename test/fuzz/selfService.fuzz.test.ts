import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapters } from '../../src/app/adapters.js';
import { createJwtVerifier } from '../../src/client/http/auth.js';
import { PUBLIC_ROUTES } from '../../src/client/http/app.js';
import { callerContext } from '../../src/client/selfService.js';
import type { Content } from '../../src/stack/content.js';
import type { UserFacts } from '../../src/domain/permissions/directory.js';
import { CatalogEntry, type SelfServiceCatalog } from '../../src/domain/selfService/catalog.js';
import { inWindow } from '../../src/domain/selfService/availability.js';
import { REFUSAL_STATUS } from '../../src/domain/selfService/refusals.js';
import { checkRequest, type CallerContext } from '../../src/domain/selfService/request.js';
import { approvalProblem, assessSoftware } from '../../src/domain/endpoints/software.js';
import { JWT, token } from '../helpers/selfService.js';
import { demoAdapters, demoContent } from '../helpers/temporal.js';
import {
  type CountingClient,
  countingClient,
  dict,
  fuzzApi,
  hostileValue,
  jsonValue,
  nastyString,
  pathSegment,
  PROTO_NAMES,
  rec,
  runs,
} from './arbitraries.js';

// Self-service under fuzzing: the pure guardrails (any request, caller, history and time) and the
// HTTP API with bearer JWTs. Invalid input never gets a 5xx and never starts a workflow; a start
// only ever acts on the caller's own account, devices or the entry's named resources.

const USERS = ['jdoe', 'asmith', 'sam.helper', 'dana.admin', 'kim.admin', 'bob.gone', 'pat.nomail', 'svc-monitoring', 'nobody'] as const;
const DEVICES = ['LT-0042', 'LT-0007', 'LT-0101', 'LT-0003', 'LT-0201', 'LT-9999'] as const;
const GROUPS = ['staff', 'it-staff', 'helpdesk', 'managers', 'engineering', 'privileged'] as const;
const ZONES = ['Europe/London', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham', 'Mars/Olympus', ''] as const;
const SAFE_PATTERNS = ['[a-z]+', '\\d{1,4}', '[A-Z]{2}-\\d{4}', '.*', 'a|b', '(?:x|y)z?'] as const;

let content: Content;
beforeAll(async () => {
  content = await demoContent();
});

// ---- generators -------------------------------------------------------------------------------

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => (h === 24 ? '24:00' : `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`));

const inputField = fc.oneof(
  rec(
    {
      type: fc.constant('string'),
      title: fc.constant('Text'),
      required: fc.boolean(),
      pattern: fc.constantFrom(...SAFE_PATTERNS),
      maxLength: fc.integer({ min: 1, max: 50 }),
      enum: fc.array(fc.constantFrom('a', 'b', 'vscode', 'x1', ''), { minLength: 1, maxLength: 3 }),
      adminOnly: fc.boolean(),
    },
    { requiredKeys: ['type', 'title'] },
  ),
  rec(
    { type: fc.constant('boolean'), title: fc.constant('Flag'), required: fc.boolean(), default: fc.boolean(), adminOnly: fc.boolean() },
    { requiredKeys: ['type', 'title'] },
  ),
  rec(
    {
      type: fc.constant('integer'),
      title: fc.constant('Count'),
      required: fc.boolean(),
      minimum: fc.integer({ min: -5, max: 5 }),
      maximum: fc.integer({ min: 0, max: 10 }),
      adminOnly: fc.boolean(),
    },
    { requiredKeys: ['type', 'title'] },
  ),
  rec({ type: fc.constant('device'), title: fc.constant('Device'), required: fc.boolean() }, { requiredKeys: ['type', 'title'] }),
);

/** Catalog entries as YAML would hold them, mostly valid: the target's input is usually there. */
const entryInput = fc
  .record({
    id: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/), nastyString),
    version: fc.integer({ min: 0, max: 3 }),
    published: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    workflow: fc.constantFrom('diskCleanup', 'unlockAccount', 'softwareReinstall'),
    inputs: dict(fc.oneof(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/), fc.constantFrom('device', 'resource', 'constructor', 'toString')), inputField, {
      maxKeys: 4,
    }),
    audience: fc.array(fc.constantFrom(...GROUPS), { minLength: 1, maxLength: 2 }),
    target: fc.oneof(
      fc.constant({ kind: 'self' }),
      fc.constant({ kind: 'own-device' }),
      fc.array(fc.constantFrom('printer-1', 'share-2', 'vpn'), { minLength: 1, maxLength: 2 }).map((resources) => ({ kind: 'named', resources })),
    ),
    approval: fc.oneof(fc.constant({ kind: 'none' }), fc.constant({ kind: 'manager' }), fc.constant({ kind: 'group', group: 'it-staff' })),
    limits: rec({ perUserPerDay: fc.integer({ min: 1, max: 3 }), cooldownMinutes: fc.integer({ min: 0, max: 120 }) }, { requiredKeys: [] }),
    availability: fc.option(
      fc.array(
        rec({
          days: fc.uniqueArray(fc.constantFrom('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'), { minLength: 1 }),
          from: hhmm.filter((t) => t !== '24:00'),
          to: hhmm,
          timeZone: fc.constantFrom(...ZONES),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      { nil: undefined },
    ),
    addTargetInput: fc.boolean(),
  })
  .map(({ addTargetInput, availability, ...e }) => {
    const inputs: Record<string, unknown> = { ...e.inputs };
    if (addTargetInput && e.target.kind === 'own-device') inputs.device = { type: 'device', title: 'Device' };
    if (addTargetInput && e.target.kind === 'named') inputs.resource = { type: 'string', title: 'Resource' };
    return { ...e, title: `Entry ${e.id}`, description: 'Fuzzed entry', inputs, ...(availability ? { availability } : {}) };
  });

const validEntry = entryInput
  .map((e) => CatalogEntry.safeParse(e))
  .filter((r) => r.success)
  .map((r) => r.data!);

const userFacts: fc.Arbitrary<UserFacts> = rec(
  {
    id: fc.oneof(fc.constantFrom(...USERS), nastyString),
    enabled: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    locked: fc.boolean(),
    groups: fc.oneof(
      { weight: 3, arbitrary: fc.subarray([...GROUPS], { minLength: 1 }) },
      { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom(...GROUPS), nastyString), { maxLength: 4 }) },
    ),
    manager: fc.constantFrom('asmith', ''),
    department: fc.constant('IT'),
    hasEmail: fc.boolean(),
  },
  { requiredKeys: ['id', 'enabled', 'locked', 'groups', 'hasEmail'] },
);

/** A staff member as the directory knows them: enabled, in staff, with devices. */
const staffMember: fc.Arbitrary<CallerContext> = rec({
  user: rec({
    id: fc.constantFrom(...USERS),
    enabled: fc.constant(true),
    locked: fc.boolean(),
    groups: fc.subarray([...GROUPS], { minLength: 1 }).map((g) => [...new Set(['staff', ...g])]),
    manager: fc.constant('asmith'),
    hasEmail: fc.constant(true),
  }),
  devices: fc.subarray([...DEVICES], { minLength: 1 }),
});

const anyCaller: fc.Arbitrary<CallerContext> = rec(
  {
    user: fc.option(userFacts, { nil: null, freq: 6 }),
    devices: fc.array(fc.oneof(fc.constantFrom(...DEVICES), nastyString), { maxLength: 3 }),
    adminGroups: fc.array(fc.constantFrom(...GROUPS), { maxLength: 2 }),
  },
  { requiredKeys: ['user', 'devices'] },
);
const caller = fc.oneof(staffMember, anyCaller);

const now = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

/** An input value: of the right kind for some field, or anything at all. */
const inputValue = fc.oneof(
  fc.constantFrom(...DEVICES),
  fc.constantFrom('a', 'b', 'vscode', 'printer-1', 'vpn', ''),
  fc.boolean(),
  fc.integer({ min: -10, max: 20 }),
  jsonValue,
);

/** Requests for the shipped automations with the inputs they take (the target left out or named). */
const plausibleRequest = fc
  .oneof(
    fc.constant({ automation: 'unlock-account', inputs: {} }),
    rec({
      automation: fc.constant('disk-cleanup'),
      inputs: rec({ device: fc.constantFrom(...DEVICES), includeDownloads: fc.boolean() }, { requiredKeys: ['device'] }),
    }),
    rec({
      automation: fc.constant('reinstall-software'),
      inputs: rec({ device: fc.constantFrom(...DEVICES), software: fc.constantFrom('vscode', 'acrobat-pro') }),
    }),
  )
  .chain((r) => fc.option(fc.constantFrom(...USERS, ...DEVICES), { nil: undefined, freq: 3 }).map((target) => (target === undefined ? r : { ...r, target })));

function requestFor(catalog: SelfServiceCatalog) {
  const ids = catalog.automations.map((a) => a.id);
  const names = [...new Set(catalog.automations.flatMap((a) => Object.keys(a.inputs)))];
  return fc.oneof(
    plausibleRequest as fc.Arbitrary<{ automation: string; inputs: unknown; target?: unknown }>,
    rec(
      {
        automation: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('disk-cleanup', 'unlock-account', 'reinstall-software') },
          { weight: 4, arbitrary: fc.constantFrom(...ids) },
          { weight: 1, arbitrary: nastyString },
        ),
        inputs: fc.oneof(
          { weight: 2, arbitrary: fc.constant({}) },
          {
            weight: 3,
            arbitrary: rec(
              {
                device: fc.constantFrom(...DEVICES),
                includeDownloads: fc.boolean(),
                aggressive: fc.boolean(),
                software: fc.constantFrom('vscode', 'acrobat-pro', 'a', 'b'),
                resource: fc.constantFrom('printer-1', 'share-2', 'vpn', 'nope'),
              },
              { requiredKeys: [] },
            ),
          },
          {
            weight: 3,
            arbitrary: dict(fc.oneof(fc.constantFrom(...(names.length ? names : ['x'])), fc.constantFrom(...PROTO_NAMES), nastyString), inputValue, {
              maxKeys: 4,
            }),
          },
          { weight: 1, arbitrary: jsonValue },
        ),
        target: fc.oneof(fc.constantFrom(...USERS), fc.constantFrom(...DEVICES), fc.constantFrom('printer-1', 'vpn'), jsonValue),
      },
      { requiredKeys: ['automation', 'inputs'] },
    ),
  );
}

const history = (at: Date) =>
  rec({
    startsLast24h: fc.array(
      fc.integer({ min: -3 * 86_400_000, max: 3_600_000 }).map((d) => new Date(at.getTime() + d).toISOString()),
      { maxLength: 4 },
    ),
    lastFinishedAt: fc.option(
      fc.integer({ min: -86_400_000, max: 600_000 }).map((d) => new Date(at.getTime() + d).toISOString()),
      { nil: null },
    ),
  });

const isAdminOnly = (f: CatalogEntry['inputs'][string]) => f.type !== 'device' && f.adminOnly === true;

// ---- the pure guardrails ----------------------------------------------------------------------

describe('self-service guardrails (checkRequest)', () => {
  it('never throw, and a plan only ever acts on what the caller owns, with inputs the entry declares', () => {
    const scenario = fc.array(validEntry, { maxLength: 3 }).chain((generated) => {
      // The shipped catalog plus generated entries (ids of generated ones made unique).
      const catalog: SelfServiceCatalog = { automations: [...content.selfService.automations, ...generated.map((e, i) => ({ ...e, id: `gen-${i}-${e.id}` }))] };
      return fc
        .tuple(fc.constant(catalog), requestFor(catalog), caller, now)
        .chain(([c, request, who, at]) => history(at).map((h) => ({ catalog: c, request, who, at, h })));
    });
    let plans = 0;
    fc.assert(
      fc.property(scenario, ({ catalog, request, who, at, h }) => {
        const result = checkRequest(catalog, request, who, h, at);
        if (!result.ok) {
          expect(result.status).toBe(REFUSAL_STATUS[result.reason]);
          expect(result.message.length).toBeGreaterThan(0);
          if (result.reason === 'invalid_input') {
            expect(result.issues?.length).toBeGreaterThan(0);
            for (const issue of result.issues!) expect(issue.path).toMatch(/^(inputs|target)(\.|$)/);
          }
          if (result.reason === 'rate_limited' || result.reason === 'cooling_down') expect(result.retryAfterSeconds).toBeGreaterThan(0);
          return;
        }
        plans++;
        const entry = result.entry;
        const user = who.user!;
        expect(entry.published).toBe(true);
        expect(entry.id).toBe(request.automation);
        expect(user.enabled).toBe(true);
        expect(entry.audience.some((g) => user.groups.includes(g))).toBe(true);
        const admin = user.groups.some((g) => (who.adminGroups ?? ['it-staff']).includes(g));
        for (const [name, value] of Object.entries(result.inputs)) {
          expect(Object.hasOwn(entry.inputs, name)).toBe(true);
          const field = entry.inputs[name]!;
          // A non-admin never sets an admin-only input: at most its default is filled in.
          if (!admin && isAdminOnly(field)) expect(value).toBe(field.type === 'boolean' ? field.default : undefined);
          if (field.type === 'device') expect(who.devices).toContain(value);
          expect(['string', 'number', 'boolean']).toContain(typeof value);
        }
        if (entry.target.kind === 'self') expect(result.target).toEqual({ kind: 'account', id: user.id });
        if (entry.target.kind === 'own-device') expect(who.devices).toContain(result.target.id);
        if (entry.target.kind === 'named') expect(entry.target.resources).toContain(result.target.id);
        if (request.target !== undefined) expect(request.target).toBe(result.target.id);
        expect(inWindow(entry.availability, at)).toBe(true);
      }),
      runs(1500),
    );
    // The generators reach the accepting path too, or the checks above would prove nothing.
    expect(plans).toBeGreaterThan(20);
  });

  it('assessSoftware and approvalProblem never throw, and only listed approvers other than the requester pass', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...content.software.software.map((s) => s.id)), nastyString),
        userFacts,
        fc.option(fc.oneof(fc.constantFrom('windows', 'macos', 'linux'), nastyString), { nil: null }),
        (id, target, platform) => {
          const a = assessSoftware(content.software, id, target, platform);
          if (a.ok) {
            const item = content.software.software.find((s) => s.id === id)!;
            expect(item.audience.some((g) => target.groups.includes(g))).toBe(true);
            if (platform !== null) expect(item.platforms as string[]).toContain(platform);
          } else expect(a.message.length).toBeGreaterThan(0);
        },
      ),
      runs(500),
    );
    const answer = fc.oneof(
      jsonValue,
      rec(
        {
          approver: fc.oneof(fc.constantFrom(...USERS), jsonValue),
          approve: fc.oneof(fc.boolean(), jsonValue),
          comment: jsonValue,
          approverGroups: fc.oneof(fc.array(fc.constantFrom(...GROUPS)), jsonValue),
        },
        { requiredKeys: [] },
      ),
    );
    const state = rec(
      {
        waiting: fc.boolean(),
        approvers: fc.array(fc.constantFrom(...USERS), { maxLength: 2 }),
        requester: fc.constantFrom(...USERS),
        approverGroup: fc.constantFrom(...GROUPS),
      },
      { requiredKeys: ['waiting', 'approvers', 'requester'] },
    );
    fc.assert(
      fc.property(answer, state, (a, s) => {
        const problem = approvalProblem(a as never, s);
        if (problem !== null) {
          expect(problem.length).toBeGreaterThan(0);
          return;
        }
        const ok = a as { approver: string; approve: boolean; approverGroups?: unknown };
        expect(s.waiting).toBe(true);
        expect(typeof ok.approver).toBe('string');
        expect(typeof ok.approve).toBe('boolean');
        expect(ok.approver).not.toBe(s.requester);
        expect((s.approvers as string[]).includes(ok.approver) || (Array.isArray(ok.approverGroups) && ok.approverGroups.includes(s.approverGroup))).toBe(true);
      }),
      runs(1000),
    );
  });
});

// ---- the HTTP API -----------------------------------------------------------------------------

const ADMIN_TOKEN = 'staff-fuzz-token-0123456789abcdef';

/** The API with self-service (HS256 test tokens) and the staff token, over the counting client. */
function selfServiceApi(stub: CountingClient, adapters: Adapters): Promise<FastifyInstance> {
  return fuzzApi(content, {
    client: stub.client,
    store: adapters.store,
    adminToken: ADMIN_TOKEN,
    directory: adapters.directory,
    selfService: {
      client: stub.client,
      taskQueue: 'fuzz-self-service',
      catalog: content.selfService,
      directory: adapters.directory,
      endpoints: adapters.endpoints,
      store: adapters.store,
      verify: createJwtVerifier({ hmacSecret: JWT.secret, issuer: JWT.issuer, audience: JWT.audience }),
    },
  });
}

describe('self-service and staff HTTP API', () => {
  let adapters: Adapters;
  let stub: CountingClient;
  let app: FastifyInstance;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    adapters = await demoAdapters();
    stub = countingClient();
    app = await selfServiceApi(stub, adapters);
    for (const u of USERS) tokens.set(u, await token(u));
  });
  afterAll(async () => {
    await app?.close();
  });

  async function call(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: Buffer) {
    const res = await app.inject({
      method,
      url,
      headers: payload ? { 'content-type': 'application/json', ...headers } : headers,
      ...(payload ? { payload } : {}),
    });
    let body: Record<string, any> = {};
    try {
      body = JSON.parse(res.body);
    } catch {
      body = { raw: res.body };
    }
    return { status: res.statusCode, body };
  }
  const bearer = (who: string) => ({ authorization: `Bearer ${tokens.get(who)}` });
  const staff = { authorization: `Bearer ${ADMIN_TOKEN}` };

  /** Never a 5xx; a 4xx says what is wrong; 400s name a field or the body. */
  function expectClientError(reply: { status: number; body: Record<string, any> }) {
    expect(reply.status, JSON.stringify(reply.body).slice(0, 300)).toBeLessThan(500);
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(typeof reply.body.error).toBe('string');
    if (reply.status === 400) expect(JSON.stringify(reply.body.issues ?? reply.body.message)).toMatch(/\w/);
  }

  const nearMiss = rec(
    {
      automation: fc.constantFrom('disk-cleanup', 'unlock-account', 'reinstall-software'),
      inputs: rec(
        {
          device: fc.constantFrom(...DEVICES),
          includeDownloads: fc.boolean(),
          aggressive: fc.boolean(),
          software: fc.constantFrom('vscode', 'acrobat-pro', 'wireshark'),
        },
        { requiredKeys: [] },
      ),
      target: fc.oneof(fc.constantFrom(...USERS), fc.constantFrom(...DEVICES)),
    },
    { requiredKeys: ['automation'] },
  );
  const requestBody = fc.oneof(
    { weight: 3, arbitrary: plausibleRequest },
    { weight: 2, arbitrary: nearMiss },
    { weight: 2, arbitrary: jsonValue },
    {
      weight: 5,
      arbitrary: rec(
        {
          automation: fc.oneof(fc.constantFrom('disk-cleanup', 'unlock-account', 'reinstall-software', 'reset-mfa'), nastyString, jsonValue),
          inputs: fc.oneof(
            dict(fc.oneof(fc.constantFrom('device', 'includeDownloads', 'aggressive', 'software'), fc.constantFrom(...PROTO_NAMES), nastyString), inputValue, {
              maxKeys: 4,
            }),
            jsonValue,
          ),
          target: fc.oneof(fc.constantFrom(...USERS), fc.constantFrom(...DEVICES), jsonValue),
          extra: jsonValue,
        },
        { requiredKeys: [] },
      ),
    },
  );

  it('POST /self-service/requests: never 5xx; only a 202 starts a workflow, for the caller’s own account or device', async () => {
    const startsBefore = stub.calls.start;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USERS), requestBody, async (who, body) => {
        const starts = stub.calls.start;
        const reply = await call('POST', '/self-service/requests', bearer(who), Buffer.from(JSON.stringify(body)));
        if (reply.status !== 202) {
          expectClientError(reply);
          expect(stub.calls.start, 'a refused request started a workflow').toBe(starts);
          return;
        }
        expect(stub.calls.start).toBe(starts + 1);
        const { options } = stub.started.at(-1)!;
        const input = options.args![0] as { caller: string; target: { kind: string; id: string }; inputs: Record<string, unknown>; automation: { id: string } };
        const ctx = await callerContext(
          {
            client: stub.client,
            taskQueue: 'x',
            catalog: content.selfService,
            directory: adapters.directory,
            endpoints: adapters.endpoints,
            store: adapters.store,
          },
          who,
        );
        expect(input.caller).toBe(who);
        expect(ctx.user?.enabled).toBe(true);
        if (input.target.kind === 'account') expect(input.target.id).toBe(who);
        else if (input.target.kind === 'device') expect(ctx.devices).toContain(input.target.id);
        const entry = content.selfService.automations.find((a) => a.id === input.automation.id)!;
        const admin = ctx.user!.groups.includes('it-staff');
        for (const [name, value] of Object.entries(input.inputs)) {
          if (entry.inputs[name]!.type === 'device') expect(ctx.devices).toContain(value);
          const field = entry.inputs[name]!;
          if (!admin && field.type !== 'device' && field.adminOnly) expect(value).toBe(field.type === 'boolean' ? field.default : undefined);
        }
      }),
      runs(300),
    );
    expect(stub.calls.start, 'no generated request was ever accepted').toBeGreaterThan(startsBefore);
  });

  it('POST /self-service/requests: bytes that are not JSON are a 400 and start nothing', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.constantFrom('{', '{"automation":', 'undefined', '\ufeff{}', '{"automation":"disk-cleanup",}').map((s) => Buffer.from(s)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...USERS), bytes, async (who, raw) => {
        const starts = stub.calls.start;
        let valid = true;
        try {
          JSON.parse(raw.toString('utf8') || 'null');
        } catch {
          valid = false;
        }
        const reply = await call('POST', '/self-service/requests', bearer(who), raw);
        if (!valid) expect(reply.status).toBe(400);
        expect(reply.status).not.toBe(202);
        expectClientError(reply);
        expect(stub.calls.start).toBe(starts);
      }),
      runs(150),
    );
  });

  it('refuses any token that is not a valid one from the identity provider: 401, nothing started or read', async () => {
    const forged = fc.oneof(
      nastyString.filter((s) => /^[\x20-\x7e]*$/.test(s)).map((s) => `Bearer ${s}`),
      fc.constantFrom('', 'Bearer', 'Basic Zm9vOmJhcg==', `Bearer ${'a'.repeat(20_000)}`, 'Bearer e30.e30.', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJqZG9lIn0.'),
      rec({
        sub: fc.oneof(fc.constantFrom(...USERS), nastyString),
        alg: fc.constantFrom('HS256', 'HS384', 'HS512'),
        secret: fc.constantFrom(JWT.secret, 'another-secret-0123456789abcdef-0123456789'),
        iss: fc.constantFrom(JWT.issuer, 'https://evil.example.com'),
        aud: fc.constantFrom(JWT.audience, 'other'),
        exp: fc.oneof(fc.integer({ min: -7200, max: -60 }), fc.integer({ min: 60, max: 600 })),
      }).filter((x) => !(x.alg === 'HS256' && x.secret === JWT.secret && x.iss === JWT.issuer && x.aud === JWT.audience && x.exp > 0)),
    );
    const sign = async (c: { sub: string; alg: string; secret: string; iss: string; aud: string; exp: number }) =>
      `Bearer ${await new SignJWT({})
        .setProtectedHeader({ alg: c.alg })
        .setSubject(c.sub)
        .setIssuer(c.iss)
        .setAudience(c.aud)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + c.exp)
        .sign(new TextEncoder().encode(c.secret))}`;
    await fc.assert(
      fc.asyncProperty(
        forged,
        fc.constantFrom(
          '/self-service/catalog',
          '/self-service/requests',
          '/self-service/requests/self-disk-cleanup-jdoe',
          '/self-service/requests/x/cancel',
          '/self-service/requests/x/approval',
        ),
        async (auth, url) => {
          const authorization = typeof auth === 'string' ? auth : await sign(auth);
          const before = { ...stub.calls };
          const method = url === '/self-service/catalog' || url.endsWith('jdoe') ? 'GET' : 'POST';
          const reply = await call(
            method,
            url,
            authorization ? { authorization } : {},
            method === 'POST' ? Buffer.from(JSON.stringify({ automation: 'unlock-account', approve: true })) : undefined,
          );
          expect(reply.status).toBe(401);
          expect(stub.calls).toEqual(before);
        },
      ),
      runs(120),
    );
  });

  it('status, cancel and approval of requests: never 5xx for any id or body; a malformed body reaches no workflow', async () => {
    const id = fc.oneof(pathSegment, fc.constantFrom('self-disk-cleanup-jdoe', 'self-unlock-account-asmith', 'a'.repeat(250)));
    const route = fc.constantFrom('status', 'cancel', 'approval');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...USERS),
        id,
        route,
        fc.oneof(jsonValue, rec({ approve: fc.oneof(fc.boolean(), jsonValue), comment: fc.oneof(nastyString, jsonValue) }, { requiredKeys: [] })),
        async (who, rawId, kind, body) => {
          const before = stub.touched();
          const base = `/self-service/requests/${encodeURIComponent(rawId)}`;
          const reply =
            kind === 'status'
              ? await call('GET', base, bearer(who))
              : kind === 'cancel'
                ? await call('POST', `${base}/cancel`, bearer(who), Buffer.from('{}'))
                : await call('POST', `${base}/approval`, bearer(who), Buffer.from(JSON.stringify(body)));
          expectClientError(reply);
          if (reply.status === 400) expect(stub.touched()).toBe(before);
        },
      ),
      runs(200),
    );
  });

  it('every route of the OpenAPI document refuses a caller without credentials (401), except the listed public ones', async () => {
    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
    const fastifyPath = (p: string) => p.replace(/\{(\w+)\}/g, ':$1');
    const publicOnes = new Set<string>(PUBLIC_ROUTES);
    // Every route the API has is described, the public ones included (GET /openapi.json serves the document itself).
    for (const route of PUBLIC_ROUTES.filter((r) => r !== 'GET /openapi.json'))
      expect(operations.map((o) => `${o.method} ${fastifyPath(o.path)}`)).toContain(route);
    expect(operations.length).toBeGreaterThan(25);
    for (const { method, path, op } of operations) {
      const key = `${method} ${fastifyPath(path)}`;
      const url = path.replace(/\{\w+\}/g, 'probe-1');
      const payload = method === 'POST' ? { 'content-type': 'application/json' } : {};
      for (const auth of [{}, { authorization: 'Bearer not-a-token' }]) {
        const touched = stub.touched();
        const res = await app.inject({
          method: method as 'GET' | 'POST',
          url,
          headers: { ...payload, ...auth },
          ...(method === 'POST' ? { payload: '{}' } : {}),
        });
        if (publicOnes.has(key)) {
          // Public: not behind the staff token (a webhook still checks its own signature or token).
          expect(op.security, key).toEqual([]);
          expect(res.body, key).not.toContain('a valid staff bearer token is required');
        } else {
          expect(res.statusCode, `${key} ${res.body}`).toBe(401);
          expect(stub.touched(), `${key}: a refused call reached Temporal`).toBe(touched);
          expect(op.security, key).toEqual(key.startsWith(`${method} /self-service/`) ? [{ bearer: [] }] : [{ staffToken: [] }]);
        }
      }
    }
    // Each kind of token opens only its own routes.
    expect((await app.inject({ method: 'GET', url: '/workflows/probe-1', headers: bearer('jdoe') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/self-service/catalog', headers: staff })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/no-such-route' })).statusCode).toBe(401);
  });

  it('staff endpoints: never 5xx for any body, id or query; a refused request starts nothing', async () => {
    const id = fc.oneof(pathSegment, fc.constantFrom('ticket-jira-ITSM-1', '1', '0', '-1', '1e3', '99999999999999999999'));
    const body = fc.oneof(
      jsonValue,
      rec(
        {
          tree: fc.oneof(fc.constantFrom('network-connectivity', 'printer', 'constructor'), nastyString),
          user: fc.oneof(fc.constantFrom(...USERS), nastyString),
          deviceId: nastyString,
        },
        { requiredKeys: [] },
      ),
      rec({ node: nastyString, choice: nastyString, responder: fc.oneof(fc.constantFrom(...USERS), jsonValue) }, { requiredKeys: [] }),
      rec({ approver: fc.oneof(fc.constantFrom(...USERS), jsonValue), approve: fc.oneof(fc.boolean(), jsonValue), comment: jsonValue }, { requiredKeys: [] }),
    );
    const query = dict(
      fc.constantFrom('ticket', 'user', 'action', 'from', 'to', 'limit', 'status', 'format', '__proto__'),
      fc.oneof(nastyString, fc.constantFrom('-1', '0', '1.5', '1e400', '2026-11-26', 'yesterday', 'open', 'markdown')),
      { maxKeys: 4 },
    );
    const endpoint = fc.constantFrom(
      'POST /troubleshooting',
      'POST /troubleshooting/:id/answer',
      'POST /troubleshooting/:id/back',
      'GET /troubleshooting/:id',
      'POST /workflows/:id/approval',
      'GET /workflows/:id',
      'GET /audit',
      'GET /dead-letters',
      'GET /dead-letters/:id',
      'POST /dead-letters/:id/replay',
      'POST /dead-letters/:id/discard',
      'GET /records/:ticket',
    );
    await fc.assert(
      fc.asyncProperty(endpoint, id, body, query, async (ep, rawId, payload, q) => {
        const [method, template] = ep.split(' ') as ['GET' | 'POST', string];
        const search = new URLSearchParams(q as Record<string, string>).toString();
        const url = template.replace(/:id|:ticket/, encodeURIComponent(rawId)) + (search ? `?${search}` : '');
        const before = stub.touched();
        const starts = stub.calls.start;
        const reply = await call(method, url, staff, method === 'POST' ? Buffer.from(JSON.stringify(payload)) : undefined);
        expect(reply.status, `${ep} ${JSON.stringify(reply.body).slice(0, 300)}`).toBeLessThan(500);
        if (reply.status >= 400) {
          expect(typeof reply.body.error).toBe('string');
          expect(stub.calls.start).toBe(starts);
          if (reply.status === 400) expect(stub.touched()).toBe(before);
        }
      }),
      runs(300),
    );
  });
});

// Found by fuzzing: zod 4.6's `.min()`/`.max()` length checks run on any value that has a `length`,
// even after the type check failed, and comparing a length that cannot be turned into a primitive
// threw out of `safeParse`. The API answered such a body 503 (retry later) instead of 400, so a
// client retried a request that can never succeed.
describe('bugs fuzzing found (fixed; kept as regression tests)', () => {
  let stub: CountingClient;
  let app: FastifyInstance;
  let jdoe: string;
  beforeAll(async () => {
    const adapters = await demoAdapters();
    stub = countingClient();
    app = await selfServiceApi(stub, adapters);
    jdoe = await token('jdoe');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a body field holding a value that cannot be turned into a primitive is a 400 naming it, not a 503', async () => {
    const cases = fc.constantFrom(
      { url: '/self-service/requests', field: 'automation', base: { automation: 'unlock-account' }, auth: 'jwt' },
      { url: '/self-service/requests', field: 'target', base: { automation: 'unlock-account' }, auth: 'jwt' },
      { url: '/self-service/requests/self-unlock-account-jdoe/approval', field: 'comment', base: { approve: true }, auth: 'jwt' },
      { url: '/troubleshooting', field: 'tree', base: { tree: 'printer', user: 'jdoe' }, auth: 'staff' },
      { url: '/troubleshooting', field: 'user', base: { tree: 'printer', user: 'jdoe' }, auth: 'staff' },
      { url: '/troubleshooting/ts-1/answer', field: 'node', base: { node: 'ask', choice: 'one', responder: 'sam.helper' }, auth: 'staff' },
      { url: '/troubleshooting/ts-1/answer', field: 'responder', base: { node: 'ask', choice: 'one', responder: 'sam.helper' }, auth: 'staff' },
      { url: '/troubleshooting/ts-1/back', field: 'responder', base: { responder: 'sam.helper' }, auth: 'staff' },
      { url: '/workflows/run-1/approval', field: 'approver', base: { approver: 'asmith', approve: true }, auth: 'staff' },
      { url: '/workflows/run-1/approval', field: 'comment', base: { approver: 'asmith', approve: true }, auth: 'staff' },
    );
    await fc.assert(
      fc.asyncProperty(cases, hostileValue, async (c, value) => {
        const before = stub.touched();
        const res = await app.inject({
          method: 'POST',
          url: c.url,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.auth === 'jwt' ? jdoe : ADMIN_TOKEN}` },
          payload: JSON.stringify({ ...c.base, [c.field]: value }),
        });
        expect(res.statusCode, `${c.url} ${c.field}: ${res.body}`).toBe(400);
        expect(res.body).toContain(c.field);
        expect(stub.touched()).toBe(before);
      }),
      { numRuns: 50 },
    );
  });

  it('a "__proto__" key anywhere in a body is a 400 naming it, like any other unknown key, and uses no quota', async () => {
    const bodies = [
      '{"automation":"disk-cleanup","inputs":{"device":"LT-0042","__proto__":{"aggressive":true}}}',
      '{"automation":"disk-cleanup","inputs":{"__proto__":null,"device":"LT-0042"}}',
      '{"__proto__":{"automation":"reset-mfa"},"automation":"unlock-account"}',
    ];
    for (const payload of bodies) {
      const before = stub.touched();
      const res = await app.inject({
        method: 'POST',
        url: '/self-service/requests',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${jdoe}` },
        payload,
      });
      expect(res.statusCode, payload).toBe(400);
      expect(JSON.parse(res.body).issues).toEqual([{ path: expect.stringMatching(/__proto__$/), message: 'the key "__proto__" is not allowed' }]);
      expect(stub.touched(), 'nothing started, no quota used').toBe(before);
    }
    // The same request without it goes through.
    const ok = await app.inject({
      method: 'POST',
      url: '/self-service/requests',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jdoe}` },
      payload: '{"automation":"disk-cleanup","inputs":{"device":"LT-0042"}}',
    });
    expect(ok.statusCode, ok.body).toBe(202);
  });
});
