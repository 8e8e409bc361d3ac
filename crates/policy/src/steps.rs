//! A step budget that stops an evaluation at the same point in every host.
//!
//! A host's own limits differ between hosts: wasmtime's fuel counts WebAssembly instructions,
//! a browser and jco have no fuel at all, a deadline depends on the machine. A policy that runs
//! away must still get the same verdict everywhere, so the budget is counted here, in
//! evaluation steps: regorus's interpreter counts its work (one unit per expression, query,
//! loop iteration and rule it evaluates) and asks a time source, every unit, whether the
//! evaluation is past its limit. verdict reads no clock: the time source registered here is a
//! per-thread step counter, so the "elapsed time" regorus compares with the limit is the number
//! of steps taken — the same for the same policies and input in every host.
//!
//! One [`Steps`] budget spans one call: the caps pass, every policy set and every conversion
//! round draw from it.

use core::cell::Cell;
use core::num::NonZeroU32;
use core::time::Duration;

use regorus::utils::limits::{ExecutionTimerConfig, TimeSource, set_time_source};

use crate::Error;

std::thread_local! {
    /// Steps counted on this thread (each read counts one).
    static COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// The time source regorus reads: this thread's step counter.
struct StepCounter;

impl TimeSource for StepCounter {
    fn now(&self) -> Option<Duration> {
        Some(Duration::from_nanos(tick()))
    }
}

/// Counts one step on this thread and returns the count.
fn tick() -> u64 {
    COUNTER.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    })
}

/// This thread's count, without counting.
fn count() -> u64 {
    COUNTER.with(Cell::get)
}

/// Registers the step counter as regorus's time source (once per process; regorus has one).
/// Whether it is ours: another user of regorus in the same process may have registered a clock
/// first, and a budget counted on a clock would stop at different steps — so it is refused.
fn register() -> bool {
    static ONCE: std::sync::Once = std::sync::Once::new();
    static OURS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    static SOURCE: StepCounter = StepCounter;
    ONCE.call_once(|| {
        OURS.store(
            set_time_source(&SOURCE).is_ok(),
            std::sync::atomic::Ordering::Relaxed,
        );
    });
    OURS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The steps one call may still take; `None`: unbounded.
#[derive(Debug, Default)]
pub struct Steps {
    max: Option<u64>,
    remaining: Cell<u64>,
}

impl Steps {
    /// A budget of `max` steps for one call (`None`: unbounded).
    pub fn new(max: Option<u64>) -> Steps {
        Steps {
            max,
            remaining: Cell::new(max.unwrap_or(u64::MAX)),
        }
    }

    /// No budget.
    pub fn unbounded() -> Steps {
        Steps::new(None)
    }

    /// The budget given, `None` when unbounded.
    pub fn max(&self) -> Option<u64> {
        self.max
    }

    /// Sets `engine`'s limit to what remains of the budget, runs `f`, and takes the steps it
    /// took from the budget. `None` when a budget cannot be counted here (another time source
    /// is registered in this process): the caller fails closed.
    pub(crate) fn run<T>(
        &self,
        engine: &mut regorus::Engine,
        f: impl FnOnce(&mut regorus::Engine) -> T,
    ) -> Option<T> {
        if self.max.is_none() {
            // (An engine kept from a bounded evaluation still holds that evaluation's limit.)
            engine.clear_execution_timer_config();
            return Some(f(engine));
        }
        if !register() {
            return None;
        }
        let remaining = self.remaining.get();
        engine.set_execution_timer_config(ExecutionTimerConfig {
            // regorus stops when the steps since its start exceed the limit.
            limit: Duration::from_nanos(remaining),
            check_interval: NonZeroU32::MIN,
        });
        let before = count();
        let out = f(engine);
        let used = count().wrapping_sub(before);
        self.remaining.set(remaining.saturating_sub(used));
        Some(out)
    }

    /// The error for an evaluation regorus stopped: the budget's, named as the option that
    /// set it.
    pub(crate) fn exhausted(&self) -> Error {
        Error::LimitExceeded(format!(
            "the evaluation took more than its {} steps (the call's max-steps limit)",
            self.max.unwrap_or(u64::MAX)
        ))
    }
}

/// What regorus says when it stops at a time limit; verdict sets no other time limit, so it is
/// the step budget. regorus passes the error on as text through a function call, so the text
/// is what is left to recognise it by there.
const REGORUS_TIME_LIMIT: &str = "execution exceeded time limit";

/// Whether `error` is regorus stopping at the step budget. (Mistaking another error for it
/// would only change one error's code into another's: both fail closed.)
pub(crate) fn is_exhausted(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<regorus::LimitError>(),
        Some(regorus::LimitError::TimeLimitExceeded { .. })
    ) || error.to_string().contains(REGORUS_TIME_LIMIT)
}
