//! No input makes the parser or the checker panic: random strings, random bytes, soups of
//! the language's own tokens, and the documents' expressions with random edits. Raise the
//! number of cases with `QUICKCHECK_TESTS`.

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use xent_core::Kind;
use xent_expr::{CheckOptions, parse};

/// Tokens of the language (and a few that are not), to build near-valid programs.
const TOKENS: &[&str] = &[
    "np.sum(",
    "np.mean(",
    "np.dot(",
    "np.matmul(",
    "np.multiply(",
    "np.log(",
    "np.log1p(",
    "np.log2(",
    "np.exp(",
    "np.squeeze(",
    "np.asscalar(",
    "np.trace(",
    "np.nansum(",
    "np.array([",
    "numpy.sum(",
    "A",
    "A2",
    "Y",
    "P",
    "Q",
    "p",
    "q",
    "m",
    "n_y",
    "k",
    "x",
    "(",
    ")",
    "[",
    "]",
    ",",
    "+",
    "-",
    "*",
    "/",
    "**",
    "@",
    ".T",
    ".item()",
    ".sum()",
    ".mean(",
    ".shape[",
    ".dot(",
    "axis=",
    "axis=-1",
    "keepdims=True",
    "0",
    "1",
    "1.",
    ".5",
    "1e-3",
    "2",
    "x =",
    "cost =",
    ";",
    "\n",
    " ",
    "print(",
    "float(",
    "import numpy as np\n",
    "#",
    "None",
    "1e400",
    "-1",
    "np.e",
    "0.0",
];

/// The documents' expressions, to mutate.
const SEEDS: &[&str] = &[
    "cost = -(1.0/m) * np.sum(Y*np.log(A) + (1-Y)*np.log(1-A))",
    "cost = -(1.0/m) * (np.dot(np.log(A), Y.T) + np.dot(np.log(1-A), (1-Y).T))",
    "logprobs = np.dot(Y, (np.log(A2)).T) + np.dot((1.0-Y),(np.log(1 - A2)).T)\ncost = (-1/m) * logprobs",
    "logprobs = np.sum(np.multiply(np.log(A2), Y) + np.multiply((1 - Y), np.log(1 - A2)))\ncost = - logprobs / m",
    "-np.sum(p * np.log(q))",
    "p = np.array([0, 1, 0])\nq = np.array([0.228, 0.619, 0.153])\nprint(-np.sum(p * np.log(q)))",
    "np.asscalar(np.squeeze(np.sum(A, axis=0, keepdims=True)).T)",
];

#[derive(Debug, Clone)]
struct Soup(String);

impl Arbitrary for Soup {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 24;
        Soup((0..n).map(|_| *g.choose(TOKENS).unwrap_or(&"A")).collect())
    }
}

#[derive(Debug, Clone)]
struct Mutated(String);

/// Edits that keep a program well-formed but change its meaning or its shapes.
const SWAPS: &[(&str, &str)] = &[
    ("np.sum(", "np.mean("),
    ("np.dot(", "np.matmul("),
    ("np.log(", "np.log1p("),
    ("np.log(", "np.exp("),
    (".T", ""),
    ("Y", "Y.T"),
    ("A", "A.T"),
    ("(1-Y)", "Y"),
    ("m", "n_y"),
    ("np.sum(", "np.squeeze("),
    ("))", "), axis=0)"),
    ("))", "), keepdims=True)"),
    ("-", "+"),
    ("*", "@"),
    ("p", "P"),
    ("q", "Q"),
    ("cost", "np.asscalar(cost)"),
];

impl Arbitrary for Mutated {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut text = g.choose(SEEDS).unwrap_or(&"A").to_string();
        for _ in 0..usize::arbitrary(g) % 4 {
            let (from, to) = *g.choose(SWAPS).unwrap_or(&("A", "A"));
            let hits: Vec<usize> = text.match_indices(from).map(|(i, _)| i).collect();
            if let Some(&i) = g.choose(&hits) {
                text.replace_range(i..i + from.len(), to);
            }
        }
        if bool::arbitrary(g) {
            return Mutated(text);
        }
        let mut s: Vec<char> = text.chars().collect();
        let edits = 1 + usize::arbitrary(g) % 4;
        for _ in 0..edits {
            let i = if s.is_empty() {
                0
            } else {
                usize::arbitrary(g) % s.len()
            };
            match u8::arbitrary(g) % 4 {
                0 if !s.is_empty() => {
                    s.remove(i);
                }
                1 => {
                    let c = *g
                        .choose(&[
                            '(', ')', '[', ']', ',', '.', '-', '*', '1', 'A', ' ', '\n', '=', 'é',
                        ])
                        .unwrap_or(&'(');
                    s.insert(i, c);
                }
                2 if i + 1 < s.len() => s.swap(i, i + 1),
                _ => {
                    let j = (i + usize::arbitrary(g) % 8).min(s.len());
                    let piece: Vec<char> = s[i..j].to_vec();
                    s.splice(i..i, piece);
                }
            }
        }
        Mutated(s.into_iter().collect())
    }
}

/// Parses, and when it parses, checks it both ways: any outcome but a panic is fine.
fn exercise(src: &str) -> TestResult {
    if let Ok(program) = parse(src) {
        for kind in [Kind::Binary, Kind::Categorical] {
            let _ = xent_expr::check(&program, &CheckOptions::new(kind));
            let _ = xent_expr::shapes(&program, kind);
        }
    } else if let Err(e) = parse(src) {
        let _ = e.render(src);
    }
    TestResult::passed()
}

#[test]
fn strings_never_panic() {
    fn prop(s: String) -> TestResult {
        exercise(&s)
    }
    QuickCheck::new().quickcheck(prop as fn(String) -> TestResult);
}

#[test]
fn bytes_never_panic() {
    fn prop(b: Vec<u8>) -> TestResult {
        exercise(&String::from_utf8_lossy(&b))
    }
    QuickCheck::new().quickcheck(prop as fn(Vec<u8>) -> TestResult);
}

#[test]
fn token_soups_never_panic() {
    fn prop(s: Soup) -> TestResult {
        exercise(&s.0)
    }
    QuickCheck::new().quickcheck(prop as fn(Soup) -> TestResult);
}

#[test]
fn mutated_documents_never_panic() {
    fn prop(s: Mutated) -> TestResult {
        exercise(&s.0)
    }
    QuickCheck::new().quickcheck(prop as fn(Mutated) -> TestResult);
}

#[test]
fn pathological_inputs() {
    for src in [
        "(".repeat(100_000),
        "-".repeat(100_000) + "A",
        "A".repeat(70_000),
        "np.array(".to_owned() + &"[".repeat(1000),
        "A**".repeat(1000) + "A",
        "\u{0}\u{7f}\u{feff}".into(),
        "np.dot(Y.T, A).item()".into(),
        "np.sum(A, axis=-9223372036854775808)".into(),
        "A.shape[99999999999]".into(),
        "1e999999 * A".into(),
    ] {
        let _ = exercise(&src);
    }
}

/// The generators reach the checker, not only the parser: a good share of mutated documents
/// and some token soups still parse, and those are checked on the whole suite.
#[test]
fn generated_programs_reach_the_checker() {
    let mut g = Gen::new(24);
    let mutated = (0..1000)
        .filter(|_| parse(&Mutated::arbitrary(&mut g).0).is_ok())
        .count();
    let soups = (0..1000)
        .filter(|_| parse(&Soup::arbitrary(&mut g).0).is_ok())
        .count();
    eprintln!("parsed: {mutated} mutated, {soups} soups of 1000");
    assert!(mutated >= 100, "{mutated}");
    assert!(soups >= 10, "{soups}");
}
