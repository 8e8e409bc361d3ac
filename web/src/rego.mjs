// Rego highlighting for CodeMirror 6: a small stream tokenizer (comments, strings, raw strings,
// numbers, keywords, rule heads, operators).
import { StreamLanguage } from '@codemirror/language';

const keywords = new Set(['package', 'import', 'if', 'else', 'default', 'not', 'some', 'every', 'in', 'contains', 'with', 'as']);
const atoms = new Set(['true', 'false', 'null']);

export const rego = StreamLanguage.define({
  name: 'rego',
  startState: () => ({ raw: false }),
  token(stream, state) {
    if (state.raw) {
      if (stream.skipTo('`')) {
        stream.next();
        state.raw = false;
      } else stream.skipToEnd();
      return 'string';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('#')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('`')) {
      state.raw = true;
      return this.token(stream, state) ?? 'string';
    }
    if (stream.match('"')) {
      let escaped = false;
      let c;
      while ((c = stream.next()) != null) {
        if (c === '"' && !escaped) break;
        escaped = !escaped && c === '\\';
      }
      return 'string';
    }
    if (stream.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number';
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (keywords.has(word)) return 'keyword';
      if (atoms.has(word)) return 'atom';
      // A rule head: a name at the start of a line.
      if (stream.start === stream.indentation() && /^\s*(:?=|\[|\(|if\b|contains\b|\{|$)/.test(stream.string.slice(stream.pos))) return 'def';
      if (stream.match(/^\s*\(/, false)) return 'builtin';
      return 'variableName';
    }
    if (stream.match(/^(:=|==|!=|<=|>=|[=<>+\-*\/%|&])/)) return 'operator';
    if (stream.match(/^[{}\[\]()]/)) return 'bracket';
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: '#' } },
});
