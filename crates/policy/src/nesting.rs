//! A bound on how deeply `[` and `{` nest in a module, checked before regorus parses it.
//!
//! regorus 0.14's parser reads every `[` and `{` first as a comprehension and, when that fails,
//! again as an array, set or object: the innermost term of `n` nested brackets is parsed `2^n`
//! times (measured: 20 levels, `x := [[…[1]…]]`, take 10 s natively; 27 unclosed `[` after a
//! call name, found by `fuzz/` target `rego`, over 5 minutes). OPA's parser is linear, so
//! this is a limit of verdict's (KNOWN-DIFFERENCES.md); the policies of the repository nest at
//! most 5 levels, rule bodies included.

use crate::{Error, Module};

/// The deepest nesting of `[` and `{` (together; rule bodies count) a module may have.
pub const MAX_NESTING: usize = 12;

/// Refuses `module` with `malformed-policy` when its `[` / `{` nest deeper than
/// [`MAX_NESTING`]. Brackets in strings and comments do not count; a string ends at its closing
/// quote or at the end of its line (where regorus's lexer rejects it), a raw string at its
/// closing backquote, a comment at the end of its line.
pub(crate) fn check(module: &Module) -> Result<(), Error> {
    let bytes = module.source.as_bytes();
    let (mut depth, mut line, mut line_start, mut i) = (0usize, 1usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'#' => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' && bytes.get(i + 1) != Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                }
                if bytes.get(i) == Some(&b'\n') {
                    continue;
                }
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    if bytes[i] == b'\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    i += 1;
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let column = module.source[line_start..i].chars().count() + 1;
                    return Err(Error::MalformedPolicy {
                        path: module.path.clone(),
                        message: format!(
                            "{}:{line}:{column}: `[` and `{{` nested deeper than {MAX_NESTING} \
                             levels",
                            module.path
                        ),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn module(source: &str) -> Module {
        Module {
            path: "p.rego".into(),
            source: source.into(),
        }
    }

    fn nested(open: &str, close: &str, n: usize) -> String {
        format!(
            "package docker\n\nx := {}1{}\n",
            open.repeat(n),
            close.repeat(n)
        )
    }

    #[test]
    fn depth_is_bounded_outside_strings_and_comments() {
        let deep = MAX_NESTING + 1;
        // (source, refused)
        let cases: Vec<(String, bool)> = vec![
            (nested("[", "]", MAX_NESTING), false),
            (nested("[", "]", deep), true),
            (nested("{", "}", deep), true),
            (nested("[{", "}]", deep / 2 + 1), true),
            // Unclosed, as the fuzzer found it.
            (
                format!("package docker\nx := glob{}.match(1)\n", "[".repeat(deep)),
                true,
            ),
            // Parentheses do not count (regorus parses them once).
            (nested("(", ")", 40), false),
            // Closing brackets bring the depth back down.
            (
                format!(
                    "package docker\n{}",
                    nested("[", "]", MAX_NESTING).repeat(3)
                ),
                false,
            ),
            // Brackets in strings, raw strings and comments do not count.
            (
                format!("package docker\nx := \"{}\"\n", "[".repeat(40)),
                false,
            ),
            (
                format!("package docker\nx := \"\\\"{}\"\n", "[".repeat(40)),
                false,
            ),
            (
                format!("package docker\nx := `\n{}\n`\n", "{".repeat(40)),
                false,
            ),
            (
                format!("package docker\n# {}\nx := 1\n", "[".repeat(40)),
                false,
            ),
            // A string ends at the end of its line: what follows counts.
            (
                format!("package docker\nx := \"a\n{}", "[".repeat(deep)),
                true,
            ),
        ];
        for (source, refused) in cases {
            let got = check(&module(&source));
            assert_eq!(got.is_err(), refused, "{source:?}: {got:?}");
            if let Err(e) = got {
                assert_eq!(e.code(), ErrorCode::MalformedPolicy, "{source:?}");
                assert!(e.to_string().starts_with("p.rego:"), "{e}");
            }
        }
    }

    /// The input `fuzz/` target `rego` found (27 unclosed `[` in a call, over 5 minutes of
    /// parsing natively) is refused at once by every entry point that parses a module.
    #[test]
    fn the_fuzzer_input_is_refused_before_parsing() {
        let source = format!(
            "package docker\n\nok := glob{}.match(\"[!d]*.io\", [\".\"], input.host)\n",
            "[".repeat(27)
        );
        let start = std::time::Instant::now();
        let options = crate::Options {
            query: None,
            now_ns: 0,
        };
        let engine = crate::PolicyEngine::new(&[vec![module(&source)]], &options);
        assert_eq!(
            engine.err().map(|e| e.code()),
            Some(ErrorCode::MalformedPolicy)
        );
        let outline = crate::outline(&module(&source));
        assert_eq!(
            outline.err().map(|e| e.code()),
            Some(ErrorCode::MalformedPolicy)
        );
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn the_position_is_the_first_bracket_too_deep() {
        let source = format!("package docker\n\nx := {}", "[".repeat(MAX_NESTING + 1));
        let e = check(&module(&source)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "p.rego:3:{}: `[` and `{{` nested deeper than 12 levels",
                6 + MAX_NESTING
            )
        );
    }
}
