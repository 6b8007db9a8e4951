// src/sys.rs declares exactly what include/locus/locus.h declares: the same functions with the same number of
// parameters, the same struct fields in the same order, and the same constants.
use std::collections::BTreeMap;
use std::path::PathBuf;

fn read(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {}", p.display(), e))
}

// The C text without comments and preprocessor lines.
fn c_code(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        let j = rest[i..].find("*/").expect("unterminated comment") + i + 2;
        rest = &rest[j..];
    }
    out.push_str(rest);
    out.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
}

// Splits a parameter list at top-level commas (nesting in (), <> and []).
fn count_params(list: &str) -> usize {
    let list = list.trim();
    if list.is_empty() || list == "void" {
        return 0;
    }
    let (mut depth, mut n) = (0i32, 1usize);
    for c in list.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => n += 1,
            _ => {}
        }
    }
    if list.ends_with(',') {
        n -= 1;
    }
    n
}

// The text between the bracket at `open` and its partner.
fn balanced(s: &str, open: usize) -> &str {
    let (o, c) = match &s[open..open + 1] {
        "(" => ('(', ')'),
        _ => ('{', '}'),
    };
    let mut depth = 0;
    for (i, ch) in s[open..].char_indices() {
        if ch == o {
            depth += 1;
        } else if ch == c {
            depth -= 1;
            if depth == 0 {
                return &s[open + 1..open + i];
            }
        }
    }
    panic!("unbalanced");
}

fn ident_before(s: &str, end: usize) -> String {
    s[..end].trim_end().rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap().to_string()
}

fn c_functions(code: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("LOCUS_API") {
        let at = from + i;
        let paren = at + code[at..].find('(').unwrap();
        m.insert(ident_before(code, paren), count_params(balanced(code, paren)));
        from = paren + 1;
    }
    m
}

fn rust_functions(code: &str) -> BTreeMap<String, usize> {
    let block_start = code.find("extern \"C\" {").expect("no extern block") + "extern \"C\" ".len();
    let block = balanced(code, block_start);
    let mut m = BTreeMap::new();
    let mut from = 0;
    while let Some(i) = block[from..].find("pub fn ") {
        let at = from + i + "pub fn ".len();
        let paren = at + block[at..].find('(').unwrap();
        m.insert(block[at..paren].trim().to_string(), count_params(balanced(block, paren)));
        from = paren + 1;
    }
    m
}

// Field names of each `typedef struct X { ... } X;` with a body.
fn c_structs(code: &str) -> BTreeMap<String, Vec<String>> {
    let mut m = BTreeMap::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("typedef struct ") {
        let at = from + i + "typedef struct ".len();
        let name_end = at + code[at..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap();
        let after = code[name_end..].trim_start();
        from = name_end;
        if !after.starts_with('{') {
            continue;
        }
        let open = name_end + code[name_end..].find('{').unwrap();
        let fields = balanced(code, open)
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| {
                let f = f.split('[').next().unwrap();
                ident_before(f, f.len())
            })
            .collect();
        m.insert(code[at..name_end].to_string(), fields);
    }
    m
}

fn rust_structs(code: &str) -> BTreeMap<String, Vec<String>> {
    let mut m = BTreeMap::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("pub struct ") {
        let at = from + i + "pub struct ".len();
        let name_end = at + code[at..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap();
        let open = name_end + code[name_end..].find('{').unwrap();
        let fields: Vec<String> = balanced(code, open)
            .split(',')
            .filter_map(|f| f.trim().strip_prefix("pub ").map(|f| f.split(':').next().unwrap().trim().to_string()))
            .collect();
        if !fields.is_empty() {
            m.insert(code[at..name_end].to_string(), fields);
        }
        from = open;
    }
    m
}

// NAME = value inside enums, and #define LOCUS_VERSION_{MAJOR,MINOR,PATCH}.
fn c_constants(src: &str, code: &str) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for part in code.split(|c| c == ',' || c == '{' || c == '}') {
        if let Some((name, value)) = part.split_once('=') {
            let name = name.trim();
            if name.starts_with("LOCUS_") {
                m.insert(name.to_string(), value.trim().parse().unwrap());
            }
        }
    }
    for line in src.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() == 3 && w[0] == "#define" && w[1].starts_with("LOCUS_VERSION_") {
            m.insert(w[1].to_string(), w[2].parse().unwrap());
        }
    }
    m
}

fn rust_constants(code: &str) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for line in code.lines().map(str::trim).filter(|l| l.starts_with("pub const ")) {
        let name = line["pub const ".len()..].split(':').next().unwrap().trim();
        let value = line.split('=').nth(1).unwrap().trim().trim_end_matches(';');
        m.insert(name.to_string(), value.parse().unwrap());
    }
    m
}

#[test]
fn functions_match_the_header() {
    let header = c_code(&read("../../include/locus/locus.h"));
    let c = c_functions(&header);
    assert!(c.len() > 30, "parsed only {} functions from locus.h", c.len());
    assert_eq!(rust_functions(&read("src/sys.rs")), c);
}

#[test]
fn structs_match_the_header() {
    let header = c_code(&read("../../include/locus/locus.h"));
    let c = c_structs(&header);
    assert!(c.contains_key("locus_model_options") && c.len() >= 8, "parsed {:?}", c.keys());
    assert_eq!(rust_structs(&read("src/sys.rs")), c);
}

#[test]
fn constants_match_the_header() {
    let src = read("../../include/locus/locus.h");
    let c = c_constants(&src, &c_code(&src));
    assert!(c.len() >= 17, "parsed {:?}", c);
    assert_eq!(rust_constants(&read("src/sys.rs")), c);
}
