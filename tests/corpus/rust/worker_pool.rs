//! A tiny job queue with a condition variable, plus the command-line front end.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

type Job = Box<dyn FnOnce() -> Result<String, String> + Send>;

pub enum Message {
    Run(Job),
    Batch(Box<Vec<Job>>),
    Stop,
}

pub struct Pool {
    queue: Arc<(Mutex<VecDeque<Message>>, Condvar)>,
    stopped: Arc<(Mutex<bool>, Condvar)>,
    workers: Vec<thread::JoinHandle<()>>,
    hooks: Vec<Box<Box<dyn Fn(&str) + Send>>>,
}

impl Pool {
    pub fn new(size: usize) -> Pool {
        let queue = Arc::new((Mutex::new(VecDeque::new()), Condvar::new()));
        let stopped = Arc::new((Mutex::new(false), Condvar::new()));
        let mut workers = Vec::with_capacity(size);
        for id in 0..size {
            let queue = Arc::clone(&queue);
            workers.push(thread::spawn(move || worker(id, &queue)));
        }
        Pool { queue, stopped, workers, hooks: Vec::new() }
    }

    pub fn submit(&self, msg: Message) {
        let (lock, cv) = &*self.queue;
        lock.lock().unwrap().push_back(msg);
        cv.notify_one();
    }
}

fn worker(id: usize, queue: &(Mutex<VecDeque<Message>>, Condvar)) {
    let (lock, cv) = queue;
    loop {
        let mut q = lock.lock().unwrap();
        while q.is_empty() {
            q = cv.wait(q).unwrap();
        }
        match q.pop_front() {
            Some(Message::Run(job)) => {
                drop(q);
                match job() {
                    Ok(out) => println!("[{id}] {out}"),
                    Err(e) => eprintln!("[{id}] failed: {:?}", e.to_string()),
                }
            }
            Some(Message::Batch(jobs)) => {
                drop(q);
                let mut failures = Vec::new();
                for job in jobs.into_iter() {
                    if let Err(e) = job() {
                        failures.push(e);
                    }
                }
                eprintln!("[{id}] batch done, {} failures", failures.len());
            }
            Some(Message::Stop) | None => break,
        }
    }
}

pub struct Args {
    pub root: PathBuf,
    pub jobs: usize,
    pub skip: HashSet<String>,
}

pub fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut args = Args { root: PathBuf::from("."), jobs: 4, skip: HashSet::new() };
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--jobs" {
            let n = it.next().ok_or("missing value for --jobs")?;
            args.jobs = n.parse().map_err(|e| format!("bad --jobs {n}: {e}"))?;
        } else if let Some(list) = a.strip_prefix("--skip=") {
            args.skip.extend(list.split(',').map(str::to_string));
        } else if a.starts_with("-") { // expect: rust/single-char-pattern
            return Err(format!("unknown flag {a}"));
        } else {
            args.root = PathBuf::from(a);
        }
    }
    Ok(args)
}

pub fn wanted(path: &Path, args: &Args) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !args.skip.contains(name) && !path.starts_with("/proc") && !name.ends_with("~") // expect: rust/single-char-pattern
}

pub fn first_names(paths: &[PathBuf]) -> Option<PathBuf> {
    paths.iter().cloned().next()
}

pub fn group_by_ext(paths: &[PathBuf]) -> BTreeMap<String, Vec<PathBuf>> {
    let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        groups.entry(ext).or_default().push(p.clone());
    }
    groups
}

pub fn summary(groups: &BTreeMap<String, Vec<PathBuf>>) -> String {
    let mut lines = Vec::new();
    for (ext, files) in groups {
        if files.is_empty() {
            continue;
        }
        lines.push(format!("{ext}: {}", files.len()));
    }
    lines.join(", ")
}

pub fn shout(names: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for n in names { // expect: rust/push-without-capacity
        out.push(n.to_uppercase());
    }
    out
}
