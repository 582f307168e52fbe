/**
 * Renders usage the way metrics-server's objects serialize: resource.Quantity's canonical form
 * (CPU as a nano-scaled decimal quantity, memory as a binary one) and metav1.Duration's Go
 * duration string for the window. Clients parse these, so the form matters, not just the value.
 */

const decimalSuffixes: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};

/**
 * CPU in nanocores as metrics-server renders NewScaledQuantity(n, -9): trailing zeros folded
 * into the suffix in steps of three ("12345678n", "250m", "2").
 */
export function formatCPU(nanocores: number): string {
  let mantissa = BigInt(Math.max(0, Math.round(nanocores)));
  if (mantissa === 0n) return '0';
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  // Quantity keeps the exponent a multiple of three, widening the mantissa to get there.
  const rem = ((exponent % 3) + 3) % 3;
  if (rem !== 0) {
    mantissa *= 10n ** BigInt(rem);
    exponent -= rem;
  }
  if (exponent > 18) {
    mantissa *= 10n ** BigInt(exponent - 18);
    exponent = 18;
  }
  return `${mantissa}${decimalSuffixes[exponent]}`;
}

const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * Bytes as a BinarySI quantity: the largest power-of-1024 suffix that divides evenly
 * ("2228Ki", "64Mi"); values under 1024, or not a multiple of 1024, stay plain numbers.
 */
export function formatMemory(bytes: number): string {
  let value = BigInt(Math.max(0, Math.round(bytes)));
  if (value < 1024n) return String(value);
  let i = 0;
  while (value % 1024n === 0n && i < binarySuffixes.length - 1) {
    value /= 1024n;
    i++;
  }
  return `${value}${binarySuffixes[i]}`;
}

/** A duration in milliseconds as Go's time.Duration.String(): "10s", "1m30.5s", "250ms". */
export function formatDuration(ms: number): string {
  const ns = BigInt(Math.round(ms * 1e6));
  if (ns === 0n) return '0s';
  if (ns < 1_000n) return `${ns}ns`;
  if (ns < 1_000_000n) return `${fraction(ns, 1_000n)}µs`;
  if (ns < 1_000_000_000n) return `${fraction(ns, 1_000_000n)}ms`;
  const hours = ns / 3_600_000_000_000n;
  const minutes = (ns / 60_000_000_000n) % 60n;
  const seconds = fraction(ns % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** n / unit with the fraction's trailing zeros trimmed, as Go prints durations. */
function fraction(n: bigint, unit: bigint): string {
  const whole = n / unit;
  const rest = n % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
