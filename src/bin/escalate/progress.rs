//! A progress bar on standard error, shown only when it is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts work done out of a total and redraws a bar when the whole
/// percentage changes. Shared across threads.
pub struct Progress {
    label: &'static str,
    total: u64,
    done: AtomicU64,
    /// The percentage last drawn, plus one (0: nothing drawn yet).
    drawn: AtomicU64,
    enabled: bool,
}

impl Progress {
    /// A bar for `total` items; drawn only when standard error is a
    /// terminal and the work is long enough to be worth one.
    pub fn new(label: &'static str, total: u64) -> Progress {
        Progress {
            label,
            total,
            done: AtomicU64::new(0),
            drawn: AtomicU64::new(0),
            enabled: total >= 10_000 && std::io::stderr().is_terminal(),
        }
    }

    /// Records `n` more items done.
    pub fn advance(&self, n: u64) {
        if !self.enabled {
            return;
        }
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let percent = (done.min(self.total) * 100) / self.total.max(1);
        let previous = self.drawn.swap(percent + 1, Ordering::Relaxed);
        if previous != percent + 1 {
            let filled = usize::try_from(percent / 4).unwrap_or(25);
            let mut err = std::io::stderr().lock();
            // A failed write to the terminal only loses the bar.
            let _ = write!(
                err,
                "\r{} [{:<25}] {percent:>3}% {done}/{}",
                self.label,
                "=".repeat(filled),
                self.total
            );
            let _ = err.flush();
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if self.enabled && self.drawn.load(Ordering::Relaxed) > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{:<80}\r", "");
            let _ = err.flush();
        }
    }
}
