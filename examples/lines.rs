// Counting numbered lines: the pattern is compiled again for every line.
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
