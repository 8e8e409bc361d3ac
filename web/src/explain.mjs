// What decided a deny, in words: for each `allow` body of the policy shown, the furthest
// condition (in source order) the evaluation reached. A body stops at the first condition that
// fails for every binding, so the furthest one reached is usually the one that did not hold; it
// is a pointer, not a proof: regorus may evaluate a body's conditions in dependency order, a
// `some x` declaration is never marked as reached, and conditions sharing a line are one line.
// Inputs: the rule outline of the module (crates/web `policyOutline`), the verdict's line
// coverage of that module ({covered, notCovered}) and its source text.

/**
 * @returns {{kind: 'stopped'|'not-reached'|'default', name: string, rule: number, line: number, text: string}[]}
 *   `rule`: the rule's first line; `line`: the condition (or the default rule) the reason is about.
 */
export function failingRules(rules, coverage, source, name = 'allow') {
  const covered = new Set(coverage?.covered ?? []);
  const lines = source.split('\n');
  const text = (n) => (lines[n - 1] ?? '').trim();
  const out = [];
  for (const rule of rules) {
    if (rule.name !== name) continue;
    const first = rule.lines[0];
    if (rule.default) {
      out.push({ kind: 'default', name, rule: first, line: first, text: text(first) });
      continue;
    }
    for (const body of rule.bodies) {
      if (!body.length) continue;
      const reached = body.filter((l) => covered.has(l));
      if (!reached.length) out.push({ kind: 'not-reached', name, rule: first, line: body[0], text: text(body[0]) });
      else {
        const line = reached[reached.length - 1];
        out.push({ kind: 'stopped', name, rule: first, line, text: text(line) });
      }
    }
  }
  return out;
}

/** One reason as a sentence. */
export function describeReason(r) {
  switch (r.kind) {
    case 'default':
      return `no ${r.name} rule held: the default applied (line ${r.line}: ${r.text})`;
    case 'not-reached':
      return `${r.name} (line ${r.rule}): never evaluated`;
    default:
      return `${r.name} (line ${r.rule}): stopped at line ${r.line}: ${r.text}`;
  }
}
