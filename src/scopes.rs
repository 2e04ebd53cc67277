//! Which OAuth scopes each Jira REST operation needs, and whether a grant covers them.
//!
//! The table `scopes/operations.json` is an extract of Atlassian's own OpenAPI documents
//! (`x-atlassian-oauth2-scopes`), for exactly the operations our tools call; a test checks it
//! against the full extract in `tests/fixtures/scopes-by-operation.json` so it cannot drift.
//! An operation is covered when the grant holds all of its *classic* scopes (what Atlassian
//! recommends) or all of its *granular* ones.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::LazyLock,
};

use serde::Deserialize;

/// The extract, as committed. Keys are `"METHOD /path"` exactly as in the spec.
pub const OPERATIONS_JSON: &str = include_str!("scopes/operations.json");

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct OperationScopes {
    pub classic: Vec<String>,
    pub granular: Vec<String>,
}

static TABLE: LazyLock<BTreeMap<String, OperationScopes>> =
    LazyLock::new(|| serde_json::from_str(OPERATIONS_JSON).expect("scopes/operations.json is valid"));

/// The scopes of one operation, or `None` if the table does not know it (a test forbids that
/// for every operation a tool declares).
pub fn for_operation(op: &str) -> Option<&'static OperationScopes> {
    TABLE.get(op)
}

pub fn table() -> &'static BTreeMap<String, OperationScopes> {
    &TABLE
}

/// The classic scopes needed by a set of operations (what users paste into the console). An
/// operation without classic scopes (Jira Software's) needs its granular ones, as [`missing`]
/// also says.
pub fn classic_for<S: AsRef<str>>(ops: &[S]) -> BTreeSet<String> {
    ops.iter()
        .filter_map(|op| for_operation(op.as_ref()))
        .flat_map(|s| {
            if s.classic.is_empty() { &s.granular } else { &s.classic }
                .iter()
                .cloned()
        })
        .collect()
}

/// The scopes missing from `granted` for these operations: for each operation not covered by
/// either its classic or its granular set, its classic scopes (or granular when it has none).
pub fn missing<S: AsRef<str>>(ops: &[S], granted: &[String]) -> BTreeSet<String> {
    let has = |s: &String| granted.iter().any(|g| g == s);
    let mut out = BTreeSet::new();
    for op in ops {
        let Some(scopes) = for_operation(op.as_ref()) else {
            continue;
        };
        let classic_ok = !scopes.classic.is_empty() && scopes.classic.iter().all(has);
        let granular_ok = !scopes.granular.is_empty() && scopes.granular.iter().all(has);
        if !classic_ok && !granular_ok {
            let wanted = if scopes.classic.is_empty() {
                &scopes.granular
            } else {
                &scopes.classic
            };
            out.extend(wanted.iter().filter(|s| !has(s)).cloned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_or_granular_grant_covers_an_operation() {
        let op = "GET /rest/api/3/myself";
        assert!(missing(&[op], &["read:jira-user".into()]).is_empty());
        let granular = for_operation(op).unwrap().granular.clone();
        assert!(missing(&[op], &granular).is_empty());
        assert_eq!(
            missing(&[op], &["read:jira-work".into()]),
            BTreeSet::from(["read:jira-user".to_string()])
        );
    }
}
