//! Values worked out once per chart folder and run (a chart's template
//! texts, its parsed templates, its model), kept for the charts in use.
//!
//! Charts are read in path order, a chart's files together: recent charts
//! are all that is asked for again. The least recently used is let go
//! first, one at a time, so that a monorepo of thousands of charts does
//! not hold all their templates. The bound is generous: while one worker
//! works out a large chart, the other puts that chart's files off and runs
//! on through the small charts after it, then comes back for them; a chart
//! let go by then would be worked out again (with 8 kept, the real
//! repositories' largest chart was worked out three times).

use super::Working;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// How many charts' values are kept at once, of each kind.
const MAX_CHARTS_KEPT: usize = 64;

/// Values worked out per chart folder: each behind its own cell, so the
/// workers reading a chart's files at the same time wait for the one that
/// works it out instead of all doing it.
pub(in crate::extract) type PerChart<T> = OnceLock<Mutex<Kept<T>>>;

/// The charts' cells, each with when it was last asked for.
pub(in crate::extract) struct Kept<T> {
    charts: HashMap<PathBuf, (Cell<T>, u64)>,
    /// How many times a cell was asked for.
    uses: u64,
}

type Cell<T> = Arc<OnceLock<Arc<T>>>;

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            charts: HashMap::new(),
            uses: 0,
        }
    }
}

impl<T> Kept<T> {
    /// The cell of `dir`, made if new, and now the most recently used.
    fn cell(&mut self, dir: &Path) -> Cell<T> {
        self.uses += 1;
        if let Some((cell, used)) = self.charts.get_mut(dir) {
            *used = self.uses;
            return cell.clone();
        }
        if self.charts.len() >= MAX_CHARTS_KEPT {
            // Once per new chart, over a bounded map.
            let oldest = self.charts.iter().min_by_key(|(_, (_, used))| *used);
            if let Some(oldest) = oldest.map(|(dir, _)| dir.clone()) {
                self.charts.remove(&oldest);
            }
        }
        let cell: Cell<T> = Arc::new(OnceLock::new());
        self.charts
            .insert(dir.to_path_buf(), (cell.clone(), self.uses));
        cell
    }
}

/// One value per chart folder, worked out once per run (while kept).
pub(in crate::extract) fn once_per_chart<T>(
    seen: &'static PerChart<T>,
    dir: &Path,
    make: impl FnOnce() -> T,
) -> Arc<T> {
    let seen = seen.get_or_init(Default::default);
    let cell = match seen.lock() {
        Ok(mut kept) => kept.cell(dir),
        Err(_) => Arc::new(OnceLock::new()),
    };
    // Worked out outside the lock: other charts go on meanwhile.
    cell.get_or_init(|| {
        let _working = Working::on(dir);
        Arc::new(make())
    })
    .clone()
}

/// The value worked out for `dir`, if it is kept and done.
pub(in crate::extract) fn known<T>(seen: &'static PerChart<T>, dir: &Path) -> Option<Arc<T>> {
    let kept = seen.get()?.lock().ok()?;
    kept.charts.get(dir)?.0.get().cloned()
}

/// Whether `dir` has a value in `seen`, worked out or being worked out.
pub(in crate::extract) fn is_known<T>(seen: &'static PerChart<T>, dir: &Path) -> bool {
    seen.get()
        .and_then(|s| s.lock().ok())
        .is_some_and(|kept| kept.charts.contains_key(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The least recently used chart goes first: one asked for all along
    /// stays, however many others come and go.
    #[test]
    fn the_least_recently_used_chart_is_let_go() {
        static SEEN: PerChart<usize> = OnceLock::new();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let value = |dir: &str| {
            *once_per_chart(&SEEN, Path::new(dir), || {
                made.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            })
        };
        let first = value("in-use");
        for i in 0..3 * MAX_CHARTS_KEPT {
            value(&format!("other-{i}"));
            assert_eq!(value("in-use"), first, "worked out once");
        }
        assert!(is_known(&SEEN, Path::new("in-use")));
        assert!(known(&SEEN, Path::new("in-use")).is_some());
        assert!(!is_known(&SEEN, Path::new("other-0")), "let go");
        let kept = SEEN.get().unwrap().lock().unwrap().charts.len();
        assert_eq!(kept, MAX_CHARTS_KEPT);
        // Each other chart once, and the one in use once.
        assert_eq!(made.into_inner(), 3 * MAX_CHARTS_KEPT + 1);
    }
}
