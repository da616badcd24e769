// Values as text, the way Ceph's module wrote them (Python's str() of an int or
// a float fed to zabbix_sender): ints without a point, floats always with one
// ("0.0", "26.5", "11.60183921456337"), exponents as Python writes them
// ("1e-05", "1e+16"). Non-finite numbers have no Zabbix form: callers skip them.

/** An integer count or byte figure; undefined when `x` is not a finite number. */
export function intText(x: unknown): string | undefined {
  if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
  return String(Math.trunc(x));
}

/** A float, as Python's repr(); undefined when `x` is not a finite number. */
export function floatText(x: unknown): string | undefined {
  if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // JS "1e-5" / "1.5e+16" -> Python "1e-05" / "1.5e+16".
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  const s = String(x === 0 ? 0 : x);
  return s.includes('.') ? s : `${s}.0`;
}
