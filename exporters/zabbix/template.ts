// The Zabbix 6.0 template for what this module sends, as data: every key of
// items.ts as a trapper item, both LLD rules with their prototypes, value maps
// and triggers. zabbix_template.yaml beside this file is this object in
// Zabbix's YAML export format; template.test.ts fails when the two differ
// (UPDATE_ZABBIX_TEMPLATE=1 rewrites the file) and when a key we send has no
// item or an item has no key we send (Ceph's template waited for
// ceph.total_objects, which its module never sent). Triggers use the 6.0
// expression syntax; Ceph's OSD near-full triggers compared a percentage with
// a ratio (always true) and are fixed here.

import { createHash } from 'node:crypto';
import { OSD_DISCOVERY_KEY, POOL_DISCOVERY_KEY } from './discovery.js';
import { PG_STATES } from './items.js';

export const TEMPLATE_NAME = 'Ceph by mgrd Zabbix module';
const T = TEMPLATE_NAME;
const GROUP = 'Templates/Storage';

type ValueType = 'FLOAT' | 'UNSIGNED' | 'CHAR';
type Priority = 'INFO' | 'WARNING' | 'AVERAGE' | 'HIGH' | 'DISASTER';

interface ItemDef {
  key: string;
  name: string;
  valueType: ValueType;
  units?: string;
  /** Cumulative counter stored as a rate. */
  perSecond?: boolean;
  valuemap?: string;
  tag: string;
  description?: string;
}

interface TriggerDef {
  name: string;
  expression: string;
  priority: Priority;
  description?: string;
}

/** A stable UUIDv4-shaped id per template entity, so re-imports update rather than duplicate. */
export function uuidFor(kind: string, name: string): string {
  const h = createHash('md5').update(`mgrd zabbix template/${kind}/${name}`).digest('hex').split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16]!, 16) & 3]!;
  return h.join('');
}

const count = (key: string, name: string, tag: string, description?: string): ItemDef => ({ key, name, valueType: 'UNSIGNED', tag, description });

export const ITEMS: readonly ItemDef[] = [
  { key: 'ceph.overall_status', name: 'Ceph health status', valueType: 'CHAR', tag: 'health', description: 'HEALTH_OK, HEALTH_WARN or HEALTH_ERR' },
  { key: 'ceph.overall_status_int', name: 'Ceph health status (numeric)', valueType: 'UNSIGNED', valuemap: 'Ceph health status', tag: 'health', description: '0 HEALTH_OK, 1 HEALTH_WARN, 2 HEALTH_ERR' },
  count('ceph.num_mon', 'Number of monitors', 'mon'),
  count('ceph.num_pools', 'Number of pools', 'pool'),
  { key: 'ceph.total_used_bytes', name: 'Raw capacity used', valueType: 'UNSIGNED', units: 'B', tag: 'capacity' },
  { key: 'ceph.total_bytes', name: 'Raw capacity', valueType: 'UNSIGNED', units: 'B', tag: 'capacity' },
  { key: 'ceph.total_avail_bytes', name: 'Raw capacity available', valueType: 'UNSIGNED', units: 'B', tag: 'capacity' },
  { key: 'ceph.wr_ops', name: 'Client write operations', valueType: 'FLOAT', units: 'ops', perSecond: true, tag: 'io', description: 'Sum over pools of writes, per second' },
  { key: 'ceph.rd_ops', name: 'Client read operations', valueType: 'FLOAT', units: 'ops', perSecond: true, tag: 'io', description: 'Sum over pools of reads, per second' },
  { key: 'ceph.wr_bytes', name: 'Client write bandwidth', valueType: 'FLOAT', units: 'Bps', perSecond: true, tag: 'io' },
  { key: 'ceph.rd_bytes', name: 'Client read bandwidth', valueType: 'FLOAT', units: 'Bps', perSecond: true, tag: 'io' },
  count('ceph.num_osd', 'Number of OSDs', 'osd'),
  { key: 'ceph.osd_nearfull_ratio', name: 'OSD nearfull ratio', valueType: 'FLOAT', tag: 'capacity', description: 'mon_osd_nearfull_ratio of the OSD map (0..1)' },
  { key: 'ceph.osd_full_ratio', name: 'OSD full ratio', valueType: 'FLOAT', tag: 'capacity', description: 'mon_osd_full_ratio of the OSD map (0..1)' },
  { key: 'ceph.osd_backfillfull_ratio', name: 'OSD backfillfull ratio', valueType: 'FLOAT', tag: 'capacity' },
  count('ceph.num_pg_temp', 'Number of PGs with a pg_temp mapping', 'pg'),
  count('ceph.num_osd_up', 'Number of OSDs up', 'osd'),
  count('ceph.num_osd_in', 'Number of OSDs in', 'osd'),
  { key: 'ceph.osd_max_fill', name: 'OSD fill, highest', valueType: 'FLOAT', units: '%', tag: 'capacity' },
  { key: 'ceph.osd_min_fill', name: 'OSD fill, lowest', valueType: 'FLOAT', units: '%', tag: 'capacity' },
  { key: 'ceph.osd_avg_fill', name: 'OSD fill, average', valueType: 'FLOAT', units: '%', tag: 'capacity' },
  count('ceph.osd_max_pgs', 'PGs per OSD, most', 'pg'),
  count('ceph.osd_min_pgs', 'PGs per OSD, fewest', 'pg'),
  { key: 'ceph.osd_avg_pgs', name: 'PGs per OSD, average', valueType: 'FLOAT', tag: 'pg' },
  ...(['apply', 'commit'] as const).flatMap((kind) => (['max', 'min', 'avg'] as const).map((agg): ItemDef => ({
    key: `ceph.osd_latency_${kind}_${agg}`, name: `OSD ${kind} latency, ${{ max: 'highest', min: 'lowest', avg: 'average' }[agg]}`, valueType: 'FLOAT', units: 'ms', tag: 'osd',
  }))),
  ...PG_STATES.map((s) => count(`ceph.num_pg_${s}`, `Number of PGs ${s}`, 'pg', `PGs whose state includes '${s}'`)),
  count('ceph.num_pg', 'Number of PGs', 'pg'),
];

export const POOL_PROTOTYPES: readonly ItemDef[] = [
  { key: 'ceph.[{#POOL},rd_bytes]', name: 'Pool {#POOL}: read bandwidth', valueType: 'FLOAT', units: 'Bps', perSecond: true, tag: 'pool' },
  { key: 'ceph.[{#POOL},wr_bytes]', name: 'Pool {#POOL}: write bandwidth', valueType: 'FLOAT', units: 'Bps', perSecond: true, tag: 'pool' },
  { key: 'ceph.[{#POOL},rd_ops]', name: 'Pool {#POOL}: read operations', valueType: 'FLOAT', units: 'ops', perSecond: true, tag: 'pool' },
  { key: 'ceph.[{#POOL},wr_ops]', name: 'Pool {#POOL}: write operations', valueType: 'FLOAT', units: 'ops', perSecond: true, tag: 'pool' },
  { key: 'ceph.[{#POOL},bytes_used]', name: 'Pool {#POOL}: used', valueType: 'UNSIGNED', units: 'B', tag: 'pool' },
  { key: 'ceph.[{#POOL},stored_raw]', name: 'Pool {#POOL}: raw used', valueType: 'UNSIGNED', units: 'B', tag: 'pool' },
  { key: 'ceph.[{#POOL},percent_used]', name: 'Pool {#POOL}: percent used', valueType: 'FLOAT', units: '%', tag: 'pool' },
];

export const OSD_PROTOTYPES: readonly ItemDef[] = [
  { key: 'ceph.[osd.{#OSD},up]', name: 'OSD osd.{#OSD}: up', valueType: 'UNSIGNED', valuemap: 'Ceph OSD up', tag: 'osd' },
  { key: 'ceph.[osd.{#OSD},in]', name: 'OSD osd.{#OSD}: in', valueType: 'UNSIGNED', valuemap: 'Ceph OSD in', tag: 'osd' },
  { key: 'ceph.[osd.{#OSD},osd_fill]', name: 'OSD osd.{#OSD}: fill', valueType: 'FLOAT', units: '%', tag: 'osd' },
  { key: 'ceph.[osd.{#OSD},num_pgs]', name: 'OSD osd.{#OSD}: PGs', valueType: 'UNSIGNED', tag: 'osd' },
  { key: 'ceph.[osd.{#OSD},osd_latency_apply]', name: 'OSD osd.{#OSD}: apply latency', valueType: 'FLOAT', units: 'ms', tag: 'osd' },
  { key: 'ceph.[osd.{#OSD},osd_latency_commit]', name: 'OSD osd.{#OSD}: commit latency', valueType: 'FLOAT', units: 'ms', tag: 'osd' },
];

const last = (key: string): string => `last(/${T}/${key})`;

/** Triggers on one item live under it; those reading several go to the export's top-level list. */
const ITEM_TRIGGERS: Readonly<Record<string, readonly TriggerDef[]>> = {
  'ceph.overall_status_int': [
    { name: 'Ceph: cluster health is HEALTH_ERR', expression: `${last('ceph.overall_status_int')}=2`, priority: 'HIGH', description: '`ceph health detail` says why.' },
    { name: 'Ceph: cluster health is HEALTH_WARN', expression: `${last('ceph.overall_status_int')}=1`, priority: 'WARNING', description: '`ceph health detail` says why.' },
    {
      name: 'Ceph: no data from mgrd for {$CEPH.NODATA.TIMEOUT}', expression: `nodata(/${T}/ceph.overall_status_int,{$CEPH.NODATA.TIMEOUT})=1`, priority: 'AVERAGE',
      description: "mgrd's zabbix module sends every `interval` seconds: the manager, the module, or the way to this server is down. `ceph health detail` shows MGR_ZABBIX_* checks.",
    },
  ],
  'ceph.num_pg_degraded': [
    { name: 'Ceph: {ITEM.LASTVALUE} PGs degraded', expression: `${last('ceph.num_pg_degraded')}>0`, priority: 'WARNING', description: 'Some objects have fewer copies than the pool wants (an OSD is down or recovering).' },
  ],
};

const TOP_TRIGGERS: readonly TriggerDef[] = [
  {
    name: 'Ceph: PGs inactive', expression: `${last('ceph.num_pg')}-${last('ceph.num_pg_active')}>0`, priority: 'HIGH',
    description: 'Some PGs are not active: their objects take no I/O.',
  },
];

const POOL_TRIGGERS: readonly TriggerDef[] = [
  {
    name: 'Ceph: pool {#POOL} is {ITEM.LASTVALUE} full', expression: `${last('ceph.[{#POOL},percent_used]')}>={$CEPH.POOL.PUSED.MAX.WARN}`, priority: 'WARNING',
    description: 'The pool uses more than {$CEPH.POOL.PUSED.MAX.WARN}% of what it can hold.',
  },
];

const OSD_TRIGGERS: readonly TriggerDef[] = [
  { name: 'Ceph: OSD osd.{#OSD} is down', expression: `${last('ceph.[osd.{#OSD},up]')}=0`, priority: 'AVERAGE' },
  {
    name: 'Ceph: OSD osd.{#OSD} is full ({ITEM.LASTVALUE})', expression: `${last('ceph.[osd.{#OSD},osd_fill]')}>=${last('ceph.osd_full_ratio')}*100`, priority: 'HIGH',
    description: 'The OSD is over the full ratio: writes to its PGs stop.',
  },
  {
    name: 'Ceph: OSD osd.{#OSD} is near full ({ITEM.LASTVALUE})', expression: `${last('ceph.[osd.{#OSD},osd_fill]')}>=${last('ceph.osd_nearfull_ratio')}*100`, priority: 'WARNING',
    description: 'The OSD is over the nearfull ratio.',
  },
];

const VALUEMAPS: ReadonlyArray<{ name: string; mappings: Array<[string, string]> }> = [
  { name: 'Ceph health status', mappings: [['0', 'HEALTH_OK'], ['1', 'HEALTH_WARN'], ['2', 'HEALTH_ERR']] },
  { name: 'Ceph OSD up', mappings: [['0', 'down'], ['1', 'up']] },
  { name: 'Ceph OSD in', mappings: [['0', 'out'], ['1', 'in']] },
];

const MACROS: ReadonlyArray<{ macro: string; value: string; description: string }> = [
  { macro: '{$CEPH.NODATA.TIMEOUT}', value: '10m', description: 'No data for this long raises "no data from mgrd" (keep it above the module\'s interval)' },
  { macro: '{$CEPH.POOL.PUSED.MAX.WARN}', value: '85', description: 'Warn when a pool uses this many percent of what it can hold' },
];

function item(d: ItemDef, kind: string): Record<string, unknown> {
  const triggers = ITEM_TRIGGERS[d.key];
  return {
    uuid: uuidFor(kind, d.key),
    name: d.name,
    type: 'TRAP',
    key: d.key,
    delay: '0',
    ...(d.valueType === 'CHAR' ? { trends: '0' } : {}),
    ...(d.valueType === 'UNSIGNED' ? {} : { value_type: d.valueType }),
    ...(d.units !== undefined ? { units: d.units } : {}),
    ...(d.description !== undefined ? { description: d.description } : {}),
    ...(d.valuemap !== undefined ? { valuemap: { name: d.valuemap } } : {}),
    ...(d.perSecond === true ? { preprocessing: [{ type: 'CHANGE_PER_SECOND', parameters: [''] }] } : {}),
    tags: [{ tag: 'component', value: d.tag }],
    ...(triggers !== undefined ? { triggers: triggers.map((t) => trigger(t, 'trigger')) } : {}),
  };
}

function trigger(t: TriggerDef, kind: string): Record<string, unknown> {
  return {
    uuid: uuidFor(kind, t.name),
    expression: t.expression,
    name: t.name,
    priority: t.priority,
    ...(t.description !== undefined ? { description: t.description } : {}),
    tags: [{ tag: 'scope', value: t.priority === 'INFO' ? 'notice' : 'availability' }],
  };
}

function discoveryRule(key: string, name: string, macro: string, prototypes: readonly ItemDef[], triggers: readonly TriggerDef[]): Record<string, unknown> {
  return {
    uuid: uuidFor('discovery_rule', key),
    name,
    type: 'TRAP',
    key,
    delay: '0',
    lifetime: '7d',
    description: `Sent by mgrd's zabbix module every discovery_interval intervals (and by \`zabbix discovery\`): ${macro} and {#CRUSH_RULE}, the CRUSH root.`,
    item_prototypes: prototypes.map((p) => {
      const { triggers: _none, ...rest } = item(p, 'item_prototype');
      return rest;
    }),
    trigger_prototypes: triggers.map((t) => trigger(t, 'trigger_prototype')),
  };
}

/** The export document (zabbix_template.yaml). */
export function buildTemplate(): Record<string, unknown> {
  return {
    zabbix_export: {
      version: '6.0',
      groups: [{ uuid: uuidFor('group', GROUP), name: GROUP }],
      templates: [{
        uuid: uuidFor('template', T),
        template: T,
        name: T,
        description: "Ceph cluster items sent by mgrd's zabbix module (Zabbix trapper). Link it to a host whose name is the module's identifier (default ceph-<fsid>), then set the module's zabbix_host.",
        groups: [{ name: GROUP }],
        items: ITEMS.map((d) => item(d, 'item')),
        discovery_rules: [
          discoveryRule(POOL_DISCOVERY_KEY, 'Ceph pool discovery', '{#POOL}', POOL_PROTOTYPES, POOL_TRIGGERS),
          discoveryRule(OSD_DISCOVERY_KEY, 'Ceph OSD discovery', '{#OSD}', OSD_PROTOTYPES, OSD_TRIGGERS),
        ],
        tags: [{ tag: 'class', value: 'storage' }, { tag: 'target', value: 'ceph' }],
        macros: MACROS,
        valuemaps: VALUEMAPS.map((v) => ({
          uuid: uuidFor('valuemap', v.name),
          name: v.name,
          mappings: v.mappings.map(([value, newvalue]) => ({ value, newvalue })),
        })),
      }],
      triggers: TOP_TRIGGERS.map((t) => trigger(t, 'trigger')),
    },
  };
}
