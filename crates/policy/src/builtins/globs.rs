//! `regex.globs_match(a, b)`: whether two regex-like globs both match some non-empty string,
//! as OPA decides it (through the `glob-intersection` Go package, whose answers are matched
//! here case by case, including where they are not the languages' intersection: `""` and
//! `""` intersect, `""` and `a*` do not).
//!
//! The glob language: `.` any character, `[…]` a class of characters and `x-y` ranges (no
//! negation), `+` and `*` after a token, `\` escaping any character. Anything else is a
//! literal character. A glob that does not parse (`*a`, `a**`, `[a-`, `a]`, a trailing `\`,
//! an out-of-order range) makes the call undefined, as OPA's error does. The decision walks
//! the two token lists; each step is counted and a decision that takes more than
//! [`MAX_STEPS`] is a resource-limit error (the walk is exponential in the flags of the
//! globs; OPA would run on).

use regorus::Value;

use super::bounded::{BuiltinError, LIMIT};

/// Steps one decision may take.
const MAX_STEPS: u64 = 1_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flag {
    None,
    Plus,
    Star,
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Kind {
    Char(char),
    Dot,
    /// Sorted, merged inclusive ranges.
    Set(Vec<(char, char)>),
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    flag: Flag,
}

/// The next character of `input` from `at`, whether it was escaped, and where the one after
/// starts; `Err` for a trailing `\`.
fn next_char(input: &[char], at: usize) -> Result<Option<(char, bool, usize)>, ()> {
    match input.get(at) {
        None => Ok(None),
        Some('\\') => match input.get(at + 1) {
            Some(&c) => Ok(Some((c, true, at + 2))),
            None => Err(()),
        },
        Some(&c) => Ok(Some((c, false, at + 1))),
    }
}

/// A class after its `[`: its ranges and where the glob goes on.
fn class(input: &[char], mut at: usize) -> Result<(Vec<(char, char)>, usize), ()> {
    let mut ranges: Vec<(char, char)> = Vec::new();
    // The last single character, which a `-` may start a range from.
    let mut previous: Option<char> = None;
    loop {
        let Some((c, escaped, next)) = next_char(input, at)? else {
            return Err(()); // `[` without `]`
        };
        at = next;
        match (c, escaped) {
            (']', false) => break,
            ('-', false) => {
                let Some(low) = previous.take() else {
                    return Err(());
                };
                // The range's end must not be the glob's last character.
                if at + 1 >= input.len() {
                    return Err(());
                }
                let Some((high, escaped, next)) = next_char(input, at)? else {
                    return Err(());
                };
                if !escaped && matches!(high, ']' | '-') || high < low {
                    return Err(());
                }
                at = next;
                ranges.push((low, high));
            }
            _ => {
                ranges.push((c, c));
                previous = Some(c);
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(char, char)> = Vec::with_capacity(ranges.len());
    for (low, high) in ranges {
        match merged.last_mut() {
            Some(last) if u32::from(low) <= u32::from(last.1).saturating_add(1) => {
                last.1 = last.1.max(high);
            }
            _ => merged.push((low, high)),
        }
    }
    Ok((merged, at))
}

/// The glob's tokens, consecutive equal flagged tokens merged (`a*a+` is `a+`).
fn tokenize(glob: &str) -> Result<Vec<Token>, ()> {
    let input: Vec<char> = glob.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut at = 0;
    while let Some((c, escaped, next)) = next_char(&input, at)? {
        at = next;
        let kind = match (c, escaped) {
            ('.', false) => Kind::Dot,
            ('[', false) => {
                let (ranges, next) = class(&input, at)?;
                at = next;
                Kind::Set(ranges)
            }
            (']' | '+' | '*', false) => return Err(()),
            _ => Kind::Char(c),
        };
        let flag = match input.get(at) {
            Some('+') => Flag::Plus,
            Some('*') => Flag::Star,
            _ => Flag::None,
        };
        if flag != Flag::None {
            at += 1;
        }
        match tokens.last_mut() {
            Some(last) if flag != Flag::None && last.flag != Flag::None && last.kind == kind => {
                if flag == Flag::Plus {
                    last.flag = Flag::Plus;
                }
            }
            _ => tokens.push(Token { kind, flag }),
        }
    }
    Ok(tokens)
}

/// Whether two tokens share a character, flags aside (a dot shares one with any class, even
/// an empty one, as in OPA).
fn overlaps(a: &Kind, b: &Kind) -> bool {
    let contains = |ranges: &[(char, char)], c: char| ranges.iter().any(|&(l, h)| l <= c && c <= h);
    match (a, b) {
        (Kind::Dot, _) | (_, Kind::Dot) => true,
        (Kind::Char(x), Kind::Char(y)) => x == y,
        (Kind::Char(c), Kind::Set(s)) | (Kind::Set(s), Kind::Char(c)) => contains(s, *c),
        (Kind::Set(x), Kind::Set(y)) => x
            .iter()
            .any(|&(l1, h1)| y.iter().any(|&(l2, h2)| l1 <= h2 && l2 <= h1)),
    }
}

struct Walk {
    steps: u64,
}

impl Walk {
    fn step(&mut self) -> Result<(), BuiltinError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(BuiltinError(format!(
                "{LIMIT}regex.globs_match: more than {MAX_STEPS} steps"
            )));
        }
        Ok(())
    }

    /// Token by token while neither is flagged; the rest to `special`.
    fn normal(&mut self, a: &[Token], b: &[Token]) -> Result<bool, BuiltinError> {
        let mut i = 0;
        while i < a.len() && i < b.len() {
            self.step()?;
            if a[i].flag != Flag::None || b[i].flag != Flag::None {
                return self.special(&a[i..], &b[i..]);
            }
            if !overlaps(&a[i].kind, &b[i].kind) {
                return Ok(false);
            }
            i += 1;
        }
        Ok(i == a.len() && i == b.len())
    }

    /// At least one of `a`, `b` starts with a flagged token (`a` first).
    fn special(&mut self, a: &[Token], b: &[Token]) -> Result<bool, BuiltinError> {
        let (flagged, other) = if a[0].flag != Flag::None {
            (a, b)
        } else {
            (b, a)
        };
        match flagged[0].flag {
            Flag::Plus => {
                if !overlaps(&flagged[0].kind, &other[0].kind) {
                    return Ok(false);
                }
                self.star(flagged, &other[1..])
            }
            _ => self.star(flagged, other),
        }
    }

    /// `starred[0]` takes tokens of `other` for as long as they overlap it; wherever one also
    /// overlaps the token after it, the rests are tried against each other.
    fn star(&mut self, starred: &[Token], other: &[Token]) -> Result<bool, BuiltinError> {
        let first = &starred[0].kind;
        let after = starred.get(1).map(|t| &t.kind);
        for (i, token) in other.iter().enumerate() {
            self.step()?;
            if let Some(after) = after
                && overlaps(&token.kind, after)
                && self.normal(&starred[1..], &other[i..])?
            {
                return Ok(true);
            }
            if !overlaps(&token.kind, first) {
                return Ok(false);
            }
        }
        Ok(after.is_none())
    }
}

/// Strips the unflagged tokens both globs start and end with, if they overlap pairwise.
fn trim<'t>(a: &'t [Token], b: &'t [Token]) -> Option<(&'t [Token], &'t [Token])> {
    let plain = |t: &Token| t.flag == Flag::None;
    let mut start = 0;
    while start < a.len() && start < b.len() && plain(&a[start]) && plain(&b[start]) {
        if !overlaps(&a[start].kind, &b[start].kind) {
            return None;
        }
        start += 1;
    }
    let (mut end_a, mut end_b) = (a.len(), b.len());
    while end_a > start && end_b > start && plain(&a[end_a - 1]) && plain(&b[end_b - 1]) {
        if !overlaps(&a[end_a - 1].kind, &b[end_b - 1].kind) {
            return None;
        }
        end_a -= 1;
        end_b -= 1;
    }
    Some((&a[start..end_a], &b[start..end_b]))
}

/// `regex.globs_match(a, b)`.
pub(crate) fn globs_match(a: &Value, b: &Value) -> Result<Value, BuiltinError> {
    let (Ok(a), Ok(b)) = (a.as_string(), b.as_string()) else {
        return Ok(Value::Undefined);
    };
    let (Ok(a), Ok(b)) = (tokenize(a), tokenize(b)) else {
        return Ok(Value::Undefined);
    };
    let Some((a, b)) = trim(&a, &b) else {
        return Ok(Value::from(false));
    };
    Ok(Value::from(Walk { steps: 0 }.normal(a, b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1's answers (`None`: undefined).
    #[test]
    fn as_opa() {
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("a.*", "a.+", Some(true)),
            ("a*", "b*", Some(false)),
            ("[a-z]+", "[0-9]*", Some(false)),
            ("a.a.", ".b.b", Some(true)),
            ("*a", "a", None),
            ("a**", "a", None),
            ("[a-", "a", None),
            ("[]", "a", Some(false)),
            ("[a-]", "-", None),
            ("a\\\\", "a\\\\", Some(true)),
            ("a\\", "a", None),
            ("[^a]", "^", Some(true)),
            ("[^a]", "b", Some(false)),
            ("[z-a]", "b", None),
            ("+", "a", None),
            ("a+*", "a", None),
            ("(a)", "(a)", Some(true)),
            ("a|b", "a", Some(false)),
            ("", "", Some(true)),
            ("", "a*", Some(false)),
            ("a?", "a", Some(false)),
            ("a?", "a?", Some(true)),
            ("\\.", ".", Some(true)),
            ("[\\]]", "]", None),
            ("[.]", "a", Some(false)),
            ("é+", "[à-ê]", Some(true)),
            ("x{2}", "x{2}", Some(true)),
            ("[a-c][a-c]", "ab", Some(true)),
            ("abcd[a-c]z+", "abcd[b-d][yz]*", Some(true)),
            ("[ab", "a", None),
            ("a]", "a]", None),
            ("[a\\-z]", "-", Some(true)),
            ("\\a", "a", Some(true)),
            ("$", "$", Some(true)),
            (".", "\n", Some(true)),
            // The glob-intersection package's own examples.
            ("d*", "d[a-z]+", Some(true)),
            ("[a-p]+", "[p-z]+", Some(true)),
            (".*\\\\", "asdfasdf\\\\", Some(true)),
            ("foo.*bar", "fooalkdsjfbar", Some(true)),
        ];
        for (a, b, want) in cases {
            let got = match globs_match(&Value::from(*a), &Value::from(*b)).unwrap() {
                Value::Bool(x) => Some(x),
                Value::Undefined => None,
                other => panic!("{other:?}"),
            };
            assert_eq!(got, *want, "regex.globs_match({a:?}, {b:?})");
        }
    }

    #[test]
    fn exponential_globs_are_bounded() {
        let many = "a*.*".repeat(30) + "x";
        let other = "a".repeat(60) + "y*";
        let got = globs_match(&Value::from(many.as_str()), &Value::from(other.as_str()));
        assert!(
            matches!(got, Err(ref e) if e.0.starts_with(LIMIT)),
            "{got:?}"
        );
    }
}
