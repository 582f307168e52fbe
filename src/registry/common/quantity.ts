/**
 * resource.Quantity parsing: "100m", "1.5Gi", "2e3", "128974848". Validation of resource
 * requests/limits and QoS classification need numeric values; skiff keeps the original string in
 * the object and uses these numbers only for comparisons.
 */

const QUANTITY_RE =
  /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL_EXP: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/**
 * Parse a Kubernetes quantity into base units ("100m" → 0.1, "1Ki" → 1024).
 * Throws on anything apimachinery would reject.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(`quantities must match the regular expression: ${q}`);
    return q;
  }
  const m = QUANTITY_RE.exec(q.trim() === q ? q : '');
  if (!m)
    throw new Error(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  const [, sign, digits, suffix = ''] = m;
  if (suffix in BINARY) return Number(`${sign}${digits}`) * BINARY[suffix];
  // Scale via a decimal string so "100m" gives exactly 0.1 rather than 100 * 0.001.
  const exp = suffix in DECIMAL_EXP ? DECIMAL_EXP[suffix] : Number(suffix.slice(1));
  return Number(`${sign}${digits}e${exp}`);
}

/** True when parseQuantity accepts q. */
export function isValidQuantity(q: unknown): boolean {
  if (typeof q !== 'string' && typeof q !== 'number') return false;
  try {
    parseQuantity(q);
    return true;
  } catch {
    return false;
  }
}
