//! The store rules (`tests/store_conformance`) on [`MemoryStore`], the
//! reference store.

mod store_conformance;

use escalate::store::MemoryStore;

store_conformance_tests!(MemoryStore::new);

/// The checks also run as one, as a store without per-check tests would.
#[test]
fn run_all_in_one() {
    store_conformance::run_all(&mut MemoryStore::new);
}
