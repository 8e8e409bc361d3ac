//! `sprintf(format, values)` as OPA evaluates it: Go's `fmt.Sprintf` over the
//! values converted as OPA (v1.20.2, `topdown/strings.go`) converts them:
//!
//! * a number that is an integer fitting 64 bits is an `int64` (a literal `1.0`
//!   included: OPA reads "1.0" as the integer 1); a larger integer a
//!   `*big.Int`; any other number a `float64`;
//! * a string is a `string`;
//! * anything else is the `string` of its Rego text (`["a", 1]`, `{"a": 1}`,
//!   `{1, 2}`, `set()`, `null`, `true`): `%v` and `%s` print it, `%d` of it is
//!   `%!d(string=…)`.
//!
//! The format is read as Go's `fmt` reads it: flags `#0+- `, argument indexes
//! `%[n]d`, widths and precisions (digits or `*`), any verb; Go's error forms
//! are written as Go writes them (`%!d(string=x)`, `%!d(MISSING)`,
//! `%!(EXTRA int64=2)`, `%!(NOVERB)`, `%!d(BADINDEX)`, `%!(BADWIDTH)`,
//! `%!(BADPREC)`). Floats print as Go's `strconv` prints them (shortest
//! round-trip digits for `%v`, exact rounding with a precision).
//!
//! Not as Go: a width or precision over [`MAX_SPRINTF_WIDTH`] and a result over
//! [`MAX_OUTPUT_BYTES`] are `resource-exhausted` errors (KNOWN-DIFFERENCES row
//! 20).
//! Where OPA keeps a number's literal text (`1e3` is the string "1e3" to
//! `sprintf`, `1.5e3` inside an array prints as `1.5e3`) verdict sees only
//! the value regorus kept (the integer 1000; `1500`).

use std::fmt::Write as _;
use std::sync::OnceLock;

use regorus::Value;

use super::bounded::{BuiltinError, MAX_SPRINTF_WIDTH, check_depth, limit};

/// The longest result `sprintf` returns.
pub(crate) const MAX_OUTPUT_BYTES: usize = 64 << 20;

/// A value as OPA hands it to Go's `fmt`.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Int(i64),
    /// A `*big.Int`, as its sign and decimal digits.
    Big(bool, String),
    Float(f64),
    Str(String),
}

impl Arg {
    fn of(value: &Value) -> Arg {
        match value {
            Value::Number(n) => {
                if let Ok(i) = value.as_i64() {
                    Arg::Int(i)
                } else if n.is_integer() && !n.format_decimal().contains(['.', 'e', 'E']) {
                    let text = n.format_decimal();
                    match text.strip_prefix('-') {
                        Some(digits) => Arg::Big(true, digits.to_owned()),
                        None => Arg::Big(false, text),
                    }
                } else {
                    Arg::Float(value.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Arg::Str(s.to_string()),
            other => Arg::Str(rego_text(other)),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Arg::Int(_) => "int64",
            Arg::Big(..) => "*big.Int",
            Arg::Float(_) => "float64",
            Arg::Str(_) => "string",
        }
    }
}

/// OPA's order of values (`ast.Compare`; `super::order`).
use super::order::compare as opa_order;
pub(crate) use super::order::sorted;

/// A value's text as OPA's `ast.Value.String()` writes it.
pub(crate) fn rego_text(value: &Value) -> String {
    let mut out = String::new();
    write_rego(&mut out, value);
    out
}

fn write_rego(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.format_decimal()),
        Value::String(s) => out.push_str(&quote(s, '"', false)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(out, item);
            }
            out.push(']');
        }
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => {
            out.push('{');
            for (i, item) in sorted(items.iter()).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(out, item);
            }
            out.push('}');
        }
        Value::Object(fields) => {
            out.push('{');
            let mut fields: Vec<(&Value, &Value)> = fields.iter().collect();
            fields.sort_by(|a, b| opa_order(a.0, b.0));
            for (i, (key, item)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_rego(out, key);
                out.push_str(": ");
                write_rego(out, item);
            }
            out.push('}');
        }
        Value::Undefined => out.push_str("undefined"),
    }
}

/// `fmt` state for one verb.
#[derive(Debug, Default, Clone)]
struct Flags {
    sharp: bool,
    zero: bool,
    plus: bool,
    minus: bool,
    space: bool,
    sharp_v: bool,
    plus_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

/// `sprintf(format, values)`; `Ok(Undefined)` for ill-typed operands.
pub(crate) fn sprintf(format: &Value, values: &Value) -> Result<Value, BuiltinError> {
    check_depth("sprintf", values)?;
    let (Ok(format), Value::Array(values)) = (format.as_string(), values) else {
        return Ok(Value::Undefined);
    };
    let args: Vec<Arg> = values.iter().map(Arg::of).collect();
    for arg in &args {
        if let Arg::Big(_, digits) = arg {
            check_digits("sprintf", digits)?;
        }
    }
    Ok(Value::from(go_sprintf(format, &args)?))
}

fn too_large(what: &str, n: usize) -> BuiltinError {
    limit(format!(
        "sprintf: {what} {n} is over the limit of {MAX_SPRINTF_WIDTH}"
    ))
}

/// Go's `parsenum` over ASCII digits at `i`: the number (saturating), its end.
fn parse_num(format: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while let Some(d) = format.get(i).filter(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
        i += 1;
    }
    ((i > start).then_some(n), i)
}

struct Printer<'a> {
    out: String,
    args: &'a [Arg],
    reordered: bool,
    good_arg_num: bool,
}

impl Printer<'_> {
    /// Go's `argNumber`: an explicit `[n]` index at `i`.
    fn arg_number(&mut self, arg_num: usize, format: &[u8], i: usize) -> (usize, usize, bool) {
        if format.get(i) != Some(&b'[') {
            return (arg_num, i, false);
        }
        self.reordered = true;
        // parseArgNumber: at least "[n]".
        let rest = &format[i..];
        if rest.len() < 3 {
            self.good_arg_num = false;
            return (arg_num, i + 1, false);
        }
        for close in 1..rest.len() {
            if rest[close] == b']' {
                let (n, end) = parse_num(rest, 1);
                return match n {
                    Some(n) if end == close && n >= 1 && n - 1 < self.args.len() => {
                        (n - 1, i + close + 1, true)
                    }
                    Some(_) if end == close => {
                        self.good_arg_num = false;
                        (arg_num, i + close + 1, true)
                    }
                    _ => {
                        self.good_arg_num = false;
                        (arg_num, i + close + 1, false)
                    }
                };
            }
        }
        self.good_arg_num = false;
        (arg_num, i + 1, false)
    }

    /// Go's `intFromArg` for `*`.
    fn int_from_arg(&self, arg_num: usize) -> Result<(Option<i64>, usize), BuiltinError> {
        let Some(arg) = self.args.get(arg_num) else {
            return Ok((None, arg_num));
        };
        let n = match arg {
            Arg::Int(n) if n.unsigned_abs() <= 1_000_000 => Some(*n),
            _ => None,
        };
        if let Some(n) = n
            && n.unsigned_abs() > MAX_SPRINTF_WIDTH
        {
            return Err(too_large("width or precision", n.unsigned_abs() as usize));
        }
        Ok((n, arg_num + 1))
    }

    fn check_size(&self) -> Result<(), BuiltinError> {
        if self.out.len() > MAX_OUTPUT_BYTES {
            return Err(limit(format!(
                "sprintf: the result is over {MAX_OUTPUT_BYTES} bytes"
            )));
        }
        Ok(())
    }
}

fn go_sprintf(format: &str, args: &[Arg]) -> Result<String, BuiltinError> {
    let bytes = format.as_bytes();
    let end = bytes.len();
    let mut p = Printer {
        out: String::with_capacity(format.len()),
        args,
        reordered: false,
        good_arg_num: true,
    };
    let mut arg_num = 0usize;
    let mut i = 0usize;
    'format: while i < end {
        p.good_arg_num = true;
        let last = i;
        while i < end && bytes[i] != b'%' {
            i += 1;
        }
        p.out.push_str(&format[last..i]);
        if i >= end {
            break;
        }
        i += 1;
        let mut f = Flags::default();
        // Flags, and the fast path for a plain lower-case verb.
        while i < end {
            match bytes[i] {
                b'#' => f.sharp = true,
                b'0' => f.zero = !f.minus,
                b'+' => f.plus = true,
                b'-' => {
                    f.minus = true;
                    f.zero = false;
                }
                b' ' => f.space = true,
                c if c.is_ascii_lowercase() && arg_num < args.len() => {
                    if c == b'v' {
                        f.sharp_v = f.sharp;
                        f.sharp = false;
                        f.plus_v = f.plus;
                        f.plus = false;
                    }
                    print_arg(&mut p.out, &args[arg_num], char::from(c), &f);
                    p.check_size()?;
                    arg_num += 1;
                    i += 1;
                    continue 'format;
                }
                _ => break,
            }
            i += 1;
        }
        let (n, ni, mut after_index) = p.arg_number(arg_num, bytes, i);
        arg_num = n;
        i = ni;
        // Width.
        if i < end && bytes[i] == b'*' {
            i += 1;
            let (wid, next) = p.int_from_arg(arg_num)?;
            arg_num = next;
            match wid {
                None => p.out.push_str("%!(BADWIDTH)"),
                Some(w) if w < 0 => {
                    f.wid = Some(w.unsigned_abs() as usize);
                    f.minus = true;
                    f.zero = false;
                }
                Some(w) => f.wid = Some(w as usize),
            }
            after_index = false;
        } else {
            let (wid, ni) = parse_num(bytes, i);
            if let Some(w) = wid
                && w > MAX_SPRINTF_WIDTH as usize
            {
                return Err(too_large("width", w));
            }
            f.wid = wid;
            i = ni;
            if after_index && wid.is_some() {
                p.good_arg_num = false;
            }
        }
        // Precision.
        if i + 1 < end && bytes[i] == b'.' {
            i += 1;
            if after_index {
                p.good_arg_num = false;
            }
            let (n, ni, found) = p.arg_number(arg_num, bytes, i);
            arg_num = n;
            i = ni;
            after_index = found;
            if i < end && bytes[i] == b'*' {
                i += 1;
                let (prec, next) = p.int_from_arg(arg_num)?;
                arg_num = next;
                match prec {
                    Some(n) if n >= 0 => f.prec = Some(n as usize),
                    _ => {
                        f.prec = None;
                        p.out.push_str("%!(BADPREC)");
                    }
                }
                after_index = false;
            } else {
                let (prec, ni) = parse_num(bytes, i);
                if let Some(n) = prec
                    && n > MAX_SPRINTF_WIDTH as usize
                {
                    return Err(too_large("precision", n));
                }
                f.prec = Some(prec.unwrap_or(0));
                i = ni;
            }
        }
        if !after_index {
            let (n, ni, _) = p.arg_number(arg_num, bytes, i);
            arg_num = n;
            i = ni;
        }
        let Some(verb) = format.get(i..).and_then(|rest| rest.chars().next()) else {
            p.out.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if verb == '%' {
            p.out.push('%');
        } else if !p.good_arg_num {
            let _ = write!(p.out, "%!{verb}(BADINDEX)");
        } else if arg_num >= args.len() {
            let _ = write!(p.out, "%!{verb}(MISSING)");
        } else {
            if verb == 'v' {
                f.sharp_v = f.sharp;
                f.sharp = false;
                f.plus_v = f.plus;
                f.plus = false;
            }
            print_arg(&mut p.out, &args[arg_num], verb, &f);
            arg_num += 1;
        }
        p.check_size()?;
    }
    if !p.reordered && arg_num < args.len() {
        p.out.push_str("%!(EXTRA ");
        let plain = Flags::default();
        for (k, arg) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.out.push_str(", ");
            }
            p.out.push_str(arg.type_name());
            p.out.push('=');
            print_arg(&mut p.out, arg, 'v', &plain);
            p.check_size()?;
        }
        p.out.push(')');
    }
    Ok(p.out)
}

/// Go's `printArg`.
fn print_arg(out: &mut String, arg: &Arg, verb: char, f: &Flags) {
    if verb == 'T' {
        pad(out, truncate(arg.type_name(), f), f);
        return;
    }
    match arg {
        Arg::Int(n) => fmt_int(out, *n, verb, f, arg),
        Arg::Big(negative, digits) => fmt_big(out, *negative, digits, verb, f),
        Arg::Float(x) => fmt_float(out, *x, verb, f, arg),
        Arg::Str(s) => match verb {
            'v' if f.sharp_v => pad(out, &fmt_q(s, f), f),
            'v' | 's' => pad(out, truncate(s, f), f),
            'x' | 'X' => fmt_sx(out, s, verb == 'X', f),
            'q' => pad(out, &fmt_q(s, f), f),
            _ => bad_verb(out, arg, verb, f),
        },
    }
}

/// `%!verb(type=value)`, the value printed with `%v` under the same flags.
fn bad_verb(out: &mut String, arg: &Arg, verb: char, f: &Flags) {
    let _ = write!(out, "%!{verb}({}=", arg.type_name());
    print_arg(out, arg, 'v', f);
    out.push(')');
}

fn truncate<'s>(s: &'s str, f: &Flags) -> &'s str {
    match f.prec {
        Some(p) => s.char_indices().nth(p).map_or(s, |(i, _)| &s[..i]),
        None => s,
    }
}

fn padding(out: &mut String, n: usize, f: &Flags) {
    let c = if f.zero { '0' } else { ' ' };
    out.extend(std::iter::repeat_n(c, n));
}

/// Go's `pad`: to the width in runes, left (zeros when `0`) or right (`-`).
fn pad(out: &mut String, s: &str, f: &Flags) {
    let width = f.wid.unwrap_or(0).saturating_sub(s.chars().count());
    if f.minus {
        out.push_str(s);
        padding(out, width, f);
    } else {
        padding(out, width, f);
        out.push_str(s);
    }
}

/// [`pad`] with spaces only (Go clears `zero` around it for numbers).
fn pad_spaces(out: &mut String, s: &str, f: &Flags) {
    let g = Flags {
        zero: false,
        ..f.clone()
    };
    pad(out, s, &g);
}

/// `%x` of a string with no flags: its bytes in lowercase hexadecimal, which is also Go's
/// `hex.EncodeToString` (`hex.encode`).
pub(crate) fn hex_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    fmt_sx(&mut out, s, false, &Flags::default());
    out
}

fn fmt_sx(out: &mut String, s: &str, upper: bool, f: &Flags) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let bytes = s.as_bytes();
    let length = f.prec.map_or(bytes.len(), |p| p.min(bytes.len()));
    let mut width = 2 * length;
    if width == 0 {
        if let Some(w) = f.wid {
            padding(out, w, f);
        }
        return;
    }
    if f.space {
        if f.sharp {
            width *= 2;
        }
        width += length - 1;
    } else if f.sharp {
        width += 2;
    }
    let wid = f.wid.unwrap_or(0);
    if wid > width && !f.minus {
        padding(out, wid - width, f);
    }
    let x = if upper { 'X' } else { 'x' };
    if f.sharp {
        out.push('0');
        out.push(x);
    }
    for (i, b) in bytes[..length].iter().enumerate() {
        if f.space && i > 0 {
            out.push(' ');
            if f.sharp {
                out.push('0');
                out.push(x);
            }
        }
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 15)]));
    }
    if wid > width && f.minus {
        padding(out, wid - width, f);
    }
}

fn fmt_q(s: &str, f: &Flags) -> String {
    let s = truncate(s, f);
    if f.sharp && can_backquote(s) {
        return format!("`{s}`");
    }
    quote(s, '"', f.plus)
}

fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c != '\u{feff}' && c != '`' && c != '\u{7f}' && (c >= ' ' || c == '\t'))
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols, and
/// the ASCII space.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    static PRINT: OnceLock<Option<regex::Regex>> = OnceLock::new();
    PRINT
        .get_or_init(|| regex::Regex::new(r"\A[\pL\pM\pN\pP\pS]\z").ok())
        .as_ref()
        .is_some_and(|re| re.is_match(c.encode_utf8(&mut [0; 4])))
}

/// Go's `strconv.Quote` (`ascii`: `QuoteToASCII`) with `q` as the quote.
fn quote(s: &str, q: char, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        escape_rune(&mut out, c, q, ascii);
    }
    out.push(q);
    out
}

fn escape_rune(out: &mut String, c: char, q: char, ascii: bool) {
    if c == q || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if if ascii {
        c.is_ascii() && is_print(c)
    } else {
        is_print(c)
    } {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if c < ' ' || c == '\x7f' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

fn fmt_int(out: &mut String, n: i64, verb: char, f: &Flags, arg: &Arg) {
    let u = n as u64;
    match verb {
        'v' | 'd' => fmt_integer(out, n < 0, n.unsigned_abs().to_string(), 10, verb, f),
        'b' => fmt_integer(out, n < 0, format!("{:b}", n.unsigned_abs()), 2, verb, f),
        'o' | 'O' => fmt_integer(out, n < 0, format!("{:o}", n.unsigned_abs()), 8, verb, f),
        'x' => fmt_integer(out, n < 0, format!("{:x}", n.unsigned_abs()), 16, verb, f),
        'X' => fmt_integer(out, n < 0, format!("{:X}", n.unsigned_abs()), 16, verb, f),
        'c' => {
            let c = u32::try_from(u)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            pad(out, c.encode_utf8(&mut [0; 4]), f);
        }
        'q' => {
            let c = u32::try_from(u)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            pad(out, &quote(c.encode_utf8(&mut [0; 4]), '\'', f.plus), f);
        }
        'U' => {
            let prec = f.prec.unwrap_or(4).max(4);
            let mut text = format!("U+{u:0prec$X}");
            if f.sharp
                && let Some(c) = u32::try_from(u).ok().and_then(char::from_u32)
                && is_print(c)
            {
                let _ = write!(text, " '{c}'");
            }
            pad_spaces(out, &text, f);
        }
        _ => bad_verb(out, arg, verb, f),
    }
}

/// Go's `fmt.fmtInteger` over the magnitude's digits in `base`.
fn fmt_integer(out: &mut String, negative: bool, digits: String, base: u32, verb: char, f: &Flags) {
    let zero_value = digits == "0";
    let mut prec = 0usize;
    if let Some(p) = f.prec {
        prec = p;
        if p == 0 && zero_value {
            let g = Flags {
                zero: false,
                ..f.clone()
            };
            padding(out, f.wid.unwrap_or(0), &g);
            return;
        }
    } else if f.zero && !f.minus && f.wid.is_some() {
        prec = f.wid.unwrap_or(0);
        if negative || f.plus || f.space {
            prec = prec.saturating_sub(1);
        }
    }
    let mut body = String::new();
    if f.sharp {
        match base {
            2 => body.push_str("0b"),
            16 => body.push_str(if verb == 'X' { "0X" } else { "0x" }),
            _ => {}
        }
    }
    if verb == 'O' {
        body.push_str("0o");
    }
    let mut zeros = prec.saturating_sub(digits.len());
    if f.sharp && base == 8 && zeros == 0 && !digits.starts_with('0') {
        zeros = 1;
    }
    body.extend(std::iter::repeat_n('0', zeros));
    body.push_str(&digits);
    let sign = if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    pad_spaces(out, &format!("{sign}{body}"), f);
}

/// `big.Int`'s `Format`: verbs `b o O d s v x X`; others `%!c(big.Int=…)`.
fn fmt_big(out: &mut String, negative: bool, digits: &str, verb: char, f: &Flags) {
    let base = match verb {
        'b' => 2,
        'o' | 'O' => 8,
        'd' | 's' | 'v' => 10,
        'x' | 'X' => 16,
        _ => {
            let sign = if negative { "-" } else { "" };
            let _ = write!(out, "%!{verb}(big.Int={sign}{digits})");
            return;
        }
    };
    let mut text = to_base(digits, base);
    if verb == 'X' {
        text = text.to_uppercase();
    }
    let sign = if negative {
        "-"
    } else if f.plus || f.plus_v {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    let mut prefix = if f.sharp || f.sharp_v {
        match verb {
            'b' => "0b",
            'o' => "0",
            'x' => "0x",
            'X' => "0X",
            _ => "",
        }
    } else {
        ""
    };
    if verb == 'O' {
        prefix = "0o";
    }
    let mut zeros = 0;
    if let Some(p) = f.prec {
        if text.len() < p {
            zeros = p - text.len();
        } else if text == "0" && p == 0 {
            return;
        }
    }
    let length = sign.len() + prefix.len() + zeros + text.len();
    let (mut left, mut right) = (0, 0);
    if let Some(w) = f.wid
        && length < w
    {
        let d = w - length;
        if f.minus {
            right = d;
        } else if f.zero && f.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(sign);
    out.push_str(prefix);
    out.extend(std::iter::repeat_n('0', zeros));
    out.push_str(&text);
    out.extend(std::iter::repeat_n(' ', right));
}

/// `format_int(x, base)` as OPA: `x` truncated toward zero (so `-0.5` is `0`),
/// written in base 2, 8, 10 or 16 (lower case) with a `-` when negative; any
/// other base, or an `x` that is no number, is undefined. OPA reads a number
/// written with a fraction or an exponent as a 64-bit-mantissa float first
/// (`1e30` is not exact); regorus keeps `1e30` as an integer (KNOWN-DIFFERENCES).
pub(crate) fn format_int(x: &Value, base: &Value) -> Result<Value, BuiltinError> {
    let digits = match int_digits(x, base) {
        Some((base, negative, digits)) => {
            check_digits("format_int", &digits)?;
            let sign = if negative && digits != "0" { "-" } else { "" };
            Value::from(format!("{sign}{}", to_base(&digits, base)))
        }
        None => Value::Undefined,
    };
    Ok(digits)
}

/// The base, sign and decimal digits of `format_int`'s operands.
fn int_digits(x: &Value, base: &Value) -> Option<(u32, bool, String)> {
    let base = match super::bounded::int_operand(base)? {
        b @ (2 | 8 | 10 | 16) => b as u32,
        _ => return None,
    };
    let Value::Number(n) = x else {
        return None;
    };
    let (negative, digits) = if let Ok(i) = x.as_i64() {
        (i < 0, i.unsigned_abs().to_string())
    } else if n.is_integer() && !n.format_decimal().contains(['.', 'e', 'E']) {
        let text = n.format_decimal();
        match text.strip_prefix('-') {
            Some(d) => (true, d.to_owned()),
            None => (false, text),
        }
    } else {
        let t = x.as_f64().ok()?.trunc();
        if !t.is_finite() {
            return None;
        }
        (t < 0.0, format!("{:.0}", t.abs()))
    };
    Some((base, negative, digits))
}

/// The most decimal digits of an integer written in another base (the conversion
/// is quadratic): beyond, `resource-exhausted`.
const MAX_BASE_DIGITS: usize = 20_000;

fn check_digits(name: &str, digits: &str) -> Result<(), BuiltinError> {
    if digits.len() > MAX_BASE_DIGITS {
        return Err(limit(format!(
            "{name}: an integer of more than {MAX_BASE_DIGITS} digits"
        )));
    }
    Ok(())
}

/// Decimal digits to `base` (2, 8, 10 or 16), lower case.
fn to_base(decimal: &str, base: u32) -> String {
    if base == 10 {
        return decimal.to_owned();
    }
    let mut number: Vec<u32> = decimal.bytes().map(|d| u32::from(d - b'0')).collect();
    let mut out = Vec::new();
    while number.iter().any(|&d| d != 0) {
        let mut rem = 0;
        for d in number.iter_mut() {
            let cur = rem * 10 + *d;
            *d = cur / base;
            rem = cur % base;
        }
        out.push(std::char::from_digit(rem, base).unwrap_or('0'));
    }
    if out.is_empty() {
        out.push('0');
    }
    out.iter().rev().collect()
}

fn fmt_float(out: &mut String, x: f64, verb: char, f: &Flags, arg: &Arg) {
    let (fmt, default_prec) = match verb {
        'v' => ('g', None),
        'b' | 'g' | 'G' | 'x' | 'X' => (verb, None),
        'f' | 'F' | 'e' | 'E' => (verb, Some(6)),
        _ => return bad_verb(out, arg, verb, f),
    };
    let prec = f.prec.or(default_prec);
    let mut num = format_float(x, fmt, prec);
    if !num.starts_with(['-', '+']) {
        num.insert(0, '+');
    }
    if f.sharp && fmt != 'b' {
        num = sharp_float(&num, fmt, prec);
    }
    if f.space && num.starts_with('+') && !f.plus {
        num.replace_range(..1, " ");
    }
    if f.plus || !num.starts_with('+') {
        let wid = f.wid.unwrap_or(0);
        if f.zero && !f.minus && wid > num.len() {
            out.push_str(&num[..1]);
            padding(out, wid - num.len(), f);
            out.push_str(&num[1..]);
            return;
        }
        pad(out, &num, f);
        return;
    }
    pad(out, &num[1..], f);
}

/// Go's `#` flag on a formatted float (`num` signed): a decimal point always, and
/// for `%g`/`%v`/`%x` trailing zeros up to the precision (6 by default).
fn sharp_float(num: &str, fmt: char, prec: Option<usize>) -> String {
    let mut digits: i64 = match fmt {
        'g' | 'G' | 'x' => prec.map_or(6, |p| p as i64),
        _ => 0,
    };
    let (mut body, mut tail) = (String::new(), String::new());
    let mut has_point = false;
    let mut saw_nonzero = false;
    let mut chars = num.chars();
    let sign = chars.next().unwrap_or('+');
    body.push(sign);
    let rest: Vec<char> = chars.collect();
    let mut i = 0;
    while i < rest.len() {
        let c = rest[i];
        match c {
            '.' => {
                has_point = true;
                body.push(c);
            }
            'p' | 'P' => {
                tail = rest[i..].iter().collect();
                break;
            }
            'e' | 'E' if fmt != 'x' && fmt != 'X' => {
                tail = rest[i..].iter().collect();
                break;
            }
            _ => {
                if c != '0' {
                    saw_nonzero = true;
                }
                if saw_nonzero {
                    digits -= 1;
                }
                body.push(c);
            }
        }
        i += 1;
    }
    if !has_point {
        if body.len() == 2 && body.ends_with('0') {
            digits -= 1;
        }
        body.push('.');
    }
    while digits > 0 {
        body.push('0');
        digits -= 1;
    }
    body.push_str(&tail);
    body
}

/// Go's `strconv.FormatFloat(x, fmt, prec, 64)` (`prec` `None`: shortest).
pub(crate) fn format_float(x: f64, fmt: char, prec: Option<usize>) -> String {
    let negative = x.is_sign_negative();
    let sign = if negative { "-" } else { "" };
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return format!("{}Inf", if negative { "-" } else { "+" });
    }
    match fmt {
        'b' => return format!("{sign}{}", fmt_b(x)),
        'x' | 'X' => return format!("{sign}{}", fmt_x(x, fmt, prec)),
        'f' | 'F' => {
            return match prec {
                Some(p) => format!("{x:.p$}"),
                None => format!("{x}"),
            };
        }
        _ => {}
    }
    let a = x.abs();
    // Decimal digits and the decimal point position (Go's `decimalSlice`).
    let (digits, dp) = match (fmt, prec) {
        (_, None) => decimal(&format!("{a:e}")),
        ('e' | 'E', Some(p)) => decimal(&format!("{a:.p$e}")),
        (_, Some(p)) => {
            let p = p.max(1);
            decimal(&format!("{a:.*e}", p - 1))
        }
    };
    let shortest = prec.is_none();
    let upper = fmt.is_ascii_uppercase();
    let body = match fmt {
        'e' | 'E' => fmt_e(
            &digits,
            dp,
            prec.unwrap_or(digits.len().saturating_sub(1)),
            upper,
        ),
        _ => {
            let mut p = match prec {
                None => digits.len(),
                Some(p) => p.max(1),
            };
            let mut eprec = p;
            if eprec > digits.len() && digits.len() as i64 >= dp {
                eprec = digits.len();
            }
            if shortest {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec as i64 {
                if p > digits.len() {
                    p = digits.len();
                }
                fmt_e(&digits, dp, p.saturating_sub(1), upper)
            } else {
                if p as i64 > dp {
                    p = digits.len();
                }
                fmt_f(&digits, dp, (p as i64 - dp).max(0) as usize)
            }
        }
    };
    format!("{sign}{body}")
}

/// Digits (trailing zeros trimmed, none for zero) and point position of Rust's `{:e}` text.
fn decimal(e: &str) -> (Vec<u8>, i64) {
    let (mantissa, exp) = e.split_once('e').unwrap_or((e, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        return (digits, 0);
    }
    (digits, exp + 1)
}

fn fmt_e(digits: &[u8], dp: i64, prec: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push(char::from(*digits.first().unwrap_or(&b'0')));
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push(char::from(*digits.get(i).unwrap_or(&b'0')));
        }
    }
    s.push(if upper { 'E' } else { 'e' });
    let exp = if digits.is_empty() { 0 } else { dp - 1 };
    s.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(s, "{:02}", exp.unsigned_abs());
    s
}

fn fmt_f(digits: &[u8], dp: i64, prec: usize) -> String {
    let mut s = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            s.push(char::from(*digits.get(i).unwrap_or(&b'0')));
        }
    } else {
        s.push('0');
    }
    if prec > 0 {
        s.push('.');
        for i in 1..=prec as i64 {
            let j = dp + i - 1;
            let d = if j >= 0 { digits.get(j as usize) } else { None };
            s.push(char::from(*d.unwrap_or(&b'0')));
        }
    }
    s
}

/// The mantissa (with its implicit bit) and binary exponent of `|x|`.
fn mantissa_exponent(x: f64) -> (u64, i64) {
    let bits = x.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1 << 52) - 1);
    if exp == 0 {
        exp += 1;
    } else {
        mant |= 1 << 52;
    }
    (mant, exp - 1023)
}

fn fmt_b(x: f64) -> String {
    let (mant, exp) = mantissa_exponent(x);
    let exp = exp - 52;
    format!(
        "{mant}p{}{}",
        if exp >= 0 { "+" } else { "-" },
        exp.unsigned_abs()
    )
}

fn fmt_x(x: f64, fmt: char, prec: Option<usize>) -> String {
    let (mut mant, mut exp) = mantissa_exponent(x);
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if let Some(p) = prec
        && p < 15
    {
        let shift = (p * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == 'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut s = format!("0{fmt}{}", (mant >> 60) & 1);
    mant <<= 4;
    match prec {
        None if mant != 0 => {
            s.push('.');
            while mant != 0 {
                s.push(char::from(hex[((mant >> 60) & 15) as usize]));
                mant <<= 4;
            }
        }
        Some(p) if p > 0 => {
            s.push('.');
            for _ in 0..p {
                s.push(char::from(hex[((mant >> 60) & 15) as usize]));
                mant <<= 4;
            }
        }
        _ => {}
    }
    s.push(if fmt == 'X' { 'P' } else { 'p' });
    s.push(if exp < 0 { '-' } else { '+' });
    let _ = write!(s, "{:02}", exp.unsigned_abs());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_strconv() {
        let cases: &[(f64, char, Option<usize>, &str)] = &[
            (123456789.5, 'g', None, "1.234567895e+08"),
            (123456.5, 'g', None, "123456.5"),
            (0.0001, 'g', None, "0.0001"),
            (0.00001234, 'g', None, "1.234e-05"),
            (1e21, 'g', None, "1e+21"),
            (0.0, 'g', None, "0"),
            (1234.0, 'g', Some(3), "1.23e+03"),
            (1.0, 'g', Some(3), "1"),
            (1234.5678, 'e', Some(6), "1.234568e+03"),
            (0.0, 'e', Some(6), "0.000000e+00"),
            (12345.678, 'e', Some(2), "1.23e+04"),
            (0.000001234, 'g', None, "1.234e-06"),
            (2.4567, 'f', Some(2), "2.46"),
            (0.25, 'f', Some(1), "0.2"),
            (1.5, 'x', None, "0x1.8p+00"),
            (1.0, 'b', None, "4503599627370496p-52"),
        ];
        for (x, fmt, prec, want) in cases {
            assert_eq!(format_float(*x, *fmt, *prec), *want, "{x} {fmt} {prec:?}");
        }
    }
}
