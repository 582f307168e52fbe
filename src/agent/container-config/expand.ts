/**
 * Kubernetes' `$(VAR)` expansion, used for env values, command, args and subPathExpr. The rules
 * follow the kubelet's (third_party/forked/golang/expansion): `$(NAME)` is replaced when NAME
 * resolves and kept verbatim when it does not, `$$` is an escaped `$`, and any other `$` (bare,
 * `${...}`, an unterminated `$(`) passes through unchanged. There is no nesting and no recursion:
 * a value that itself contains `$(X)` is inserted as is.
 */

/** Resolves a name, or undefined when it has no value (the reference is then kept). */
export type Mapping = (name: string) => string | undefined;

/** A mapping over several sources, the first that has the name winning. */
export function mappingFor(...sources: ReadonlyArray<ReadonlyMap<string, string>>): Mapping {
  return (name) => {
    for (const source of sources) {
      const value = source.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

/** Expands the `$(VAR)` references of input. */
export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const dollar = input.indexOf('$', i);
    // A `$` as the last character has nothing to introduce: it is copied like any other.
    if (dollar < 0 || dollar === input.length - 1) {
      out += input.slice(i);
      break;
    }
    out += input.slice(i, dollar);
    const next = input[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '(') {
      const close = input.indexOf(')', dollar + 2);
      if (close < 0) {
        // Unterminated: `$(` is copied and scanning goes on after it.
        out += '$(';
        i = dollar + 2;
      } else {
        const name = input.slice(dollar + 2, close);
        out += mapping(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i = dollar + 2;
    }
  }
  return out;
}
