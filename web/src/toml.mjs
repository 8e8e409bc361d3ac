// A small TOML reader for examples/*/cases.toml and tests/cases/policy/*.toml: comments, bare
// keys, basic and literal strings (single- and multi-line),
// booleans, integers, (multi-line) arrays, [table] and [[array of tables]]. Anything else is an
// error naming the line, never a silent misread.

export function parseToml(text) {
  const root = {};
  let table = root;
  let i = 0;
  let line = 1;
  const fail = (msg) => {
    throw new Error(`cases.toml:${line}: ${msg}`);
  };
  const skipSpace = (newlines) => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\r') i++;
      else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
      else if (newlines && c === '\n') {
        i++;
        line++;
      } else return;
    }
  };
  const key = () => {
    if (text[i] === '"') return basicString();
    const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 200));
    if (!m) fail('expected a key');
    i += m[0].length;
    return m[0];
  };
  const basicString = () => {
    i++; // opening quote
    let out = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined || c === '\n') fail('unterminated string');
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
      if (e in simple) out += simple[e];
      else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const hex = text.slice(i, i + n);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== n) fail('bad unicode escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        i += n;
      } else fail(`bad escape \\${e}`);
    }
  };
  const value = () => {
    const c = text[i];
    if (c === '"') {
      if (text.startsWith('"""', i)) fail('multi-line basic strings are not supported');
      return basicString();
    }
    if (c === "'") {
      if (text.startsWith("'''", i)) {
        // TOML: a newline right after the opening delimiter is trimmed; no escapes; up to two
        // quotes right before the closing delimiter belong to the content.
        let start = i + 3;
        if (text[start] === '\n') start++;
        else if (text.startsWith('\r\n', start)) start += 2;
        let end = text.indexOf("'''", start);
        if (end < 0) fail('unterminated multi-line literal string');
        for (let extra = 0; extra < 2 && text[end + 3] === "'"; extra++) end++;
        for (let k = i; k < end + 3; k++) if (text[k] === '\n') line++;
        const s = text.slice(start, end);
        i = end + 3;
        return s;
      }
      const end = text.indexOf("'", i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) fail('unterminated literal string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '[') {
      i++;
      const out = [];
      for (;;) {
        skipSpace(true);
        if (text[i] === ']') {
          i++;
          return out;
        }
        out.push(value());
        skipSpace(true);
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('expected , or ] in an array');
      }
    }
    const m = /^(true|false|[+-]?[0-9][0-9_]*)(?=[\s,\]#]|$)/.exec(text.slice(i, i + 64));
    if (!m) fail('unsupported value');
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    return Number(m[0].replaceAll('_', ''));
  };
  for (;;) {
    skipSpace(true);
    if (i >= text.length) return root;
    if (text[i] === '[') {
      const array = text[i + 1] === '[';
      i += array ? 2 : 1;
      skipSpace(false);
      const name = key();
      skipSpace(false);
      if (!text.startsWith(array ? ']]' : ']', i)) fail('bad table header');
      i += array ? 2 : 1;
      if (array) {
        if (!(name in root)) root[name] = [];
        if (!Array.isArray(root[name])) fail(`${name} is not an array of tables`);
        table = {};
        root[name].push(table);
      } else {
        if (name in root) fail(`table ${name} defined twice`);
        table = root[name] = {};
      }
    } else {
      const k = key();
      skipSpace(false);
      if (text[i] !== '=') fail('expected =');
      i++;
      skipSpace(false);
      if (k in table) fail(`key ${k} defined twice`);
      table[k] = value();
    }
    skipSpace(false);
    if (i < text.length && text[i] !== '\n') fail('junk after a value');
  }
}
