//! Parse HTTP/1.1 request heads and route them; written the way a small server would.

use std::collections::{HashMap, HashSet};
use std::path::Path;

#[derive(Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
}

#[derive(Debug)]
pub enum ParseError {
    Empty,
    BadRequestLine(String),
}

pub fn parse_head(raw: &str) -> Result<Request, ParseError> {
    let mut lines = raw.split("\r\n");
    let first = lines.next().ok_or(ParseError::Empty)?;
    let parts: Vec<&str> = first.split(" ").collect(); // expect: rust/single-char-pattern
    if parts.len() != 3 {
        return Err(ParseError::BadRequestLine(first.to_string()));
    }
    let mut req = Request {
        method: parts[0].to_string(),
        path: parts[1].to_string(),
        ..Request::default()
    };
    for line in lines {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(":") { // expect: rust/single-char-pattern
            req.headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    Ok(req)
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    pub fn is_get(&self) -> bool {
        self.method == "GET".to_string() // expect: rust/cmp-owned
    }

    pub fn keep_alive(&self) -> bool {
        match self.header("connection") {
            Some(v) => v.to_ascii_lowercase() == "keep-alive", // expect: rust/manual-ignore-case-cmp
            None => true,
        }
    }

    pub fn content_length(&self) -> usize {
        self.header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    pub fn query(&self) -> HashMap<&str, &str> {
        let mut out = HashMap::new();
        if let Some((_, q)) = self.path.split_once('?') {
            for pair in q.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                out.insert(k, v);
            }
        }
        out
    }

    pub fn accepts(&self, mime: &str) -> bool {
        let accept = self.header("accept").unwrap_or("*/*");
        accept.split(',').any(|m| m.trim().eq_ignore_ascii_case(mime) || m.trim() == "*/*")
    }
}

pub fn static_file(root: &Path, req: &Request) -> Option<String> {
    if !req.path.starts_with("/") || req.path.contains("..") { // expect: rust/single-char-pattern
        return None;
    }
    let rel = req.path.trim_start_matches('/');
    let full = root.join(rel);
    Some(full.display().to_string())
}

pub fn route(req: &Request, known: &HashSet<String>) -> String {
    let mut response = String::new();
    let segment = req.path.trim_start_matches('/').split('/').next().unwrap_or("");
    if known.contains(segment) {
        response.push_str("HTTP/1.1 200 OK\r\n");
    } else {
        response.push_str(&format!("HTTP/1.1 404 {}\r\n", "Not Found")); // expect: rust/format-push-string
    }
    let len = req.header("content-length").unwrap_or("0");
    response.push_str("content-length: ");
    response.push_str(len);
    response.push_str("\r\n\r\n");
    response
}

pub fn header_names(req: &Request) -> Vec<String> {
    let mut names = Vec::new();
    for name in req.headers.keys() { // expect: rust/push-without-capacity
        names.push(name.to_uppercase());
    }
    names.sort();
    names
}

pub fn log_line(req: &Request, status: u16) -> String {
    let agent = req.header("user-agent").map(str::to_string).unwrap_or_default();
    format!("{} {} {status} {:?}", req.method, req.path, agent)
}
