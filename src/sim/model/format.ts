// Ceph's text formats for stamps and addresses, shared by the map builders.

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function parts(unixS: number): { d: Date; micros: string } {
  const ms = Math.floor(unixS * 1000);
  const micros = Math.floor((unixS - Math.floor(unixS)) * 1e6);
  return { d: new Date(ms), micros: pad(micros, 6) };
}

/** utime_t as OSDMap dumps it: "2026-11-26T17:40:00.597089+0000". */
export function cephStamp(unixS: number): string {
  const { d, micros } = parts(unixS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${micros}+0000`;
}

/** utime_t as MonMap and metadata dump it: "2026-11-26T17:40:00.527708Z". */
export function cephStampZ(unixS: number): string {
  return cephStamp(unixS).replace('+0000', 'Z');
}

/** Public-network address of host index h (10.1.x.y). */
export function publicIp(h: number): string {
  return `10.1.${Math.floor(h / 250) % 256}.${(h % 250) + 1}`;
}

/** Cluster-network address of host index h (10.2.x.y). */
export function clusterIp(h: number): string {
  return `10.2.${Math.floor(h / 250) % 256}.${(h % 250) + 1}`;
}

/** An entity_addrvec_t as JSON: v2 on port, v1 on port+1 (OSD style) or given ports. */
export function addrvec(ip: string, v2Port: number, v1Port: number, nonce: number): Record<string, unknown> {
  return {
    addrvec: [
      { addr: `${ip}:${v2Port}`, nonce, type: 'v2' },
      { addr: `${ip}:${v1Port}`, nonce, type: 'v1' },
    ],
  };
}

/** The legacy single-address string: "10.1.0.1:6801/12519". */
export function legacyAddr(ip: string, port: number, nonce: number): string {
  return `${ip}:${port}/${nonce}`;
}

/** The bracketed addrvec string of metadata: "[v2:ip:p/n,v1:ip:p+1/n]". */
export function addrvecString(ip: string, v2Port: number, v1Port: number, nonce: number): string {
  return `[v2:${ip}:${v2Port}/${nonce},v1:${ip}:${v1Port}/${nonce}]`;
}

/** Host name of host index h: node-0001, node-0002, ... */
export function hostName(h: number): string {
  return `node-${pad(h + 1, 4)}`;
}

/** Device name of the i-th data disk on a host: sdb, sdc, ..., sdz, sdaa, ... */
export function diskName(i: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const n = i + 1; // sda is the OS disk
  if (n < 26) return `sd${letters[n]}`;
  return `sd${letters[Math.floor(n / 26) - 1]}${letters[n % 26]}`;
}

export const TIB = 1024 ** 4;
export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;
export const KIB = 1024;
