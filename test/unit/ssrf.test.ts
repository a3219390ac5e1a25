import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BlockedAddressError, isBlockedAddress, parseAllowedHost, resolveAndCheck } from '../../server/services/crawl/ssrf';
import type { NetworkPolicy } from '../../server/services/ingest/ingest-deps';

const strict: NetworkPolicy = { allowPrivate: false, allowedHosts: [] };

function fakeDns(answers: Record<string, { address: string; family: 4 | 6 }[]>) {
  const lookup = vi.spyOn(dns.promises, 'lookup') as unknown as { mockImplementation(fn: (host: string) => Promise<unknown>): void };
  lookup.mockImplementation(async (host: string) => {
    const answer = answers[host];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('isBlockedAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.10.10', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['169.254.169.254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'cloud metadata'],
    ['64:ff9b:1::1', 'reserved'],
    ['2002:c0a8:0101::1', 'private'],
    ['::7f00:1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ])('%s is blocked as %s', (ip, reason) => {
    expect(isBlockedAddress(ip)).toBe(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::6810:84e5',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
  ])('%s is public', (ip) => {
    expect(isBlockedAddress(ip)).toBeNull();
  });
});

describe('parseAllowedHost', () => {
  it('reads host, host:port, [v6]:port and CIDR entries', () => {
    expect(parseAllowedHost('Intranet.Local')).toEqual({ kind: 'host', host: 'intranet.local', port: null });
    expect(parseAllowedHost('127.0.0.1:8080')).toEqual({ kind: 'host', host: '127.0.0.1', port: 8080 });
    expect(parseAllowedHost('[::1]:3000')).toEqual({ kind: 'host', host: '::1', port: 3000 });
    expect(parseAllowedHost('::1')).toEqual({ kind: 'host', host: '::1', port: null });
    expect(parseAllowedHost('10.0.0.0/8')).toMatchObject({ kind: 'cidr' });
  });

  it('rejects malformed entries, naming them', () => {
    expect(() => parseAllowedHost('host:99999')).toThrow(/host:99999/);
    expect(() => parseAllowedHost('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(() => parseAllowedHost('bad host')).toThrow(/bad host/);
  });
});

describe('resolveAndCheck', () => {
  it('checks literal IPs without resolving them', async () => {
    const lookup = vi.spyOn(dns.promises, 'lookup');
    await expect(resolveAndCheck('93.184.215.14', 443, strict)).resolves.toEqual({ address: '93.184.215.14', family: 4 });
    await expect(resolveAndCheck('[2606:4700::1]', 443, strict)).resolves.toEqual({ address: '2606:4700::1', family: 6 });
    await expect(resolveAndCheck('127.0.0.1', 80, strict)).rejects.toBeInstanceOf(BlockedAddressError);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('returns the first resolved address when all are public', async () => {
    fakeDns({
      'docs.example.com': [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800::1', family: 6 },
      ],
    });
    await expect(resolveAndCheck('docs.example.com', 443, strict)).resolves.toEqual({ address: '93.184.215.14', family: 4 });
  });

  it('refuses a name when any of its addresses is blocked, and says why and how to allow it', async () => {
    fakeDns({
      'sneaky.example.com': [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ],
    });
    const err = await resolveAndCheck('sneaky.example.com', 443, strict).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedAddressError);
    expect(err).toMatchObject({ hostname: 'sneaky.example.com', address: '10.0.0.7', reason: 'private' });
    const message = (err as Error).message;
    expect(message).toContain('sneaky.example.com');
    expect(message).toContain('10.0.0.7');
    expect(message).toContain('private');
    expect(message).toContain('CRAWL_ALLOW_PRIVATE_NETWORK');
    expect(message).toContain('CRAWL_ALLOWED_HOSTS');
  });

  it.each([
    ['0.0.0.0', 'is an unspecified address'],
    ['127.0.0.1', 'is a loopback address'],
    ['10.0.0.7', 'is a private address'],
    ['169.254.1.1', 'is a link-local address'],
    ['fd00::1', 'is a unique-local address'],
    ['100.64.0.1', 'is a carrier-grade NAT address'],
    ['224.0.0.1', 'is a multicast address'],
    ['255.255.255.255', 'is a broadcast address'],
    ['240.0.0.1', 'is a reserved address'],
    ['169.254.169.254', 'is a cloud metadata address'],
  ])('says %s %s, with the right article', async (address, phrase) => {
    const err = await resolveAndCheck(address, 80, strict).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedAddressError);
    expect((err as Error).message).toContain(`${address} ${phrase}. `);
  });

  it('blocks names that resolve to cloud metadata even when private networks are allowed', async () => {
    fakeDns({ 'metadata.google.internal': [{ address: '169.254.169.254', family: 4 }] });
    const open: NetworkPolicy = { allowPrivate: true, allowedHosts: [] };
    const err = await resolveAndCheck('metadata.google.internal', 80, open).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'cloud metadata' });
    expect((err as Error).message).toMatch(/CRAWL_ALLOWED_HOSTS/);
    const explicit: NetworkPolicy = { allowPrivate: true, allowedHosts: ['metadata.google.internal'] };
    await expect(resolveAndCheck('metadata.google.internal', 80, explicit)).resolves.toMatchObject({ address: '169.254.169.254' });
  });

  it('allowPrivate lets private, loopback and IPv4-mapped addresses through', async () => {
    const open: NetworkPolicy = { allowPrivate: true, allowedHosts: [] };
    await expect(resolveAndCheck('10.0.0.7', 80, open)).resolves.toEqual({ address: '10.0.0.7', family: 4 });
    await expect(resolveAndCheck('::ffff:127.0.0.1', 80, open)).resolves.toMatchObject({ family: 6 });
  });

  it('host:port entries allow only that name and port', async () => {
    const policy: NetworkPolicy = { allowPrivate: false, allowedHosts: ['127.0.0.1:8080', 'wiki.corp:443'] };
    fakeDns({ 'wiki.corp': [{ address: '10.1.1.1', family: 4 }], localhost: [{ address: '127.0.0.1', family: 4 }] });
    await expect(resolveAndCheck('127.0.0.1', 8080, policy)).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(resolveAndCheck('127.0.0.1', 8081, policy)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(resolveAndCheck('localhost', 8080, policy)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(resolveAndCheck('WIKI.corp.', 443, policy)).resolves.toEqual({ address: '10.1.1.1', family: 4 });
    await expect(resolveAndCheck('wiki.corp', 80, policy)).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it('CIDR entries allow resolved addresses in the range, whatever the name', async () => {
    const policy: NetworkPolicy = { allowPrivate: false, allowedHosts: ['10.0.0.0/8', '::1/128'] };
    fakeDns({ 'a.corp': [{ address: '10.9.9.9', family: 4 }], 'b.corp': [{ address: '192.168.0.1', family: 4 }] });
    await expect(resolveAndCheck('a.corp', 443, policy)).resolves.toMatchObject({ address: '10.9.9.9' });
    await expect(resolveAndCheck('b.corp', 443, policy)).rejects.toMatchObject({ reason: 'private' });
    await expect(resolveAndCheck('::1', 3000, policy)).resolves.toEqual({ address: '::1', family: 6 });
    await expect(resolveAndCheck('::ffff:10.2.3.4', 80, policy)).resolves.toMatchObject({ family: 6 });
  });

  it('lets a DNS failure through as an ordinary error', async () => {
    fakeDns({});
    const err = await resolveAndCheck('nowhere.invalid', 80, strict).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(BlockedAddressError);
    expect((err as Error).message).toMatch(/ENOTFOUND/);
  });
});
