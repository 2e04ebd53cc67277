//! A map bounded to its most recently used entries: what the server keeps per HTTP tool
//! selection, per multi-user user (their Jira client) and per session (its owner). Past the
//! bound, the least recently used entry goes; nothing is ever refused for lack of room.

use std::collections::{HashMap, VecDeque};

pub struct Recent<V> {
    map: HashMap<String, V>,
    /// Keys, least recently used first.
    order: VecDeque<String>,
    max: usize,
}

impl<V: Clone> Recent<V> {
    pub fn new(max: usize) -> Self {
        Recent {
            map: HashMap::new(),
            order: VecDeque::new(),
            max: max.max(1),
        }
    }

    /// The entry for `key`, now the most recently used.
    pub fn get(&mut self, key: &str) -> Option<V> {
        let v = self.map.get(key)?.clone();
        self.touch(key);
        Some(v)
    }

    /// The entry for `key`, leaving the order as it is.
    pub fn peek(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    pub fn insert(&mut self, key: String, value: V) {
        if self.map.contains_key(&key) {
            self.touch(&key);
        } else {
            while self.map.len() >= self.max {
                let Some(old) = self.order.pop_front() else { break };
                self.map.remove(&old);
            }
            self.order.push_back(key.clone());
        }
        self.map.insert(key, value);
    }

    pub fn remove(&mut self, key: &str) {
        if self.map.remove(key).is_some() {
            self.order.retain(|k| k != key);
        }
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.map.retain(|_, v| keep(v));
        let map = &self.map;
        self.order.retain(|k| map.contains_key(k));
    }

    fn touch(&mut self, key: &str) {
        if let Some(i) = self.order.iter().position(|k| k == key) {
            self.order.remove(i);
        }
        self.order.push_back(key.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn the_least_recently_used_goes_first() {
        let mut r = Recent::new(2);
        r.insert("a".into(), 1);
        r.insert("b".into(), 2);
        assert_eq!(r.get("a"), Some(1));
        r.insert("c".into(), 3);
        assert_eq!(r.peek("b"), None, "b was the least recently used");
        assert_eq!((r.get("a"), r.get("c")), (Some(1), Some(3)));
        r.insert("c".into(), 4);
        assert_eq!(r.get("c"), Some(4));
        r.retain(|v| *v != 4);
        assert_eq!(r.peek("c"), None);
        r.remove("a");
        assert_eq!(r.peek("a"), None);
        r.insert("d".into(), 5);
        r.insert("e".into(), 6);
        assert_eq!((r.peek("d"), r.peek("e")), (Some(&5), Some(&6)));
    }
}
