/**
 * The subset of Inngest's CEL expressions the local runner evaluates: paths
 * (`event.data.jobId`, `async.data.x`), string/number/boolean/null literals,
 * `==`, `!=`, `&&`, `||` and parentheses. Anything else is refused when the
 * functions are registered, so an unsupported feature fails loudly at start
 * instead of misbehaving at run time.
 */
export class UnsupportedExpressionError extends Error {
  override name = 'UnsupportedExpressionError';
}

type Node =
  | { kind: 'path'; parts: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'binary'; op: '==' | '!=' | '&&' | '||'; left: Node; right: Node };

const TOKEN = /\s*(?:(==|!=|&&|\|\|)|([()])|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(source);
    if (!m) throw new UnsupportedExpressionError(`Unsupported expression for the local runner: ${source}`);
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]!);
  }
  return tokens;
}

export function parseExpression(source: string): Node {
  const tokens = tokenize(source);
  let pos = 0;
  const fail = (): never => {
    throw new UnsupportedExpressionError(`Unsupported expression for the local runner: ${source}`);
  };
  const primary = (): Node => {
    const t = tokens[pos++] ?? fail();
    if (t === '(') {
      const inner = or();
      if (tokens[pos++] !== ')') fail();
      return inner;
    }
    if (t.startsWith("'") || t.startsWith('"')) return { kind: 'literal', value: t.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (/^-?\d/.test(t)) return { kind: 'literal', value: Number(t) };
    if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
    if (t === 'null') return { kind: 'literal', value: null };
    if (/^[A-Za-z_]/.test(t)) return { kind: 'path', parts: t.split('.') };
    return fail();
  };
  const comparison = (): Node => {
    const left = primary();
    const op = tokens[pos];
    if (op === '==' || op === '!=') {
      pos++;
      return { kind: 'binary', op, left, right: primary() };
    }
    return left;
  };
  const and = (): Node => {
    let left = comparison();
    while (tokens[pos] === '&&') {
      pos++;
      left = { kind: 'binary', op: '&&', left, right: comparison() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (tokens[pos] === '||') {
      pos++;
      left = { kind: 'binary', op: '||', left, right: and() };
    }
    return left;
  };
  const node = or();
  if (pos !== tokens.length) fail();
  return node;
}

export function evaluate(node: Node, scope: Record<string, unknown>): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return node.parts.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), scope);
    case 'binary': {
      if (node.op === '&&') return Boolean(evaluate(node.left, scope)) && Boolean(evaluate(node.right, scope));
      if (node.op === '||') return Boolean(evaluate(node.left, scope)) || Boolean(evaluate(node.right, scope));
      const equal = JSON.stringify(evaluate(node.left, scope)) === JSON.stringify(evaluate(node.right, scope));
      return node.op === '==' ? equal : !equal;
    }
  }
}

/** Compiles once; the returned function evaluates against `{ event, async }`. */
export function compileExpression(source: string): (scope: Record<string, unknown>) => unknown {
  const node = parseExpression(source);
  return (scope) => evaluate(node, scope);
}
