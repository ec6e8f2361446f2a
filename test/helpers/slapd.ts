import { execFile } from 'node:child_process';
import { freePort } from '../../src/stack/ports.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';

const run = promisify(execFile);

export const SLAPD = '/usr/sbin/slapd';
const INSTALL_HINT = 'npm run test:prerequisites installs it (or names the command for this system)';

export interface SlapdOptions {
  /** LDIF files loaded in order through the running server (so the memberof overlay sees them). */
  ldif?: string[];
  /** Extra schema files from /etc/ldap/schema, by name, e.g. `['nis']`. */
  schemas?: string[];
  /**
   * Adds a few Active Directory attributes and the `user` class (see AD_SCHEMA), so AD-shaped
   * entries can be stored. Debian's msuser.schema is not used: its memberOf clashes with the
   * memberof overlay's.
   */
  adSchema?: boolean;
  /** Also listen on ldaps:// and offer StartTLS, with a throw-away CA (`caFile`) and server certificate. */
  tls?: boolean;
}

export interface Slapd {
  url: string;
  port: number;
  /** Set with `tls: true`. */
  ldapsUrl?: string;
  /** PEM of the CA that signed the server certificate; set with `tls: true`. */
  caFile?: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
  /** SIGSTOP: the server keeps its socket but answers nothing (a hung server). */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): Promise<void>;
}

/** Real AD OIDs and syntaxes for what LdapDirectory reads and writes with kind 'ad'. */
const AD_SCHEMA = `
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.662 NAME 'lockoutTime'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.96 NAME 'pwdLastSet'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.90 NAME 'unicodePwd'
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP inetOrgPerson STRUCTURAL
  MAY ( sAMAccountName $ userAccountControl $ lockoutTime $ pwdLastSet $ unicodePwd $ department ) )
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=it-support test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  // Only the IP: ldapts's own StartTLS checks the certificate against "localhost" whatever the host,
  // so a certificate naming localhost would hide that LdapDirectory passes the real host name.
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { ca, cert, key };
}

async function canBind(url: string, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 500, timeout: 1000 });
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * A private OpenLDAP server on a free loopback port: mdb database, memberof overlay (direct
 * membership, refint) and ppolicy overlay (pwdAccountLockedTime, pwdReset), like the recipe in
 * NOTES-integrations.md. One per test file; always `stop()` it.
 */
export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  if (!existsSync(SLAPD)) throw new Error(`${SLAPD} not found: ${INSTALL_HINT}`);
  const dir = await mkdtemp(join(tmpdir(), 'slapd-'));
  const baseDn = 'dc=example,dc=com';
  const bindDn = `cn=admin,${baseDn}`;
  const bindPassword = `test-${Math.random().toString(36).slice(2)}`;
  const pidFile = join(dir, 'slapd.pid');
  let pid = 0;
  const cleanupOnExit = () => {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  };
  try {
    await mkdir(join(dir, 'db'));
    const certs = options.tls ? await makeCertificates(dir) : undefined;
    const schemas = ['core', 'cosine', 'inetorgperson', ...(options.schemas ?? [])].map((s) => `/etc/ldap/schema/${s}.schema`);
    if (options.adSchema) {
      schemas.push(join(dir, 'ad.schema'));
      await writeFile(join(dir, 'ad.schema'), AD_SCHEMA);
    }
    const conf = [
      ...schemas.map((s) => `include ${s}`),
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'moduleload memberof',
      'moduleload ppolicy',
      `pidfile ${pidFile}`,
      ...(certs ? [`TLSCACertificateFile ${certs.ca}`, `TLSCertificateFile ${certs.cert}`, `TLSCertificateKeyFile ${certs.key}`] : []),
      'database mdb',
      `suffix "${baseDn}"`,
      `rootdn "${bindDn}"`,
      `rootpw ${bindPassword}`,
      `directory ${join(dir, 'db')}`,
      'maxsize 10485760',
      'overlay memberof',
      'memberof-group-oc groupOfNames',
      'memberof-member-ad member',
      'memberof-memberof-ad memberOf',
      'memberof-refint true',
      'overlay ppolicy',
      '',
    ].join('\n');
    const confFile = join(dir, 'slapd.conf');
    await writeFile(confFile, conf);
    const passwordFile = join(dir, 'bind.pw');
    await writeFile(passwordFile, bindPassword, { mode: 0o600 });

    let port = 0;
    let ldapsPort = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      ldapsPort = certs ? await freePort() : 0;
      const listen = [`ldap://127.0.0.1:${port}/`, ...(certs ? [`ldaps://127.0.0.1:${ldapsPort}/`] : [])].join(' ');
      try {
        // slapd daemonises: this returns once the child has detached (or the config failed).
        await run(SLAPD, ['-f', confFile, '-h', listen, '-u', 'root'], { timeout: 10_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw new Error(`slapd did not start: ${(error as { stderr?: string }).stderr ?? String(error)}`);
      }
    }
    const url = `ldap://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!pid && existsSync(pidFile)) {
        pid = Number((await readFile(pidFile, 'utf8')).trim());
        process.once('exit', cleanupOnExit);
      }
      if (pid && (await canBind(url, bindDn, bindPassword))) break;
      if (Date.now() > deadline) throw new Error(`slapd on ${url} did not accept a bind within 10 s (pid file ${pid ? 'read' : 'missing'})`);
      await sleep(50);
    }

    for (const file of options.ldif ?? []) {
      try {
        await run('ldapmodify', ['-a', '-x', '-H', url, '-D', bindDn, '-y', passwordFile, '-f', file]);
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === 'ENOENT') throw new Error(`ldapmodify not found: ${INSTALL_HINT}`);
        throw new Error(`loading ${file} failed: ${e.stderr ?? e.message}`);
      }
    }

    const serverPid = pid;
    return {
      url,
      port,
      ldapsUrl: certs ? `ldaps://127.0.0.1:${ldapsPort}` : undefined,
      caFile: certs?.ca,
      bindDn,
      bindPassword,
      baseDn,
      pid: serverPid,
      async pause() {
        process.kill(serverPid, 'SIGSTOP');
      },
      async resume() {
        process.kill(serverPid, 'SIGCONT');
      },
      async stop() {
        process.removeListener('exit', cleanupOnExit);
        await stopPid(serverPid);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.removeListener('exit', cleanupOnExit);
    if (pid) await stopPid(pid);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGCONT'); // a paused server cannot act on SIGTERM
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await sleep(25);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}
