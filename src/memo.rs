//! A value worked out from a record (and its policy), kept beside the
//! record until the record changes. It is not part of the record: records
//! that differ only in their memos are equal, and serde skips memos.

use std::sync::OnceLock;

/// A memo: filled once through a shared reference, the first time its
/// value is worked out, and emptied by the record's owner (through `&mut`)
/// whenever what the value was worked out from changes. A value carries the
/// key it was worked out for (a policy fingerprint, an instant), and
/// [`get_or`](Memo::get_or) uses it only when the key still fits: a memo
/// that was not emptied costs a recomputation, never a wrong answer.
pub(crate) struct Memo<T>(OnceLock<T>);

impl<T: Clone> Memo<T> {
    /// The kept value when `fits` it, else `make()` (kept when nothing was).
    pub(crate) fn get_or(&self, fits: impl FnOnce(&T) -> bool, make: impl FnOnce() -> T) -> T {
        if let Some(kept) = self.0.get() {
            if fits(kept) {
                return kept.clone();
            }
            return make();
        }
        let value = make();
        // Another thread may have filled it meanwhile, with the same value
        // for the same record: either is right.
        let _ = self.0.set(value.clone());
        value
    }
}

impl<T> Memo<T> {
    /// Forgets the kept value.
    pub(crate) fn clear(&mut self) {
        self.0.take();
    }
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(OnceLock::new())
    }
}

impl<T: Clone> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo(self.0.clone())
    }
}

/// Not part of the record: always equal.
impl<T> PartialEq for Memo<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Memo<T> {}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn keeps_the_first_value_and_uses_it_only_when_it_fits() {
        let mut memo: Memo<(u32, u32)> = Memo::default();
        let mut made = 0;
        let mut get = |memo: &Memo<(u32, u32)>, key: u32| {
            memo.get_or(
                |(k, _)| *k == key,
                || {
                    made += 1;
                    (key, key * 10)
                },
            )
        };
        assert_eq!(get(&memo, 1), (1, 10));
        assert_eq!(get(&memo, 1), (1, 10));
        // Another key is worked out each time, and not kept.
        assert_eq!(get(&memo, 2), (2, 20));
        assert_eq!(get(&memo, 2), (2, 20));
        memo.clear();
        assert_eq!(get(&memo, 2), (2, 20));
        assert_eq!(get(&memo, 2), (2, 20));
        assert_eq!(made, 4);
    }

    #[test]
    fn memos_are_equal_whatever_they_hold() {
        let a: Memo<u8> = Memo::default();
        let b: Memo<u8> = Memo::default();
        a.get_or(|_| true, || 1);
        assert_eq!(a, b);
        assert_eq!(a.clone(), a);
        assert_eq!(format!("{a:?}"), "Memo");
    }
}
