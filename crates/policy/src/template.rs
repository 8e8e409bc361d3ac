//! Template strings (`$"tag {input.image.tag}"`, raw `` $`…{x}…` ``), allowed in Buildx
//! policies since v0.36 (OPA's `internal.template_string`). regorus 0.14 does not parse them,
//! so they are expanded in the source before regorus sees it:
//!
//! ```text
//! $"tag {input.image.tag}"
//!   → __verdict_rw_template(["tag ", [__verdict_rw_t0 | __verdict_rw_t0 := input.image.tag]])
//! ```
//!
//! Each `{expression}` becomes a comprehension, which is `[]` when the expression is
//! undefined: OPA then writes `<undefined>` in its place, and so does the builtin
//! ([`render`]). Literal parts keep their escapes and raw parts their newlines, so lines do not
//! move. The same scan refuses identifiers that use the rewrites' reserved prefix.

use regorus::Value;

use crate::rewrite::VAR_PREFIX;
use crate::{Error, Module};

/// The name of the builtin a template string becomes.
pub(crate) fn builtin_name() -> String {
    format!("{VAR_PREFIX}template")
}

/// Expands the template strings of `module`; `None` when it has none. Fails on a template
/// that does not end, or an identifier with the reserved prefix.
pub(crate) fn expand(module: &Module) -> Result<Option<String>, Error> {
    let mut scan = Scan {
        chars: module.source.chars().collect(),
        at: 0,
        next_var: 0,
        path: &module.path,
        found: false,
    };
    let out = scan.code(None)?;
    Ok(scan.found.then_some(out))
}

struct Scan<'a> {
    chars: Vec<char>,
    at: usize,
    next_var: usize,
    path: &'a str,
    found: bool,
}

impl Scan<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn line(&self) -> usize {
        1 + self.chars[..self.at.min(self.chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count()
    }

    fn error(&self, what: &str) -> Error {
        Error::MalformedPolicy {
            path: self.path.to_owned(),
            message: format!("{}:{}: {what}", self.path, self.line()),
        }
    }

    /// Rego code up to `end` (a `}` closing a template expression) or the end of the source,
    /// with its template strings expanded.
    fn code(&mut self, end: Option<char>) -> Result<String, Error> {
        let mut out = String::new();
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            match c {
                '#' => {
                    while let Some(c) = self.peek(0) {
                        if c == '\n' {
                            break;
                        }
                        out.push(c);
                        self.at += 1;
                    }
                }
                '"' => self.copy_string(&mut out, '"')?,
                '`' => self.copy_string(&mut out, '`')?,
                '$' if matches!(self.peek(1), Some('"' | '`')) => {
                    self.found = true;
                    self.at += 1;
                    let quote = self.peek(0).unwrap_or('"');
                    self.at += 1;
                    let expanded = self.template(quote)?;
                    out.push_str(&expanded);
                }
                '{' => {
                    depth += 1;
                    out.push(c);
                    self.at += 1;
                }
                '}' if depth == 0 && end == Some('}') => return Ok(out),
                '}' => {
                    depth = depth.saturating_sub(1);
                    out.push(c);
                    self.at += 1;
                }
                c if c.is_alphabetic() || c == '_' => {
                    let start = self.at;
                    while self
                        .peek(0)
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    {
                        self.at += 1;
                    }
                    let word: String = self.chars[start..self.at].iter().collect();
                    if word.starts_with(VAR_PREFIX) {
                        return Err(self.error(&format!(
                            "`{word}`: names starting with `{VAR_PREFIX}` are reserved"
                        )));
                    }
                    out.push_str(&word);
                }
                _ => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
        if end.is_some() {
            return Err(self.error("template string expression does not end"));
        }
        Ok(out)
    }

    /// Copies a string literal (with its escapes when `"`-quoted).
    fn copy_string(&mut self, out: &mut String, quote: char) -> Result<(), Error> {
        out.push(quote);
        self.at += 1;
        while let Some(c) = self.peek(0) {
            out.push(c);
            self.at += 1;
            if c == quote {
                return Ok(());
            }
            if quote == '"' && c == '\\' {
                if let Some(next) = self.peek(0) {
                    out.push(next);
                    self.at += 1;
                }
            } else if quote == '"' && c == '\n' {
                return Ok(()); // regorus reports the unterminated string
            }
        }
        Ok(())
    }

    /// The template after its opening quote, as a call of the template builtin.
    fn template(&mut self, quote: char) -> Result<String, Error> {
        let mut parts: Vec<String> = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, parts: &mut Vec<String>| {
            if !literal.is_empty() {
                parts.push(format!("{quote}{literal}{quote}"));
                literal.clear();
            }
        };
        loop {
            let Some(c) = self.peek(0) else {
                return Err(self.error("template string does not end"));
            };
            self.at += 1;
            match c {
                c if c == quote => break,
                '\n' if quote == '"' => return Err(self.error("template string does not end")),
                '\\' if quote == '"' => {
                    literal.push(c);
                    if let Some(next) = self.peek(0) {
                        literal.push(next);
                        self.at += 1;
                    }
                }
                '{' => {
                    flush(&mut literal, &mut parts);
                    let expression = self.code(Some('}'))?;
                    self.at += 1; // the closing `}`
                    if expression.trim().is_empty() {
                        return Err(self.error("empty expression in template string"));
                    }
                    let var = format!("{VAR_PREFIX}t{}", self.next_var);
                    self.next_var += 1;
                    parts.push(format!("[{var} | {var} := ({expression})]"));
                }
                c => literal.push(c),
            }
        }
        flush(&mut literal, &mut parts);
        Ok(format!("{}([{}])", builtin_name(), parts.join(", ")))
    }
}

/// The template builtin: literal parts (strings) and expression parts (`[]` when undefined,
/// else `[value]`) joined as OPA writes them.
pub(crate) fn render(parts: &Value) -> Option<Value> {
    let mut out = String::new();
    for part in parts.as_array().ok()?.iter() {
        match part {
            Value::String(s) => out.push_str(s),
            Value::Array(values) => match values.first() {
                None => out.push_str("<undefined>"),
                Some(Value::String(s)) => out.push_str(s),
                Some(value) => write_value(value, &mut out),
            },
            _ => return None,
        }
    }
    Some(Value::from(out))
}

/// A value as OPA prints a term: JSON-like with `", "` and `": "` separators, sets in braces
/// (`set()` when empty).
fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(&serde_json::to_string(s.as_ref()).unwrap_or_default()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => {
            out.push('{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push('}');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(key, out);
                out.push_str(": ");
                write_value(item, out);
            }
            out.push('}');
        }
        Value::Number(n) => out.push_str(&n.format_decimal()),
        other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}
