//! Summarise an application log: counts per level, slowest requests, a text report.

use std::collections::HashMap;
use std::fmt::Write;

use regex::Regex;

#[derive(Debug, Clone)]
pub struct Entry {
    pub level: String,
    pub target: String,
    pub millis: u64,
    pub message: String,
}

pub fn parse(lines: &[String]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for line in lines {
        let timing = Regex::new(r"took (\d+)ms").unwrap(); // expect: rust/regex-in-loop
        let mut parts = line.splitn(3, " "); // expect: rust/single-char-pattern
        let (Some(level), Some(target), Some(message)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let millis = timing
            .captures(message)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or(0);
        entries.push(Entry {
            level: level.trim_matches(|c| c == '[' || c == ']').to_string(),
            target: target.trim_end_matches(':').to_string(),
            millis,
            message: message.to_string(),
        });
    }
    entries
}

pub fn count_levels(entries: &[Entry]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for e in entries {
        *counts.entry(e.level.clone()).or_insert(0) += 1;
    }
    counts
}

pub fn errors_in(entries: &[Entry], target: &str) -> usize {
    entries
        .iter()
        .filter(|e| e.level == "ERROR".to_string()) // expect: rust/cmp-owned
        .filter(|e| e.target.to_ascii_lowercase() == target.to_ascii_lowercase()) // expect: rust/manual-ignore-case-cmp
        .collect::<Vec<_>>() // expect: rust/needless-collect
        .len()
}

pub fn slowest(entries: &[Entry], n: usize) -> Vec<Entry> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.millis));
    sorted.into_iter().take(n).cloned().collect()
}

pub fn report(entries: &[Entry]) -> String {
    let mut out = String::new();
    let counts = count_levels(entries);
    let mut levels: Vec<_> = counts.keys().collect();
    levels.sort();
    for level in levels {
        out += &format!("{level:>5}: {}\n", counts[level]); // expect: rust/format-push-string
    }
    let worst = entries.iter().cloned().max_by_key(|e| e.millis);
    if let Some(w) = worst {
        let _ = writeln!(out, "slowest: {} ({} ms)", w.target, w.millis);
        println!("slowest request: {}", w.message.to_string()); // expect: rust/to-string-in-format-args
    }
    let _ = writeln!(out, "total: {}", entries.len());
    out
}

pub fn distinct_targets(entries: &[Entry]) -> usize {
    let mut seen: Vec<&str> = entries.iter().map(|e| e.target.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

pub fn banner(title: &str) -> String {
    let line = std::iter::repeat("=").take(title.len()).collect::<String>(); // expect: rust/manual-str-repeat
    format!("{line}\n{title}\n{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_line() {
        let lines = vec!["[INFO] api: took 12ms".to_string()];
        let e = parse(&lines);
        assert_eq!(e[0].millis, 12);
        assert_eq!(e[0].target, "api");
    }
}
