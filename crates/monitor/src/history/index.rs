//! [`TargetIndex`]: the targets the history knows, by name, in memory.

use std::collections::HashMap;
use std::sync::Arc;

/// A target as cached in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TargetEntry {
    /// Its key in the tables.
    pub id: u32,
    /// The step of its last write, seconds.
    pub step: u32,
    /// When it was last written, Unix seconds (`i64::MIN` in a write's
    /// changes: removed).
    pub last_at: i64,
}

/// The targets the history knows, sorted by name: 32 bytes a target,
/// where a `HashMap` of as many takes ~54 (its buckets are a power of
/// two, at most 7/8 full). Tens of thousands are kept; a lookup is a
/// binary search, and a write's changes are merged in once, at its end.
#[derive(Debug, Default)]
pub(super) struct TargetIndex(Vec<(Arc<str>, TargetEntry)>);

impl TargetIndex {
    /// The index of `rows`, in any order (names unique).
    pub fn from_rows(rows: Vec<(Arc<str>, TargetEntry)>) -> Self {
        let mut index = Self(rows);
        index.0.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        index.0.shrink_to_fit();
        index
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    /// The entry of `name`.
    pub fn get(&self, name: &str) -> Option<&TargetEntry> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// Every entry, by name.
    pub fn values(&self) -> impl Iterator<Item = &TargetEntry> {
        self.0.iter().map(|(_, e)| e)
    }

    /// Every name, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.0.iter().map(|(n, _)| n)
    }

    /// Adds or replaces the entry of `name`.
    pub fn insert(&mut self, name: Arc<str>, entry: TargetEntry) {
        match self.position(&name) {
            Ok(i) => self.0[i].1 = entry,
            Err(i) => self.0.insert(i, (name, entry)),
        }
    }

    /// Keeps `name` itself as the key of its entry, when it has one under
    /// another copy of the name (read from the file at start): the copy is
    /// freed, and the key shares the configuration's name.
    pub fn share(&mut self, name: &Arc<str>) {
        if let Ok(i) = self.position(name)
            && !Arc::ptr_eq(&self.0[i].0, name)
        {
            self.0[i].0 = Arc::clone(name);
        }
    }

    /// Forgets `name`.
    pub fn remove(&mut self, name: &str) {
        if let Ok(i) = self.position(name) {
            self.0.remove(i);
        }
    }

    /// Applies a write's `changes`: entries whose `last_at` is `i64::MIN`
    /// are removed, the others replaced or added. New names are sorted in
    /// once (a first write of tens of thousands of targets in any order
    /// costs one sort, not a shift per name).
    pub fn apply(&mut self, changes: HashMap<Arc<str>, TargetEntry>) {
        let mut added = Vec::new();
        let mut removed = false;
        for (name, entry) in changes {
            match (self.position(&name), entry.last_at == i64::MIN) {
                (Ok(i), false) => self.0[i].1 = entry,
                (Ok(i), true) => {
                    self.0[i].1.last_at = i64::MIN;
                    removed = true;
                }
                (Err(_), false) => added.push((name, entry)),
                (Err(_), true) => {}
            }
        }
        if removed {
            self.0.retain(|(_, e)| e.last_at != i64::MIN);
        }
        if !added.is_empty() {
            self.0.append(&mut added);
            // Sorted runs: the sort merges them.
            self.0.sort_by(|a, b| a.0.cmp(&b.0));
            self.0.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u32, last_at: i64) -> TargetEntry {
        TargetEntry {
            id,
            step: 60,
            last_at,
        }
    }

    #[test]
    fn lookups_inserts_and_removals_keep_it_sorted() {
        let mut index =
            TargetIndex::from_rows(vec![("b".into(), entry(1, 10)), ("a".into(), entry(0, 10))]);
        assert_eq!(index.get("a"), Some(&entry(0, 10)));
        assert_eq!(index.get("c"), None);
        index.insert("c".into(), entry(2, 20));
        index.insert("a".into(), entry(0, 30));
        index.remove("b");
        index.remove("zz");
        let names: Vec<&str> = index.keys().map(|n| &**n).collect();
        assert_eq!(names, ["a", "c"]);
        let shared: Arc<str> = "c".into();
        index.share(&shared);
        assert!(index.keys().any(|k| Arc::ptr_eq(k, &shared)));
        assert_eq!(index.get("a"), Some(&entry(0, 30)));
    }

    #[test]
    fn a_write_s_changes_are_merged_in() {
        let mut index = TargetIndex::default();
        let mut changes = HashMap::new();
        for i in (0..100u32).rev() {
            changes.insert(format!("t{i:03}").into(), entry(i, 5));
        }
        changes.insert("gone".into(), entry(999, i64::MIN));
        index.apply(changes);
        assert_eq!(index.keys().count(), 100);
        assert!(index.keys().zip(index.keys().skip(1)).all(|(a, b)| a < b));
        let mut changes = HashMap::new();
        changes.insert("t050".into(), entry(50, i64::MIN));
        changes.insert("t051".into(), entry(51, 9));
        changes.insert("a".into(), entry(100, 9));
        index.apply(changes);
        assert_eq!(index.get("t050"), None);
        assert_eq!(index.get("t051"), Some(&entry(51, 9)));
        assert_eq!(index.get("a"), Some(&entry(100, 9)));
        assert_eq!(index.keys().next().map(|n| &**n), Some("a"));
        assert_eq!(index.values().count(), 100);
    }
}
