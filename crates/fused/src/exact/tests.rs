//! Exact mode: the terms' bits on every path, the exact sums against a big-float sum of the
//! same terms, merging, threads, bytes.

use std::ops::Range;

use xent_core::rng::Seeded as Rng;
use xent_core::{Problem, Targets, Unvalidated, Weights};

use super::{Compact, Partial, partial_on, terms_on};
use crate::accumulate::LANES;
use crate::binary::SUB;
use crate::checked::tests::{Encoding, Stored};
use crate::{Fused, Isa};

/// Binary inputs of `n` entries: probabilities with zeros, ones, subnormals, tiny values and
/// values near 1; hard labels (0 where a = 0, 1 where a = 1); soft labels (some, where
/// `0 < a < 1`); logits of the same signs, some huge, `−∞` where `a = 0`. With `traps`, also
/// confident wrong entries (`a = 0`, logit `−∞`, under label 1): terms `−∞`.
fn binary_data(n: usize, rng: &mut Rng, traps: bool) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut a: Vec<f64> = (0..n)
        .map(|i| {
            let a = match i % 53 {
                0 => 0.0,
                1 => 1.0,
                2 => f64::from_bits(1 + rng.below(1 << 40) as u64),
                _ => 10f64.powf(-15.0 * rng.unit()),
            };
            if rng.below(2) == 0 { a } else { 1.0 - a }
        })
        .collect();
    let mut hard: Vec<f64> = a
        .iter()
        .map(|&a| match a {
            0.0 => 0.0,
            1.0 => 1.0,
            _ => rng.below(2) as f64,
        })
        .collect();
    let mut soft: Vec<f64> = hard
        .iter()
        .zip(&a)
        .enumerate()
        .map(|(i, (&y, &a))| {
            if i % 37 == 5 && a > 0.0 && a < 1.0 {
                0.25 + 0.5 * rng.unit()
            } else {
                y
            }
        })
        .collect();
    let mut z: Vec<f64> = a
        .iter()
        .enumerate()
        .map(|(i, &a)| match (a, i % 41) {
            (0.0, _) => f64::NEG_INFINITY,
            (1.0, _) => 1e300,
            (_, 1) => (a - 0.5) * 1e300,
            _ => (a - 0.5) * 80.0 + (rng.unit() - 0.5),
        })
        .collect();
    if traps {
        for i in (50..n).step_by(101) {
            (a[i], z[i], hard[i], soft[i]) = (0.0, f64::NEG_INFINITY, 1.0, 1.0);
        }
    }
    (a, hard, soft, z)
}

/// The bits of every term of `problem` on `isa`.
fn bits(isa: Isa, problem: &Problem<'_>) -> Vec<u64> {
    terms_on(isa, problem).iter().map(|t| t.to_bits()).collect()
}

/// What a test case's targets are.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Binary,
    Classes,
    Dense,
}

/// A problem's data, column-major, from which the problems of any range of samples are built
/// (stored in the given encodings and memory order).
struct Case {
    kind: Kind,
    logits: bool,
    /// Predictions (or logits), `rows` per sample.
    pred: Vec<f64>,
    rows: usize,
    /// Labels, class indices or dense targets (`rows` per sample, 1 for class indices).
    targets: Vec<f64>,
    encoding: Encoding,
    targets_encoding: Encoding,
    row_major: bool,
}

impl Case {
    fn new(kind: Kind, logits: bool, pred: Vec<f64>, rows: usize, targets: Vec<f64>) -> Self {
        Case {
            kind,
            logits,
            pred,
            rows,
            targets,
            encoding: Encoding::F64,
            targets_encoding: if kind == Kind::Classes {
                Encoding::I64
            } else {
                Encoding::F64
            },
            row_major: false,
        }
    }

    fn samples(&self) -> usize {
        self.pred.len() / self.rows
    }

    /// `f` of the problem of samples `r`.
    fn with<R>(&self, r: Range<usize>, f: impl FnOnce(&Problem<'_>) -> R) -> R {
        let rows = self.rows;
        let t_rows = if self.kind == Kind::Classes { 1 } else { rows };
        let pred = &self.pred[r.start * rows..r.end * rows];
        let targets = &self.targets[r.start * t_rows..r.end * t_rows];
        let p = Stored::new(pred, rows, r.len(), self.encoding, self.row_major);
        let t = Stored::new(targets, t_rows, r.len(), self.targets_encoding, false);
        let unvalidated = match self.kind {
            Kind::Binary => Unvalidated::binary(p.array(), t.array(), self.logits),
            Kind::Classes => {
                Unvalidated::categorical(p.array(), Targets::Classes(t.array()), self.logits)
            }
            Kind::Dense => {
                Unvalidated::categorical(p.array(), Targets::Dense(t.array()), self.logits)
            }
        };
        let problem = unvalidated.and_then(Unvalidated::validate);
        f(&problem.unwrap_or_else(|e| panic!("{}: {e}", self.name())))
    }

    fn name(&self) -> String {
        format!(
            "{:?}, logits {}, {:?}/{:?}, row-major {}, {} rows",
            self.kind, self.logits, self.encoding, self.targets_encoding, self.row_major, self.rows
        )
    }
}

/// `data` as the `f64` widening of its `f32` values (huge values clamped into `f32`'s range).
fn through_f32(data: &[f64]) -> Vec<f64> {
    data.iter()
        .map(|&v| f64::from(v.clamp(-1e38, 1e38) as f32))
        .collect()
}

/// Every available path, for every offset in `0..=LANES` and every length up to `m − offset`,
/// gives each sample's terms the bits of the sample alone on the portable path.
fn same_bits_at_every_offset(case: &Case) {
    let m = case.samples();
    let want: Vec<Vec<u64>> = (0..m)
        .map(|j| case.with(j..j + 1, |p| bits(Isa::Portable, p)))
        .collect();
    for isa in Isa::available() {
        for offset in 0..=LANES.min(m - 1) {
            for len in 1..=m - offset {
                let got = case.with(offset..offset + len, |p| bits(isa, p));
                let expected: Vec<u64> = want[offset..offset + len].concat();
                if let Some(i) =
                    (0..got.len().max(expected.len())).find(|&i| got.get(i) != expected.get(i))
                {
                    panic!(
                        "{} on {isa}, samples {offset}..{}: term {i} is {:?}, alone on the \
                         portable path {:?}",
                        case.name(),
                        offset + len,
                        got.get(i).map(|&b| f64::from_bits(b)),
                        expected.get(i).map(|&b| f64::from_bits(b)),
                    );
                }
            }
        }
    }
}

#[test]
fn binary_terms_have_the_same_bits_on_every_path_at_every_offset_and_length() {
    let mut rng = Rng::new(31);
    let m = 2 * SUB + LANES + 3;
    let (a, hard, soft, z) = binary_data(m, &mut rng, true);
    for (pred, logits) in [(&a, false), (&z, true)] {
        for labels in [&hard, &soft] {
            for encoding in [Encoding::F64, Encoding::F32] {
                let (pred, labels) = match encoding {
                    Encoding::F32 => (through_f32(pred), through_f32(labels)),
                    _ => (pred.clone(), labels.clone()),
                };
                same_bits_at_every_offset(&Case {
                    encoding,
                    targets_encoding: encoding,
                    ..Case::new(Kind::Binary, logits, pred, 1, labels)
                });
            }
        }
    }
}

#[test]
fn binary_terms_of_several_outputs_and_row_major_views() {
    let mut rng = Rng::new(32);
    let (rows, m) = (3, 97);
    let (a, _, soft, z) = binary_data(rows * m, &mut rng, true);
    for (pred, logits) in [(a, false), (z, true)] {
        same_bits_at_every_offset(&Case {
            targets_encoding: Encoding::F32,
            row_major: true,
            ..Case::new(Kind::Binary, logits, pred, rows, through_f32(&soft))
        });
    }
}

/// Categorical data of `k` classes: distributions (some entries 0, some tiny), class indices,
/// soft targets, logits (some −∞, some huge).
fn categorical_data(k: usize, m: usize, rng: &mut Rng) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut q = Vec::with_capacity(k * m);
    let mut p = Vec::with_capacity(k * m);
    let mut z = Vec::with_capacity(k * m);
    let mut classes = Vec::with_capacity(m);
    for j in 0..m {
        let raw: Vec<f64> = (0..k)
            .map(|i| {
                if (i + j) % 7 == 3 {
                    0.0
                } else {
                    10f64.powf(-8.0 * rng.unit())
                }
            })
            .collect();
        let s: f64 = raw.iter().sum();
        let raw = if s == 0.0 {
            vec![1.0 / k as f64; k]
        } else {
            raw.iter().map(|v| v / s).collect()
        };
        // A class with a non-zero probability.
        let hot = (0..k)
            .find(|&i| raw[(i + j) % k] > 0.0)
            .map_or(0, |i| (i + j) % k);
        classes.push(hot as f64);
        let w: Vec<f64> = (0..k)
            .map(|i| {
                if raw[i] > 0.0 && rng.below(2) == 0 {
                    rng.unit()
                } else {
                    0.0
                }
            })
            .collect();
        let ws: f64 = w.iter().sum();
        p.extend((0..k).map(|i| {
            if ws == 0.0 {
                f64::from(u8::from(i == hot))
            } else {
                w[i] / ws
            }
        }));
        // −∞ where the probability is 0 (never the class, no target there); some columns
        // with logits of both signs near f64::MAX, whose differences are beyond f64.
        let huge = j % 13 == 4;
        z.extend((0..k).map(|i| match (raw[i] == 0.0 && i != hot, huge) {
            (true, _) => f64::NEG_INFINITY,
            (false, true) => 1.7e308 * (2.0 * rng.unit() - 1.0),
            (false, false) => 30.0 * (rng.unit() - 0.5),
        }));
        q.extend(raw);
    }
    (q, classes, p, z)
}

#[test]
fn categorical_terms_have_the_same_bits_on_every_path_at_every_offset_and_length() {
    let mut rng = Rng::new(33);
    for (k, m) in [(3, 2 * LANES + 70), (10, 60), (1, 40)] {
        let (q, classes, p, z) = categorical_data(k, m, &mut rng);
        for (pred, logits) in [(&q, false), (&z, true)] {
            for encoding in [Encoding::F64, Encoding::F32] {
                let pred = match encoding {
                    Encoding::F32 => through_f32(pred),
                    _ => pred.clone(),
                };
                for (kind, targets) in [(Kind::Classes, &classes), (Kind::Dense, &p)] {
                    same_bits_at_every_offset(&Case {
                        encoding,
                        row_major: encoding == Encoding::F32,
                        ..Case::new(kind, logits, pred.clone(), k, targets.clone())
                    });
                }
            }
        }
    }
}

/// Problems of every kind, large enough for several leaves and groups, without `−∞` terms.
fn suite() -> Vec<Case> {
    let mut rng = Rng::new(34);
    let mut out = Vec::new();
    let m = 70_001;
    let (a, hard, soft, z) = binary_data(m, &mut rng, false);
    for (pred, logits) in [(&a, false), (&z, true)] {
        for labels in [&hard, &soft] {
            out.push(Case::new(
                Kind::Binary,
                logits,
                pred.clone(),
                1,
                labels.clone(),
            ));
        }
    }
    let (k, m) = (5, 30_011);
    let (q, classes, p, z) = categorical_data(k, m, &mut rng);
    for (pred, logits) in [(&q, false), (&z, true)] {
        out.push(Case::new(
            Kind::Classes,
            logits,
            pred.clone(),
            k,
            classes.clone(),
        ));
        out.push(Case::new(Kind::Dense, logits, pred.clone(), k, p.clone()));
    }
    out
}

#[test]
fn the_exact_sum_is_the_correctly_rounded_sum_of_the_computed_terms() {
    for case in suite() {
        case.with(0..case.samples(), |problem| {
            let want = xent_oracle::big::sum(&terms_on(Isa::Portable, problem));
            assert!(want.is_finite() || case.logits, "{}: {want}", case.name());
            for isa in Isa::available() {
                let got = partial_on(isa, problem);
                let name = case.name();
                assert_eq!(
                    got.log_likelihood().to_bits(),
                    want.to_bits(),
                    "{name} on {isa}"
                );
                assert_eq!(got.divisor(), problem.samples() as f64, "{name}");
            }
        });
    }
}

#[test]
fn the_compensated_default_is_within_its_bound_of_the_exact_result() {
    for case in suite() {
        case.with(0..case.samples(), |problem| {
            let exact = partial_on(Isa::detect(), problem);
            let compensated = problem.evaluate(&Fused);
            let name = case.name();
            let (s, e) = (compensated.sum(), exact.log_likelihood());
            if s.is_finite() || e.is_finite() {
                let ulps = xent_core::ulp::ulp_distance(s, e);
                assert!(
                    ulps <= crate::tolerance::FUSED_MAX_ULPS,
                    "{name}: S {ulps} ulps ({s:e}, {e:e})"
                );
            }
            let (j, je) = (compensated.nats(), exact.loss().expect("samples"));
            assert!(je.is_finite(), "{name}: J = {je}");
            let ulps = xent_core::ulp::ulp_distance(j, je);
            assert!(
                ulps <= crate::tolerance::FUSED_MAX_ULPS,
                "{name}: J {ulps} ulps ({j:e}, {je:e})"
            );
            // The evaluation carries S (scaled when beyond f64) and the divisor, each rounded once.
            let evaluation = exact.evaluation(problem.samples());
            assert_eq!(evaluation.sum().to_bits(), e.to_bits(), "{name}");
            assert_eq!(evaluation.weight, problem.samples() as f64);
            let ulps = xent_core::ulp::ulp_distance(evaluation.nats(), je);
            assert!(
                ulps <= 1,
                "{name}: the evaluation's J is {ulps} ulps from J"
            );
        });
    }
}

#[test]
fn threads_and_splits_do_not_change_the_bytes() {
    for case in suite() {
        let m = case.samples();
        let name = case.name();
        let whole = case.with(0..m, |p| partial_on(Isa::detect(), p));
        let bytes = whole.to_bytes();
        assert_eq!(bytes.len(), Partial::ENCODED_LEN);
        for threads in 1..=4 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let got = pool.install(|| case.with(0..m, |p| partial_on(Isa::detect(), p)));
            assert_eq!(got.to_bytes(), bytes, "{name}, {threads} threads");
        }
        // Uneven parts, added to one partial in another order, and merged from partials made
        // on other paths.
        let cuts = [0, 1, m / 3 + 7, m];
        let part = |i: usize, isa: Isa| case.with(cuts[i]..cuts[i + 1], |p| partial_on(isa, p));
        let mut added = Partial::new();
        for i in [2, 0, 1] {
            case.with(cuts[i]..cuts[i + 1], |p| added.add(p));
        }
        assert_eq!(added.to_bytes(), bytes, "{name}, added in parts");
        let mut merged = part(1, Isa::Portable);
        merged.merge(&part(2, Isa::detect()));
        let mut first = part(0, Isa::detect());
        first.merge(&merged);
        assert_eq!(first, whole, "{name}, merged");
        assert_eq!(first.to_bytes(), bytes, "{name}, merged");
        // The compact aggregate (one thread, no large accumulator), in parts and merged.
        let mut compact = Compact::new();
        for i in [1, 2] {
            case.with(cuts[i]..cuts[i + 1], |p| compact.add(p));
        }
        let mut head = Compact::new();
        case.with(cuts[0]..cuts[1], |p| head.add_on(Isa::Portable, p));
        compact.merge(&head);
        assert_eq!(compact.to_bytes(), bytes, "{name}, compact");
        assert_eq!(compact, whole.compact(), "{name}, compact");
        assert_eq!(compact.loss(), whole.loss(), "{name}, compact");
        assert_eq!(Compact::from_bytes(&bytes), Ok(compact), "{name}, compact");
    }
}

#[test]
fn bytes_round_trip_and_bad_bytes_are_errors() {
    let case = suite().swap_remove(0);
    let p = case.with(0..case.samples(), |p| partial_on(Isa::detect(), p));
    let bytes = p.to_bytes();
    let back = Partial::from_bytes(&bytes).expect("its own encoding");
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.loss(), p.loss());
    assert_eq!(
        Partial::from_bytes(&bytes[1..]),
        Err(xent_exact::Error::WrongLength {
            found: Partial::ENCODED_LEN - 1,
            expected: Partial::ENCODED_LEN
        })
    );
    let mut bad = bytes.clone();
    bad[xent_exact::ENCODED_LEN] = 9;
    assert_eq!(
        Partial::from_bytes(&bad),
        Err(xent_exact::Error::UnknownVersion(9))
    );
    assert_eq!(
        Partial::new().loss(),
        Err(xent_exact::Error::DivisionByZero)
    );
    assert_eq!(Partial::new().log_likelihood(), 0.0);
}

#[test]
fn weighted_terms_are_the_weight_times_the_term_and_the_divisor_is_exact() {
    let mut rng = Rng::new(35);
    let m = 3_001;
    let (a, _, soft, _) = binary_data(m, &mut rng, false);
    let w: Vec<f64> = (0..m)
        .map(|j| if j % 11 == 0 { 0.0 } else { 3.0 * rng.unit() })
        .collect();
    let ones = vec![1.0; m];
    let case = Case::new(Kind::Binary, false, a, 1, soft);
    case.with(0..m, |plain| {
        let Problem::Binary(b) = *plain else {
            panic!("a binary problem")
        };
        let weights = Weights::samples(&w);
        let weighted = Problem::Binary(b.with_weights(&weights).expect("valid weights"));
        let want: Vec<u64> = terms_on(Isa::Portable, plain)
            .iter()
            .zip(&w)
            .map(|(&t, &v)| if v == 0.0 { 0.0f64 } else { v * t }.to_bits())
            .collect();
        for isa in Isa::available() {
            assert_eq!(bits(isa, &weighted), want, "{isa}");
        }
        let p = partial_on(Isa::detect(), &weighted);
        let products: Vec<f64> = want.iter().map(|&b| f64::from_bits(b)).collect();
        assert_eq!(
            p.log_likelihood().to_bits(),
            xent_oracle::big::sum(&products).to_bits()
        );
        assert_eq!(p.divisor().to_bits(), xent_oracle::big::sum(&w).to_bits());
        // Weights of 1 give the unweighted sums, the divisor m included.
        let unit = Weights::samples(&ones);
        let unit = Problem::Binary(b.with_weights(&unit).expect("valid weights"));
        assert_eq!(
            partial_on(Isa::detect(), &unit),
            partial_on(Isa::detect(), plain)
        );
    });
}

#[test]
fn the_formulation_gives_the_exact_evaluation_on_every_path_and_thread_count() {
    use crate::{FusedOn, Sum};
    use xent_core::Formulation;
    let mut rng = Rng::new(36);
    let (k, m) = (4, 9_000);
    let (q, classes, _, z) = categorical_data(k, m, &mut rng);
    let w: Vec<f64> = (0..m)
        .map(|j| if j % 7 == 0 { 0.0 } else { rng.unit() })
        .collect();
    let c = [0.5, 2.0, 1.0, 0.25];
    let mut cases = suite();
    cases.truncate(4); // the binary ones
    cases.push(Case::new(Kind::Classes, false, q, k, classes.clone()));
    cases.push(Case::new(Kind::Classes, true, z, k, classes));
    for case in cases {
        case.with(0..case.samples(), |plain| {
            let weights = Weights::samples(&w[..plain.samples().min(m)]);
            let weights = match plain {
                Problem::Categorical(_) => weights.with_class(xent_core::View::vector(&c).array()),
                Problem::Binary(_) => weights,
            };
            let weighted = match *plain {
                Problem::Binary(p) => p.with_weights(&weights).map(Problem::Binary),
                Problem::Categorical(p) => p.with_weights(&weights).map(Problem::Categorical),
            };
            let weighted = if plain.samples() == m {
                weighted.ok()
            } else {
                None
            };
            for problem in std::iter::once(*plain).chain(weighted) {
                let name = format!("{}, weighted {}", case.name(), problem.is_weighted());
                let partial = partial_on(Isa::Portable, &problem);
                let want = partial.evaluation(problem.samples());
                assert_eq!(want.weight, partial.divisor());
                for isa in Isa::available() {
                    let f = FusedOn::new(isa).expect("available").with_sum(Sum::Exact);
                    assert_eq!(f.name(), "fused-exact");
                    for threads in [1, 3] {
                        let pool = rayon::ThreadPoolBuilder::new()
                            .num_threads(threads)
                            .build()
                            .expect("a thread pool");
                        let got = pool.install(|| problem.evaluate(&f));
                        assert_eq!(
                            (
                                got.log_likelihood.to_bits(),
                                got.scale,
                                got.weight.to_bits()
                            ),
                            (
                                want.log_likelihood.to_bits(),
                                want.scale,
                                want.weight.to_bits()
                            ),
                            "{name} on {isa}, {threads} threads"
                        );
                    }
                }
                // The exact divisor is the weight total the compensated path computes, to
                // within its own rounding.
                let compensated = problem.evaluate(&Fused);
                assert!(
                    xent_core::ulp::ulp_distance(compensated.weight, want.weight) <= 1,
                    "{name}: W {} vs {}",
                    compensated.weight,
                    want.weight
                );
                let j = partial.loss().expect("a positive divisor");
                let ulps = xent_core::ulp::ulp_distance(compensated.nats(), j);
                let limit = if problem.is_weighted() {
                    // The weighted kernels' a priori bound, in ulps of J.
                    let b = crate::Fused.bound(&problem, &compensated).absolute
                        / problem.weight_total();
                    (b / (j.abs() * f64::EPSILON / 2.0)).ceil() as u64
                } else {
                    crate::tolerance::FUSED_MAX_ULPS
                };
                assert!(ulps <= limit.max(1), "{name}: J {ulps} ulps, bound {limit}");
            }
        });
    }
    assert_eq!(Fused::with_sum(Sum::Exact).sum(), Sum::Exact);
    assert_eq!(Sum::default(), Sum::Compensated);
}
