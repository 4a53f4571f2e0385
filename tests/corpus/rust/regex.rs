use regex::Regex;

fn count(lines: &[&str]) -> usize {
    let outside = Regex::new(r"^\d+").unwrap();
    let mut n = 0;
    for line in lines {
        let re = Regex::new(r"^x").unwrap(); // expect: rust/regex-in-loop
        if re.is_match(line) || outside.is_match(line) {
            n += 1;
        }
        // Near-miss: a pattern built from the loop variable must be compiled each time.
        let dynamic = Regex::new(line).unwrap();
        let _ = dynamic;
    }
    n
}
