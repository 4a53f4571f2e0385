// Word statistics over the lines of a text file.
// Planted problems: a regex compiled per line, a format! appended to a String,
// a Vec collected only to be counted, a one-char string pattern and a String
// allocated just for a comparison. Their idiomatic forms sit next to them.
use std::collections::HashMap;
use std::fmt::Write;

use regex::Regex;

pub fn count_numbered(lines: &[&str]) -> usize {
    let mut n = 0;
    for line in lines {
        let re = Regex::new(r"^\d+\.").unwrap();
        if re.is_match(line) {
            n += 1;
        }
    }
    n
}

pub fn word_counts(lines: &[&str]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in lines {
        for word in line.split_whitespace() {
            *counts.entry(word.to_lowercase()).or_insert(0) += 1;
        }
    }
    counts
}

pub fn long_lines(lines: &[&str], width: usize) -> usize {
    lines.iter().filter(|l| l.len() > width).collect::<Vec<_>>().len()
}

pub fn csv_fields(line: &str) -> Vec<&str> {
    line.split(",").map(str::trim).collect()
}

pub fn is_heading(line: &str) -> bool {
    line.trim_start_matches('#') != line && line.trim() != "#".to_string()
}

pub fn summary(counts: &HashMap<String, usize>) -> String {
    let mut words: Vec<_> = counts.iter().collect();
    words.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut out = String::new();
    for (word, n) in words.iter().take(10) {
        out += &format!("{word}: {n}\n");
    }
    let _ = writeln!(out, "distinct words: {}", counts.len());
    out
}
