import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { SnipeItSettings } from '../../config/workplace.js';
import { retryAfterMs } from '../ticketing/http.js';
import { AssetOwnerMismatchError, OutOfStockError, UnknownAssetError, type AssetPort, type StockItem } from './port.js';

// Laptops in Snipe-IT, through its REST API (/api/v1, bearer personal API key).
//
// - Stock is `GET /hardware?status=RTD` (ready to deploy: a deployable status and no one assigned),
//   paged with limit/offset against the answer's `total`.
// - A model is a Snipe-IT asset model found by its exact name (`GET /models?search=`); a person is the
//   Snipe-IT user whose `username` is the account id (`GET /users?username=`).
// - Assigning is `POST /hardware/{id}/checkout` { checkout_to_type: "user", assigned_user, note };
//   taking back is `POST /hardware/{id}/checkin` { note }. `assetId` is Snipe-IT's numeric asset id.
// - Which laptops the engine handed out is kept in Snipe-IT, so every host sees it: a custom field
//   (SNIPEIT_CLAIM_FIELD) holds the account id the laptop is being handed to. The claim is written
//   (`PATCH /hardware/{id}`) before the checkout, so a retry after a lost answer finds its laptop by
//   the claim (`GET /hardware?model_id=&<column>=<account>`) instead of taking a second one, and a
//   laptop the person held before is never returned (nor later taken back) as the engine's.
// - deviceId is the asset tag by default: content/fleet.yaml names devices by asset tag, and it is
//   the identifier IT writes on the label and the endpoint tool is told; `serial` or a custom field
//   column (SNIPEIT_DEVICE_ID_FIELD) where the endpoint tool uses those instead.
// - Who holds a device (holderOf) is `assigned_to` of the asset found by its device id:
//   `GET /hardware/bytag/{tag}` (https://snipe-it.readme.io/reference/hardware-by-asset-tag: one
//   asset as GET /hardware/{id} shows it, `{ total, rows }` when several match, HTTP 200 with
//   `{ status: "error", messages: "Asset does not exist." }` when none; deleted assets only with
//   ?deleted=true), or `GET /hardware?serial=` / `?<column>=` for the other device-id sources.
//   What a person holds (heldBy) is `GET /hardware?assigned_to=<user id>&assigned_type=App\Models\User`
//   (AssetsController@index filters on both together).
//
// Snipe-IT answers many refusals with HTTP 200 and `{ "status": "error", "messages": ..., "payload": ... }`
// (an unknown asset, a laptop no longer available for checkout, a validation error): the body is
// checked on every answer, not only the status. 429 (Laravel's throttle, with Retry-After) retries
// after the delay; 5xx, timeouts and network errors retry; other 4xx and error bodies are final
// (ApplicationFailure, type SnipeItRequestRefused), except a checkout lost to another host, which
// retries and then picks another laptop.

const PAGE = 500;
const ERROR_TEXT_MAX = 300;
const NOTE = 'it-support-engine onboarding';
/** assigned_type of an asset checked out to a person (the Eloquent class Snipe-IT stores). */
const USER_TYPE = 'App\\Models\\User';

const Messages = z.union([z.string(), z.record(z.string(), z.union([z.array(z.string()), z.string()])), z.array(z.string()), z.null()]);
const Envelope = z.object({ status: z.enum(['success', 'error']), messages: Messages.optional(), payload: z.unknown().optional() });
const CustomField = z.object({ field: z.string(), value: z.string().nullable().optional() });
const Asset = z.object({
  id: z.number().int(),
  asset_tag: z.string().nullable(),
  serial: z.string().nullable().optional(),
  model: z.object({ id: z.number().int(), name: z.string() }).nullable(),
  assigned_to: z.object({ id: z.number().int(), type: z.string(), username: z.string().optional() }).nullable(),
  deleted_at: z.unknown().optional(),
  custom_fields: z.union([z.record(z.string(), CustomField), z.array(z.never())]).optional(),
});
type Asset = z.infer<typeof Asset>;
const Rows = <S extends z.ZodType>(row: S) => z.object({ total: z.number().int(), rows: z.array(row) });
const Model = z.object({ id: z.number().int(), name: z.string() });
const User = z.object({ id: z.number().int(), username: z.string() });

type Options = Omit<SnipeItSettings, 'adapter'>;

interface Request {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | number>;
  body?: unknown;
}

export class SnipeItAssets implements AssetPort {
  private readonly baseUrl: string;

  constructor(private readonly options: Options) {
    this.baseUrl = `${options.url.replace(/\/+$/, '')}/api/v1`;
  }

  async assign(userId: string, model: string): Promise<{ assetId: string; deviceId: string }> {
    const user = await this.user(userId);
    const modelId = await this.modelId(model);
    if (modelId === undefined) throw await this.outOfStock(model);
    const claim = this.options.claimField;

    const claimed = await this.list({ model_id: modelId, [claim]: userId });
    const held = claimed.find((a) => a.assigned_to?.type === 'user' && a.assigned_to.id === user.id);
    if (held) return this.handle(held);
    // Claimed by an earlier try that did not get to the checkout.
    let asset: Asset | undefined = claimed.find((a) => a.assigned_to === null && a.deleted_at == null);
    if (!asset) {
      // Unclaimed first: a claimed one may be in another host's hands right now (a stale claim is
      // taken only when nothing else is left).
      const stock = await this.list({ model_id: modelId, status: 'RTD' }, PAGE);
      const free = stock.find((a) => this.field(a, claim) === undefined) ?? stock[0];
      if (!free) throw await this.outOfStock(model);
      await this.call({ method: 'PATCH', path: `/hardware/${free.id}`, body: { [claim]: userId } });
      asset = free;
    }
    // A claim written by another host after ours means it is taking this laptop: let the retry pick another.
    const current = await this.asset(asset.id);
    if (current !== null && !this.hasField(current, claim)) {
      throw ApplicationFailure.nonRetryable(
        `Snipe-IT asset ${asset.id} (model ${model}) has no custom field ${claim}: add the field to the fieldset of every laptop model`,
        'SnipeItMisconfigured',
      );
    }
    if (current === null || this.field(current, claim) !== userId || current.assigned_to !== null) {
      throw new Error(`Snipe-IT asset ${asset.id} was taken by another request before its checkout; retrying picks another laptop`);
    }
    const answer = await this.call(
      { method: 'POST', path: `/hardware/${asset.id}/checkout`, body: { checkout_to_type: 'user', assigned_user: user.id, note: NOTE } },
      { allowError: true },
    );
    if (answer.status === 'error') {
      throw new Error(`Snipe-IT refused the checkout of asset ${asset.id} (${messageText(answer.messages)}); retrying picks another laptop`);
    }
    return this.handle(current);
  }

  async unassign(assetId: string, userId: string): Promise<{ unassigned: boolean }> {
    if (!/^\d+$/.test(assetId)) throw new UnknownAssetError(assetId);
    const asset = await this.asset(Number(assetId));
    if (asset === null || asset.deleted_at != null) throw new UnknownAssetError(assetId);
    if (asset.assigned_to === null) return { unassigned: false };
    if (asset.assigned_to.type !== 'user' || asset.assigned_to.username !== userId) throw new AssetOwnerMismatchError(assetId, userId);
    const answer = await this.call({ method: 'POST', path: `/hardware/${asset.id}/checkin`, body: { note: NOTE } }, { allowError: true });
    // Checked in meanwhile (another host's undo, or a person): nothing left to do but the claim.
    const already = answer.status === 'error' && /already checked in/i.test(messageText(answer.messages));
    if (answer.status === 'error' && !already) {
      throw ApplicationFailure.nonRetryable(`Snipe-IT refused the checkin of asset ${asset.id}: ${messageText(answer.messages)}`, 'SnipeItRequestRefused');
    }
    if (this.field(asset, this.options.claimField) !== undefined) {
      await this.call({ method: 'PATCH', path: `/hardware/${asset.id}`, body: { [this.options.claimField]: null } });
    }
    return { unassigned: !already };
  }

  async stock(): Promise<StockItem[]> {
    const assets = await this.list({ status: 'RTD' });
    return assets.filter((a) => a.model !== null).map((a) => ({ ...this.handle(a), model: a.model!.name, platform: this.platform(a) }));
  }

  async holderOf(deviceId: string): Promise<string | null | undefined> {
    const asset = await this.byDeviceId(deviceId);
    if (asset === undefined) return undefined;
    if (asset.assigned_to === null || asset.assigned_to.type !== 'user') return null;
    if (!asset.assigned_to.username) throw new Error(`Snipe-IT asset ${asset.id} is assigned to user ${asset.assigned_to.id} without a username in the answer`);
    return asset.assigned_to.username;
  }

  async heldBy(userId: string): Promise<string[]> {
    const page = await this.getRows('/users', { username: userId, limit: 2 }, User);
    const user = page.rows.find((u) => u.username === userId);
    if (!user) return [];
    const assets = await this.list({ assigned_to: user.id, assigned_type: USER_TYPE });
    // Something without a device id (a monitor, a dock) is nothing the endpoint tool can address.
    return assets.flatMap((a) => {
      const deviceId = a.deleted_at == null ? this.deviceIdOf(a) : undefined;
      return deviceId ? [deviceId] : [];
    });
  }

  /** The live asset the endpoint tool calls `deviceId`, or undefined when Snipe-IT has none. */
  private async byDeviceId(deviceId: string): Promise<Asset | undefined> {
    const source = this.options.deviceIdField;
    let found: Asset[];
    if (source === 'asset_tag') {
      const path = `/hardware/bytag/${encodeURIComponent(deviceId)}`;
      const body = await this.json({ method: 'GET', path });
      const envelope = Envelope.safeParse(body);
      if (envelope.success && envelope.data.status === 'error') {
        if (/does not exist|not found/i.test(messageText(envelope.data.messages))) return undefined;
        throw ApplicationFailure.nonRetryable(`Snipe-IT GET ${path}: ${messageText(envelope.data.messages)}`, 'SnipeItRequestRefused');
      }
      found = Asset.safeParse(body).success ? [shaped(Asset, body, `GET ${path}`)] : shaped(Rows(Asset), body, `GET ${path}`).rows;
    } else {
      found = await this.list({ [source]: deviceId }, PAGE);
    }
    const live = found.filter((a) => a.deleted_at == null);
    if (live.length > 1) {
      throw ApplicationFailure.nonRetryable(
        `Snipe-IT lists ${live.length} assets with ${source} ${deviceId} (ids ${live.map((a) => a.id).join(', ')}): make it unique so the device has one holder`,
        'SnipeItAmbiguousDevice',
      );
    }
    return live[0];
  }

  private deviceIdOf(asset: Asset): string | undefined {
    const source = this.options.deviceIdField;
    return (source === 'asset_tag' ? asset.asset_tag : source === 'serial' ? asset.serial : this.field(asset, source)) || undefined;
  }

  private handle(asset: Asset): { assetId: string; deviceId: string } {
    const source = this.options.deviceIdField;
    const deviceId = this.deviceIdOf(asset);
    if (!deviceId) {
      throw ApplicationFailure.nonRetryable(
        `Snipe-IT asset ${asset.id} has no ${source}: the endpoint tool cannot address it; fill it in Snipe-IT`,
        'AssetWithoutDeviceId',
      );
    }
    return { assetId: String(asset.id), deviceId };
  }

  private platform(asset: Asset): string {
    const value = this.options.platformField ? this.field(asset, this.options.platformField)?.toLowerCase() : undefined;
    return value === 'windows' || value === 'macos' || value === 'linux' ? value : 'unknown';
  }

  private hasField(asset: Asset, column: string): boolean {
    return !Array.isArray(asset.custom_fields) && Object.values(asset.custom_fields ?? {}).some((f) => f.field === column);
  }

  /** A custom field's value by its database column (the API keys custom_fields by the field's display name). */
  private field(asset: Asset, column: string): string | undefined {
    const fields = Array.isArray(asset.custom_fields) ? [] : Object.values(asset.custom_fields ?? {});
    const value = fields.find((f) => f.field === column)?.value;
    return value === null || value === undefined || value === '' ? undefined : value;
  }

  private async user(userId: string): Promise<z.infer<typeof User>> {
    const page = await this.getRows('/users', { username: userId, limit: 2 }, User);
    const user = page.rows.find((u) => u.username === userId);
    if (!user)
      throw ApplicationFailure.nonRetryable(`Snipe-IT has no user with username ${userId}: import or create the person in Snipe-IT first`, 'AssetUserUnknown');
    return user;
  }

  private async modelId(name: string): Promise<number | undefined> {
    const page = await this.getRows('/models', { search: name, limit: PAGE }, Model);
    return page.rows.find((m) => m.name === name)?.id;
  }

  private async outOfStock(model: string): Promise<OutOfStockError> {
    const models = (await this.stock()).map((i) => i.model);
    return new OutOfStockError(model, [...new Set(models)].sort());
  }

  /** One asset, or null when Snipe-IT has none with that id. */
  private async asset(id: number): Promise<Asset | null> {
    const body = await this.json({ method: 'GET', path: `/hardware/${id}` }, { notFound: true });
    if (body === null) return null;
    const envelope = Envelope.safeParse(body);
    if (envelope.success && envelope.data.status === 'error') {
      if (/does not exist|not found/i.test(messageText(envelope.data.messages))) return null;
      throw ApplicationFailure.nonRetryable(`Snipe-IT GET /hardware/${id}: ${messageText(envelope.data.messages)}`, 'SnipeItRequestRefused');
    }
    return shaped(Asset, body, `GET /hardware/${id}`);
  }

  /** Every asset matching `query` (paged), oldest first; at most `max`. */
  private async list(query: Record<string, string | number>, max = Number.POSITIVE_INFINITY): Promise<Asset[]> {
    const out: Asset[] = [];
    for (let offset = 0; ; ) {
      const page = await this.getRows('/hardware', { ...query, sort: 'id', order: 'asc', limit: Math.min(PAGE, max), offset }, Asset);
      out.push(...page.rows);
      offset += page.rows.length;
      if (page.rows.length === 0 || offset >= page.total || out.length >= max) return out.slice(0, max);
    }
  }

  private async getRows<S extends z.ZodType>(
    path: string,
    query: Record<string, string | number>,
    row: S,
  ): Promise<{ total: number; rows: Array<z.infer<S>> }> {
    const body = await this.json({ method: 'GET', path, query });
    const envelope = Envelope.safeParse(body);
    if (envelope.success && envelope.data.status === 'error') {
      throw ApplicationFailure.nonRetryable(`Snipe-IT GET ${path}: ${messageText(envelope.data.messages)}`, 'SnipeItRequestRefused');
    }
    return shaped(Rows(row), body, `GET ${path}`);
  }

  /** A change; its `{ status: "error" }` answer is final unless `allowError`. */
  private async call(request: Request, options: { allowError?: boolean } = {}): Promise<z.infer<typeof Envelope>> {
    const envelope = shaped(Envelope, await this.json(request), `${request.method} ${request.path}`);
    if (envelope.status === 'error' && !options.allowError) {
      throw ApplicationFailure.nonRetryable(`Snipe-IT ${request.method} ${request.path} refused: ${messageText(envelope.messages)}`, 'SnipeItRequestRefused');
    }
    return envelope;
  }

  private async json(request: Request, options: { notFound?: boolean } = {}): Promise<unknown> {
    const what = `Snipe-IT ${request.method} ${request.path}`;
    const url = new URL(this.baseUrl + request.path);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiToken}`, accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`${what} timed out after ${this.options.timeoutMs} ms`);
      throw new Error(`${what} failed before an answer (network error: ${e.cause?.code ?? e.cause?.message ?? e.message})`);
    }
    const { status } = response;
    if (status === 404 && options.notFound) return null;
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // An HTML login page answered with 200 is the classic sign of a wrong URL.
        throw ApplicationFailure.nonRetryable(
          `${what} answered ${status} with a body that is not JSON (is SNIPEIT_URL the site's base URL?)`,
          'SnipeItRequestRefused',
        );
      }
    }
    const message = `${what} answered ${status}${errorDetail(text) ? `: ${errorDetail(text)}` : ''}`;
    const delayMs = retryAfterMs(response.headers.get('retry-after'));
    if (status === 429) {
      throw delayMs === undefined ? new Error(message) : ApplicationFailure.create({ message, type: 'SnipeItRateLimited', nextRetryDelay: delayMs });
    }
    if (status >= 500 || status === 408) throw new Error(message);
    throw ApplicationFailure.nonRetryable(message, 'SnipeItRequestRefused');
  }
}

function shaped<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`Snipe-IT ${what} answered in an unexpected shape (${issue?.path.join('.')}: ${issue?.message})`);
}

/** Snipe-IT's `messages`: a sentence, or validation errors by field. */
function messageText(messages: z.infer<typeof Messages> | undefined): string {
  if (messages === null || messages === undefined) return '(no message)';
  if (typeof messages === 'string') return messages;
  if (Array.isArray(messages)) return messages.join('; ');
  return Object.entries(messages)
    .map(([field, m]) => `${field}: ${Array.isArray(m) ? m.join(', ') : m}`)
    .join('; ');
}

function errorDetail(text: string): string {
  let detail = text;
  try {
    const body = JSON.parse(text) as { messages?: unknown; message?: unknown };
    const parsed = Messages.safeParse(body.messages ?? body.message);
    if (parsed.success) detail = messageText(parsed.data);
  } catch {
    // not JSON
  }
  const flat = detail.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_TEXT_MAX ? `${flat.slice(0, ERROR_TEXT_MAX)}…` : flat;
}
