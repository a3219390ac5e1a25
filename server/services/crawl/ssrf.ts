import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { NetworkPolicy } from '../ingest/ingest-deps';

export type BlockReason =
  | 'cloud metadata'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'invalid';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
const cidr = (text: string): Range => ipaddr.parseCIDR(text);

// First match wins, so the metadata endpoints come before the ranges that contain them.
const V4_BLOCKED: [Range, BlockReason][] = [
  [cidr('169.254.169.254/32'), 'cloud metadata'],
  [cidr('100.100.100.200/32'), 'cloud metadata'],
  [cidr('0.0.0.0/8'), 'unspecified'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('100.64.0.0/10'), 'carrier-grade NAT'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('240.0.0.0/4'), 'reserved'],
  [cidr('192.0.0.0/24'), 'reserved'],
  [cidr('192.0.2.0/24'), 'reserved'],
  [cidr('192.88.99.0/24'), 'reserved'],
  [cidr('198.18.0.0/15'), 'reserved'],
  [cidr('198.51.100.0/24'), 'reserved'],
  [cidr('203.0.113.0/24'), 'reserved'],
];

const V6_BLOCKED: [Range, BlockReason][] = [
  [cidr('fd00:ec2::254/128'), 'cloud metadata'],
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  // Local-use NAT64 may translate to anything, private ranges included.
  [cidr('64:ff9b:1::/48'), 'reserved'],
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'private'],
  [cidr('fc00::/7'), 'unique-local'],
  [cidr('ff00::/8'), 'multicast'],
  // IETF protocol assignments (Teredo among them) and documentation prefixes.
  [cidr('2001::/23'), 'reserved'],
  [cidr('2001:db8::/32'), 'reserved'],
  [cidr('3fff::/20'), 'reserved'],
];

// Prefixes whose last 32 bits (or bits 16–48 for 6to4) are an IPv4 address that
// the packet ends up at, so that address decides.
const V4_MAPPED = cidr('::ffff:0:0/96');
const V4_TRANSLATED = cidr('::ffff:0:0:0/96');
const NAT64 = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');
const V4_COMPATIBLE = cidr('::/96');
const GLOBAL_UNICAST = cidr('2000::/3');

function v4FromParts(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function classifyV4(ip: ipaddr.IPv4): BlockReason | null {
  return V4_BLOCKED.find(([range]) => ip.match(range))?.[1] ?? null;
}

function classifyV6(ip: ipaddr.IPv6): BlockReason | null {
  const p = ip.parts as [number, number, number, number, number, number, number, number];
  if (ip.match(V4_MAPPED) || ip.match(V4_TRANSLATED) || ip.match(NAT64)) return classifyV4(v4FromParts(p[6], p[7]));
  if (ip.match(SIX_TO_FOUR)) return classifyV4(v4FromParts(p[1], p[2]));
  const listed = V6_BLOCKED.find(([range]) => ip.match(range))?.[1];
  if (listed) return listed;
  if (ip.match(V4_COMPATIBLE)) return 'reserved';
  // Everything outside 2000::/3 is unassigned or special-purpose; nothing to crawl there.
  return ip.match(GLOBAL_UNICAST) ? null : 'reserved';
}

/** Why the crawler must not connect to `ip` on its own accord, or null when it is a public address. */
export function isBlockedAddress(ip: string): BlockReason | null {
  if (net.isIP(ip) === 0) return 'invalid';
  const parsed = ipaddr.parse(ip);
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
}

// Written out, for the article: "a unique-local address" but "an unspecified address".
const DESCRIBED: Record<BlockReason, string> = {
  'cloud metadata': 'a cloud metadata address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'unique-local': 'a unique-local address',
  'carrier-grade NAT': 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
  invalid: 'not a usable IP address',
};

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly reason: BlockReason,
    port: number,
  ) {
    const entry = `${net.isIP(hostname) === 6 ? `[${hostname}]` : hostname}:${port}`;
    const fix =
      reason === 'cloud metadata'
        ? 'Cloud metadata endpoints stay blocked even with CRAWL_ALLOW_PRIVATE_NETWORK; ' +
          `only listing it in CRAWL_ALLOWED_HOSTS (e.g. "${entry}") allows it.`
        : `Set CRAWL_ALLOW_PRIVATE_NETWORK=true or add "${entry}" to CRAWL_ALLOWED_HOSTS to allow it.`;
    super(`Refusing to connect to ${hostname} (${address}): ${address} is ${DESCRIBED[reason]}. ${fix}`);
  }
}

type AllowedEntry = { kind: 'host'; host: string; port: number | null } | { kind: 'cidr'; range: Range };

/** Lower-cased, without brackets or a trailing dot, IPs in one canonical spelling. */
function canonicalHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return net.isIP(bare) ? ipaddr.parse(bare).toString() : bare;
}

function parsePort(text: string, entry: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`Invalid port in allowed host "${entry}"`);
  return port;
}

/** Parses one CRAWL_ALLOWED_HOSTS entry; throws an Error naming it when it is malformed. */
export function parseAllowedHost(entry: string): AllowedEntry {
  const text = entry.trim().toLowerCase();
  if (text.includes('/')) {
    if (!ipaddr.isValidCIDR(text)) throw new Error(`Invalid CIDR range in allowed hosts: "${entry}"`);
    return { kind: 'cidr', range: ipaddr.parseCIDR(text) };
  }
  let host = text;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = parsePort(bracketed[2], entry);
  } else if (net.isIP(text) !== 6 && text.includes(':')) {
    const at = text.lastIndexOf(':');
    host = text.slice(0, at);
    port = parsePort(text.slice(at + 1), entry);
  }
  host = host.replace(/\.$/, '');
  if (!net.isIP(host) && !/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(host)) {
    throw new Error(`Invalid host in allowed hosts: "${entry}"`);
  }
  return { kind: 'host', host: canonicalHost(host), port };
}

function inRange(address: string, range: Range): boolean {
  // An IPv4-mapped address should match an IPv4 range, and vice versa.
  const forms = [ipaddr.parse(address), ipaddr.process(address)];
  return forms.some((ip) => ip.kind() === range[0].kind() && ip.match(range));
}

function isAllowed(policy: NetworkPolicy, host: string, port: number, address: string, reason: BlockReason): boolean {
  if (policy.allowPrivate && reason !== 'cloud metadata' && reason !== 'invalid') return true;
  return policy.allowedHosts.some((raw) => {
    const entry = parseAllowedHost(raw);
    if (entry.kind === 'cidr') return inRange(address, entry.range);
    return entry.host === host && (entry.port === null || entry.port === port);
  });
}

/**
 * Resolves `hostname` and checks every address it resolves to. The caller must
 * connect to the returned address (not resolve again), or a DNS answer that
 * changes between check and connect would slip past the guard.
 */
export async function resolveAndCheck(hostname: string, port: number, policy: NetworkPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const host = canonicalHost(hostname);
  const literal = net.isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await dns.promises.lookup(host, { all: true });
  if (addresses.length === 0) throw new Error(`${hostname} did not resolve to any address`);
  for (const { address } of addresses) {
    const reason = isBlockedAddress(address);
    if (reason && !isAllowed(policy, host, port, address, reason)) {
      throw new BlockedAddressError(host, address, reason, port);
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
