import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { check, FakeHelpDesk, FakeHttpError, numericString, type FakeOutcome } from '../integration/fakes/jira.js';

// Snipe-IT REST API v1 (https://snipe-it.readme.io/reference/api-overview), the part onboarding
// uses: hardware (list, show, show by tag, update, checkout, checkin), models and users. Shapes follow the
// documentation and the API controllers and transformers of grokability/snipe-it:
// - lists answer `{ total, rows }`, paged by limit (at most 500, the default MAX_RESULTS) and offset;
// - a missing asset on GET /hardware/{id}, a checkout of an asset not available, a checkin of one
//   already checked in answer HTTP 200 with `{ status: "error", messages, payload }`; successful
//   changes answer `{ status: "success", messages, payload }`;
// - checkout and checkin of an unknown id answer 404 (findOrFail);
// - GET /hardware/bytag/{tag} (AssetsController@showByTag, https://snipe-it.readme.io/reference/hardware-by-asset-tag)
//   answers the one asset with that tag as GET /hardware/{id} does, `{ total, rows }` when several
//   match or with ?deleted=true (which includes deleted ones), and HTTP 200 with `{ status: "error",
//   messages: "Asset does not exist." }` when none does;
// - the list filters by `serial`, and by `assigned_to` only together with `assigned_type` (the
//   Eloquent class, `App\Models\User` for people);
// - an asset's custom fields are keyed by the field's name, each `{ field: <db column>, value,
//   field_format, element }`, and the list filters on a custom field by its db column;
// - a custom field not in the model's fieldset is ignored by PATCH /hardware/{id}, as Snipe-IT does.
// Stricter than Snipe-IT (to catch the adapter's mistakes): unknown query parameters and body
// fields are refused with 400 instead of ignored, and every request must carry the bearer key.
//
// Run alone (the cluster tests do): `tsx test/fakes/snipeit.ts --port 0 --token T [--state F]`
// prints `{"port":N}` and serves `GET /_fake/state` and `POST /_fake/faults` with the same token.

export interface FakeSnipeField {
  name: string;
  column: string;
}

export interface FakeSnipeModel {
  id: number;
  name: string;
  /** Custom fields of the model's fieldset. */
  fields: FakeSnipeField[];
}

export interface FakeSnipeUser {
  id: number;
  username: string;
  name: string;
}

export interface FakeSnipeAsset {
  id: number;
  asset_tag: string;
  serial: string;
  modelId: number;
  /** Status label: deployable (Ready to Deploy) or not (Pending, Archived...). */
  deployable: boolean;
  assignedUser: number | null;
  /** Custom field values by db column. */
  values: Record<string, string | null>;
  deleted: boolean;
}

export interface FakeSnipeItOptions {
  token: string;
  models: FakeSnipeModel[];
  users: FakeSnipeUser[];
  assets: Array<Omit<FakeSnipeAsset, 'assignedUser' | 'deleted' | 'values' | 'deployable'> & Partial<FakeSnipeAsset>>;
}

const MAX_RESULTS = 500;
/** assigned_type of an asset checked out to a user. */
const USER_TYPE = 'App\\Models\\User';
const CheckoutBody = z.strictObject({
  checkout_to_type: z.enum(['user', 'asset', 'location']),
  assigned_user: z.number().int().optional(),
  assigned_asset: z.number().int().optional(),
  assigned_location: z.number().int().optional(),
  note: z.string().nullable().optional(),
  name: z.string().optional(),
  expected_checkin: z.string().optional(),
  checkout_at: z.string().optional(),
  status_id: z.number().int().optional(),
});
const CheckinBody = z.strictObject({
  note: z.string().nullable().optional(),
  status_id: z.number().int().optional(),
  location_id: z.number().int().optional(),
  name: z.string().optional(),
  checkin_at: z.string().optional(),
  update_default_location: z.boolean().optional(),
});
const Paging = { limit: numericString.optional(), offset: numericString.optional() };

export class FakeSnipeIt extends FakeHelpDesk {
  readonly models: FakeSnipeModel[];
  readonly users: FakeSnipeUser[];
  readonly assets = new Map<number, FakeSnipeAsset>();
  /** Every checkout and checkin made, in order. */
  readonly log: Array<{ action: 'checkout' | 'checkin'; assetId: number; userId: number; note: string | null }> = [];

  constructor(private readonly options: FakeSnipeItOptions) {
    super();
    this.models = options.models;
    this.users = options.users;
    for (const a of options.assets) {
      this.assets.set(a.id, { assignedUser: null, deleted: false, values: {}, deployable: true, ...a });
    }
    this.registerRoutes();
  }

  protected authorized(header: string | undefined): boolean {
    return header === `Bearer ${this.options.token}`;
  }

  protected errorBody(status: number, message: string, fields: Record<string, string>): unknown {
    // Laravel's own answers for these two; Snipe-IT's envelope otherwise.
    if (status === 401) return { message: 'Unauthenticated.' };
    if (status === 429) return { message: 'Too Many Attempts.' };
    return {
      status: 'error',
      messages: Object.keys(fields).length > 0 ? Object.fromEntries(Object.entries(fields).map(([k, m]) => [k, [m]])) : message,
      payload: null,
    };
  }

  /** The asset as the API shows it (AssetsTransformer, the fields the adapter may read and a few more). */
  view(asset: FakeSnipeAsset): Record<string, unknown> {
    const model = this.models.find((m) => m.id === asset.modelId)!;
    const user = asset.assignedUser === null ? undefined : this.users.find((u) => u.id === asset.assignedUser);
    return {
      id: asset.id,
      name: '',
      asset_tag: asset.asset_tag,
      serial: asset.serial,
      model: { id: model.id, name: model.name },
      byod: false,
      model_number: null,
      status_label: asset.deployable
        ? { id: 2, name: 'Ready to Deploy', status_type: 'deployable', status_meta: user ? 'deployed' : 'deployable' }
        : { id: 1, name: 'Pending', status_type: 'pending', status_meta: 'pending' },
      category: { id: 1, name: 'Laptops', tag_color: null },
      notes: null,
      location: null,
      assigned_to: user
        ? {
            id: user.id,
            username: user.username,
            name: user.name,
            first_name: user.name.split(' ')[0],
            last_name: null,
            email: null,
            employee_number: null,
            jobtitle: null,
            type: 'user',
          }
        : null,
      created_at: { datetime: '2026-01-05 09:00:00', formatted: '2026-01-05 09:00AM' },
      deleted_at: asset.deleted ? { datetime: '2026-02-01 09:00:00', formatted: '2026-02-01 09:00AM' } : null,
      custom_fields:
        model.fields.length === 0
          ? {}
          : Object.fromEntries(
              model.fields.map((f) => [f.name, { field: f.column, value: asset.values[f.column] ?? null, field_format: 'ANY', element: 'text' }]),
            ),
      user_can_checkout: asset.deployable && asset.assignedUser === null,
      available_actions: { checkout: true, checkin: true, clone: true, restore: false, update: true, audit: true, delete: asset.assignedUser === null },
    };
  }

  /** Everything, as `GET /_fake/state` shows it. */
  state() {
    return {
      assets: [...this.assets.values()].map((a) => ({ ...a })),
      log: [...this.log],
      pendingFaults: this.pendingFaults(),
      requests: this.requests.length,
    };
  }

  private columns(): string[] {
    return [...new Set(this.models.flatMap((m) => m.fields.map((f) => f.column)))];
  }

  private page<T>(rows: T[], query: Record<string, string>): { total: number; rows: T[] } {
    const limit = Math.min(Number(query.limit ?? 50), MAX_RESULTS);
    const offset = Number(query.offset ?? 0);
    return { total: rows.length, rows: rows.slice(offset, offset + limit) };
  }

  private existing(id: string): FakeSnipeAsset {
    const asset = this.assets.get(Number(id));
    // checkout/checkin use findOrFail: Laravel's 404.
    if (!asset || asset.deleted) throw new FakeHttpError(404, 'Asset not found');
    return asset;
  }

  private registerRoutes(): void {
    const columns = Object.fromEntries(this.columns().map((c) => [c, z.string().optional()]));
    const HardwareQuery = z.strictObject({
      ...Paging,
      ...columns,
      status: z.enum(['RTD', 'Deployed', 'Pending', 'Archived', 'Undeployable', 'Deleted', 'Requestable', 'byod']).optional(),
      model_id: numericString.optional(),
      serial: z.string().optional(),
      assigned_to: numericString.optional(),
      assigned_type: z.string().optional(),
      sort: z.enum(['id', 'created_at', 'asset_tag']).optional(),
      order: z.enum(['asc', 'desc']).optional(),
    });

    this.route('GET', /^\/api\/v1\/hardware$/, ({ query }) => {
      const q = check(HardwareQuery, query, 'query');
      let rows = [...this.assets.values()].filter((a) => !a.deleted);
      if (q.status === 'RTD') rows = rows.filter((a) => a.deployable && a.assignedUser === null);
      else if (q.status === 'Deployed') rows = rows.filter((a) => a.assignedUser !== null);
      else if (q.status !== undefined) throw new FakeHttpError(400, `status ${q.status} is not modelled by this fake`);
      if (q.model_id) rows = rows.filter((a) => a.modelId === Number(q.model_id));
      if (q.serial !== undefined) rows = rows.filter((a) => a.serial === q.serial);
      // Snipe-IT ignores one without the other; stricter here, to catch an adapter that sends one.
      if ((q.assigned_to === undefined) !== (q.assigned_type === undefined)) {
        throw new FakeHttpError(400, 'assigned_to and assigned_type filter only together');
      }
      if (q.assigned_to !== undefined) {
        rows = rows.filter((a) => q.assigned_type === USER_TYPE && a.assignedUser === Number(q.assigned_to));
      }
      for (const column of this.columns()) {
        const wanted = (q as Record<string, string | undefined>)[column];
        if (wanted !== undefined) rows = rows.filter((a) => a.values[column] === wanted);
      }
      rows.sort((a, b) => (q.sort === 'id' && q.order === 'asc' ? a.id - b.id : b.id - a.id));
      return {
        status: 200,
        body: this.page(
          rows.map((a) => this.view(a)),
          q,
        ),
      };
    });

    this.route('GET', /^\/api\/v1\/hardware\/(\d+)$/, ({ params, query }) => {
      check(z.strictObject({}), query, 'query');
      const asset = this.assets.get(Number(params[0]));
      if (!asset) return { status: 200, body: { status: 'error', messages: 'Asset does not exist.', payload: null } };
      return { status: 200, body: this.view(asset) };
    });

    this.route('GET', /^\/api\/v1\/hardware\/bytag\/(.+)$/, ({ params, query }) => {
      const q = check(z.strictObject({ deleted: z.enum(['true', 'false']).optional() }), query, 'query');
      const matches = [...this.assets.values()].filter((a) => a.asset_tag === params[0] && (q.deleted === 'true' || !a.deleted));
      if (matches.length === 0) return { status: 200, body: { status: 'error', messages: 'Asset does not exist.', payload: null } };
      if (matches.length === 1 && q.deleted !== 'true') return { status: 200, body: this.view(matches[0]!) };
      return { status: 200, body: { total: matches.length, rows: matches.map((a) => this.view(a)) } };
    });

    this.route('PATCH', /^\/api\/v1\/hardware\/(\d+)$/, ({ params, body }): FakeOutcome => {
      const UpdateBody = z.strictObject({
        ...Object.fromEntries(this.columns().map((c) => [c, z.string().nullable().optional()])),
        name: z.string().optional(),
        notes: z.string().optional(),
      });
      const changes = check(UpdateBody, body, 'body') as Record<string, string | null | undefined>;
      const asset = this.assets.get(Number(params[0]));
      if (!asset) return { status: 200, body: { status: 'error', messages: 'Asset does not exist.', payload: null } };
      const model = this.models.find((m) => m.id === asset.modelId)!;
      return {
        apply: () => {
          for (const [column, value] of Object.entries(changes)) {
            // Snipe-IT writes only the custom fields of the model's fieldset.
            if (model.fields.some((f) => f.column === column)) asset.values[column] = value ?? null;
          }
          return { status: 200, body: { status: 'success', messages: 'Asset updated successfully.', payload: this.view(asset) } };
        },
      };
    });

    this.route('POST', /^\/api\/v1\/hardware\/(\d+)\/checkout$/, ({ params, body }): FakeOutcome => {
      const input = check(CheckoutBody, body, 'body');
      const asset = this.existing(params[0]!);
      if (!asset.deployable || asset.assignedUser !== null) {
        return { status: 200, body: { status: 'error', messages: 'That asset is not available for checkout!', payload: { asset: asset.asset_tag } } };
      }
      const user = input.checkout_to_type === 'user' ? this.users.find((u) => u.id === input.assigned_user) : undefined;
      if (!user) {
        return {
          status: 200,
          body: {
            status: 'error',
            messages: `Checkout target for asset ${asset.asset_tag} is invalid - ${input.checkout_to_type} does not exist.`,
            payload: { asset: { id: asset.id, asset_tag: asset.asset_tag }, target_id: input.assigned_user, target_type: input.checkout_to_type },
          },
        };
      }
      return {
        apply: () => {
          asset.assignedUser = user.id;
          this.log.push({ action: 'checkout', assetId: asset.id, userId: user.id, note: input.note ?? null });
          return { status: 200, body: { status: 'success', messages: 'Asset checked out successfully.', payload: { asset: asset.asset_tag } } };
        },
      };
    });

    this.route('POST', /^\/api\/v1\/hardware\/(\d+)\/checkin$/, ({ params, body }): FakeOutcome => {
      const input = check(CheckinBody, body, 'body');
      const asset = this.existing(params[0]!);
      const model = this.models.find((m) => m.id === asset.modelId)!;
      const payload = { asset_tag: asset.asset_tag, model: model.name, model_number: '' };
      if (asset.assignedUser === null) return { status: 200, body: { status: 'error', messages: 'That asset is already checked in.', payload } };
      return {
        apply: () => {
          this.log.push({ action: 'checkin', assetId: asset.id, userId: asset.assignedUser!, note: input.note ?? null });
          asset.assignedUser = null;
          return { status: 200, body: { status: 'success', messages: 'Asset checked in successfully.', payload } };
        },
      };
    });

    this.route('GET', /^\/api\/v1\/models$/, ({ query }) => {
      const q = check(
        z.strictObject({ ...Paging, search: z.string().optional(), sort: z.string().optional(), order: z.enum(['asc', 'desc']).optional() }),
        query,
        'query',
      );
      const needle = q.search?.toLowerCase() ?? '';
      const rows = this.models
        .filter((m) => m.name.toLowerCase().includes(needle))
        .map((m) => ({ id: m.id, name: m.name, model_number: null, assets_count: 0 }));
      return { status: 200, body: this.page(rows, q) };
    });

    this.route('GET', /^\/api\/v1\/users$/, ({ query }) => {
      const q = check(z.strictObject({ ...Paging, username: z.string().optional(), search: z.string().optional() }), query, 'query');
      const rows = this.users
        .filter((u) => q.username === undefined || u.username === q.username)
        .map((u) => ({ id: u.id, username: u.username, name: u.name, activated: true }));
      return { status: 200, body: this.page(rows, q) };
    });

    // Control routes for a test driving this fake in another process (not part of Snipe-IT).
    this.route('GET', /^\/_fake\/state$/, () => ({ status: 200, body: this.state() }));
    this.route('POST', /^\/_fake\/faults$/, ({ body }) => {
      const input = check(
        z.strictObject({ n: z.number().int().min(1), fault: z.record(z.string(), z.unknown()), method: z.string().optional(), path: z.string().optional() }),
        body,
        'body',
      );
      this.failNext(input.n, input.fault as never, { method: input.method, path: input.path ? new RegExp(input.path) : undefined });
      return { status: 200, body: { pending: this.pendingFaults() } };
    });
  }
}

/** A small stock: two standard-14 laptops, one developer-16, and the people of the demo directory. */
export function demoSnipeIt(token: string): FakeSnipeItOptions {
  const fields = [
    { name: 'Onboarding claim', column: '_snipeit_onboarding_claim_7' },
    { name: 'Platform', column: '_snipeit_platform_8' },
  ];
  return {
    token,
    models: [
      { id: 1, name: 'standard-14', fields },
      { id: 2, name: 'developer-16', fields },
      { id: 3, name: 'kiosk-10', fields: [] },
    ],
    users: [
      { id: 10, username: 'new.hire', name: 'New Hire' },
      { id: 11, username: 'jdoe', name: 'Jane Doe' },
      { id: 12, username: 'asmith', name: 'Alex Smith' },
    ],
    assets: [
      { id: 201, asset_tag: 'LT-0201', serial: 'SN0201', modelId: 1, values: { _snipeit_platform_8: 'windows' } },
      { id: 202, asset_tag: 'LT-0202', serial: 'SN0202', modelId: 1, values: { _snipeit_platform_8: 'windows' } },
      { id: 204, asset_tag: 'LT-0204', serial: 'SN0204', modelId: 2, values: { _snipeit_platform_8: 'macos' } },
      { id: 42, asset_tag: 'LT-0042', serial: 'SN0042', modelId: 1, assignedUser: 11, values: { _snipeit_platform_8: 'windows' } },
    ],
  };
}

/** Listens on `port` and forwards every connection to the fake (whose base server picks its own port). */
export async function forward(port: number, target: string): Promise<string> {
  const { createServer, connect } = await import('node:net');
  const to = new URL(target);
  const server = createServer((socket) => {
    const upstream = connect(Number(to.port), to.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${port}`;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback?: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const { writeFileSync } = await import('node:fs');
  const fake = new FakeSnipeIt(demoSnipeIt(arg('token', 'snipe-test-token')!));
  let url = await fake.start();
  const port = Number(arg('port', '0'));
  if (port !== 0) url = await forward(port, url);
  const stateFile = arg('state');
  if (stateFile) setInterval(() => writeFileSync(stateFile, JSON.stringify(fake.state())), 200).unref();
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(url).port), url })}\n`);
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
