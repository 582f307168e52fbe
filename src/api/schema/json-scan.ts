/**
 * A single linear pass over raw JSON text that reports duplicate keys and (given a schema)
 * unknown fields in document order, as kube-apiserver's strict decoder does. It builds no values:
 * request bodies are parsed once by JSON.parse elsewhere, and this only looks at keys.
 *
 * Semantics copied from sigs.k8s.io/json strict decoding: a field that is both unknown and
 * repeated is reported once, as unknown; nothing inside an unknown or opaque value is checked.
 */
import type { Schema } from './index.js';
import { type Child, childOf, itemsOf, joinPath } from './schema-walk.js';

/** One strict-decoding finding. */
export interface ScanIssue {
  type: 'unknown' | 'duplicate';
  path: string;
}

/** undefined: no schema, check duplicates only; 'opaque': skip without checks. */
type Mode = Schema | 'opaque' | undefined;

const QUOTE = 34;
const BACKSLASH = 92;

class Scanner {
  private i = 0;
  readonly issues: ScanIssue[] = [];

  constructor(private readonly text: string) {}

  run(mode: Mode): void {
    this.value('', mode);
  }

  private ws(): void {
    const t = this.text;
    let c = t.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.i);
  }

  private value(path: string, mode: Mode): void {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') this.object(path, mode);
    else if (c === '[') this.array(path, mode);
    else if (c === '"') this.string();
    else this.scalar();
  }

  private object(path: string, mode: Mode): void {
    this.i++;
    const seen = new Set<string>();
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(':');
      this.field(path, key, mode, seen);
      this.ws();
      const c = this.text[this.i++];
      if (c === '}') return;
      if (c !== ',') throw new SyntaxError(`unexpected ${c} at ${this.i - 1}`);
    }
  }

  private field(path: string, key: string, mode: Mode, seen: Set<string>): void {
    if (mode === 'opaque') {
      this.value('', 'opaque');
      return;
    }
    const child: Child | undefined = mode === undefined ? undefined : childOf(mode, key);
    const repeated = seen.has(key);
    seen.add(key);
    if (child === 'unknown') {
      if (!repeated) this.issues.push({ type: 'unknown', path: joinPath(path, key) });
      this.value('', 'opaque');
      return;
    }
    const childPath = joinPath(path, key);
    if (repeated) this.issues.push({ type: 'duplicate', path: childPath });
    this.value(childPath, child);
  }

  private array(path: string, mode: Mode): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    const items: Mode = mode === undefined || mode === 'opaque' ? mode : itemsOf(mode);
    for (let index = 0; ; index++) {
      this.value(items === 'opaque' ? '' : `${path}[${index}]`, items);
      this.ws();
      const c = this.text[this.i++];
      if (c === ']') return;
      if (c !== ',') throw new SyntaxError(`unexpected ${c} at ${this.i - 1}`);
    }
  }

  /** Reads a string token and returns its decoded value. */
  private string(): string {
    const t = this.text;
    if (t.charCodeAt(this.i) !== QUOTE) throw new SyntaxError(`expected string at ${this.i}`);
    const start = this.i;
    let j = start + 1;
    let escaped = false;
    for (;;) {
      const c = t.charCodeAt(j);
      if (c === QUOTE) break;
      if (Number.isNaN(c)) throw new SyntaxError('unterminated string');
      if (c === BACKSLASH) {
        escaped = true;
        j += 2;
      } else j++;
    }
    this.i = j + 1;
    return escaped ? JSON.parse(t.slice(start, j + 1)) : t.slice(start + 1, j);
  }

  private scalar(): void {
    const t = this.text;
    let c = t.charCodeAt(this.i);
    // Numbers, true, false, null: run to the next delimiter.
    while (
      !Number.isNaN(c) &&
      c !== 44 &&
      c !== 125 &&
      c !== 93 &&
      c !== 32 &&
      c !== 10 &&
      c !== 13 &&
      c !== 9
    ) {
      c = t.charCodeAt(++this.i);
    }
  }

  private expect(ch: string): void {
    if (this.text[this.i] !== ch) throw new SyntaxError(`expected ${ch} at ${this.i}`);
    this.i++;
  }
}

/**
 * Duplicate and unknown fields of a JSON document, in document order. With no schema only
 * duplicates are found. Malformed JSON stops the scan; what was found until then is returned
 * (the caller's JSON.parse reports the syntax error itself).
 */
export function scanJson(text: string, schema?: Schema): ScanIssue[] {
  const scanner = new Scanner(text);
  try {
    scanner.run(schema);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return scanner.issues;
}
