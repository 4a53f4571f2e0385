//! A small in-memory inventory service shared between worker threads.

use std::collections::{HashMap, LinkedList, VecDeque};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub sku: String,
    pub name: String,
    pub tags: Vec<String>,
    pub quantity: u32,
}

pub struct Inventory {
    items: RwLock<HashMap<String, Item>>,
    history: Mutex<LinkedList<String>>, // expect: rust/linkedlist
    pending: Mutex<VecDeque<String>>,
    lookups: Mutex<usize>, // expect: rust/mutex-atomic
    writes: AtomicU64,
    aliases: Box<HashMap<String, String>>, // expect: rust/box-collection
}

pub struct Snapshot {
    pub items: Rc<Box<Vec<Item>>>, // expect: rust/redundant-allocation, rust/box-collection
    pub taken_at: u64,
}

impl Inventory {
    pub fn new() -> Self {
        Inventory {
            items: RwLock::new(HashMap::new()),
            history: Mutex::new(LinkedList::new()),
            pending: Mutex::new(VecDeque::new()),
            lookups: Mutex::new(0),
            writes: AtomicU64::new(0),
            aliases: Box::new(HashMap::new()),
        }
    }

    pub fn get(&self, sku: &str) -> Option<Item> {
        *self.lookups.lock().unwrap() += 1;
        let key = self.aliases.get(sku).map(String::as_str).unwrap_or(sku);
        self.items.read().unwrap().get(key).cloned()
    }

    pub fn insert(&self, item: Item) {
        self.writes.fetch_add(1, Ordering::Relaxed);
        let mut history = self.history.lock().unwrap();
        history.push_back(format!("insert {}", item.sku));
        self.items.write().unwrap().insert(item.sku.clone(), item);
    }

    pub fn label(&self, sku: &str) -> String {
        let items = self.items.read().unwrap();
        items
            .get(sku)
            .map(|i| i.name.clone())
            .unwrap_or(format!("unknown item {sku}")) // expect: rust/or-fun-call
    }

    pub fn by_tag(&self) -> HashMap<String, Vec<String>> {
        let items = self.items.read().unwrap();
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for item in items.values() {
            for tag in &item.tags {
                out.entry(tag.clone()).or_insert_with(Vec::new).push(item.sku.clone());
            }
        }
        out
    }

    pub fn low_stock(&self, limit: u32) -> Vec<String> {
        let items = self.items.read().unwrap();
        let mut skus: Vec<String> = items
            .values()
            .filter(|i| i.quantity < limit)
            .map(|i| i.sku.clone())
            .collect();
        skus.sort();
        skus
    }

    pub fn tagged_count(&self, tag: &str) -> usize {
        let items = self.items.read().unwrap();
        items.values().cloned().filter(|i| i.tags.iter().any(|t| t == tag)).count() // expect: rust/iter-overeager-cloned
    }

    pub fn flush_pending(&self, into: &mut Vec<String>) {
        let mut pending = self.pending.lock().unwrap();
        let mut batch: Vec<String> = pending.drain(..).collect();
        into.extend(batch.drain(..)); // expect: rust/extend-with-drain
    }

    pub fn require(&self, sku: &str) -> Item {
        self.get(sku).expect(&format!("no item with sku {sku}")) // expect: rust/expect-fun-call
    }

    pub fn is_reserved(&self, sku: &str) -> bool {
        sku.eq_ignore_ascii_case("reserved") || sku == "none"
    }

    pub fn stats(&self) -> (usize, u64) {
        (*self.lookups.lock().unwrap(), self.writes.load(Ordering::Relaxed))
    }
}

pub fn snapshot(inv: &Inventory, now: u64) -> Arc<Snapshot> {
    let items: Vec<Item> = inv.items.read().unwrap().values().cloned().collect();
    Arc::new(Snapshot { items: Rc::new(Box::new(items)), taken_at: now })
}
