// The network between one engine host and the Temporal frontend: a loopback TCP relay that can
// freeze. Frozen, it passes nothing in either direction and holds every connection open (old and
// new), like a partition where packets are dropped rather than refused: the worker behind it keeps
// running and believes it is still connected, but nothing it reports (an activity's completion,
// its heartbeats) reaches the server, so the server retries the task elsewhere once it times out.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export class FreezableProxy {
  address = '';
  private server: Server | undefined;
  private frozen = false;
  private readonly sockets = new Set<Socket>();
  /** Bytes each way while not frozen; a frozen proxy drops what arrives. */
  forwarded = { up: 0, down: 0 };
  dropped = { up: 0, down: 0 };

  constructor(
    private readonly target: { host: string; port: number },
    readonly name = 'proxy',
  ) {}

  static to(address: string, name?: string): FreezableProxy {
    const i = address.lastIndexOf(':');
    return new FreezableProxy({ host: address.slice(0, i), port: Number(address.slice(i + 1)) }, name);
  }

  async start(): Promise<string> {
    this.server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.address;
  }

  /** From now on nothing passes, either way, on any connection. */
  freeze(): void {
    this.frozen = true;
  }

  isFrozen(): boolean {
    return this.frozen;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: Socket): void {
    this.sockets.add(client);
    // A connection opened while frozen goes nowhere: the SYN is answered (by us) but nothing follows.
    const upstream = this.frozen ? null : connect(this.target.port, this.target.host);
    if (upstream) this.sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream?.destroy();
      this.sockets.delete(client);
      if (upstream) this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', () => (this.frozen ? undefined : close()));
    upstream?.on('error', close).on('close', () => (this.frozen ? undefined : close()));
    client.on('data', (d: Buffer) => {
      if (this.frozen || !upstream) {
        this.dropped.up += d.length;
        return;
      }
      this.forwarded.up += d.length;
      upstream.write(d);
    });
    upstream?.on('data', (d: Buffer) => {
      if (this.frozen) {
        this.dropped.down += d.length;
        return;
      }
      this.forwarded.down += d.length;
      client.write(d);
    });
  }
}
