//! `yaml.unmarshal` and `yaml.is_valid` as OPA evaluates them: Go's `sigs.k8s.io/yaml`
//! `YAMLToJSON` over go-yaml v2, then OPA's JSON decoding of the result.
//!
//! * **Reading** — go-yaml v2 is a port of libyaml's scanner and parser; so is
//!   `libyaml-safer`, which gives the same events. Only the first document is read, and the
//!   reader stops at its end event: text after a flow or quoted root that the scanner can
//!   still tokenise is never looked at (`[a-z]+` is `["a-z"]`). A `%YAML` directive other
//!   than 1.1 is refused (libyaml also takes 1.2). An alias to an anchor not defined before
//!   it is an error.
//! * **Values** — YAML 1.1 as go-yaml resolves a plain scalar: `y yes on true` (three
//!   casings) are true, `n no off false` false, `~ null` and nothing null, `.inf .nan`,
//!   integers with `_` separators and Go's base prefixes (`0x1F`, `0o17`, `017`, `0b101`),
//!   a 64-bit integer or else an unsigned one, then a decimal float (one that overflows a
//!   double stays a string); anything else, and every quoted or block scalar, is a string.
//!   Explicit tags `!!str !!int !!float !!bool !!null !!timestamp !!binary` convert or fail
//!   as go-yaml's `resolve` does; other tags leave the text.
//! * **Mappings** — a later key replaces an earlier equal one (Go map semantics: `1` and
//!   `"1"` are different keys, `yes` and `true` the same); `<<` merges a mapping, an alias
//!   to one, or a sequence of them (the first of the sequence wins), in source order; a key
//!   that is a sequence or a mapping is an error, as is an alias inside its own anchor's node
//!   and go-yaml's excessive-aliasing ratio.
//! * **JSON** — keys become text as `sigs.k8s.io/yaml` writes them (numbers in Go's `%g` of
//!   a float32 for floats, `true`/`false`); a null or unsigned 64-bit key, a NaN or infinite
//!   value are errors; two keys that become the same text with different values are refused
//!   here (Go's map iteration order decides in OPA). Numbers are then read as
//!   `json.unmarshal` reads them (`gojson`), so `yaml.unmarshal(x)` is
//!   `json.unmarshal(y)` for the JSON text `y` Go writes.
//!
//! An error is undefined (OPA's non-strict builtin errors); nesting past the value-depth
//! bound is an evaluation error (fail closed).

use libyaml_safer::{
    Emitter, Encoding, Event, EventData, MappingStyle, Parser, ScalarStyle, SequenceStyle,
};
use regorus::Value;

use super::bounded::{BuiltinError, MAX_VALUE_DEPTH, check_depth, limit};
use super::gofmt::{format_float, sorted};
use super::{gobase64, gojson};

const STR: &str = "tag:yaml.org,2002:str";
const INT: &str = "tag:yaml.org,2002:int";
const FLOAT: &str = "tag:yaml.org,2002:float";
const BOOL: &str = "tag:yaml.org,2002:bool";
const NULL: &str = "tag:yaml.org,2002:null";
const TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
const BINARY: &str = "tag:yaml.org,2002:binary";
const MERGE: &str = "tag:yaml.org,2002:merge";

/// `yaml.unmarshal(x)`: the document, or undefined when it is not YAML go-yaml reads (or `x`
/// is not a string).
pub(crate) fn unmarshal(value: &Value) -> Result<Value, BuiltinError> {
    let Value::String(text) = value else {
        return Ok(Value::Undefined);
    };
    match to_json(text) {
        Ok(json) => gojson::unmarshal(&Value::from(json)),
        Err(Failure::Invalid) => Ok(Value::Undefined),
        Err(Failure::Error(e)) => Err(e),
    }
}

/// `yaml.is_valid(x)`: whether `yaml.unmarshal(x)` gives a document; `false` for a value
/// that is not a string, as OPA.
pub(crate) fn is_valid(value: &Value) -> Result<Value, BuiltinError> {
    let Value::String(_) = value else {
        return Ok(Value::from(false));
    };
    Ok(Value::from(unmarshal(value)? != Value::Undefined))
}

/// `yaml.marshal(x)`: OPA's, `sigs.k8s.io/yaml`'s `Marshal`: Go's `json.Marshal` of the value
/// (`json.marshal`'s text), read back by go-yaml and written by go-yaml v2's encoder over
/// libyaml's emitter — block style, 2-space indentation, lines folded at 80 columns, mapping keys
/// in go-yaml's order (runs of digits compared as numbers, letters before other characters),
/// a string double-quoted when it would read back as something else (`"yes"`, `"1"`,
/// `"2001-12-14"`, `"12:30"`), in literal style when it holds a line break, and in the
/// emitter's quoting when plain text cannot hold it.
pub(crate) fn marshal(value: &Value) -> Result<Value, BuiltinError> {
    check_depth("yaml.marshal", value)?;
    let Some(go) = from_json(value) else {
        return Ok(Value::Undefined);
    };
    // go-yaml's emitter counts a character past U+FFFF as not printable: a string holding one
    // is double-quoted with `\UXXXXXXXX` escapes; libyaml 0.2 writes it as it is. Each is
    // emitted as a private-use character no string holds, then replaced by its escape.
    let mut wide: Vec<(char, char)> = Vec::new();
    let mut strings = Vec::new();
    collect_strings(&go, &mut strings);
    // libyaml 0.1 and 0.2 write the line breaks U+0085, U+2028 and U+2029 differently (go-yaml
    // writes `x\u{85}y` as `x y`): refused, never a text OPA would not give.
    if strings
        .iter()
        .any(|s| s.contains(['\u{85}', '\u{2028}', '\u{2029}']))
    {
        return Err(BuiltinError(
            "yaml.marshal: a string holding U+0085, U+2028 or U+2029 is written differently by \
             go-yaml (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        ));
    }
    // go-yaml's `is_bom` bug escapes every character of a string that begins with U+FEFF.
    if strings.iter().any(|s| s.starts_with('\u{feff}')) {
        return Err(BuiltinError(
            "yaml.marshal: a string beginning with U+FEFF is written differently by go-yaml \
             (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        ));
    }
    // Each character past U+FFFF is written through a stand-in one column wide where go-yaml
    // writes ten (`\UXXXXXXXX`): a string that could be folded across lines is refused rather
    // than folded elsewhere.
    let wide_count = |s: &str| s.chars().filter(|c| u32::from(*c) > 0xFFFF).count();
    if strings
        .iter()
        .any(|s| wide_count(s) > 0 && s.contains(' ') && s.chars().count() + 9 * wide_count(s) > 60)
    {
        return Err(BuiltinError(
            "yaml.marshal: a long string with characters past U+FFFF is folded differently by \
             go-yaml (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        ));
    }
    // go-yaml's reader refuses, in the JSON text it reads back, the control characters JSON
    // leaves as they are (U+007F to U+009F but U+0085) and U+FFFE, U+FFFF: OPA's call fails.
    let refused =
        |c: char| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    if strings.iter().any(|s| s.contains(refused)) {
        return Ok(Value::Undefined);
    }
    // Stand-ins from the supplementary private-use plane: four bytes in UTF-8, as the
    // characters they stand for, so the emitter's 128-byte simple-key bound counts the same.
    let present: std::collections::HashSet<char> = strings.iter().flat_map(|s| s.chars()).collect();
    let mut free = ('\u{f0000}'..='\u{ffffd}').filter(|p| !present.contains(p));
    let mut wide_chars: Vec<char> = present
        .iter()
        .copied()
        .filter(|c| u32::from(*c) > 0xFFFF)
        .collect();
    wide_chars.sort_unstable();
    for c in wide_chars {
        let Some(stand_in) = free.next() else {
            return Err(BuiltinError(
                "yaml.marshal: too many characters past U+FFFF".into(),
            ));
        };
        wide.push((c, stand_in));
    }
    let mut out = Vec::new();
    let mut emitter = Emitter::new();
    emitter.set_output_string(&mut out);
    emitter.set_unicode(true);
    let written = emitter
        .emit(Event::stream_start(Encoding::Utf8))
        .and_then(|()| emitter.emit(Event::document_start(None, &[], true)))
        .and_then(|()| encode(&mut emitter, &go, &wide))
        .and_then(|()| emitter.emit(Event::document_end(true)))
        .and_then(|()| emitter.emit(Event::stream_end()));
    drop(emitter);
    if written.is_err() {
        return Ok(Value::Undefined);
    }
    let mut text = String::from_utf8(out).unwrap_or_default();
    // go-yaml clears the emitter's open-ended flag before the stream end: no `...` line.
    if text == "...\n" {
        text.clear();
    } else if let Some(kept) = text.strip_suffix("\n...\n") {
        text.truncate(kept.len() + 1);
    }
    for (c, stand_in) in &wide {
        text = text.replace(*stand_in, &format!("\\U{:08X}", u32::from(*c)));
    }
    Ok(Value::from(text))
}

/// The Go value go-yaml reads from `json.marshal`'s text of `value`: strings (quoted in JSON)
/// stay strings, numbers resolve as plain scalars do (`1.0` is the float 1, an integer past
/// 64 bits a float, one past a double's range the string of its digits), keys are their JSON
/// text and a later key equal in text replaces an earlier one.
fn from_json(value: &Value) -> Option<Go> {
    Some(match value {
        Value::Null => Go::Null,
        Value::Bool(b) => Go::Bool(*b),
        // A double is a float to go-yaml too (OPA keeps its text, `1234567.0`, which reads
        // back as one), written as Go's `%g` (`1.234567e+06`).
        // (regorus writes a double with a fraction or an exponent, an integer with neither; an
        // integer past 64 bits as a double that `as_f64` does not give: its digits then.)
        Value::Number(_)
            if value
                .to_json_str()
                .is_ok_and(|t| t.contains(['.', 'e', 'E']))
                && value.as_f64().is_ok() =>
        {
            Go::Float(value.as_f64().ok()?)
        }
        Value::Number(_) => implicit("", &gojson::number_text(value)?).1,
        Value::String(s) => Go::Str(s.as_bytes().to_vec()),
        Value::Array(items) => Go::Seq(items.iter().map(from_json).collect::<Option<_>>()?),
        Value::Set(items) => Go::Seq(
            sorted(items.iter())
                .into_iter()
                .map(from_json)
                .collect::<Option<_>>()?,
        ),
        Value::Object(fields) => {
            let mut entries = Vec::with_capacity(fields.len());
            for (key, item) in fields.iter() {
                let key = match key {
                    Value::String(s) => s.to_string(),
                    other => gojson::marshal(other).ok()?.as_string().ok()?.to_string(),
                };
                // go-yaml reads each key of the JSON text back as a simple key, at most 1,024
                // characters long (its quotes and Go's escapes included): past that OPA's call
                // fails.
                let quoted = gojson::marshal(&Value::from(key.as_str())).ok()?;
                if quoted.as_string().ok()?.chars().count() > 1024 {
                    return None;
                }
                entries.push((key, item));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut map = GoMap::default();
            for (key, item) in entries {
                map.set(Go::Str(key.into_bytes()), from_json(item)?);
            }
            Go::Map(map)
        }
        Value::Undefined => return None,
    })
}

fn collect_strings(value: &Go, out: &mut Vec<String>) {
    match value {
        Go::Str(bytes) => out.push(go_text(bytes)),
        Go::Seq(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Go::Map(map) => map.entries.iter().for_each(|(k, v)| {
            collect_strings(k, out);
            collect_strings(v, out);
        }),
        _ => {}
    }
}

/// go-yaml v2's encoder of a Go value (`wide`: the stand-ins of characters past U+FFFF).
fn encode(
    emitter: &mut Emitter<'_>,
    value: &Go,
    wide: &[(char, char)],
) -> Result<(), libyaml_safer::Error> {
    let scalar = |emitter: &mut Emitter<'_>, text: &str, style: ScalarStyle| {
        emitter.emit(Event::scalar(None, None, text, true, true, style))
    };
    match value {
        Go::Null => scalar(emitter, "null", ScalarStyle::Plain),
        Go::Bool(b) => scalar(
            emitter,
            if *b { "true" } else { "false" },
            ScalarStyle::Plain,
        ),
        Go::Int(i) => scalar(emitter, &i.to_string(), ScalarStyle::Plain),
        Go::Uint(u) => scalar(emitter, &u.to_string(), ScalarStyle::Plain),
        Go::Float(f) => {
            let text = match format_float(*f, 'g', None).as_str() {
                "+Inf" => ".inf".to_owned(),
                "-Inf" => "-.inf".to_owned(),
                "NaN" => ".nan".to_owned(),
                other => other.to_owned(),
            };
            scalar(emitter, &text, ScalarStyle::Plain)
        }
        Go::Str(bytes) => {
            let text = go_text(bytes);
            // Plain only when the text reads back as this string (`<<` does: go-yaml
            // writes it plain).
            let (rtag, _) = implicit("", &text);
            let plain = matches!(rtag, STR | MERGE) && !base60_float(&text);
            let has_wide = text.chars().any(|c| u32::from(c) > 0xFFFF);
            let text: String = text
                .chars()
                .map(|c| wide.iter().find(|(w, _)| *w == c).map_or(c, |(_, s)| *s))
                .collect();
            let style = if has_wide {
                ScalarStyle::DoubleQuoted
            } else if text.contains('\n') {
                ScalarStyle::Literal
            } else if plain {
                ScalarStyle::Plain
            } else {
                ScalarStyle::DoubleQuoted
            };
            scalar(emitter, &text, style)
        }
        Go::Seq(items) => {
            emitter.emit(Event::sequence_start(
                None,
                None,
                true,
                SequenceStyle::Block,
            ))?;
            for item in items {
                encode(emitter, item, wide)?;
            }
            emitter.emit(Event::sequence_end())
        }
        Go::Map(map) => {
            let mut entries: Vec<&(Go, Go)> = map.entries.iter().collect();
            entries.sort_by(|(a, _), (b, _)| key_order(a, b));
            emitter.emit(Event::mapping_start(None, None, true, MappingStyle::Block))?;
            for (key, item) in entries {
                encode(emitter, key, wide)?;
                encode(emitter, item, wide)?;
            }
            emitter.emit(Event::mapping_end())
        }
    }
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`, written
/// quoted for parsers that read YAML 1.1's sexagesimal numbers.
fn base60_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let mut i = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'_')
        .count();
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        // `[0-5]?[0-9]`: one digit, or two with the first at most 5.
        let take = match digits {
            0 => return false,
            1 => 1,
            _ if b[i + 1] <= b'5' => 2,
            _ => 1,
        };
        i += 1 + take;
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1 + b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'_')
            .count();
    }
    i == b.len()
}

/// go-yaml v2's key order (`keyList.Less`) for the keys a JSON document gives (strings): runs of
/// digits compare as numbers, a letter sorts before any other character.
fn key_order(a: &Go, b: &Go) -> std::cmp::Ordering {
    let (Go::Str(a), Go::Str(b)) = (a, b) else {
        return std::cmp::Ordering::Equal;
    };
    let (a, b) = (go_text(a), go_text(b));
    if natural_less(&a, &b) {
        std::cmp::Ordering::Less
    } else if natural_less(&b, &a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

fn natural_less(a: &str, b: &str) -> bool {
    static CLASSES: std::sync::OnceLock<Option<(regex::Regex, regex::Regex)>> =
        std::sync::OnceLock::new();
    let Some((letter, digit)) = CLASSES
        .get_or_init(|| {
            Some((
                regex::Regex::new(r"^\pL$").ok()?,
                regex::Regex::new(r"^\p{Nd}$").ok()?,
            ))
        })
        .as_ref()
    else {
        return a < b;
    };
    let class = |c: char, re: &regex::Regex| re.is_match(c.encode_utf8(&mut [0; 4]));
    let is_letter = |c: char| class(c, letter);
    let is_digit = |c: char| class(c, digit);
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (is_letter(ar[i]), is_letter(br[i]));
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let number = |r: &[char], n: &mut i64| {
            let mut at = i;
            while at < r.len() && is_digit(r[at]) {
                *n = n.wrapping_mul(10).wrapping_add(r[at] as i64 - '0' as i64);
                at += 1;
            }
            at
        };
        let ai = number(&ar, &mut an);
        let bi = number(&br, &mut bn);
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Why a document gives no value.
enum Failure {
    /// Go's reader or conversion fails: the call is undefined.
    Invalid,
    /// A bound of ours, or a text verdict cannot read as go-yaml does: an evaluation error
    /// (fail closed).
    Error(BuiltinError),
}

type Result2<T> = Result<T, Failure>;

/// The JSON text Go's `YAMLToJSON` gives for the document.
fn to_json(text: &str) -> Result2<String> {
    let tree = read(text)?;
    let Some(root) = tree.root else {
        return Ok("null".into());
    };
    let mut decoder = Decoder {
        tree: &tree,
        // go-yaml counts the document node as a decode.
        decodes: 1,
        alias_decodes: 0,
        alias_depth: 0,
        active: Vec::new(),
    };
    let value = decoder.unmarshal(root, 0)?;
    let mut out = String::new();
    write_json(&mut out, &value)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Reading: libyaml's events into go-yaml's node tree.

enum Node {
    Scalar {
        tag: String,
        value: String,
        /// libyaml's `plain_implicit`: a plain scalar without a tag.
        implicit: bool,
    },
    Sequence(Vec<usize>),
    Mapping(Vec<usize>),
    /// An alias, and the node its anchor named when it was read.
    Alias(usize),
}

struct Tree {
    nodes: Vec<Node>,
    root: Option<usize>,
}

/// The text as libyaml-safer is given it, so that it reads as go-yaml reads the original.
struct Prepared {
    text: String,
    /// The original's last line, when a line break was added after it (to come out of a block
    /// scalar that ends there).
    last_line: Option<String>,
}

fn prepare(original: &str) -> Result2<Prepared> {
    // go-yaml v2's tag shorthands take `,`, `[` and `]` (libyaml 0.1's URI characters);
    // libyaml 0.2 ends the tag there and fails — or, at a `,` in a flow collection,
    // libyaml-safer panics. That text is refused before it is read (an error, fail closed);
    // the others fail cleanly and the failure is made the same error (`read`).
    if original.contains(['[', '{']) && tag_before_comma(original) {
        return Err(tag_difference());
    }
    // libyaml skips a byte-order mark at the start of any line; go-yaml's reader only at the
    // start of the stream, and reads one elsewhere as an ordinary character. Each one past
    // the start is read as a private-use character the text does not hold, then put back.
    // Two at the start: go-yaml's reading depends on what follows; refused.
    if original.starts_with("\u{feff}\u{feff}") {
        return Err(Failure::Error(BuiltinError(
            "yaml.unmarshal: two byte-order marks at the start are read differently by \
             go-yaml (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        )));
    }
    let first = original.chars().next().map_or(0, char::len_utf8);
    // go-yaml's `is_bom` looks at the start of its buffer, not at the character it is asked
    // about: a mark that a refill or a shift of its buffer brings to the start changes how the
    // following characters read (a key read as a comment, a last character dropped); libyaml
    // skips one at the start of any line. A mark after the start is refused.
    if original[first..].contains('\u{feff}') {
        return Err(Failure::Error(BuiltinError(
            "yaml.unmarshal: a byte-order mark past the start is read differently by go-yaml \
             (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        )));
    }
    let mut text = original.to_owned();
    // go-yaml reads an empty document as one line break. libyaml-safer panics where a block
    // scalar runs to the end of the input without a line break (libyaml reads nothing
    // there): one is added, and taken back out of such a scalar.
    // libyaml-safer takes a first byte 0xEF for the start of a byte-order mark and refuses
    // a text beginning with U+F000 to U+FFFD; a mark put in front reads it as go-yaml does.
    if text.starts_with(|c: char| ('\u{f000}'..='\u{fffd}').contains(&c) && c != '\u{feff}') {
        text.insert(0, '\u{feff}');
    }
    const BREAKS: [char; 5] = ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];
    let appended = !text.is_empty() && !text.ends_with(BREAKS);
    if text.is_empty() || appended {
        text.push('\n');
    }
    // What the last line holds, when a break was added after it.
    let last_line = appended.then(|| {
        original
            .rsplit(BREAKS)
            .next()
            .unwrap_or_default()
            .to_owned()
    });
    Ok(Prepared { text, last_line })
}

/// Whether a `!` that can begin a tag (not after a letter or a digit) is followed, past the
/// characters libyaml 0.2 takes in a tag (a verbatim `!<…>` whole), by a `,`: where
/// libyaml-safer panics in a flow collection.
fn tag_before_comma(text: &str) -> bool {
    let b = text.as_bytes();
    let tag_char = |c: u8| c.is_ascii_alphanumeric() || b"-_;/?:@&=+$.!~*'()%".contains(&c);
    // Where each run of tag characters ends, and where the next `>` is: linear in the text
    // (a scan from every `!` was quadratic in a run of them).
    let run_end = next_where(b, |c| !tag_char(c));
    let next_close = next_where(b, |c| c == b'>');
    text.char_indices().any(|(i, c)| {
        if c != '!' || after_alphanumeric(text, i) {
            return false;
        }
        let at = if b.get(i + 1) == Some(&b'<') {
            match next_close[i + 1] {
                close if close < b.len() => close + 1,
                _ => return false,
            }
        } else {
            run_end[i + 1]
        };
        b.get(at) == Some(&b',')
    })
}

/// For each position, the first position at or after it whose byte is `wanted` (the length
/// when none is): one pass from the end.
fn next_where(b: &[u8], wanted: impl Fn(u8) -> bool) -> Vec<usize> {
    let mut next = vec![b.len(); b.len() + 1];
    for i in (0..b.len()).rev() {
        next[i] = if wanted(b[i]) { i } else { next[i + 1] };
    }
    next
}

fn after_alphanumeric(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

/// Whether a `!` that can begin a tag (not after a letter or a digit) runs, over the
/// characters go-yaml v2 takes in a tag, into a `,`, `[` or `]`.
fn tag_with_flow_indicator(text: &str) -> bool {
    let b = text.as_bytes();
    // (`<` and `>` for verbatim tags, `!<…>`, which libyaml-safer ends the same way.)
    let tag_char = |c: u8| c.is_ascii_alphanumeric() || b"-_;/?:@&=+$,.!~*'()[]%<>".contains(&c);
    let run_end = next_where(b, |c| !tag_char(c));
    let next_flow = next_where(b, |c| matches!(c, b',' | b'[' | b']'));
    text.char_indices()
        .any(|(i, c)| c == '!' && !after_alphanumeric(text, i) && next_flow[i + 1] < run_end[i + 1])
}

fn read(original: &str) -> Result2<Tree> {
    match events(&prepare(original)?) {
        Err(Failure::Invalid) => {}
        done => return done,
    }
    if flow_colon(original) {
        return Err(flow_difference());
    }
    // A simple key may span 1,024 characters in go-yaml and 1,024 bytes in libyaml-safer.
    if original
        .lines()
        .any(|line| line.len() > 1024 && !line.is_ascii() && line.chars().count() <= 4096)
    {
        return Err(Failure::Error(BuiltinError(
            "yaml.unmarshal: a line over 1,024 bytes with characters past ASCII is read \
             differently by go-yaml (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        )));
    }
    if tag_with_flow_indicator(original) {
        return Err(tag_difference());
    }
    // go-yaml reads `\'` in a double-quoted scalar as `'`; libyaml-safer refuses it.
    if original.contains("\\'") {
        return Err(Failure::Error(BuiltinError(
            "yaml.unmarshal: the escape `\\'` is read differently by go-yaml \
             (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        )));
    }
    // go-yaml ends a document whose root is a flow collection or a quoted scalar where that
    // node closes, and never scans what follows (`[a-z]+` is `["a-z"]`); libyaml-safer scans
    // further. Only trailing text without the characters that can start a token is taken
    // (go-yaml takes more: undefined here, fail closed).
    let end = flow_root_end(original).ok_or(Failure::Invalid)?;
    let tail_ok = original[end..].chars().all(|c| {
        (c == '\n' || c == ' ' || c.is_ascii_graphic())
            && !matches!(
                c,
                ':' | '|' | '>' | '?' | '@' | '`' | '%' | '"' | '\'' | '!' | '&' | '*' | '-'
            )
    });
    // go-yaml never reads that text: it may well give the root's value here. Fail closed.
    if !tail_ok {
        return Err(Failure::Error(BuiltinError(
            "yaml.unmarshal: text after a flow or quoted root that verdict cannot tell go-yaml \
             takes (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        )));
    }
    events(&prepare(&original[..end])?)
}

/// Whether a double-quoted scalar's source has the escape `\/`.
fn slash_escape(source: &str) -> bool {
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.next() == Some('/') {
            return true;
        }
    }
    false
}

/// Whether a block scalar that runs to the end of the input holds the line break added there:
/// libyaml reads none at the end. With `+` (keep) the break is kept whether the last line
/// holds text or only indentation; otherwise (clip; strip keeps no final break) only when the
/// last line is text: a character other than a space, or spaces beyond the indentation, which
/// the scalar then ends with.
fn added_break_kept(header: &str, last_line: &str, value: &str) -> Result2<bool> {
    // The node may begin with a tag or an anchor: the header follows the indicator.
    let header = header.find(['|', '>']).map_or("", |at| &header[at + 1..]);
    let header: String = header
        .chars()
        .take_while(|c| matches!(c, '+' | '-' | '0'..='9'))
        .collect();
    if !value.ends_with('\n') || header.contains('-') {
        return Ok(false);
    }
    // A last line of spaces only is text when it has more than the indentation: the scalar's
    // own last line (before the added break) is then those extra spaces.
    let own_last = value[..value.len() - 1]
        .rsplit(['\n', '\u{2028}', '\u{2029}'])
        .next()
        .unwrap_or_default();
    if header.contains('+') || last_line.contains(|c| c != ' ') {
        return Ok(true);
    }
    // A last line of spaces only after a line of spaces only: whether it holds more than the
    // indentation, verdict cannot tell without the indentation. Refused (fail closed).
    if !last_line.is_empty() && !own_last.is_empty() && own_last.bytes().all(|c| c == b' ') {
        return Err(Failure::Error(BuiltinError(
            "yaml.unmarshal: a block scalar ending the text in lines of spaces only is read \
             differently by go-yaml (KNOWN-DIFFERENCES.md row 34)"
                .into(),
        )));
    }
    Ok(false)
}

fn tag_difference() -> Failure {
    Failure::Error(BuiltinError(
        "yaml.unmarshal: a tag holding `,`, `[` or `]` is read differently by go-yaml \
         (KNOWN-DIFFERENCES.md row 34)"
            .into(),
    ))
}

/// libyaml 0.2 and go-yaml v2 (libyaml 0.1's rules) read a plain scalar in a flow collection
/// differently: go-yaml keeps a `:` followed by `,[]{}` in it and ends it at `?`.
fn flow_difference() -> Failure {
    Failure::Error(BuiltinError(
        "yaml.unmarshal: a plain scalar in a flow collection with `?`, or with `:` before a \
         flow indicator, is read differently by go-yaml (KNOWN-DIFFERENCES.md row 34)"
            .into(),
    ))
}

/// Whether the text begins with a `:` directly before one of `,[]{}`.
fn colon_before_indicator(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.first() == Some(&b':') && b.get(1).is_some_and(|c| b",[]{}".contains(c))
}

/// Whether the text has a flow collection and a `:` directly before `,[]{}`.
fn flow_colon(text: &str) -> bool {
    text.contains(['[', '{'])
        && text
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b':' && b",[]{}".contains(&w[1]))
}

/// Where the root node ends when the document begins (after blank and comment lines) with a
/// flow collection or a quoted scalar: just after its closing bracket or quote.
fn flow_root_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    // Blank space and whole-line comments before the root.
    loop {
        while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n') {
            at += 1;
        }
        if bytes.get(at) == Some(&b'#') {
            while at < bytes.len() && bytes[at] != b'\n' {
                at += 1;
            }
            continue;
        }
        break;
    }
    match bytes.get(at)? {
        b'"' | b'\'' => quoted_end(bytes, at),
        b'[' | b'{' => {
            let mut depth = 0usize;
            // Whether a quote here would begin a quoted scalar (at a token's start).
            let mut token_start = true;
            let mut i = at;
            while i < bytes.len() {
                let b = bytes[i];
                match b {
                    b'[' | b'{' => {
                        depth += 1;
                        token_start = true;
                    }
                    b']' | b'}' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                        token_start = false;
                    }
                    b',' | b':' | b' ' | b'\t' | b'\r' | b'\n' => token_start = true,
                    b'"' | b'\'' if token_start => {
                        i = quoted_end(bytes, i)?;
                        token_start = false;
                        continue;
                    }
                    // A comment runs to the end of its line.
                    b'#' if i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                        while i < bytes.len() && bytes[i] != b'\n' {
                            i += 1;
                        }
                        continue;
                    }
                    _ => token_start = false,
                }
                i += 1;
            }
            None
        }
        _ => None,
    }
}

/// Just after the quoted scalar that begins at `start` (`"…"` with backslash escapes, `'…'`
/// with `''` for a quote).
fn quoted_end(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The events of the first document, as go-yaml's parser takes them, into its node tree.
fn events(prepared: &Prepared) -> Result2<Tree> {
    let Prepared { text, last_line } = prepared;
    // Marks count bytes after a leading byte-order mark, which the reader takes.
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut bytes: &[u8] = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut bytes);
    let mut next = || parser.parse().map_err(|_| Failure::Invalid);
    if !matches!(next()?.data, EventData::StreamStart { .. }) {
        return Err(Failure::Invalid);
    }
    match next()?.data {
        EventData::StreamEnd => {
            return Ok(Tree {
                nodes: Vec::new(),
                root: None,
            });
        }
        EventData::DocumentStart {
            version_directive, ..
        } => {
            // go-yaml v2 takes 1.1 only; libyaml also 1.2.
            if version_directive.is_some_and(|v| (v.major, v.minor) != (1, 1)) {
                return Err(Failure::Invalid);
            }
        }
        _ => return Err(Failure::Invalid),
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut anchors: std::collections::HashMap<String, usize> = Default::default();
    // Open collections, innermost last, and whether each is a flow collection.
    let mut open: Vec<usize> = Vec::new();
    let mut flow: Vec<bool> = Vec::new();
    let mut root = None;
    loop {
        let event = next()?;
        let end = (base + event.end_mark.index) as usize;
        let at_end = end >= text.len();
        let (id, anchor, opens) = match event.data {
            EventData::Scalar {
                anchor,
                tag,
                mut value,
                plain_implicit,
                style,
                ..
            } => {
                if style == ScalarStyle::Plain
                    && flow.last() == Some(&true)
                    && (value.contains('?')
                        || colon_before_indicator(text.get(end..).unwrap_or_default()))
                {
                    return Err(flow_difference());
                }
                let start = (base + event.start_mark.index) as usize;
                // go-yaml v2 has no `\/` escape (libyaml 0.2 reads `/`): its error.
                if style == ScalarStyle::DoubleQuoted
                    && slash_escape(text.get(start..end).unwrap_or_default())
                {
                    return Err(Failure::Invalid);
                }
                if let Some(last) = last_line.as_deref().filter(|_| at_end)
                    && matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && added_break_kept(text.get(start..).unwrap_or_default(), last, &value)?
                {
                    value.pop();
                }
                nodes.push(Node::Scalar {
                    tag: tag.unwrap_or_default(),
                    value,
                    implicit: plain_implicit,
                });
                (nodes.len() - 1, anchor, false)
            }
            EventData::Alias { anchor } => {
                let target = *anchors.get(&anchor).ok_or(Failure::Invalid)?;
                nodes.push(Node::Alias(target));
                (nodes.len() - 1, None, false)
            }
            EventData::SequenceStart { anchor, style, .. } => {
                nodes.push(Node::Sequence(Vec::new()));
                flow.push(style == SequenceStyle::Flow);
                (nodes.len() - 1, anchor, true)
            }
            EventData::MappingStart { anchor, style, .. } => {
                nodes.push(Node::Mapping(Vec::new()));
                flow.push(style == MappingStyle::Flow);
                (nodes.len() - 1, anchor, true)
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                open.pop().ok_or(Failure::Invalid)?;
                flow.pop();
                if open.is_empty() {
                    break;
                }
                continue;
            }
            _ => return Err(Failure::Invalid),
        };
        if let Some(anchor) = anchor {
            anchors.insert(anchor, id);
        }
        match open.last() {
            Some(&parent) => match &mut nodes[parent] {
                Node::Sequence(children) | Node::Mapping(children) => children.push(id),
                _ => return Err(Failure::Invalid),
            },
            None => root = Some(id),
        }
        if opens {
            open.push(id);
            if open.len() > MAX_VALUE_DEPTH {
                // Reading on would cost time quadratic in the depth (libyaml checks every
                // open level's simple key at each token): the bound's error at once, whether
                // or not go-yaml would read the rest.
                return Err(Failure::Error(limit(format!(
                    "yaml.unmarshal: a document nested over {MAX_VALUE_DEPTH} deep"
                ))));
            }
        } else if open.is_empty() {
            break;
        }
    }
    // go-yaml reads the document's end event and nothing after it.
    if !matches!(next()?.data, EventData::DocumentEnd { .. }) {
        return Err(Failure::Invalid);
    }
    Ok(Tree { nodes, root })
}

// ---------------------------------------------------------------------------------------
// Decoding: go-yaml v2's decoder into `interface{}`.

/// A Go value as go-yaml gives it.
#[derive(Clone, PartialEq)]
enum Go {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A Go string: bytes (`!!binary` gives any).
    Str(Vec<u8>),
    Seq(Vec<Go>),
    Map(GoMap),
}

/// `map[interface{}]interface{}`: entries in insertion order (Go's is unordered), a key equal
/// to an earlier one (Go's `==` on interface values: same dynamic type, equal value) replacing
/// its value in place, found through an index.
#[derive(Clone, Default)]
struct GoMap {
    entries: Vec<(Go, Go)>,
    index: std::collections::HashMap<KeyId, usize>,
}

impl PartialEq for GoMap {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

/// A map key by Go's equality (`-0` and `0` the same float; a NaN equal to nothing).
#[derive(Clone, Hash, PartialEq, Eq)]
enum KeyId {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(Vec<u8>),
}

impl GoMap {
    fn set(&mut self, key: Go, value: Go) {
        let id = match &key {
            Go::Null => Some(KeyId::Null),
            Go::Bool(b) => Some(KeyId::Bool(*b)),
            Go::Int(i) => Some(KeyId::Int(*i)),
            Go::Uint(u) => Some(KeyId::Uint(*u)),
            Go::Float(f) if f.is_nan() => None,
            Go::Float(f) => Some(KeyId::Float(if *f == 0.0 { 0 } else { f.to_bits() })),
            Go::Str(bytes) => Some(KeyId::Str(bytes.clone())),
            Go::Seq(_) | Go::Map(_) => None,
        };
        match id {
            Some(id) => match self.index.get(&id) {
                Some(&at) => self.entries[at].1 = value,
                None => {
                    self.index.insert(id, self.entries.len());
                    self.entries.push((key, value));
                }
            },
            None => self.entries.push((key, value)),
        }
    }
}

struct Decoder<'t> {
    tree: &'t Tree,
    decodes: u64,
    alias_decodes: u64,
    alias_depth: u32,
    /// Alias nodes being expanded (an alias met inside its own expansion is an error).
    active: Vec<usize>,
}

/// go-yaml's `allowedAliasRatio`: the share of decodes alias expansion may make.
fn allowed_alias_ratio(decodes: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if decodes <= LOW {
        0.99
    } else if decodes >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decodes - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

impl Decoder<'_> {
    /// Counts one decode as go-yaml's `unmarshal` does, failing past its aliasing ratio.
    fn count(&mut self) -> Result2<()> {
        self.decodes += 1;
        if self.alias_depth > 0 {
            self.alias_decodes += 1;
        }
        if self.alias_decodes > 100
            && self.decodes > 1000
            && self.alias_decodes as f64 / self.decodes as f64 > allowed_alias_ratio(self.decodes)
        {
            return Err(Failure::Invalid);
        }
        Ok(())
    }

    fn depth(depth: usize) -> Result2<()> {
        if depth > MAX_VALUE_DEPTH {
            return Err(Failure::Error(limit(format!(
                "yaml.unmarshal: a document nested over {MAX_VALUE_DEPTH} deep"
            ))));
        }
        Ok(())
    }

    fn enter_alias(&mut self, id: usize) -> Result2<()> {
        if self.active.contains(&id) {
            return Err(Failure::Invalid);
        }
        self.active.push(id);
        self.alias_depth += 1;
        Ok(())
    }

    fn leave_alias(&mut self) {
        self.active.pop();
        self.alias_depth -= 1;
    }

    fn unmarshal(&mut self, id: usize, depth: usize) -> Result2<Go> {
        self.count()?;
        Self::depth(depth)?;
        match &self.tree.nodes[id] {
            Node::Alias(target) => {
                self.enter_alias(id)?;
                let value = self.unmarshal(*target, depth + 1);
                self.leave_alias();
                value
            }
            Node::Scalar {
                tag,
                value,
                implicit,
            } => scalar(tag, value, *implicit),
            Node::Sequence(children) => children
                .iter()
                .map(|&c| self.unmarshal(c, depth + 1))
                .collect::<Result2<Vec<_>>>()
                .map(Go::Seq),
            Node::Mapping(children) => {
                let mut map = GoMap::default();
                self.mapping(children, &mut map, depth)?;
                Ok(Go::Map(map))
            }
        }
    }

    /// go-yaml's `mapping` into an existing map (a merge writes into the map it is in).
    fn mapping(&mut self, children: &[usize], map: &mut GoMap, depth: usize) -> Result2<()> {
        for pair in children.chunks(2) {
            let [key, value] = *pair else {
                return Err(Failure::Invalid);
            };
            if self.is_merge(key) {
                self.merge(value, map, depth)?;
                continue;
            }
            let k = self.unmarshal(key, depth + 1)?;
            if matches!(k, Go::Seq(_) | Go::Map(_)) {
                return Err(Failure::Invalid);
            }
            let v = self.unmarshal(value, depth + 1)?;
            map.set(k, v);
        }
        Ok(())
    }

    fn is_merge(&self, id: usize) -> bool {
        matches!(&self.tree.nodes[id], Node::Scalar { tag, value, implicit }
            if value == "<<" && (*implicit || tag == MERGE))
    }

    /// Whether the node is a mapping, or an alias to one.
    fn is_map(&self, id: usize) -> bool {
        match &self.tree.nodes[id] {
            Node::Mapping(_) => true,
            Node::Alias(target) => matches!(self.tree.nodes[*target], Node::Mapping(_)),
            _ => false,
        }
    }

    fn merge(&mut self, id: usize, map: &mut GoMap, depth: usize) -> Result2<()> {
        match &self.tree.nodes[id] {
            Node::Mapping(_) | Node::Alias(_) if self.is_map(id) => self.merge_into(id, map, depth),
            Node::Sequence(children) => {
                // Backwards: earlier mappings take precedence.
                for &child in children.iter().rev() {
                    if !self.is_map(child) {
                        return Err(Failure::Invalid);
                    }
                    self.merge_into(child, map, depth)?;
                }
                Ok(())
            }
            _ => Err(Failure::Invalid),
        }
    }

    /// go-yaml's `unmarshal` of a mapping (or an alias to one) into an existing map.
    fn merge_into(&mut self, id: usize, map: &mut GoMap, depth: usize) -> Result2<()> {
        self.count()?;
        Self::depth(depth)?;
        match &self.tree.nodes[id] {
            Node::Alias(target) => {
                self.enter_alias(id)?;
                let done = self.merge_into(*target, map, depth + 1);
                self.leave_alias();
                done
            }
            Node::Mapping(children) => self.mapping(children, map, depth),
            _ => Err(Failure::Invalid),
        }
    }
}

/// go-yaml's `scalar` into `interface{}`.
fn scalar(tag: &str, value: &str, implicit: bool) -> Result2<Go> {
    if tag.is_empty() && !implicit {
        return Ok(Go::Str(value.as_bytes().to_vec()));
    }
    let (rtag, resolved) = resolve(tag, value)?;
    Ok(match rtag {
        BINARY => Go::Str(gobase64::std_bytes(value).ok_or(Failure::Invalid)?),
        // Timestamps stay strings in v2 (its compatibility rule for `interface{}`).
        TIMESTAMP => Go::Str(value.as_bytes().to_vec()),
        _ => resolved,
    })
}

/// go-yaml v2's `resolve`: the tag a scalar resolves to and its value, or its error when an
/// explicit tag does not fit.
fn resolve(tag: &str, text: &str) -> Result2<(&'static str, Go)> {
    let resolvable = matches!(tag, "" | STR | BOOL | INT | FLOAT | NULL | TIMESTAMP);
    if !resolvable {
        // `!!binary` is decoded by the caller; any other tag keeps the text.
        let rtag = if tag == BINARY { BINARY } else { "" };
        return Ok((rtag, Go::Str(text.as_bytes().to_vec())));
    }
    let (rtag, value) = implicit(tag, text);
    if matches!(tag, "" | STR) || tag == rtag {
        return Ok((rtag, value));
    }
    if tag == FLOAT
        && rtag == INT
        && let Go::Int(i) = value
    {
        return Ok((FLOAT, Go::Float(i as f64)));
    }
    Err(Failure::Invalid)
}

/// What a scalar resolves to under go-yaml's table (the body of `resolve`).
fn implicit(tag: &str, text: &str) -> (&'static str, Go) {
    let string = || (STR, Go::Str(text.as_bytes().to_vec()));
    let hint = match text.bytes().next() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 || tag == STR {
        return string();
    }
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return (BOOL, Go::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return (BOOL, Go::Bool(false));
        }
        "" | "~" | "null" | "Null" | "NULL" => return (NULL, Go::Null),
        ".nan" | ".NaN" | ".NAN" => return (FLOAT, Go::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return (FLOAT, Go::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return (FLOAT, Go::Float(f64::NEG_INFINITY)),
        "<<" => return (MERGE, Go::Str(b"<<".to_vec())),
        _ => {}
    }
    match hint {
        b'.' => match gojson::go_parse_float(text) {
            Some(f) => (FLOAT, Go::Float(f)),
            None => string(),
        },
        b'D' | b'S' => {
            if matches!(tag, "" | TIMESTAMP) && timestamp(text) {
                return (TIMESTAMP, Go::Str(text.as_bytes().to_vec()));
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return (INT, Go::Int(i));
            }
            if let Some(u) = go_parse_uint(&plain) {
                return (INT, Go::Uint(u));
            }
            if yaml_style_float(&plain)
                && let Some(f) = gojson::go_parse_float(&plain)
            {
                return (FLOAT, Go::Float(f));
            }
            // (go-yaml's own `0b` / `-0b` branches: `ParseInt` with base 0 has read them.)
            string()
        }
        _ => string(),
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i;
    if b.first() == Some(&b'.') {
        let n = digits(1);
        if n == 0 {
            return false;
        }
        i = 1 + n;
    } else {
        let n = digits(0);
        if n == 0 {
            return false;
        }
        i = n;
        if b.get(i) == Some(&b'.') {
            i += 1 + digits(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign; base from the prefix: `0x`, `0o`, `0b`, a
/// leading `0` octal).
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (radix, digits) = if b[0] == b'0' {
        match b.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if b.len() >= 3 => (2, &s[2..]),
            Some(b'o') if b.len() >= 3 => (8, &s[2..]),
            Some(b'x') if b.len() >= 3 => (16, &s[2..]),
            _ => (8, &s[1..]),
        }
    } else {
        (10, s)
    };
    if digits.is_empty() {
        return (radix == 8).then_some(0);
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(rest)?;
    if negative {
        if u > 1 << 63 {
            return None;
        }
        Some((u as i64).wrapping_neg())
    } else {
        i64::try_from(u).ok()
    }
}

/// go-yaml's `parseTimestamp`: `YYYY-M-D`, then optionally a time (`T`, `t` or a space) as Go's
/// layouts `2006-1-2T15:4:5.999999999Z07:00`, `2006-1-2t…` and `2006-1-2 15:4:5.999999999`.
fn timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut at = 5;
    // One or two digits, as Go's `getnum` for layout elements without a leading zero.
    let num = |at: &mut usize| -> Option<u32> {
        let start = *at;
        while *at < b.len() && *at - start < 2 && b[*at].is_ascii_digit() {
            *at += 1;
        }
        (*at > start).then(|| s[start..*at].parse().unwrap_or(0))
    };
    let expect = |at: &mut usize, c: u8| -> bool {
        if b.get(*at) == Some(&c) {
            *at += 1;
            true
        } else {
            false
        }
    };
    let Some(month) = num(&mut at) else {
        return false;
    };
    if !expect(&mut at, b'-') {
        return false;
    }
    let Some(day) = num(&mut at) else {
        return false;
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    if at == b.len() {
        return true;
    }
    let zoned = match b[at] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    at += 1;
    let clock = [(23, b':'), (59, b':'), (59, 0)];
    for (max, sep) in clock {
        match num(&mut at) {
            Some(n) if n <= max => {}
            _ => return false,
        }
        if sep != 0 && !expect(&mut at, sep) {
            return false;
        }
    }
    // Fractional seconds (optional; any number of digits).
    if matches!(b.get(at), Some(b'.' | b',')) && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at += 1;
        while at < b.len() && b[at].is_ascii_digit() {
            at += 1;
        }
    }
    if !zoned {
        return at == b.len();
    }
    match &s[at..] {
        "Z" => true,
        zone => {
            let z = zone.as_bytes();
            z.len() == 6
                && matches!(z[0], b'+' | b'-')
                && z[1].is_ascii_digit()
                && z[2].is_ascii_digit()
                && z[3] == b':'
                && z[4].is_ascii_digit()
                && z[5].is_ascii_digit()
                // Go's range checks: an offset of at most 24 hours and 60 minutes.
                && zone[1..3] <= *"24"
                && zone[4..6] <= *"60"
        }
    }
}

// ---------------------------------------------------------------------------------------
// JSON: `sigs.k8s.io/yaml`'s conversion and Go's `json.Marshal`.

fn write_json(out: &mut String, value: &Go) -> Result2<()> {
    match value {
        Go::Null => out.push_str("null"),
        Go::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Go::Int(i) => out.push_str(&i.to_string()),
        Go::Uint(u) => out.push_str(&u.to_string()),
        // json.Marshal refuses NaN and the infinities.
        Go::Float(f) if !f.is_finite() => return Err(Failure::Invalid),
        Go::Float(f) => out.push_str(&gojson::float_text(*f)),
        Go::Str(bytes) => gojson::write_string(out, &go_text(bytes)),
        Go::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item)?;
            }
            out.push(']');
        }
        Go::Map(map) => {
            let mut keyed: Vec<(String, &Go)> = Vec::with_capacity(map.entries.len());
            let mut seen: std::collections::HashMap<String, usize> = Default::default();
            for (key, item) in &map.entries {
                let text = key_text(key)?;
                match seen.get(&text) {
                    // Go's map iteration order would decide which one stays.
                    Some(&at) if keyed[at].1 != item => {
                        return Err(Failure::Error(BuiltinError(
                            "yaml.unmarshal: two keys that become the same text with different \
                             values: Go's map order picks one (KNOWN-DIFFERENCES.md row 34)"
                                .into(),
                        )));
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(text.clone(), keyed.len());
                        keyed.push((text, item));
                    }
                }
            }
            out.push('{');
            for (i, (key, item)) in keyed.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                gojson::write_string(out, key);
                out.push(':');
                write_json(out, item)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A map key as `sigs.k8s.io/yaml` turns it into text.
fn key_text(key: &Go) -> Result2<String> {
    Ok(match key {
        Go::Str(bytes) => go_text(bytes),
        Go::Int(i) => i.to_string(),
        Go::Bool(b) => b.to_string(),
        Go::Float(f) => float32_g(*f),
        // A null, an unsigned integer (beyond int64), a collection: "unsupported map key".
        _ => return Err(Failure::Invalid),
    })
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, with go-yaml's names for the infinities and
/// NaN.
fn float32_g(f: f64) -> String {
    let x = f as f32;
    if x.is_nan() {
        return ".nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0");
    }
    let e = format!("{:e}", x.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i64 = exp.parse().unwrap_or(0);
    let nd = digits.len() as i64;
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let dp = exp + 1;
    let body = if dp <= 0 {
        format!("0.{}{digits}", "0".repeat((-dp) as usize))
    } else if dp >= nd {
        format!("{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        let (int, frac) = digits.split_at(dp as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// A Go string's bytes as JSON text holds them: each byte that is not part of valid UTF-8
/// becomes U+FFFD (Go's encoder).
fn go_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                out.push('\u{fffd}');
                rest = &rest[good + 1..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (YAML text, OPA v1.20.2's `yaml.unmarshal` as JSON, or None for undefined).
    pub(super) const CASES: &[(&str, Option<&str>)] = &[
        ("[a-z]+", Some(r#"["a-z"]"#)),
        ("[a]b", Some(r#"["a"]"#)),
        ("[a] b", Some(r#"["a"]"#)),
        ("{a: 1}x", Some(r#"{"a":1}"#)),
        ("\"a\"b", Some(r#""a""#)),
        ("[a]]", Some(r#"["a"]"#)),
        ("[a", None),
        ("a: [b]c", None),
        ("[a]\nb", Some(r#"["a"]"#)),
        ("[1, 2]3", Some("[1,2]")),
        ("'a'b", Some(r#""a""#)),
        ("[a]#c", Some(r#"["a"]"#)),
        ("- [a]b", None),
        ("a: 1", Some(r#"{"a":1}"#)),
        ("[\"]\", b]x", Some(r#"["]","b"]"#)),
        ("{a: 1} b: 2", Some("ERR")),
        ("[a] x: y", Some("ERR")),
        ("[a] | b", Some("ERR")),
        ("[a] \"b", Some("ERR")),
        ("[a]: 2", None),
        ("null: a", None),
        ("a: [{b: 1}, {null: 2}]", None),
        ("1: a", Some(r#"{"1":"a"}"#)),
        ("[a]\u{0}", Some("ERR")),
        ("[a]\n\t", Some("ERR")),
        ("a: 1\n\u{feff}", Some("ERR")),
        ("a: 1\n\u{feff}b: 2", Some("ERR")),
        ("\u{feff}a: 1", Some(r#"{"a":1}"#)),
        ("{9223372036854775808: a}", None),
        ("true: a", Some(r#"{"true":"a"}"#)),
        ("1.5: a", Some(r#"{"1.5":"a"}"#)),
        ("\"null\": a", Some(r#"{"null":"a"}"#)),
        // YAML 1.1 values.
        ("a: yes", Some(r#"{"a":true}"#)),
        (
            "[y, N, on, OFF, 'yes', True]",
            Some(r#"[true,false,true,false,"yes",true]"#),
        ),
        (
            "[017, 0o17, 0x1F, 0b101, 1_000, -0b11, +5]",
            Some("[15,15,31,5,1000,-3,5]"),
        ),
        (
            "[08, 1e400, .5, 1., 9223372036854775808]",
            Some(r#"[8,"1e400",0.5,1,9223372036854775808]"#),
        ),
        ("a: .inf", None),
        (
            "[~, null, '', !!str 1, !!float 2, !!binary aGk=]",
            Some(r#"[null,null,"","1",2,"hi"]"#),
        ),
        ("!!int a", None),
        ("!!timestamp 2001-12-14", Some(r#""2001-12-14""#)),
        ("!!timestamp 2001-13-14", None),
        // Merge keys, go-yaml v2 order: later entries replace earlier ones.
        (
            "b: &b {x: 1, z: 1}\nc:\n  <<: *b\n  x: 2",
            Some(r#"{"b":{"x":1,"z":1},"c":{"x":2,"z":1}}"#),
        ),
        ("c:\n  x: 2\n  <<: {x: 1}", Some(r#"{"c":{"x":1}}"#)),
        (
            "c:\n  <<: [{x: 1}, {x: 2, z: 2}]",
            Some(r#"{"c":{"x":1,"z":2}}"#),
        ),
        ("c:\n  <<: 1", None),
        ("a: 1\na: 2", Some(r#"{"a":2}"#)),
        ("yes: a\ntrue: b", Some(r#"{"true":"b"}"#)),
        ("1: a\n'1': b", Some("ERR")),
        ("1e6: a", Some(r#"{"1e+06":"a"}"#)),
        ("&a [*a]", None),
        ("*a", None),
        ("%YAML 1.2\n---\na", None),
        ("%YAML 1.1\n---\na", Some(r#""a""#)),
        ("a: 1\n---\nb: 2", Some(r#"{"a":1}"#)),
        ("", Some("null")),
        ("\"a\\/b\"", None),
        ("\"a\\\\/b\"", Some(r#""a\\/b""#)),
        ("- >+\n    x\n- !t |\n    y", Some(r#"["x\n","y"]"#)),
        ("|\n  a\n  ", Some(r#""a\n""#)),
        ("|\n  a", Some(r#""a""#)),
        (">+\n  a\n  ", Some(r#""a\n""#)),
        ("# only a comment", Some("null")),
    ];

    #[test]
    fn documents_read_as_go_yaml_reads_them() {
        for (text, want) in CASES {
            // `ERR`: verdict's evaluation error (fail closed) where OPA is undefined, or
            // where verdict cannot tell what go-yaml gives (KNOWN-DIFFERENCES row 34).
            let got = match unmarshal(&Value::from(*text)) {
                Ok(Value::Undefined) => None,
                Ok(v) => Some(v.to_json_str().unwrap()),
                Err(_) => Some("ERR".to_owned()),
            };
            let want = want.map(|w| match w {
                "ERR" => w.to_owned(),
                _ => Value::from_json_str(w).unwrap().to_json_str().unwrap(),
            });
            assert_eq!(got, want, "{text:?}");
        }
    }

    /// (value as JSON, OPA v1.20.2's `yaml.marshal`).
    const MARSHAL: &[(&str, &str)] = &[
        (
            r#"{"a": "yes", "b": 1.5, "c": [1, "x", {"k": []}], "d": "multi\nline", "e": "", "f": null}"#,
            "a: \"yes\"\nb: 1.5\nc:\n- 1\n- x\n- k: []\nd: |-\n  multi\n  line\ne: \"\"\nf: null\n",
        ),
        (
            r##"{"g": "1", "h": 1e21, "i": "a: b", "j": {}, "k": "~", "l": " lead", "n": "é", "o": "#x"}"##,
            "g: \"1\"\nh: 1e+21\ni: 'a: b'\nj: {}\nk: \"~\"\nl: ' lead'\n\"n\": é\no: '#x'\n",
        ),
        (
            r#"["<<", "y", "on", "0x1F", "1_000", "2001-12-14", "12:30", "é😀"]"#,
            "- <<\n- \"y\"\n- \"on\"\n- \"0x1F\"\n- \"1_000\"\n- \"2001-12-14\"\n- \"12:30\"\n- \"é\\U0001F600\"\n",
        ),
        (
            r#"{"a10": 1, "a2": 2, "a02": 3, "B": 4, "_": 5, "10": 6, "9": 7}"#,
            "_: 5\n\"9\": 7\n\"10\": 6\nB: 4\na2: 2\na02: 3\na10: 1\n",
        ),
        ("18446744073709551616", "1.8446744073709552e+19\n"),
        ("100000000000000000000", "1e+20\n"),
        ("\"a\"", "a\n"),
    ];

    #[test]
    fn values_written_as_go_yaml_writes_them() {
        for (json, want) in MARSHAL {
            let value = Value::from_json_str(json).unwrap();
            assert_eq!(marshal(&value).unwrap(), Value::from(*want), "{json}");
        }
        let refused = Value::from("x\u{2028}y");
        assert!(marshal(&refused).is_err());
    }

    #[test]
    fn float32_keys_as_go_formats_them() {
        for (f, want) in [
            (1.5, "1.5"),
            (1000.0, "1000"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.1, "0.1"),
            (-0.0, "-0"),
            (1e39, ".inf"),
        ] {
            assert_eq!(float32_g(f), want, "{f}");
        }
    }

    #[test]
    fn base64_as_go_decodes() {
        assert_eq!(gobase64::std_bytes("aGk="), Some(b"hi".to_vec()));
        assert_eq!(gobase64::std_bytes("aG\nk="), Some(b"hi".to_vec()));
        assert_eq!(gobase64::std_bytes("aGk"), None);
        assert_eq!(gobase64::std_bytes("aG=k"), None);
        assert_eq!(gobase64::std_bytes(""), Some(vec![]));
    }
}

#[cfg(test)]
mod corpus {
    /// Every text reads to a value, undefined or an error, never a panic (a trap in the
    /// component): the table's texts with each of YAML's indicators, a byte-order mark, a tab,
    /// a line break or a carriage return put at every position, or a character taken out,
    /// and the texts of the JSON list in `$VERDICT_YAML_CORPUS` when it is set (the YAML
    /// differential writes such lists).
    #[test]
    fn no_text_panics() {
        let mut texts: Vec<String> = Vec::new();
        let seeds = super::tests::CASES.iter().map(|(t, _)| *t).chain([
            "a: |\n  x",
            "- >+\n  y\n ",
            "[!!str, a]",
            "{a: !t}",
            "'a\n  b'",
            "? a\n: b",
        ]);
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for at in 0..=chars.len() {
                for c in "!&*|>'\"%@`#,[]{}:-?\u{feff}\t\n\r\\ ".chars() {
                    let mut t = chars.clone();
                    t.insert(at, c);
                    texts.push(t.into_iter().collect());
                }
                if at < chars.len() {
                    let mut t = chars.clone();
                    t.remove(at);
                    texts.push(t.into_iter().collect());
                }
            }
        }
        if let Ok(path) = std::env::var("VERDICT_YAML_CORPUS") {
            let more: Vec<String> =
                serde_json::from_str(&std::fs::read_to_string(path).expect("corpus"))
                    .expect("JSON list of strings");
            texts.extend(more);
        }
        let mut panics = Vec::new();
        for text in &texts {
            let value = regorus::Value::from(text.as_str());
            if std::panic::catch_unwind(|| super::unmarshal(&value)).is_err() {
                panics.push(text.clone());
            }
        }
        assert!(
            panics.is_empty(),
            "{} of {} panic: {panics:?}",
            panics.len(),
            texts.len()
        );
    }
}
