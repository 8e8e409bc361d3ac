//! # verdict-codes
//!
//! The error pattern of verdict's library crates, written once: a `#[non_exhaustive]` enum of
//! stable kebab-case codes ([`error_codes!`]) and an error type carrying one code and a message
//! ([`coded_error!`]). Codes are an API — what the CLI prints, what the WIT carries and what
//! tests assert on; messages may change.
//!
//! ```
//! verdict_codes::error_codes! {
//!     /// What can go wrong.
//!     pub enum ErrorCode {
//!         /// The input is empty.
//!         Empty = "empty",
//!         /// The input is too long.
//!         TooLong = "too-long",
//!     }
//! }
//! verdict_codes::coded_error! {
//!     /// A failure.
//!     pub struct Error(ErrorCode);
//! }
//! let e = Error::new(ErrorCode::TooLong, "41 bytes").context("name");
//! assert_eq!(e.to_string(), "too-long: name: 41 bytes");
//! assert_eq!(ErrorCode::parse("empty"), Some(ErrorCode::Empty));
//! assert_eq!(ErrorCode::ALL.len(), 2);
//! ```

#![no_std]
#![forbid(unsafe_code)]

/// Defines a `#[non_exhaustive]` code enum with `ALL`, `as_str` (the stable kebab-case name),
/// `parse` and `Display`.
#[macro_export]
macro_rules! error_codes {
    (
        $(#[$enum_doc:meta])*
        pub enum $name:ident {
            $( $(#[$doc:meta])* $variant:ident = $str:literal, )*
        }
    ) => {
        $(#[$enum_doc])*
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every code, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable kebab-case name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $str,)* }
            }

            /// Parses a kebab-case name.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Defines an error type holding a code of the given enum and a message, displayed as
/// `code: message`, with `new`, `code`, `message` and `context`.
#[macro_export]
macro_rules! coded_error {
    (
        $(#[$doc:meta])*
        pub struct $name:ident($code:ty);
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            code: $code,
            message: ::std::string::String,
        }

        impl $name {
            /// A new error.
            pub fn new(code: $code, message: impl ::core::convert::Into<::std::string::String>) -> Self {
                $name { code, message: message.into() }
            }

            /// The stable code.
            pub fn code(&self) -> $code {
                self.code
            }

            /// The human-readable message (not stable).
            pub fn message(&self) -> &str {
                &self.message
            }

            /// The same error with `context` prefixed to the message (`context: message`).
            pub fn context(mut self, context: impl ::core::fmt::Display) -> Self {
                self.message = ::std::format!("{context}: {}", self.message);
                self
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::write!(f, "{}: {}", self.code, self.message)
            }
        }

        impl ::std::error::Error for $name {}
    };
}
