//! The `regex.*` builtins as OPA evaluates them (OPA `topdown/regex.go` over
//! Go's `regexp`, RE2 syntax with Perl flags), on the `regex` crate.
//!
//! A Go pattern is first translated into the `regex` crate's syntax
//! ([`translate`]), checking it the way Go's parser does:
//!
//! * `\d`, `\w`, `\s`, `\b`, `\B` are ASCII (`[0-9]`, `[0-9A-Za-z_]`,
//!   `[\t\n\f\r ]`), as in Go; `[[:alpha:]]` and the other POSIX classes too;
//! * flags: `i`, `m`, `s`, `U` (`(?flags)`, `(?flags:…)`, `(?-flags)`); `x`, `u`,
//!   `R` are errors; `(?)` is accepted;
//! * `\Q…\E` quotes; `\a \f \t \n \r \v`, octal (`\0`, `\12`, `\101`), `\xHH`,
//!   `\x{H…}`, `\` before ASCII punctuation (`\<` is `<`) are literals; other
//!   escapes (`\C`, `\e`, `\Z`, `\1`) are errors;
//! * `(?P<name>…)` and `(?<name>…)` (ASCII letters, digits, `_`; no duplicates);
//! * repetition counts up to 1,000, nested explicit counts multiplying to at
//!   most 1,000; `{` that does not start `{n}`, `{n,}`, `{n,m}` (no leading
//!   zeros) is a literal; `a**` and `*a` are errors;
//! * in brackets, `[` and `&&`, `--`, `~~` are literal (the `regex` crate reads
//!   them as nesting and set operations); `]` first is literal;
//! * `\pL`, `\p{Greek}`, `\PN`, `\p{^Lu}`: general categories (with their long
//!   aliases) and scripts, names matched loosely as Go 1.25+ does; other
//!   Unicode properties (`\p{Alphabetic}`, `\p{gc=L}`) are errors.
//!
//! A pattern that does not translate or compile makes the call undefined, as
//! OPA's non-strict evaluation makes the builtin's error (`regex.is_valid` is
//! false). A pattern whose compiled form is over [`REGEX_SIZE_LIMIT`], or that
//! nests deeper than the `regex` crate allows (250), is a `resource-exhausted`
//! error (KNOWN-DIFFERENCES row 20): Go's own limits are higher. Results are
//! bounded by [`MAX_OUTPUT_BYTES`] and [`MAX_OUTPUT_VALUES`], likewise.
//!
//! Matching follows Go: leftmost-first; `find_n`, `find_all_string_submatch_n`
//! and `split` skip an empty match right after a match; `replace` expands `$1`,
//! `${name}`, `$$` in the replacement as Go's `Regexp.Expand`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use regex::{Regex, RegexBuilder};
use regorus::Value;

use super::bounded::{BuiltinError, limit};

/// The largest compiled regular expression (the `regex` crate's own default).
/// Go has no such limit below ~3 million instructions; this one admits every
/// pattern with ASCII classes and counts up to Go's 1,000.
pub(crate) const REGEX_SIZE_LIMIT: usize = 10 << 20;

/// The most bytes of text one call returns.
pub(crate) const MAX_OUTPUT_BYTES: usize = 64 << 20;

/// The most strings one call returns.
pub(crate) const MAX_OUTPUT_VALUES: usize = 1_000_000;

/// Go's limit on a repetition count (and on nested counts multiplied).
const MAX_REPEAT: u64 = 1000;

/// Compiled patterns kept per engine; cleared when full.
const CACHE_LIMIT: usize = 256;

/// A compiled Go pattern.
#[derive(Debug)]
pub(crate) struct Compiled {
    regex: Regex,
    /// Go's group names, by group index (0 is the whole match).
    names: Vec<Option<String>>,
}

/// Why a pattern is not usable.
#[derive(Clone, Debug, PartialEq)]
enum Failure {
    /// Go's parser rejects it: the call is undefined.
    Invalid,
    /// Over a bound of ours: an error.
    TooBig(String),
}

/// The compiled patterns an engine keeps across calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct RegexCache(Arc<Mutex<HashMap<String, Compilation>>>);

/// A pattern's compiled form, or why it has none.
type Compilation = Result<Arc<Compiled>, Failure>;

type Outcome = Result<Value, BuiltinError>;

fn too_big(message: String) -> BuiltinError {
    limit(message)
}

impl RegexCache {
    fn get(&self, pattern: &str) -> Result<Arc<Compiled>, Failure> {
        let mut cache = self
            .0
            .lock()
            .map_err(|_| Failure::TooBig("regex cache poisoned".to_owned()))?;
        if let Some(found) = cache.get(pattern) {
            return found.clone();
        }
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        let compiled = compile(pattern).map(Arc::new);
        cache.insert(pattern.to_owned(), compiled.clone());
        compiled
    }

    /// The compiled pattern, `Ok(None)` when it is invalid (the call is undefined).
    fn pattern(&self, name: &str, pattern: &str) -> Result<Option<Arc<Compiled>>, BuiltinError> {
        match self.get(pattern) {
            Ok(c) => Ok(Some(c)),
            Err(Failure::Invalid) => Ok(None),
            Err(Failure::TooBig(why)) => Err(too_big(format!("{name}: {why}"))),
        }
    }

    /// `regex.is_valid(pattern)`: false for anything but a valid pattern string.
    pub(crate) fn is_valid(&self, pattern: &Value) -> Outcome {
        let Ok(pattern) = pattern.as_string() else {
            return Ok(Value::Bool(false));
        };
        Ok(Value::Bool(
            self.pattern("regex.is_valid", pattern)?.is_some(),
        ))
    }

    /// `regex.match(pattern, value)`.
    pub(crate) fn is_match(&self, pattern: &Value, value: &Value) -> Outcome {
        let (Ok(pattern), Ok(value)) = (pattern.as_string(), value.as_string()) else {
            return Ok(Value::Undefined);
        };
        let Some(re) = self.pattern("regex.match", pattern)? else {
            return Ok(Value::Undefined);
        };
        Ok(Value::Bool(re.regex.is_match(value)))
    }

    /// `regex.split(pattern, value)` (Go `Regexp.Split(value, -1)`).
    pub(crate) fn split(&self, pattern: &Value, value: &Value) -> Outcome {
        let name = "regex.split";
        let (Ok(pattern), Ok(value)) = (pattern.as_string(), value.as_string()) else {
            return Ok(Value::Undefined);
        };
        let Some(re) = self.pattern(name, pattern)? else {
            return Ok(Value::Undefined);
        };
        let text: &str = value;
        if !pattern.is_empty() && text.is_empty() {
            return Ok(Value::from(vec![Value::from("")]));
        }
        let mut out = Output::new(name);
        let (mut begin, mut end) = (0, 0);
        for (start, stop) in all_matches(&re.regex, text, usize::MAX) {
            end = start;
            if stop != 0 {
                out.push(&text[begin..end])?;
            }
            begin = stop;
        }
        if end != text.len() {
            out.push(&text[begin..])?;
        }
        Ok(out.into_value())
    }

    /// `regex.find_n(pattern, value, n)` (Go `FindAllString`; `n < 0`: all).
    pub(crate) fn find_n(&self, pattern: &Value, value: &Value, n: &Value) -> Outcome {
        let name = "regex.find_n";
        let (Ok(pattern), Ok(value), Some(n)) = (pattern.as_string(), value.as_string(), count(n))
        else {
            return Ok(Value::Undefined);
        };
        let Some(re) = self.pattern(name, pattern)? else {
            return Ok(Value::Undefined);
        };
        let mut out = Output::new(name);
        for (start, stop) in all_matches(&re.regex, value, n) {
            out.push(&value[start..stop])?;
        }
        Ok(out.into_value())
    }

    /// `regex.find_all_string_submatch_n(pattern, value, n)` (Go
    /// `FindAllStringSubmatch`): per match, the match and each group's text
    /// (`""` for a group that took no part).
    pub(crate) fn find_all_submatch(&self, pattern: &Value, value: &Value, n: &Value) -> Outcome {
        let name = "regex.find_all_string_submatch_n";
        let (Ok(pattern), Ok(value), Some(n)) = (pattern.as_string(), value.as_string(), count(n))
        else {
            return Ok(Value::Undefined);
        };
        let Some(re) = self.pattern(name, pattern)? else {
            return Ok(Value::Undefined);
        };
        let text: &str = value;
        let mut budget = Output::new(name);
        let mut matches = Vec::new();
        for (start, _) in all_matches(&re.regex, text, n) {
            let Some(caps) = re.regex.captures_at(text, start) else {
                break;
            };
            // Go's groups, all of them (the regex crate drops a group repeated `{0}`).
            let mut groups = Vec::with_capacity(re.names.len());
            for i in 0..re.names.len() {
                let group = caps.get(i).map_or("", |m| m.as_str());
                budget.count(group)?;
                groups.push(Value::from(group));
            }
            matches.push(Value::from(groups));
        }
        Ok(Value::from(matches))
    }

    /// `regex.replace(value, pattern, replacement)` (Go `ReplaceAllString`).
    pub(crate) fn replace(&self, value: &Value, pattern: &Value, replacement: &Value) -> Outcome {
        let name = "regex.replace";
        let (Ok(value), Ok(pattern), Ok(replacement)) = (
            value.as_string(),
            pattern.as_string(),
            replacement.as_string(),
        ) else {
            return Ok(Value::Undefined);
        };
        let Some(re) = self.pattern(name, pattern)? else {
            return Ok(Value::Undefined);
        };
        let src: &str = value;
        let mut out = String::new();
        let (mut last_end, mut search) = (0usize, 0usize);
        while search <= src.len() {
            let Some(caps) = re.regex.captures_at(src, search) else {
                break;
            };
            let Some(whole) = caps.get(0) else {
                break;
            };
            out.push_str(&src[last_end..whole.start()]);
            if whole.end() > last_end || whole.start() == 0 {
                expand(&mut out, replacement, &caps, &re.names);
            }
            if out.len() > MAX_OUTPUT_BYTES {
                return Err(too_big(format!(
                    "{name}: the result is over {MAX_OUTPUT_BYTES} bytes"
                )));
            }
            last_end = whole.end();
            let width = src[search..].chars().next().map_or(0, char::len_utf8);
            search = if search + width > whole.end() {
                search + width
            } else if search + 1 > whole.end() {
                search + 1
            } else {
                whole.end()
            };
        }
        out.push_str(&src[last_end..]);
        Ok(Value::from(out))
    }

    /// `regex.template_match(template, value, start, end)`: the template's text
    /// outside the (nesting) delimiters literal, each delimited part a pattern
    /// (OPA `compileRegexTemplate`).
    pub(crate) fn template_match(
        &self,
        template: &Value,
        value: &Value,
        start: &Value,
        end: &Value,
    ) -> Outcome {
        let name = "regex.template_match";
        let (Ok(template), Ok(value), Ok(start), Ok(end)) = (
            template.as_string(),
            value.as_string(),
            start.as_string(),
            end.as_string(),
        ) else {
            return Ok(Value::Undefined);
        };
        let (&[start], &[end]) = (start.as_bytes(), end.as_bytes()) else {
            return Ok(Value::Undefined);
        };
        let Some(parts) = delimited(template, start, end) else {
            return Ok(Value::Undefined);
        };
        let mut rust = String::from(r"\A(?:");
        let mut previous = 0;
        for (open, close) in parts {
            let inner = &template[open + 1..close - 1];
            // Go compiles `^inner$` alone first: it must be a pattern by itself.
            let Some(_) = self.pattern(name, inner)? else {
                return Ok(Value::Undefined);
            };
            let Ok(translated) = translate(inner) else {
                return Ok(Value::Undefined);
            };
            rust.push_str(&regex::escape(&template[previous..open]));
            rust.push('(');
            rust.push_str(&translated.rust);
            rust.push(')');
            previous = close;
        }
        rust.push_str(&regex::escape(&template[previous..]));
        rust.push_str(r")\z");
        let regex = match build(&rust) {
            Ok(regex) => regex,
            Err(Failure::Invalid) => return Ok(Value::Undefined),
            Err(Failure::TooBig(why)) => return Err(too_big(format!("{name}: {why}"))),
        };
        Ok(Value::Bool(regex.is_match(value)))
    }
}

/// The outermost delimited parts of `template` (byte ranges including the
/// delimiters); `None` when the delimiters do not balance.
fn delimited(template: &str, start: u8, end: u8) -> Option<Vec<(usize, usize)>> {
    let mut level = 0i64;
    let mut open = 0;
    let mut parts = Vec::new();
    for (i, &b) in template.as_bytes().iter().enumerate() {
        if b == start {
            level += 1;
            if level == 1 {
                open = i;
            }
        } else if b == end {
            level -= 1;
            if level == 0 {
                parts.push((open, i + 1));
            } else if level < 0 {
                return None;
            }
        }
    }
    // A multi-byte delimiter cannot occur: both are single bytes, so ASCII.
    (level == 0 && start.is_ascii() && end.is_ascii()).then_some(parts)
}

/// An `n` operand: an integer (`< 0`: no limit); anything else is OPA's error.
fn count(n: &Value) -> Option<usize> {
    let n = super::bounded::int_operand(n)?;
    Some(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Go's `allMatches`: successive leftmost-first matches, at most `n`, an empty
/// match right after the previous match skipped.
fn all_matches(regex: &Regex, text: &str, n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut previous_end: Option<usize> = None;
    while out.len() < n && pos <= text.len() {
        let Some(m) = regex.find_at(text, pos) else {
            break;
        };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == previous_end {
                accept = false;
            }
            pos += text[pos..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        previous_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Strings collected under [`MAX_OUTPUT_VALUES`] and [`MAX_OUTPUT_BYTES`].
struct Output {
    name: &'static str,
    items: Vec<Value>,
    values: usize,
    bytes: usize,
}

impl Output {
    fn new(name: &'static str) -> Output {
        Output {
            name,
            items: Vec::new(),
            values: 0,
            bytes: 0,
        }
    }

    fn push(&mut self, text: &str) -> Result<(), BuiltinError> {
        self.count(text)?;
        self.items.push(Value::from(text));
        Ok(())
    }

    /// Counts `text` against the bounds without keeping it.
    fn count(&mut self, text: &str) -> Result<(), BuiltinError> {
        self.values += 1;
        self.bytes += text.len();
        if self.values > MAX_OUTPUT_VALUES || self.bytes > MAX_OUTPUT_BYTES {
            return Err(too_big(format!(
                "{}: the result is over {MAX_OUTPUT_VALUES} strings or {MAX_OUTPUT_BYTES} bytes",
                self.name
            )));
        }
        Ok(())
    }

    fn into_value(self) -> Value {
        Value::from(self.items)
    }
}

/// Go's `Regexp.Expand` of `template` for one match: `$name` / `${name}` (a
/// number or a group name; the longest run of letters, digits and `_`), `$$`;
/// a `$` that starts no reference is itself. An unknown group is empty.
fn expand(out: &mut String, template: &str, caps: &regex::Captures<'_>, names: &[Option<String>]) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (name, after) = if let Some(braced) = rest.strip_prefix('{') {
            match braced.find('}') {
                Some(close) if close > 0 && braced[..close].bytes().all(is_name_byte) => {
                    (&braced[..close], &braced[close + 1..])
                }
                _ => ("", rest),
            }
        } else {
            let len = rest.bytes().take_while(|&b| is_name_byte(b)).count();
            (&rest[..len], &rest[len..])
        };
        if name.is_empty() {
            out.push('$');
            continue;
        }
        rest = after;
        let index = match name.parse::<usize>() {
            Ok(i) => Some(i),
            Err(_) => names.iter().position(|n| n.as_deref() == Some(name)),
        };
        if let Some(m) = index.and_then(|i| caps.get(i)) {
            out.push_str(m.as_str());
        }
    }
    out.push_str(rest);
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn compile(pattern: &str) -> Result<Compiled, Failure> {
    let translated = translate(pattern)?;
    let regex = build(&translated.rust)?;
    Ok(Compiled {
        regex,
        names: translated.names,
    })
}

fn build(rust: &str) -> Result<Regex, Failure> {
    RegexBuilder::new(rust)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                Failure::TooBig(format!("the pattern compiles to more than {limit} bytes"))
            }
            regex::Error::Syntax(message) if message.contains("nest limit") => {
                Failure::TooBig("the pattern nests too deeply".to_owned())
            }
            _ => Failure::Invalid,
        })
}

/// A Go pattern in the `regex` crate's syntax.
#[derive(Debug, PartialEq)]
struct Translated {
    rust: String,
    /// Group names by index (0: the whole match).
    names: Vec<Option<String>>,
}

/// One open group while translating: the largest product of explicit repeat
/// counts on a path through what it holds so far (Go's `repeatIsValid`).
struct Frame {
    weight: u64,
    /// Where the group's text starts in `out`.
    start: usize,
    /// Go's `U` flag in this group: repetitions are lazy unless followed by `?`.
    ungreedy: bool,
}

struct Translator<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    out: String,
    names: Vec<Option<String>>,
    frames: Vec<Frame>,
    /// The operand a repetition would apply to, by weight; `None`: none.
    last: Option<u64>,
    /// The previous token was a repetition (`a**` is an error).
    repeated: bool,
    /// A flag group (`(?i)`) not yet written: Go lets a repetition after it apply to
    /// the operand before it, so it is written before the next token that is not one.
    pending: String,
    /// Where the last operand's text starts in `out`.
    atom_start: usize,
    /// The last operand's text ends with a repetition (Go lets a flag group between
    /// it and another repetition: `a{2}(?i)?` is `(?:a{2})?`).
    quantified: bool,
}

/// Translates a Go (RE2, Perl flags) pattern; `Err(Invalid)` where Go's parser fails.
fn translate(pattern: &str) -> Result<Translated, Failure> {
    let mut t = Translator {
        chars: pattern.chars().peekable(),
        out: String::with_capacity(pattern.len() * 2),
        names: vec![None],
        frames: vec![Frame {
            weight: 1,
            start: 0,
            ungreedy: false,
        }],
        last: None,
        repeated: false,
        pending: String::new(),
        atom_start: 0,
        quantified: false,
    };
    t.run()?;
    Ok(Translated {
        rust: t.out,
        names: t.names,
    })
}

impl Translator<'_> {
    fn run(&mut self) -> Result<(), Failure> {
        while let Some(c) = self.chars.next() {
            if !matches!(c, '*' | '+' | '?' | '{' | '(') {
                self.flush();
                self.atom_start = self.out.len();
            }
            match c {
                '(' => self.open()?,
                ')' => {
                    self.fold();
                    if self.frames.len() < 2 {
                        return Err(Failure::Invalid);
                    }
                    let frame = self.frames.pop().ok_or(Failure::Invalid)?;
                    self.out.push(')');
                    self.operand(frame.weight);
                    self.atom_start = frame.start;
                }
                '|' => {
                    self.fold();
                    self.last = None;
                    self.repeated = false;
                    self.out.push('|');
                }
                '*' | '+' | '?' => {
                    self.repeat_operand()?;
                    self.requantify();
                    self.out.push(c);
                    self.lazy();
                }
                '{' => self.brace()?,
                '^' => self.assertion("^"),
                '$' => self.assertion("$"),
                '.' => {
                    self.out.push('.');
                    self.operand(1);
                }
                '[' => {
                    self.class()?;
                    self.operand(1);
                }
                '\\' => self.escape()?,
                other => self.literal(other),
            }
        }
        self.flush();
        self.fold();
        if self.frames.len() != 1 {
            return Err(Failure::Invalid);
        }
        Ok(())
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            self.out.push_str(&self.pending);
            self.pending.clear();
        }
    }

    fn ungreedy(&self) -> bool {
        self.frames.last().is_some_and(|f| f.ungreedy)
    }

    /// The pending operand joins the current group's weight.
    fn fold(&mut self) {
        if let (Some(w), Some(frame)) = (self.last, self.frames.last_mut()) {
            frame.weight = frame.weight.max(w);
        }
    }

    fn operand(&mut self, weight: u64) {
        self.fold();
        self.last = Some(weight);
        self.repeated = false;
        self.quantified = false;
    }

    /// Before a repetition of an operand that already ends with one: wrap it.
    fn requantify(&mut self) {
        if self.quantified {
            self.out.insert_str(self.atom_start, "(?:");
            self.out.push(')');
        }
    }

    fn literal(&mut self, c: char) {
        self.out
            .push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        self.operand(1);
    }

    fn assertion(&mut self, rust: &str) {
        self.out.push_str("(?:");
        self.out.push_str(rust);
        self.out.push(')');
        self.operand(1);
    }

    /// A repetition needs an operand that is not itself just repeated.
    fn repeat_operand(&mut self) -> Result<u64, Failure> {
        match self.last {
            Some(w) if !self.repeated => Ok(w),
            _ => Err(Failure::Invalid),
        }
    }

    /// A `?` after a repetition makes it non-greedy (greedy under Go's `U` flag,
    /// which is not passed on: each repetition is written greedy or lazy); then it
    /// counts as repeated.
    fn lazy(&mut self) {
        let suffix = self.chars.peek() == Some(&'?');
        if suffix {
            self.chars.next();
        }
        if suffix != self.ungreedy() {
            self.out.push('?');
        }
        self.repeated = true;
        self.quantified = true;
    }

    fn brace(&mut self) -> Result<(), Failure> {
        let saved = self.chars.clone();
        let Some((min, max)) = self.repeat_counts() else {
            self.chars = saved;
            self.flush();
            self.atom_start = self.out.len();
            self.literal('{');
            return Ok(());
        };
        let weight = self.repeat_operand()?;
        self.requantify();
        let too_large = |n: i64| !(0..=MAX_REPEAT as i64).contains(&n);
        if too_large(min) || max.is_some_and(|m| m != -1 && (too_large(m) || m < min)) {
            return Err(Failure::Invalid);
        }
        let bound = match max {
            Some(m) if m >= 0 => m,
            _ => min,
        } as u64;
        let weight = if bound == 0 {
            1
        } else {
            weight.saturating_mul(bound)
        };
        if weight > MAX_REPEAT {
            return Err(Failure::Invalid);
        }
        self.last = Some(weight);
        match max {
            None => write!(self.out, "{{{min}}}"),
            Some(-1) => write!(self.out, "{{{min},}}"),
            Some(m) => write!(self.out, "{{{min},{m}}}"),
        }
        .map_err(|_| Failure::Invalid)?;
        self.lazy();
        Ok(())
    }

    /// After `{`: `n}`, `n,}` (max `Some(-1)`), `n,m}`; Go's `parseRepeat`.
    /// A count over 10^8 reads as -1 (out of range).
    fn repeat_counts(&mut self) -> Option<(i64, Option<i64>)> {
        let min = self.int()?;
        match self.chars.next()? {
            '}' => Some((min, None)),
            ',' => {
                if self.chars.peek() == Some(&'}') {
                    self.chars.next();
                    return Some((min, Some(-1)));
                }
                let max = self.int()?;
                (self.chars.next()? == '}').then_some((min, Some(max)))
            }
            _ => None,
        }
    }

    fn int(&mut self) -> Option<i64> {
        let mut digits = String::new();
        while let Some(&d) = self.chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(d);
            self.chars.next();
        }
        if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
            return None;
        }
        Some(if digits.len() > 9 {
            -1
        } else {
            digits.parse().unwrap_or(-1)
        })
    }

    fn open(&mut self) -> Result<(), Failure> {
        self.fold();
        self.repeated = false;
        if self.chars.peek() != Some(&'?') {
            self.flush();
            self.names.push(None);
            self.group("(");
            return Ok(());
        }
        self.chars.next();
        let named = match self.chars.peek() {
            Some('P') => {
                self.chars.next();
                if self.chars.next() != Some('<') {
                    return Err(Failure::Invalid);
                }
                true
            }
            Some('<') => {
                self.chars.next();
                true
            }
            _ => false,
        };
        if named {
            let mut name = String::new();
            loop {
                match self.chars.next() {
                    Some('>') => break,
                    Some(c) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                    _ => return Err(Failure::Invalid),
                }
            }
            if name.is_empty() || self.names.iter().any(|n| n.as_deref() == Some(&name)) {
                return Err(Failure::Invalid);
            }
            self.flush();
            self.names.push(Some(name));
            self.group("(");
            return Ok(());
        }
        // Flags: `(?flags)` or `(?flags:`, with at most one `-`, followed by a flag.
        let (mut on, mut off) = (String::new(), String::new());
        let mut negated = false;
        let mut saw_flag = false;
        loop {
            match self.chars.next() {
                Some(f @ ('i' | 'm' | 's' | 'U')) => {
                    saw_flag = true;
                    let (add, remove) = if negated {
                        (&mut off, &mut on)
                    } else {
                        (&mut on, &mut off)
                    };
                    if !add.contains(f) {
                        add.push(f);
                    }
                    remove.retain(|x| x != f);
                }
                Some('-') if !negated => {
                    negated = true;
                    saw_flag = false;
                }
                Some(end @ (':' | ')')) => {
                    if negated && !saw_flag {
                        return Err(Failure::Invalid);
                    }
                    let ungreedy = if on.contains('U') {
                        true
                    } else if off.contains('U') {
                        false
                    } else {
                        self.ungreedy()
                    };
                    on.retain(|f| f != 'U');
                    off.retain(|f| f != 'U');
                    let flags = if off.is_empty() {
                        on
                    } else {
                        format!("{on}-{off}")
                    };
                    if end == ':' {
                        self.flush();
                        self.group(&format!("(?{flags}:"));
                        if let Some(frame) = self.frames.last_mut() {
                            frame.ungreedy = ungreedy;
                        }
                    } else {
                        if let Some(frame) = self.frames.last_mut() {
                            frame.ungreedy = ungreedy;
                        }
                        if !flags.is_empty() {
                            self.pending.push_str(&format!("(?{flags})"));
                        }
                    }
                    return Ok(());
                }
                _ => return Err(Failure::Invalid),
            }
        }
    }

    fn group(&mut self, open: &str) {
        let start = self.out.len();
        self.out.push_str(open);
        let ungreedy = self.ungreedy();
        self.frames.push(Frame {
            weight: 1,
            start,
            ungreedy,
        });
        self.last = None;
        self.repeated = false;
    }

    fn escape(&mut self) -> Result<(), Failure> {
        let c = self.chars.next().ok_or(Failure::Invalid)?;
        match c {
            'A' => self.assertion(r"\A"),
            'z' => self.assertion(r"\z"),
            'b' => self.assertion(r"(?-u:\b)"),
            'B' => self.assertion(r"(?-u:\B)"),
            'Q' => {
                while let Some(q) = self.chars.next() {
                    if q == '\\' && self.chars.peek() == Some(&'E') {
                        self.chars.next();
                        break;
                    }
                    self.literal(q);
                }
            }
            'd' | 'D' | 's' | 'S' | 'w' | 'W' => {
                self.out.push('[');
                self.out.push_str(perl_class(c));
                self.out.push(']');
                self.operand(1);
            }
            'p' | 'P' => {
                let class = self.unicode_class(c)?;
                self.out.push_str(&class);
                self.operand(1);
            }
            _ => {
                let lit = self.escaped_char(c)?;
                self.literal(lit);
            }
        }
        Ok(())
    }

    /// The literal a `\c` escape stands for (Go's `parseEscape`), after the `\`.
    fn escaped_char(&mut self, c: char) -> Result<char, Failure> {
        match c {
            'a' => Ok('\x07'),
            'f' => Ok('\x0c'),
            't' => Ok('\t'),
            'n' => Ok('\n'),
            'r' => Ok('\r'),
            'v' => Ok('\x0b'),
            '0'..='7' => {
                // `\1`…`\7` alone would be a backreference: an error.
                if c != '0' && !self.chars.peek().is_some_and(|d| ('0'..='7').contains(d)) {
                    return Err(Failure::Invalid);
                }
                let mut value = c as u32 - '0' as u32;
                for _ in 0..2 {
                    match self.chars.peek() {
                        Some(&d @ '0'..='7') => {
                            self.chars.next();
                            value = value * 8 + (d as u32 - '0' as u32);
                        }
                        _ => break,
                    }
                }
                char::from_u32(value).ok_or(Failure::Invalid)
            }
            'x' => {
                let mut hex = String::new();
                if self.chars.peek() == Some(&'{') {
                    self.chars.next();
                    loop {
                        match self.chars.next() {
                            Some('}') => break,
                            Some(h) if h.is_ascii_hexdigit() && hex.len() < 8 => hex.push(h),
                            _ => return Err(Failure::Invalid),
                        }
                    }
                } else {
                    for _ in 0..2 {
                        match self.chars.next() {
                            Some(h) if h.is_ascii_hexdigit() => hex.push(h),
                            _ => return Err(Failure::Invalid),
                        }
                    }
                }
                let value = u32::from_str_radix(&hex, 16).map_err(|_| Failure::Invalid)?;
                char::from_u32(value).ok_or(Failure::Invalid)
            }
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Ok(c),
            _ => Err(Failure::Invalid),
        }
    }

    /// `\pX`, `\p{Name}`, `\p{^Name}` (after `\p` or `\P`), as the `regex` crate's
    /// class; only the names Go knows.
    fn unicode_class(&mut self, p: char) -> Result<String, Failure> {
        let name = match self.chars.next() {
            Some('{') => {
                let mut name = String::new();
                loop {
                    match self.chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err(Failure::Invalid),
                    }
                }
                name
            }
            Some(c) => c.to_string(),
            None => return Err(Failure::Invalid),
        };
        let (negated, bare) = match name.strip_prefix('^') {
            Some(rest) => (p == 'p', rest),
            None => (p == 'P', name.as_str()),
        };
        let Some(rust) = unicode_name(bare) else {
            return Err(Failure::Invalid);
        };
        Ok(format!("{}{{{rust}}}", if negated { r"\P" } else { r"\p" }))
    }

    /// A bracketed class (after `[`), re-written with every literal escaped.
    fn class(&mut self) -> Result<(), Failure> {
        let mut out = String::from("[");
        if self.chars.peek() == Some(&'^') {
            self.chars.next();
            out.push('^');
        }
        let mut first = true;
        loop {
            let c = self.chars.next().ok_or(Failure::Invalid)?;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.chars.peek() == Some(&':') {
                let saved = self.chars.clone();
                if let Some(named) = self.posix_class()? {
                    out.push_str(&named);
                    continue;
                }
                self.chars = saved;
            }
            if c == '\\' {
                match self.chars.peek() {
                    Some(&e @ ('d' | 'D' | 's' | 'S' | 'w' | 'W')) => {
                        self.chars.next();
                        out.push('[');
                        out.push_str(perl_class(e));
                        out.push(']');
                        continue;
                    }
                    Some(&e @ ('p' | 'P')) => {
                        self.chars.next();
                        out.push_str(&self.unicode_class(e)?);
                        continue;
                    }
                    _ => {}
                }
            }
            let lo = self.class_char(c)?;
            let mut hi = lo;
            let mut ahead = self.chars.clone();
            if ahead.next() == Some('-') && ahead.peek().is_some_and(|&n| n != ']') {
                self.chars.next();
                let next = self.chars.next().ok_or(Failure::Invalid)?;
                hi = self.class_char(next)?;
                if hi < lo {
                    return Err(Failure::Invalid);
                }
            }
            push_class_char(&mut out, lo);
            if hi != lo {
                out.push('-');
                push_class_char(&mut out, hi);
            }
        }
        out.push(']');
        self.out.push_str(&out);
        Ok(())
    }

    /// One class character (`c` read): itself, or an escape.
    fn class_char(&mut self, c: char) -> Result<char, Failure> {
        if c != '\\' {
            return Ok(c);
        }
        let e = self.chars.next().ok_or(Failure::Invalid)?;
        self.escaped_char(e)
    }

    /// After `[` and before `:`: `[:name:]` or `[:^name:]`; `None` when no `:]`
    /// follows (the `[` is then a literal); an unknown name is an error.
    fn posix_class(&mut self) -> Result<Option<String>, Failure> {
        let rest: String = self.chars.clone().collect();
        let Some(end) = rest.get(1..).and_then(|r| r.find(":]")) else {
            return Ok(None);
        };
        let inner = &rest[1..end + 1];
        let (negated, name) = match inner.strip_prefix('^') {
            Some(n) => (true, n),
            None => (false, inner),
        };
        const POSIX: &[&str] = &[
            "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print",
            "punct", "space", "upper", "word", "xdigit",
        ];
        if !POSIX.contains(&name) {
            return Err(Failure::Invalid);
        }
        for _ in 0..inner.chars().count() + 3 {
            self.chars.next();
        }
        Ok(Some(format!(
            "[:{}{name}:]",
            if negated { "^" } else { "" }
        )))
    }
}

fn push_class_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        let _ = write!(out, r"\x{{{:X}}}", c as u32);
    }
}

/// Go's Perl classes, ASCII, as the inside of a bracket.
fn perl_class(c: char) -> &'static str {
    match c {
        'd' => "0-9",
        'D' => "^0-9",
        's' => r"\t\n\x0C\r ",
        'S' => r"^\t\n\x0C\r ",
        'w' => "0-9A-Za-z_",
        _ => "^0-9A-Za-z_",
    }
}

/// The `regex` crate's name for a Unicode class Go knows: `Any`, `ASCII`,
/// `Assigned`, the general categories (`L`, `Lu`, `LC`, `Cn`, and their long
/// names) and the scripts. Names are compared as Go 1.25 does: ignoring case,
/// spaces, `_` and `-`. `None` for anything else.
fn unicode_name(name: &str) -> Option<String> {
    let loose: String = name
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    if loose.is_empty() {
        return None;
    }
    if let Some((short, _)) = CATEGORIES.iter().find(|(short, long)| {
        short.to_lowercase() == loose || long.to_lowercase().replace('_', "") == loose
    }) {
        return Some((*short).to_owned());
    }
    match loose.as_str() {
        "any" => return Some("Any".to_owned()),
        "ascii" => return Some("ASCII".to_owned()),
        "assigned" => return Some("Assigned".to_owned()),
        _ => {}
    }
    SCRIPTS
        .iter()
        .find(|s| s.to_lowercase().replace('_', "") == loose)
        .map(|s| (*s).to_owned())
}

/// Unicode general categories: short name, long alias.
const CATEGORIES: &[(&str, &str)] = &[
    ("C", "Other"),
    ("Cc", "Control"),
    ("Cf", "Format"),
    ("Cn", "Unassigned"),
    ("Co", "Private_Use"),
    ("Cs", "Surrogate"),
    ("L", "Letter"),
    ("LC", "Cased_Letter"),
    ("Ll", "Lowercase_Letter"),
    ("Lm", "Modifier_Letter"),
    ("Lo", "Other_Letter"),
    ("Lt", "Titlecase_Letter"),
    ("Lu", "Uppercase_Letter"),
    ("M", "Mark"),
    ("Mc", "Spacing_Mark"),
    ("Me", "Enclosing_Mark"),
    ("Mn", "Nonspacing_Mark"),
    ("N", "Number"),
    ("Nd", "Decimal_Number"),
    ("Nl", "Letter_Number"),
    ("No", "Other_Number"),
    ("P", "Punctuation"),
    ("Pc", "Connector_Punctuation"),
    ("Pd", "Dash_Punctuation"),
    ("Pe", "Close_Punctuation"),
    ("Pf", "Final_Punctuation"),
    ("Pi", "Initial_Punctuation"),
    ("Po", "Other_Punctuation"),
    ("Ps", "Open_Punctuation"),
    ("S", "Symbol"),
    ("Sc", "Currency_Symbol"),
    ("Sk", "Modifier_Symbol"),
    ("Sm", "Math_Symbol"),
    ("So", "Other_Symbol"),
    ("Z", "Separator"),
    ("Zl", "Line_Separator"),
    ("Zp", "Paragraph_Separator"),
    ("Zs", "Space_Separator"),
];

/// The scripts Go's `unicode.Scripts` names (Unicode 15).
const SCRIPTS: &[&str] = &[
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];
