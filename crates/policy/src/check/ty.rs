//! Types as OPA's type checker infers them (OPA's `types` package, v1.20.2): scalars, arrays
//! with a static prefix and a dynamic rest, objects with static (constant) keys and a dynamic
//! part, sets, and unions — `any` being the empty union. Written from OPA's documented
//! behaviour and its answers (`check/types.rs` tests), not from its code.
//!
//! The checker refuses a call or a unification only when these types cannot unify, so a type
//! it cannot infer is `any` and never causes a refusal. Types are bounded, so that checking stays
//! linear in the policy's size: a literal with more than [`MAX_STATIC`] items or keys is typed by
//! its dynamic part only, and unions or nesting beyond [`MAX_UNION`] / [`MAX_DEPTH`] become `any`
//! — each only makes the type wider, so a bound can let a call through that OPA refuses, never
//! refuse one it accepts (KNOWN-DIFFERENCES row 10).

use std::collections::BTreeMap;

/// A set of value kinds, one bit each (`null` … `object`).
pub(super) type Kinds = u8;
pub(super) const Z: Kinds = 1;
pub(super) const B: Kinds = 2;
pub(super) const N: Kinds = 4;
pub(super) const S: Kinds = 8;
pub(super) const A: Kinds = 16;
pub(super) const T: Kinds = 32;
pub(super) const O: Kinds = 64;
pub(super) const ANY: Kinds = 127;

/// Static items or keys kept per array or object type.
const MAX_STATIC: usize = 256;
/// Members kept per union.
const MAX_UNION: usize = 32;
/// Nesting kept per type.
const MAX_DEPTH: usize = 32;

/// A constant key as text: `s:` a string, `n:` a number (as written: `1`, `1.0`), `b:` a
/// boolean, `z:` null, `c:` a constant array, object or set (its source text).
pub(super) type Key = String;

/// The key text of a constant's JSON value (a number as written: an array index must be an
/// integer's text, an object's number keys compare by value — both as OPA).
pub(super) fn key_of(value: &serde_json::Value) -> Option<Key> {
    Some(match value {
        serde_json::Value::String(s) => format!("s:{s}"),
        serde_json::Value::Number(n) => format!("n:{n}"),
        serde_json::Value::Bool(b) => format!("b:{b}"),
        serde_json::Value::Null => "z:".to_owned(),
        _ => return None,
    })
}

/// The type of a constant key.
fn key_type(key: &str) -> Ty {
    match key.get(..2) {
        Some("s:") => Ty::String,
        Some("n:") => Ty::Number,
        Some("b:") => Ty::Boolean,
        Some("z:") => Ty::Null,
        // A composite key's text: JSON for an array or object, else a set (or an object with
        // keys JSON does not write).
        Some("c:") => match serde_json::from_str(&key[2..]) {
            Ok(value) => json_type(&value),
            Err(_) => Ty::of_kinds(O | T),
        },
        _ => Ty::any(),
    }
}

/// The type of a JSON value, as of a literal.
fn json_type(value: &serde_json::Value) -> Ty {
    use serde_json::Value as J;
    match value {
        J::Null => Ty::Null,
        J::Bool(_) => Ty::Boolean,
        J::Number(_) => Ty::Number,
        J::String(_) => Ty::String,
        J::Array(items) => Ty::tuple(items.iter().map(json_type).collect()),
        J::Object(fields) => Ty::object(
            fields
                .iter()
                .map(|(k, v)| (format!("s:{k}"), json_type(v)))
                .collect(),
            None,
        ),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Ty {
    Null,
    Boolean,
    Number,
    String,
    /// Items by position, then (when present) the type of every further item.
    Array(Vec<Ty>, Option<Box<Ty>>),
    /// Values by constant key, then (when present) the key and value types of other fields.
    Object(BTreeMap<Key, Ty>, Option<Box<(Ty, Ty)>>),
    Set(Box<Ty>),
    /// One of these types; none: any value.
    Any(Vec<Ty>),
}

impl Ty {
    pub(super) fn any() -> Ty {
        Ty::Any(Vec::new())
    }

    pub(super) fn is_any(&self) -> bool {
        matches!(self, Ty::Any(members) if members.is_empty())
    }

    /// An array of items of one type (a comprehension, a builtin's result).
    pub(super) fn array_of(item: Ty) -> Ty {
        Ty::Array(Vec::new(), Some(Box::new(item)))
    }

    /// An array literal's type: its items by position (none: an array of anything).
    pub(super) fn tuple(items: Vec<Ty>) -> Ty {
        if items.is_empty() {
            return Ty::array_of(Ty::any());
        }
        if items.len() > MAX_STATIC {
            return Ty::array_of(Ty::union(items).unwrap_or_else(Ty::any));
        }
        Ty::Array(items, None)
    }

    /// An object literal's type: constant keys, and the key and value types of the others.
    pub(super) fn object(fields: BTreeMap<Key, Ty>, dynamic: Option<(Ty, Ty)>) -> Ty {
        if fields.is_empty() && dynamic.is_none() {
            return Ty::Object(fields, Some(Box::new((Ty::any(), Ty::any()))));
        }
        if fields.len() > MAX_STATIC {
            let keys = fields.keys().map(|k| key_type(k));
            let keys = Ty::union(keys.chain(dynamic.as_ref().map(|d| d.0.clone())));
            let values = Ty::union(fields.into_values().chain(dynamic.map(|d| d.1)));
            let rest = (keys.unwrap_or_else(Ty::any), values.unwrap_or_else(Ty::any));
            return Ty::Object(BTreeMap::new(), Some(Box::new(rest)));
        }
        Ty::Object(fields, dynamic.map(Box::new))
    }

    pub(super) fn set_of(item: Ty) -> Ty {
        Ty::Set(Box::new(item))
    }

    /// Any value of the given kinds (nothing known of their contents).
    pub(super) fn of_kinds(kinds: Kinds) -> Ty {
        if kinds & ANY == ANY || kinds == 0 {
            return Ty::any();
        }
        let mut members = Vec::new();
        for (bit, ty) in [
            (Z, Ty::Null),
            (B, Ty::Boolean),
            (N, Ty::Number),
            (S, Ty::String),
            (A, Ty::array_of(Ty::any())),
            (T, Ty::set_of(Ty::any())),
            (O, Ty::object(BTreeMap::new(), None)),
        ] {
            if kinds & bit != 0 {
                members.push(ty);
            }
        }
        if members.len() == 1 {
            members.pop().unwrap_or_else(Ty::any)
        } else {
            Ty::Any(members)
        }
    }

    /// The kinds of values of this type.
    pub(super) fn kinds(&self) -> Kinds {
        match self {
            Ty::Null => Z,
            Ty::Boolean => B,
            Ty::Number => N,
            Ty::String => S,
            Ty::Array(..) => A,
            Ty::Object(..) => O,
            Ty::Set(_) => T,
            Ty::Any(members) if members.is_empty() => ANY,
            Ty::Any(members) => members.iter().fold(0, |acc, m| acc | m.kinds()),
        }
    }

    /// The union of two types (OPA's `types.Or`).
    pub(super) fn or(self, other: Ty) -> Ty {
        if self.is_any() || other.is_any() {
            return Ty::any();
        }
        if self == other {
            return self;
        }
        let mut members = Vec::new();
        for t in [self, other] {
            match t {
                Ty::Any(inner) => members.extend(inner),
                t => members.push(t),
            }
        }
        members.sort();
        members.dedup();
        if members.len() > MAX_UNION {
            return Ty::any();
        }
        if members.len() == 1 {
            return members.pop().unwrap_or_else(Ty::any);
        }
        Ty::Any(members)
    }

    /// The union of `types` (`None` when there are none).
    pub(super) fn union(types: impl IntoIterator<Item = Ty>) -> Option<Ty> {
        types.into_iter().fold(None, |acc, t| {
            Some(match acc {
                Some(a) => Ty::or(a, t),
                None => t,
            })
        })
    }

    /// The type at a constant key (OPA's `types.Select`); `None` where no value can be.
    pub(super) fn select(&self, key: &str) -> Option<Ty> {
        match self {
            Ty::Any(members) if members.is_empty() => Some(Ty::any()),
            Ty::Any(members) => Ty::union(members.iter().filter_map(|m| m.select(key))),
            // (An index written as an integer: OPA reads `[1.0]` as no index.)
            Ty::Array(items, rest) => {
                let index = key.strip_prefix("n:")?.parse::<usize>().ok()?;
                items
                    .get(index)
                    .cloned()
                    .or_else(|| rest.as_deref().cloned())
            }
            Ty::Object(fields, rest) => fields
                .get(key)
                .or_else(|| numeric_field(fields, key))
                .cloned()
                .or_else(|| {
                    let (keys, values) = rest.as_deref()?;
                    keys.contains(&key_type(key)).then(|| values.clone())
                }),
            // (A set's member is the key itself.)
            Ty::Set(of) => of.contains(&key_type(key)).then(|| key_type(key)),
            _ => None,
        }
    }

    /// Whether a value of type `t` (a scalar) is among this type's (OPA's `types.Contains`).
    fn contains(&self, t: &Ty) -> bool {
        match self {
            Ty::Any(members) => members.is_empty() || members.iter().any(|m| m == t),
            other => other == t,
        }
    }

    /// The type of the keys (OPA's `types.Keys`); `None` for a scalar, which has none.
    pub(super) fn keys(&self) -> Option<Ty> {
        match self {
            Ty::Any(members) if members.is_empty() => Some(Ty::any()),
            Ty::Any(members) => Ty::union(members.iter().filter_map(Ty::keys)),
            Ty::Array(..) => Some(Ty::Number),
            Ty::Object(fields, rest) => Ty::union(
                fields
                    .keys()
                    .map(|k| key_type(k))
                    .chain(rest.as_deref().map(|(k, _)| k.clone())),
            ),
            Ty::Set(of) => Some((**of).clone()),
            _ => None,
        }
    }

    /// The type of the values (OPA's `types.Values`); `None` for a scalar.
    pub(super) fn values(&self) -> Option<Ty> {
        match self {
            Ty::Any(members) if members.is_empty() => Some(Ty::any()),
            Ty::Any(members) => Ty::union(members.iter().filter_map(Ty::values)),
            Ty::Array(items, rest) => {
                Ty::union(items.iter().cloned().chain(rest.as_deref().cloned()))
            }
            Ty::Object(fields, rest) => Ty::union(
                fields
                    .values()
                    .cloned()
                    .chain(rest.as_deref().map(|(_, v)| v.clone())),
            ),
            Ty::Set(of) => Some((**of).clone()),
            _ => None,
        }
    }

    /// Whether values of the two types can be equal (OPA's `unifies`).
    pub(super) fn unifies(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Any(members), _) | (_, Ty::Any(members)) if members.is_empty() => true,
            (Ty::Any(members), b) | (b, Ty::Any(members)) => members.iter().any(|m| m.unifies(b)),
            (Ty::Null, Ty::Null)
            | (Ty::Boolean, Ty::Boolean)
            | (Ty::Number, Ty::Number)
            | (Ty::String, Ty::String) => true,
            (Ty::Array(_, a), Ty::Array(_, b)) => {
                static_fits(self, other)
                    && static_fits(other, self)
                    && match (a, b) {
                        (Some(a), Some(b)) => a.unifies(b),
                        _ => true,
                    }
            }
            // (A key one side lacks fits once either side has a dynamic part: OPA's answers.)
            (Ty::Object(a, ad), Ty::Object(b, bd)) => {
                let open = ad.is_some() || bd.is_some();
                let fits = |t: &Ty, o: Option<Ty>| o.map_or(open, |o| t.unifies(&o));
                a.iter().all(|(k, t)| fits(t, other.select(k)))
                    && b.iter().all(|(k, t)| fits(t, self.select(k)))
                    && match (ad, bd) {
                        (Some(a), Some(b)) => a.1.unifies(&b.1),
                        _ => true,
                    }
            }
            (Ty::Set(a), Ty::Set(b)) => a.unifies(b),
            _ => false,
        }
    }

    /// Bounds the nesting: deeper parts become `any`.
    pub(super) fn bounded(self) -> Ty {
        self.bound(MAX_DEPTH)
    }

    fn bound(self, depth: usize) -> Ty {
        if depth == 0 {
            return Ty::any();
        }
        let d = depth - 1;
        match self {
            Ty::Array(items, rest) => Ty::Array(
                items.into_iter().map(|t| t.bound(d)).collect(),
                rest.map(|r| Box::new(r.bound(d))),
            ),
            Ty::Object(fields, rest) => Ty::Object(
                fields.into_iter().map(|(k, t)| (k, t.bound(d))).collect(),
                rest.map(|r| {
                    let (k, v) = *r;
                    Box::new((k.bound(d), v.bound(d)))
                }),
            ),
            Ty::Set(of) => Ty::Set(Box::new(of.bound(d))),
            Ty::Any(members) => Ty::Any(members.into_iter().map(|t| t.bound(d)).collect()),
            scalar => scalar,
        }
    }
}

/// The field of a number key equal in value to `key` (`1` and `1.0`).
fn numeric_field<'m>(fields: &'m BTreeMap<Key, Ty>, key: &str) -> Option<&'m Ty> {
    let want = key.strip_prefix("n:")?.parse::<f64>().ok()?;
    fields.iter().find_map(|(k, t)| {
        let have = k.strip_prefix("n:")?.parse::<f64>().ok()?;
        (have == want).then_some(t)
    })
}

/// Every static item of array `a` unifies with `b`'s item at that position.
fn static_fits(a: &Ty, b: &Ty) -> bool {
    let Ty::Array(items, _) = a else {
        return false;
    };
    items
        .iter()
        .enumerate()
        .all(|(i, t)| b.select(&format!("n:{i}")).is_some_and(|o| t.unifies(&o)))
}

/// Parses a type as OPA prints it: `number`, `any`, `any<T, …>`, `array[T]`, `array<T, …>`,
/// `set[T]`, `object[K: V]`, `object<k: T, …>`, `object<k: T, …>[K: V]`; `None` when the text
/// is not one.
pub(super) fn parse(text: &str) -> Option<Ty> {
    let mut parser = Parser { text, at: 0 };
    let ty = parser.ty()?;
    parser.space();
    (parser.at == text.len()).then_some(ty)
}

/// A function's declaration as OPA prints it, `(name: T, …, result: T)`: the argument types
/// and the result's.
pub(super) fn parse_declaration(text: &str) -> Option<(Vec<Ty>, Ty)> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '[' => depth += 1,
            '>' | ']' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let mut types = parts
        .into_iter()
        .map(|part| parse(part.split_once(": ")?.1))
        .collect::<Option<Vec<Ty>>>()?;
    let result = types.pop()?;
    Some((types, result))
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Parser<'t> {
    fn space(&mut self) {
        while self.text[self.at..].starts_with(' ') {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.space();
        let hit = self.text[self.at..].starts_with(c);
        if hit {
            self.at += c.len_utf8();
        }
        hit
    }

    fn word(&mut self) -> Option<&'t str> {
        self.space();
        let text: &'t str = self.text;
        let rest = &text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.at += len;
        (len > 0).then(|| &rest[..len])
    }

    /// Types separated by commas up to `close`.
    fn list(&mut self, close: char) -> Option<Vec<Ty>> {
        let mut items = vec![self.ty()?];
        while self.eat(',') {
            items.push(self.ty()?);
        }
        self.eat(close).then_some(items)
    }

    fn ty(&mut self) -> Option<Ty> {
        Some(match self.word()? {
            "null" => Ty::Null,
            "boolean" => Ty::Boolean,
            "number" => Ty::Number,
            "string" => Ty::String,
            "any" if self.eat('<') => Ty::union(self.list('>')?)?,
            "any" => Ty::any(),
            "set" => {
                let of = self.eat('[').then(|| self.ty())??;
                self.eat(']').then(|| Ty::set_of(of))?
            }
            "array" => {
                let fixed = if self.eat('<') {
                    self.list('>')?
                } else {
                    Vec::new()
                };
                let rest = if self.eat('[') {
                    let rest = self.ty()?;
                    if !self.eat(']') {
                        return None;
                    }
                    Some(Box::new(rest))
                } else {
                    None
                };
                Ty::Array(fixed, rest)
            }
            "object" => {
                let mut fields = BTreeMap::new();
                if self.eat('<') {
                    loop {
                        let key = format!("s:{}", self.word()?);
                        if !self.eat(':') {
                            return None;
                        }
                        fields.insert(key, self.ty()?);
                        if self.eat('>') {
                            break;
                        }
                        if !self.eat(',') {
                            return None;
                        }
                    }
                }
                let rest = if self.eat('[') {
                    let key = self.ty()?;
                    if !self.eat(':') {
                        return None;
                    }
                    let value = self.ty()?;
                    self.eat(']').then_some(())?;
                    Some(Box::new((key, value)))
                } else {
                    None
                };
                Ty::Object(fields, rest)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(fields: &[(&str, Ty)]) -> Ty {
        Ty::object(
            fields
                .iter()
                .map(|(k, t)| ((*k).to_owned(), t.clone()))
                .collect(),
            None,
        )
    }

    #[test]
    fn select_keys_values_as_opa() {
        let tuple = Ty::tuple(vec![Ty::Number, Ty::String]);
        assert_eq!(tuple.select("n:1"), Some(Ty::String));
        assert_eq!(tuple.select("n:2"), None);
        assert_eq!(tuple.select("s:a"), None);
        assert_eq!(tuple.keys(), Some(Ty::Number));
        assert_eq!(tuple.values(), Some(Ty::Any(vec![Ty::Number, Ty::String])));
        assert_eq!(Ty::array_of(Ty::Number).select("n:7"), Some(Ty::Number));
        let o = obj(&[("s:a", Ty::Number)]);
        assert_eq!(o.select("s:a"), Some(Ty::Number));
        assert_eq!(o.select("s:b"), None);
        assert_eq!(Ty::set_of(Ty::String).select("s:x"), Some(Ty::String));
        assert_eq!(
            Ty::set_of(Ty::String.or(Ty::Number)).select("n:0"),
            Some(Ty::Number)
        );
        assert_eq!(Ty::set_of(Ty::String).select("n:1"), None);
        assert_eq!(Ty::Number.select("s:a"), None);
        assert_eq!(Ty::Number.keys(), None);
        // A union selects from each member that has the key.
        let either = obj(&[("s:a", Ty::Number)]).or(obj(&[("s:b", Ty::String)]));
        assert_eq!(either.select("s:b"), Some(Ty::String));
        assert_eq!(either.select("s:c"), None);
        assert_eq!(Ty::any().select("s:c"), Some(Ty::any()));
    }

    #[test]
    fn unification_as_opa() {
        let n = Ty::tuple(vec![Ty::Number]);
        assert!(!n.unifies(&Ty::tuple(vec![Ty::String])));
        assert!(!n.unifies(&Ty::tuple(vec![Ty::Number, Ty::Number])));
        assert!(n.unifies(&Ty::array_of(Ty::Number)));
        assert!(!n.unifies(&Ty::array_of(Ty::String)));
        assert!(n.unifies(&Ty::array_of(Ty::any())));
        assert!(!Ty::set_of(Ty::Number).unifies(&Ty::set_of(Ty::String)));
        assert!(
            Ty::set_of(Ty::Number.or(Ty::String)).unifies(&Ty::set_of(Ty::String)),
            "a union unifies when one member does"
        );
        assert!(!obj(&[("s:a", Ty::Number)]).unifies(&obj(&[("s:b", Ty::Number)])));
        let open = Ty::object(BTreeMap::new(), Some((Ty::Number, Ty::Number)));
        assert!(
            obj(&[("s:a", Ty::Number)]).unifies(&open),
            "a key the other lacks, open"
        );
        assert!(obj(&[("s:a", Ty::Number)]).unifies(&Ty::of_kinds(O)));
        assert!(Ty::any().unifies(&Ty::Number));
        assert!(!Ty::Number.unifies(&Ty::String));
        assert!(Ty::of_kinds(N | S).unifies(&Ty::String));
    }

    #[test]
    fn parses_opa_types() {
        assert_eq!(
            parse("any<array[string], set[string]>"),
            Some(Ty::array_of(Ty::String).or(Ty::set_of(Ty::String)))
        );
        assert_eq!(
            parse("array<number, string>"),
            Some(Ty::Array(vec![Ty::Number, Ty::String], None))
        );
        let object = parse("object<op: string, path: any>[any: any]").unwrap();
        assert_eq!(object.select("s:op"), Some(Ty::String));
        assert_eq!(object.select("n:1"), Some(Ty::any()));
        assert_eq!(
            parse_declaration(
                "(x: any<number, array<number, string>>, formatted timestamp: string)"
            ),
            Some((
                vec![Ty::Number.or(Ty::Array(vec![Ty::Number, Ty::String], None))],
                Ty::String
            ))
        );
        assert_eq!(parse("array<number"), None);
        assert_eq!(parse("object<a string>"), None);
        assert_eq!(parse("number x"), None);
    }

    #[test]
    fn bounds_only_widen() {
        let many: Vec<Ty> = (0..=MAX_STATIC).map(|_| Ty::Number).collect();
        assert_eq!(Ty::tuple(many), Ty::array_of(Ty::Number));
        let mut deep = Ty::Number;
        for _ in 0..MAX_DEPTH + 4 {
            deep = Ty::array_of(deep);
        }
        let bounded = deep.bounded();
        let mut t = &bounded;
        let mut levels = 0;
        while let Ty::Array(_, Some(rest)) = t {
            t = rest;
            levels += 1;
        }
        assert_eq!(levels, MAX_DEPTH);
        assert!(t.is_any());
        assert_eq!(Ty::of_kinds(ANY), Ty::any());
        assert_eq!(Ty::of_kinds(N | S).kinds(), N | S);
    }
}
