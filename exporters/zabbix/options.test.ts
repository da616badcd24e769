import { describe, expect, it } from 'vitest';
import { MODULE_OPTIONS, parseZabbixHosts, readConfig, zabbixHostName } from './options.js';

describe('zabbix options', () => {
  it('parses zabbix_host as Ceph does: host[:port], several, zabbix_port for those without', () => {
    expect(parseZabbixHosts('zbx1.example, 10.0.0.5:10052,[::1]:10053,[fd00::2]', 10051)).toEqual({
      servers: [
        { host: 'zbx1.example', port: 10051 },
        { host: '10.0.0.5', port: 10052 },
        { host: '::1', port: 10053 },
        { host: 'fd00::2', port: 10051 },
      ],
      bad: [],
    });
    expect(parseZabbixHosts('', 10051)).toEqual({ servers: [], bad: [] });
  });

  it('names the entries that are not host[:port]', () => {
    const { servers, bad } = parseZabbixHosts('ok.host,bad host,::1,h:70000,-lead.example', 10051);
    expect(servers).toEqual([{ host: 'ok.host', port: 10051 }]);
    expect(bad).toEqual([
      "'bad host' is not host[:port] (IPv6 addresses go in brackets: [::1]:10051)",
      "'::1' is not host[:port] (IPv6 addresses go in brackets: [::1]:10051)",
      "'h:70000': port 70000 is out of range 1..65535",
      "'-lead.example' is not host[:port] (IPv6 addresses go in brackets: [::1]:10051)",
    ]);
  });

  it("has Ceph's options with their defaults, and ranges (interval >= 10)", () => {
    const byName = new Map(MODULE_OPTIONS.map((o) => [o.name, o]));
    expect(byName.get('zabbix_port')).toMatchObject({ default: 10051, min: 1, max: 65535 });
    expect(byName.get('interval')).toMatchObject({ default: 60, min: 10 });
    expect(byName.get('discovery_interval')).toMatchObject({ default: 100, min: 10 });
    expect(byName.get('identifier')).toMatchObject({ default: '' });
    const cfg = readConfig((name, fallback) => (name === 'zabbix_host' ? ('a:1,b' as typeof fallback) : fallback));
    expect(cfg.servers).toEqual([{ host: 'a', port: 1 }, { host: 'b', port: 10051 }]);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(zabbixHostName('', 'c4d3')).toBe('ceph-c4d3');
    expect(zabbixHostName('ceph.eu-ams02', 'c4d3')).toBe('ceph.eu-ams02');
  });
});
