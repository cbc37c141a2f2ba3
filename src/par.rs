//! Work spread over the machine's cores, for the few calls that do a lot
//! of independent work at once (loading every stored case on restart).

use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

/// At most this many threads, however many cores the machine has.
const MAX_THREADS: usize = 8;

/// Fewer items than this are mapped on the calling thread: starting
/// threads would cost more than it saves.
const MIN_PARALLEL: usize = 256;

/// `items.into_iter().map(f).collect()`, in the same order, with the items
/// split into one run per core (at most [`MAX_THREADS`]), each mapped on a
/// thread of its own. A thread the system refuses to start leaves its run
/// to the calling thread; a panic in `f` is passed on to the caller.
pub(crate) fn map<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    if items.len() < MIN_PARALLEL {
        return items.into_iter().map(f).collect();
    }
    let threads = cores();
    if threads < 2 {
        return items.into_iter().map(f).collect();
    }
    let run = items.len().div_ceil(threads);
    let mut slots: Vec<Mutex<Option<Vec<T>>>> = Vec::with_capacity(threads);
    let mut rest = items.into_iter();
    loop {
        let next: Vec<T> = rest.by_ref().take(run).collect();
        if next.is_empty() {
            break;
        }
        slots.push(Mutex::new(Some(next)));
    }
    let f = &f;
    std::thread::scope(|scope| {
        // The first run is the calling thread's own: one thread fewer to start.
        let started: Vec<_> = slots
            .iter()
            .skip(1)
            .map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || {
                        take(slot).into_iter().map(f).collect::<Vec<U>>()
                    })
                    .ok()
            })
            .collect();
        let mut out: Vec<U> = slots
            .first()
            .map(take)
            .unwrap_or_default()
            .into_iter()
            .map(f)
            .collect();
        for (slot, thread) in slots.iter().skip(1).zip(started) {
            match thread.map(std::thread::ScopedJoinHandle::join) {
                Some(Ok(mapped)) => out.extend(mapped),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                // The thread did not start: its run is still in the slot.
                None => out.extend(take(slot).into_iter().map(f)),
            }
        }
        out
    })
}

/// The cores to use (at most [`MAX_THREADS`]), asked of the system once per
/// process: asking reads the cgroup's files, which costs more than a small
/// map.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(MAX_THREADS)
    })
}

/// The run in `slot`, taken out (empty if taken already).
fn take<T>(slot: &Mutex<Option<Vec<T>>>) -> Vec<T> {
    slot.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn maps_in_order_whatever_the_number_of_items() {
        for n in [0, 1, 255, 256, 257, 1000, 4099] {
            let items: Vec<usize> = (0..n).collect();
            let mapped = map(items, |i| i * 3);
            assert_eq!(
                mapped,
                (0..n).map(|i| i * 3).collect::<Vec<_>>(),
                "{n} items"
            );
        }
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            map((0..1000).collect(), |i: usize| {
                assert!(i != 999, "item 999");
                i
            })
        });
        assert!(caught.is_err());
    }
}
