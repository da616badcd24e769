// How Ceph's restful module writes things: JSON with sorted keys and four-space
// indents (pecan's jsonify as the module configures it), and commands in the
// "prefix arg=value" form of its humanify_command, values as Python's str().

/** JSON as Ceph's module serves it: keys sorted at every level, indent 4. */
export function pyJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (isPlainObject(v) ? sortKeys(v) : v), 4);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** Python's str() of a JSON value: True/False/None, lists as ['a', 1]. */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
}

/** "osd pool set pool=rbd var=size val=3": how a request lists its commands. */
export function humanifyCommand(cmd: Readonly<Record<string, unknown>>): string {
  const out = [String(cmd.prefix)];
  for (const [k, v] of Object.entries(cmd)) if (k !== 'prefix') out.push(`${k}=${pyStr(v)}`);
  return out.join(' ');
}
