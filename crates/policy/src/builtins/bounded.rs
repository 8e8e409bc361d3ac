//! Bounded replacements for regorus builtins that can trap on wasm32.
//!
//! In the component a Rust panic is a WebAssembly trap: the evaluation stops
//! with no verdict of its own. regorus 0.14.1 panics in three builtins on
//! inputs a policy (or, through it, an input document) controls:
//!
//! * `numbers.range(a, b)` reserves `|b - a| + 1` elements up front: past
//!   wasm32's 2 GiB the reservation panics (`capacity overflow`), and
//!   `|b - a|` is truncated to 32 bits on the way;
//! * `numbers.range_step(a, b, 0)` divides by the step; a negative step
//!   reserves a negative (so huge) count;
//! * `sprintf` reads a width or precision with `char::is_numeric` and then
//!   `to_digit(10).expect(…)` (any non-ASCII digit panics), accumulates it in
//!   a `u32` (wrapping past 4 294 967 295), pads with `repeat(width)`
//!   (`capacity overflow` past 2 GiB) and formats floats with Rust's `{:.*}`,
//!   which panics past a precision of 65 535.
//!
//! These extensions take precedence over the builtins of the same name.
//! `numbers.range` and `numbers.range_step` are implemented here with OPA's
//! semantics; `sprintf` checks the format and then lets regorus format it,
//! in a one-rule engine of its own. An over-large result is a
//! `resource-exhausted` error, never an undefined call: an undefined value
//! in a `deny` rule could turn a deny into an allow.

use regorus::{Engine, Value};

/// The most elements `numbers.range` and `numbers.range_step` return. OPA
/// has no limit but memory; a million integers is far beyond any real
/// policy and keeps the array under ~50 MB in the sandbox.
pub const MAX_RANGE_ELEMENTS: u64 = 1_000_000;

/// The largest width or precision `sprintf` accepts (Rust's formatter
/// limit; Go's is 1 000 000, which Go prints as `%!(BADWIDTH)`).
pub const MAX_SPRINTF_WIDTH: u64 = 65_535;

/// The prefix of an extension error that is a resource limit: the engine
/// reports it as `resource-exhausted`.
pub(crate) const LIMIT: &str = "resource limit: ";

/// A builtin's error: an evaluation error (fail-closed), or a limit.
#[derive(Debug)]
pub(crate) struct BuiltinError(pub(crate) String);

impl core::fmt::Display for BuiltinError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuiltinError {}

pub(crate) fn limit(message: String) -> BuiltinError {
    BuiltinError(format!("{LIMIT}{message}"))
}

/// An integer operand: `Ok(None)` for a number that is not an integer
/// (OPA: a builtin error, so undefined); an error for an integer beyond 64
/// bits (rather than OPA's big-integer ranges).
fn integer(name: &str, value: &Value) -> Result<Option<i64>, BuiltinError> {
    if let Ok(n) = value.as_i64() {
        return Ok(Some(n));
    }
    match value {
        Value::Number(_)
            if value
                .as_f64()
                .is_ok_and(|f| f.is_finite() && f.fract() != 0.0) =>
        {
            Ok(None)
        }
        Value::Number(_) => Err(BuiltinError(format!(
            "{name}: operands beyond 64-bit integers are not supported"
        ))),
        _ => Ok(None),
    }
}

/// `numbers.range(a, b)` (`step` 1) and `numbers.range_step(a, b, step)`:
/// the integers from `a` to `b` inclusive, ascending or descending, `step`
/// apart.
pub(crate) fn range(
    name: &str,
    a: &Value,
    b: &Value,
    step: Option<&Value>,
) -> Result<Value, BuiltinError> {
    let (Some(a), Some(b)) = (integer(name, a)?, integer(name, b)?) else {
        return Ok(Value::Undefined);
    };
    let step = match step {
        None => 1,
        Some(step) => match integer(name, step)? {
            // OPA: "step must be a positive integer", a builtin error.
            Some(s) if s > 0 => s,
            _ => return Ok(Value::Undefined),
        },
    };
    let span = (i128::from(b) - i128::from(a)).unsigned_abs();
    let count = span / u128::from(step.unsigned_abs()) + 1;
    if count > u128::from(MAX_RANGE_ELEMENTS) {
        return Err(limit(format!(
            "{name}: {count} elements is over the limit of {MAX_RANGE_ELEMENTS}"
        )));
    }
    let step = i128::from(step) * if b < a { -1 } else { 1 };
    // Every element lies between `a` and `b`, so it is an i64.
    let values = (0..count as i128)
        .filter_map(|i| i64::try_from(i128::from(a) + i * step).ok())
        .map(Value::from)
        .collect::<Vec<_>>();
    Ok(Value::from(values))
}

/// Checks a `sprintf` format the way regorus reads it: every width and
/// precision is ASCII digits and at most [`MAX_SPRINTF_WIDTH`].
pub(crate) fn check_format(format: &str) -> Result<(), BuiltinError> {
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        let Some(first) = chars.next() else {
            break;
        };
        if first == '%' || !(first == '.' || first.is_numeric()) {
            continue;
        }
        let mut digits = String::new();
        if first != '.' {
            digits.push(first);
        }
        while let Some(&d) = chars.peek().filter(|d| d.is_numeric()) {
            digits.push(d);
            chars.next();
        }
        if !digits.chars().all(|d| d.is_ascii_digit()) {
            return Err(BuiltinError(format!(
                "sprintf: width or precision {digits:?} is not ASCII digits"
            )));
        }
        let width = digits
            .bytes()
            .try_fold(0u64, |w, d| {
                w.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
            .unwrap_or(u64::MAX);
        if width > MAX_SPRINTF_WIDTH {
            return Err(limit(format!(
                "sprintf: width or precision {digits} is over the limit of {MAX_SPRINTF_WIDTH}"
            )));
        }
        // The verb.
        chars.next();
    }
    Ok(())
}

/// regorus's own `sprintf`, reached through a one-rule engine (the
/// extension of that name hides the builtin in the policy's engine).
#[derive(Clone)]
pub(crate) struct Sprintf(Engine);

impl Sprintf {
    pub(crate) fn new() -> Result<Sprintf, String> {
        let mut engine = Engine::new();
        engine.set_rego_v0(false);
        engine.set_strict_builtin_errors(false);
        engine
            .add_policy(
                "sprintf.rego".to_owned(),
                "package sprintf\n\nout := sprintf(input.format, input.args)\n".to_owned(),
            )
            .map_err(|e| format!("the sprintf engine: {e}"))?;
        Ok(Sprintf(engine))
    }

    pub(crate) fn call(&self, format: &Value, args: &Value) -> Result<Value, BuiltinError> {
        if let Ok(text) = format.as_string() {
            check_format(text)?;
        }
        let input = Value::from(std::collections::BTreeMap::from([
            (Value::from("format"), format.clone()),
            (Value::from("args"), args.clone()),
        ]));
        let mut engine = self.0.clone();
        engine.set_input(input);
        Ok(engine
            .eval_rule("data.sprintf.out".to_owned())
            .unwrap_or(Value::Undefined))
    }
}
