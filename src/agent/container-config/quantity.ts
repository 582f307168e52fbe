/**
 * Exact resource.Quantity arithmetic for the downward API. A resourceFieldRef's value is
 * ceil(quantity / divisor) as an integer, and the kubelet computes it exactly (big decimals), so
 * "250m" of cpu with divisor "1" is 1 and "1Gi" with divisor "1M" is 1074. Floating point would
 * get edge cases like "0.1" / "100m" wrong, so quantities here are exact fractions of BigInts.
 */

const QUANTITY_RE =
  /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const BINARY_SHIFT: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** num/den with den > 0. */
export interface Fraction {
  num: bigint;
  den: bigint;
}

/** Parses a quantity exactly; throws on what apimachinery would reject. */
export function parseExact(q: string | number): Fraction {
  const text = typeof q === 'number' ? String(q) : q;
  const m = QUANTITY_RE.exec(text);
  if (!m)
    throw new Error(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  const [, sign, digits, exponent, suffix] = m;
  const [whole, frac = ''] = digits.split('.');
  let num = BigInt(`${whole || '0'}${frac}`) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  let exp = 0;
  if (exponent) exp = Number(exponent.slice(1));
  else if (suffix && suffix in DECIMAL_EXP) exp = DECIMAL_EXP[suffix];
  else if (suffix) num <<= BINARY_SHIFT[suffix];
  if (exp > 0) num *= 10n ** BigInt(exp);
  else if (exp < 0) den *= 10n ** BigInt(-exp);
  return { num, den };
}

/**
 * ceil(q / divisor) as the downward API writes it: "0" for a zero or negative quantity or a
 * negative divisor, saturated at the int64 maximum.
 */
export function divideCeil(q: string | number | undefined, divisor: string | number | undefined): string {
  if (q === undefined) return '0';
  const a = parseExact(q);
  let d = parseExact(divisor ?? '1');
  // An unset (zero) divisor means 1, as the kubelet compares it with the zero Quantity.
  if (d.num === 0n) d = { num: 1n, den: 1n };
  if (a.num <= 0n || d.num < 0n) return '0';
  const n = a.num * d.den;
  const m = a.den * d.num;
  const result = (n + m - 1n) / m;
  const max = 2n ** 63n - 1n;
  return (result > max ? max : result).toString();
}

/** True when the quantity is zero (an unset limit the node's allocatable replaces). */
export function isZero(q: string | number): boolean {
  return parseExact(q).num === 0n;
}
