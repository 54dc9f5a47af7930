//! Typed errors: loading a pack, checking its settings, and evaluating it.

use std::time::Duration;

use thiserror::Error;

/// A pack could not be loaded: not a component, not our contract, or a bad `describe`.
#[derive(Debug, Error)]
pub enum PackError {
    /// The bytes are not a valid component or do not target `plimsoll:policy@0.1.x`.
    #[error("pack `{origin}` is not a plimsoll:policy@0.1 component: {message}")]
    Invalid {
        /// Where the pack came from (file or built-in name).
        origin: String,
        /// What wasmtime said.
        message: String,
    },
    /// `describe` failed or answered something invalid.
    #[error("pack `{origin}` answered `describe` badly: {message}")]
    Describe {
        /// Where the pack came from.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// A pack's settings were rejected, by its schema or by `validate-settings`.
#[derive(Debug, Error)]
#[error("invalid settings for pack `{pack}`: {message}")]
pub struct SettingsError {
    /// Pack id.
    pub pack: String,
    /// What is wrong (schema errors are `path: message`, one per line).
    pub message: String,
}

/// One evaluation of one pack on one project failed. Fails the gate.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvalError {
    /// The policy ran past its deadline.
    #[error("policy ran past its deadline of {} ms", .deadline.as_millis())]
    Timeout {
        /// The deadline in force.
        deadline: Duration,
    },
    /// The policy tried to use more memory than its cap.
    #[error("policy exceeded its memory limit of {} MiB", .limit / (1024 * 1024))]
    MemoryLimit {
        /// The cap in bytes.
        limit: usize,
    },
    /// The policy wrote more to stdout/stderr than the capture buffer holds.
    #[error("policy wrote more than {limit} bytes to stdout or stderr")]
    OutputLimit {
        /// The buffer size in bytes.
        limit: usize,
    },
    /// The policy overflowed its stack.
    #[error("policy overflowed its stack")]
    StackOverflow,
    /// The policy trapped (a panic, `unreachable`, an out-of-bounds access, …).
    #[error("policy crashed: {message}")]
    Trap {
        /// The trap and the last lines the policy wrote to stderr.
        message: String,
    },
    /// `evaluate` returned an error of its own.
    #[error("policy reported an error: {message}")]
    Policy {
        /// The policy's message.
        message: String,
    },
    /// The answer broke the contract (unknown rule id, invalid subject, too many findings, …).
    #[error("policy gave an invalid answer: {message}")]
    BadAnswer {
        /// What is wrong.
        message: String,
    },
    /// The component could not be instantiated.
    #[error("policy could not be instantiated: {message}")]
    Instantiate {
        /// What wasmtime said.
        message: String,
    },
}

impl EvalError {
    /// A short kebab-case kind, stable for JSON output and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            EvalError::Timeout { .. } => "timeout",
            EvalError::MemoryLimit { .. } => "memory-limit",
            EvalError::OutputLimit { .. } => "output-limit",
            EvalError::StackOverflow => "stack-overflow",
            EvalError::Trap { .. } => "trap",
            EvalError::Policy { .. } => "policy-error",
            EvalError::BadAnswer { .. } => "bad-answer",
            EvalError::Instantiate { .. } => "instantiate",
        }
    }
}
