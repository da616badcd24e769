// zabbix_template.yaml is buildTemplate() in Zabbix's YAML export format, and
// its items are exactly the keys the module sends. The real Zabbix server
// imports it in test/integration/zabbix.test.ts.
// UPDATE_ZABBIX_TEMPLATE=1 npx vitest run exporters/zabbix/template.test.ts rewrites the file.

import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { zabbixReference } from '../../test/helpers/zabbix-reference.js';
import { discover, discoveryItems } from './discovery.js';
import { buildItems } from './items.js';
import { buildTemplate, TEMPLATE_NAME, uuidFor } from './template.js';

const FILE = new URL('./zabbix_template.yaml', import.meta.url);

export function templateYaml(): string {
  return `# Zabbix 6.0 template for mgrd's zabbix module. Generated from exporters/zabbix/template.ts:\n# UPDATE_ZABBIX_TEMPLATE=1 npx vitest run exporters/zabbix/template.test.ts\n${stringify(buildTemplate(), { lineWidth: 0 })}`;
}

interface Tpl {
  zabbix_export: {
    version: string;
    templates: Array<{
      template: string;
      items: Array<{ key: string; type: string; uuid: string; triggers?: Array<{ expression: string }> }>;
      discovery_rules: Array<{ key: string; type: string; item_prototypes: Array<{ key: string; type: string }>; trigger_prototypes: Array<{ expression: string }> }>;
    }>;
    triggers: Array<{ expression: string }>;
  };
}

describe('zabbix template', () => {
  if (process.env.UPDATE_ZABBIX_TEMPLATE === '1') writeFileSync(FILE, templateYaml());
  const doc = parse(readFileSync(FILE, 'utf8')) as Tpl;
  const tpl = doc.zabbix_export.templates[0]!;

  it('is the YAML of template.ts, in the 6.0 export format', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(templateYaml());
    expect(doc.zabbix_export.version).toBe('6.0');
    expect(tpl.template).toBe(TEMPLATE_NAME);
  });

  it('has a trapper item for every key the module sends, and none it does not send', () => {
    const ref = zabbixReference();
    const sent = buildItems(ref).map((i) => i.key);
    const pools = new Set(ref.get('osd_map').pools.map((p) => p.pool_name));
    const asTemplate = (k: string): string => {
      const m = /^ceph\.\[([^,]+),(\w+)\]$/.exec(k);
      if (m === null) return k;
      if (/^osd\.\d+$/.test(m[1]!)) return `ceph.[osd.{#OSD},${m[2]}]`;
      expect(pools.has(m[1]!)).toBe(true);
      return `ceph.[{#POOL},${m[2]}]`;
    };
    const templated = new Set(sent.map(asTemplate));
    const ours = new Set([...tpl.items.map((i) => i.key), ...tpl.discovery_rules.flatMap((r) => r.item_prototypes.map((p) => p.key))]);
    expect([...ours].sort()).toEqual([...templated].sort());
    expect(tpl.items.some((i) => i.key === 'ceph.total_objects')).toBe(false);
    expect(tpl.discovery_rules.map((r) => r.key).sort()).toEqual(discoveryItems(discover(ref)).map((i) => i.key).sort());
    for (const i of [...tpl.items, ...tpl.discovery_rules, ...tpl.discovery_rules.flatMap((r) => r.item_prototypes)]) expect(`${i.key} ${i.type}`).toBe(`${i.key} TRAP`);
  });

  it('has triggers that read only its own keys, for health, OSDs down, PGs, fill and no data', () => {
    const keys = new Set([...tpl.items.map((i) => i.key), ...tpl.discovery_rules.flatMap((r) => r.item_prototypes.map((p) => p.key))]);
    const expressions = [
      ...tpl.items.flatMap((i) => (i.triggers ?? []).map((t) => t.expression)),
      ...tpl.discovery_rules.flatMap((r) => r.trigger_prototypes.map((t) => t.expression)),
      ...doc.zabbix_export.triggers.map((t) => t.expression),
    ];
    const refs = expressions.flatMap((e) => [...e.matchAll(/\(\/([^/]+)\/([^,)[]+(?:\[[^\]]*\])?)/g)].map((m) => [m[1], m[2]]));
    expect(refs.length).toBeGreaterThan(8);
    for (const [tname, key] of refs) {
      expect(tname).toBe(TEMPLATE_NAME);
      expect(keys.has(key!)).toBe(true);
    }
    const all = expressions.join('\n');
    for (const want of ['ceph.overall_status_int)=2', 'ceph.overall_status_int)=1', 'nodata(', 'ceph.[osd.{#OSD},up])=0', 'ceph.num_pg_degraded)>0',
      'ceph.num_pg_active', 'ceph.[{#POOL},percent_used])>=', 'osd_nearfull_ratio)*100', 'osd_full_ratio)*100']) {
      expect(all).toContain(want);
    }
  });

  it('gives entities stable UUIDv4-shaped ids', () => {
    const u = uuidFor('item', 'ceph.num_mon');
    expect(u).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(uuidFor('item', 'ceph.num_mon')).toBe(u);
    expect(new Set(tpl.items.map((i) => i.uuid)).size).toBe(tpl.items.length);
  });
});
