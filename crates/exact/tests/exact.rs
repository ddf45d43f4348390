//! The accumulators against two independent oracles: an exact big-integer sum (every `f64`
//! scaled by 2^1074) rounded by the standard library's correctly rounded decimal parser, and an
//! exact rational check that a result is the nearest `f64` (ties to even) of the exact quotient.

use num_bigint::{BigInt, BigUint, Sign};
use num_rational::BigRational;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use xent_core::rng::Seeded;
use xent_exact::{Accumulator, ENCODED_LEN, Error, LargeAccumulator};

// ---------------------------------------------------------------------------------------------
// Oracles

/// `x · 2^1074`, exactly (an integer for every finite `f64`).
fn scaled(x: f64) -> BigInt {
    assert!(x.is_finite());
    let bits = x.to_bits();
    let exp = (bits >> 52) & 0x7ff;
    let frac = bits & ((1 << 52) - 1);
    let (mant, shift) = if exp == 0 {
        (frac, 0)
    } else {
        (frac | 1 << 52, exp - 1)
    };
    let v = BigInt::from(mant) << shift;
    if bits >> 63 == 1 { -v } else { v }
}

fn pow2(k: u32) -> BigInt {
    BigInt::from(1) << k
}

/// `s · 2^-1074` correctly rounded, by printing it exactly in decimal (`s · 5^1074 / 10^1074`)
/// and letting `str::parse` round it: code that shares nothing with the crate's.
fn decimal_round(s: &BigInt) -> f64 {
    decimal_round_scaled(s, 1074)
}

/// `s · 2^-k` correctly rounded, through its exact decimal expansion.
fn decimal_round_scaled(s: &BigInt, k: u32) -> f64 {
    let digits = (s.magnitude() * BigUint::from(5u32).pow(k)).to_string();
    let padded = format!("{digits:0>width$}", width = k as usize + 1);
    let (int, frac) = padded.split_at(padded.len() - k as usize);
    let minus = if s.sign() == Sign::Minus { "-" } else { "" };
    format!("{minus}{int}.{frac}")
        .parse()
        .expect("a decimal number")
}

/// What the sum of `xs` must round to: the flags' rule, else the exact sum rounded.
fn expected_sum(xs: &[f64]) -> f64 {
    let nan = xs.iter().any(|x| x.is_nan());
    let pos = xs.contains(&f64::INFINITY);
    let neg = xs.contains(&f64::NEG_INFINITY);
    if nan || (pos && neg) {
        f64::NAN
    } else if pos {
        f64::INFINITY
    } else if neg {
        f64::NEG_INFINITY
    } else {
        decimal_round(&xs.iter().map(|&x| scaled(x)).sum())
    }
}

fn exact(x: f64) -> BigRational {
    BigRational::new(scaled(x), pow2(1074))
}

/// Whether `r` is the `f64` nearest to `q`, ties to even, overflow to `±∞` (IEEE).
fn is_nearest(q: &BigRational, r: f64) -> bool {
    let two = BigRational::from_integer(BigInt::from(2));
    let limit = BigRational::from_integer(pow2(1024));
    // Past MAX + ulp/2 (a tie, and MAX is odd) everything rounds to infinity.
    let overflow = BigRational::from_integer(pow2(1024) - pow2(970));
    if r == f64::INFINITY {
        return *q >= overflow;
    }
    if r == f64::NEG_INFINITY {
        return *q <= -overflow;
    }
    if r.is_nan() {
        return false;
    }
    let e = exact(r);
    let up = if r == f64::MAX {
        limit.clone()
    } else {
        exact(r.next_up())
    };
    let down = if r == -f64::MAX {
        -limit
    } else {
        exact(r.next_down())
    };
    let hi = (&e + &up) / &two;
    let lo = (&e + &down) / &two;
    let even = r.to_bits() & 1 == 0;
    (lo < *q && *q < hi) || ((*q == lo || *q == hi) && even)
}

/// Equal as results: both NaN, or the same bits.
fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn sum_small(xs: &[f64]) -> Accumulator {
    let mut acc = Accumulator::new();
    acc.add_slice(xs);
    acc
}

fn sum_large(xs: &[f64]) -> Accumulator {
    let mut acc = LargeAccumulator::new();
    acc.add_slice(xs);
    acc.to_accumulator()
}

/// Both accumulators round `xs` to the decimal oracle's value.
fn assert_sum(xs: &[f64], want: f64) {
    assert!(
        same(expected_sum(xs), want),
        "oracle: {:e}",
        expected_sum(xs)
    );
    for (name, acc) in [("small", sum_small(xs)), ("large", sum_large(xs))] {
        let got = acc.round();
        assert!(
            same(got, want),
            "{name}: {got:e} ({:#x}), want {want:e}",
            got.to_bits()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Unit tests

#[test]
fn ten_thousand_ones() -> Result<(), Error> {
    let ones = vec![1.0; 10_000];
    assert_sum(&ones, 10_000.0);
    assert_eq!(
        sum_small(&ones).div_round(10_000)?.to_bits(),
        1f64.to_bits()
    );
    // Past the large accumulator's 4095 terms per slot, and the small one's 1023 per carry.
    let many = vec![-0.75; 100_000];
    assert_sum(&many, -75_000.0);
    Ok(())
}

#[test]
fn no_intermediate_overflow() {
    assert_sum(&[1e308, 1e308, -1e308], 1e308);
    assert_sum(&[f64::MAX, f64::MAX, -f64::MAX], f64::MAX);
    assert_sum(&[-f64::MAX, -f64::MAX, 1.0, f64::MAX], -f64::MAX);
    // A rounded sum that overflows is infinite; MAX + ulp/2 is a tie that goes to the even 2^1024.
    let half_ulp = 2f64.powi(970);
    assert_sum(&[f64::MAX, f64::MAX], f64::INFINITY);
    assert_sum(&[-f64::MAX, -f64::MAX], f64::NEG_INFINITY);
    assert_sum(&[f64::MAX, half_ulp], f64::INFINITY);
    assert_sum(&[f64::MAX, half_ulp, -5e-324], f64::MAX);
    assert_sum(&[-f64::MAX, -half_ulp, 5e-324], -f64::MAX);
}

#[test]
fn small_terms_survive_large_ones() {
    assert_sum(&[1e100, 1.0, -1e100], 1.0);
    assert_sum(&[1e308, 5e-324, -1e308], 5e-324);
    assert_sum(
        &[0.1, 0.2, 0.3, -0.6],
        decimal_round(&(scaled(0.1) + scaled(0.2) + scaled(0.3) - scaled(0.6))),
    );
}

#[test]
fn subnormals() {
    for n in [1u64, 2, 3, 1023, 1024, 5000] {
        let tiny = vec![5e-324; n as usize];
        // n · 2^-1074 has the bits of n, subnormal or not.
        assert_sum(&tiny, f64::from_bits(n));
        let neg: Vec<f64> = tiny.iter().map(|x| -x).collect();
        assert_sum(&neg, -f64::from_bits(n));
    }
    let max_sub = f64::from_bits((1 << 52) - 1);
    assert_sum(&[max_sub, 5e-324], f64::MIN_POSITIVE);
    assert_sum(&[f64::MIN_POSITIVE, -5e-324], max_sub);
    assert_sum(
        &[f64::MIN_POSITIVE, -f64::MIN_POSITIVE / 2.0, 5e-324],
        f64::from_bits((1 << 51) + 1),
    );
}

#[test]
fn exact_cancellation_is_positive_zero() {
    for xs in [
        &[][..],
        &[0.1, 0.2, -0.1, -0.2],
        &[1e308, -1e308],
        &[-0.0, -0.0],
        &[5e-324, -5e-324, -0.0],
    ] {
        for acc in [sum_small(xs), sum_large(xs)] {
            assert_eq!(acc.round().to_bits(), 0, "{xs:?}");
            assert_eq!(acc, Accumulator::new());
            assert_eq!(acc.to_bytes(), Accumulator::new().to_bytes());
        }
    }
}

#[test]
fn ties_go_to_even() {
    let h = 2f64.powi(-53); // half an ulp of 1
    let one_up = 1f64.next_up();
    assert_sum(&[1.0, h], 1.0); // between 1 (even) and 1 + 2^-52
    assert_sum(&[one_up, h], one_up.next_up()); // between 1 + 2^-52 (odd) and 1 + 2^-51
    assert_sum(&[1.0, h, 5e-324], one_up); // just above the tie
    assert_sum(&[1.0, h, -5e-324], 1.0); // just below it
    assert_sum(&[-1.0, -h], -1.0);
    assert_sum(&[-one_up, -h], -one_up.next_up());
    // A tie built from many pieces: 2^53 + 1 in units.
    assert_sum(&[9007199254740992.0, 0.5, 0.25, 0.25], 9007199254740992.0);
    assert_sum(&[9007199254740994.0, 0.5, 0.25, 0.25], 9007199254740996.0);
}

#[test]
fn div_round_by_hand() -> Result<(), Error> {
    assert_eq!(sum_small(&[1.0; 3]).div_round(3)?, 1.0);
    assert_eq!(
        sum_small(&[1.0]).div_round(3)?.to_bits(),
        (1.0f64 / 3.0).to_bits()
    );
    // (1 + 2^-53) / 3 = (m + 1) · 2^-54 with m = floor(2^54 / 3): exactly representable, one
    // ulp above 1/3, while rounding first gives 1/3.
    let s = sum_small(&[1.0, 2f64.powi(-53)]);
    assert_eq!(s.round(), 1.0);
    assert_eq!(
        s.div_round(3)?.to_bits(),
        (1.0f64 / 3.0).next_up().to_bits()
    );
    // Halving the least subnormal is a tie: to the even 0 (signed); 3/2 of it goes to 2.
    assert_eq!(sum_small(&[5e-324]).div_round(2)?.to_bits(), 0);
    assert_eq!(
        sum_small(&[-5e-324]).div_round(2)?.to_bits(),
        (-0.0f64).to_bits()
    );
    assert_eq!(sum_small(&[5e-324; 3]).div_round(2)?, 1e-323);
    assert_eq!(sum_small(&[f64::MAX, f64::MAX]).div_round(2)?, f64::MAX);
    assert_eq!(sum_small(&[-6.0]).div_round(4)?, -1.5);
    assert_eq!(Accumulator::new().div_round(7)?.to_bits(), 0);
    assert_eq!(sum_small(&[1.0]).div_round(0), Err(Error::DivisionByZero));
    assert!(sum_small(&[f64::NAN]).div_round(5)?.is_nan());
    assert_eq!(
        sum_small(&[f64::NEG_INFINITY]).div_round(5)?,
        f64::NEG_INFINITY
    );
    let q = BigRational::new(BigInt::from(1), BigInt::from(u64::MAX));
    assert!(is_nearest(&q, sum_small(&[1.0]).div_round(u64::MAX)?));
    Ok(())
}

#[test]
fn ratio_round_by_hand() -> Result<(), Error> {
    let r = |a: &[f64], b: &[f64]| sum_small(a).ratio_round(&sum_small(b));
    assert_eq!(r(&[3.0], &[2.0])?, 1.5);
    assert_eq!(
        r(&[1.0, 2f64.powi(-53)], &[1.5, 1.5])?,
        (1.0f64 / 3.0).next_up()
    );
    assert_eq!(r(&[1e308, 1e308], &[1e-308])?, f64::INFINITY);
    assert_eq!(r(&[1.0], &[-4.0])?, -0.25);
    assert_eq!(r(&[], &[-4.0])?.to_bits(), (-0.0f64).to_bits());
    assert_eq!(r(&[], &[4.0])?.to_bits(), 0);
    assert_eq!(r(&[1.0], &[]), Err(Error::DivisionByZero));
    assert_eq!(r(&[f64::NAN], &[1e308, -1e308]), Err(Error::DivisionByZero));
    assert_eq!(r(&[f64::INFINITY], &[-2.0])?, f64::NEG_INFINITY);
    assert_eq!(r(&[-3.0], &[f64::INFINITY])?.to_bits(), (-0.0f64).to_bits());
    assert!(r(&[f64::INFINITY], &[f64::NEG_INFINITY])?.is_nan());
    assert!(r(&[1.0], &[f64::NAN])?.is_nan());
    assert!(r(&[f64::NAN], &[1.0])?.is_nan());
    Ok(())
}

#[test]
fn special_values() {
    assert_sum(&[1.0, f64::NAN], f64::NAN);
    assert_sum(&[f64::INFINITY, 1.0], f64::INFINITY);
    assert_sum(&[f64::NEG_INFINITY, f64::MAX, f64::MAX], f64::NEG_INFINITY);
    assert_sum(&[f64::INFINITY, f64::NEG_INFINITY], f64::NAN);
    assert_sum(&[f64::INFINITY, f64::INFINITY], f64::INFINITY);
    let mut a = sum_small(&[f64::INFINITY]);
    a.merge(&sum_large(&[f64::NEG_INFINITY]));
    assert!(a.round().is_nan());
    // The flags are in the bytes; the finite part too.
    assert_eq!(sum_small(&[f64::NAN]).to_bytes()[1], 1);
    assert_eq!(
        sum_small(&[f64::INFINITY, f64::NEG_INFINITY]).to_bytes()[1],
        6
    );
    assert_ne!(sum_small(&[f64::NAN, 1.0]), sum_small(&[f64::NAN]));
}

#[test]
fn from_bytes_rejects_bad_input() -> Result<(), Error> {
    let good = sum_small(&[1.5, -1e-300, 7e300]).to_bytes();
    assert_eq!(Accumulator::from_bytes(&good)?.to_bytes(), good);
    for len in [0, 1, ENCODED_LEN - 1, ENCODED_LEN + 1] {
        let mut v = good.to_vec();
        v.resize(len, 0);
        assert_eq!(
            Accumulator::from_bytes(&v),
            Err(Error::WrongLength {
                found: len,
                expected: ENCODED_LEN
            })
        );
    }
    for version in [0u8, 2, 255] {
        let mut v = good;
        v[0] = version;
        assert_eq!(
            Accumulator::from_bytes(&v),
            Err(Error::UnknownVersion(version))
        );
    }
    for flags in [8u8, 0x80, 0xff] {
        let mut v = good;
        v[1] = flags;
        assert_eq!(Accumulator::from_bytes(&v), Err(Error::InvalidFlags(flags)));
    }
    Ok(())
}

#[test]
fn equal_sums_equal_bytes() {
    let a = sum_small(&[0.5, 0.25, -1e-310, 3e300]);
    let b = sum_large(&[3e300, 0.75, -1e-310]);
    assert_eq!(a, b);
    assert_eq!(a.to_bytes(), b.to_bytes());
    assert_ne!(a, sum_small(&[3e300, 0.75]));
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Seeded: the same cases on every run; QUICKCHECK_TESTS sets how many.
fn quickcheck() -> QuickCheck {
    QuickCheck::new().rng(Gen::from_size_and_seed(100, 0x5eed_e8ac))
}

struct Rng(Seeded);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

fn sign(g: &mut Gen) -> f64 {
    if bool::arbitrary(g) { -1.0 } else { 1.0 }
}

/// One finite term, from a mixture of the awkward ones.
fn term(g: &mut Gen) -> f64 {
    let bits = u64::arbitrary(g);
    let frac = bits & ((1 << 52) - 1);
    match u8::arbitrary(g) % 10 {
        0 => sign(g) * f64::from_bits(frac), // subnormal
        1 => sign(g) * f64::from_bits((2040 + bits % 7) << 52 | frac), // near MAX
        2 => sign(g) * f64::from_bits((bits % 2047) << 52 | frac), // any exponent
        3 => f64::from(i16::arbitrary(g)),   // small integers
        4 => {
            // A power of two, 2^-1074 ..= 2^1023.
            let k = (bits % 2098) as i32 - 1074;
            sign(g)
                * if k >= -1022 {
                    2f64.powi(k)
                } else {
                    f64::from_bits(1 << (k + 1074))
                }
        }
        5 => sign(g) * (1.0 + f64::from_bits(frac) * 2f64.powi(1022)), // near ±1
        6 => sign(g) * 0.0,
        7 => sign(g) * f64::from_bits(1 + bits % 4), // the least subnormals
        _ => sign(g) * f64::from_bits((1000 + bits % 100) << 52 | frac), // ordinary sizes
    }
}

/// A multiset of terms: awkward ones, sometimes their exact negations, sometimes thousands of
/// repeats of a few (to fill the large accumulator's slots), sometimes infinities and NaNs.
#[derive(Debug, Clone)]
struct Terms(Vec<f64>);

impl Arbitrary for Terms {
    fn arbitrary(g: &mut Gen) -> Terms {
        let n = usize::arbitrary(g) % (g.size() + 1);
        let mut v: Vec<f64> = (0..n).map(|_| term(g)).collect();
        if bool::arbitrary(g) {
            let negated: Vec<f64> = v
                .iter()
                .filter(|_| bool::arbitrary(g))
                .map(|x| -x)
                .collect();
            v.extend(negated);
        }
        if u8::arbitrary(g) % 8 == 0 {
            let pool = [term(g), term(g), term(g)];
            let repeats = 2000 + usize::arbitrary(g) % 8000;
            v.extend((0..repeats).map(|_| pool[usize::arbitrary(g) % 3]));
        }
        if u8::arbitrary(g) % 10 == 0 {
            let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
            for _ in 0..1 + u8::arbitrary(g) % 2 {
                v.push(specials[usize::arbitrary(g) % 3]);
            }
        }
        Terms(v)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Terms>> {
        Box::new(self.0.shrink().map(Terms))
    }
}

#[derive(Debug, Clone)]
struct Case {
    terms: Terms,
    seed: u64,
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Case {
        Case {
            terms: Terms::arbitrary(g),
            seed: u64::arbitrary(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Case>> {
        let seed = self.seed;
        Box::new(self.terms.shrink().map(move |terms| Case { terms, seed }))
    }
}

/// Split into random parts, each summed by a random kind of accumulator, merged in a random
/// tree (sometimes through bytes): the same bytes as one shuffled pass, and the oracle's sum.
fn layout_does_not_matter(case: Case) -> TestResult {
    let xs = &case.terms.0;
    let mut rng = Rng(Seeded::new(case.seed));
    let mut shuffled = xs.clone();
    rng.shuffle(&mut shuffled);
    let one = sum_small(&shuffled);
    let large = sum_large(xs);

    let mut parts: Vec<Vec<f64>> = vec![Vec::new(); 1 + rng.below(8)];
    for &x in xs {
        let k = rng.below(parts.len());
        parts[k].push(x);
    }
    let mut accs: Vec<Accumulator> = parts
        .iter()
        .map(|p| {
            if rng.below(2) == 0 {
                sum_small(p)
            } else {
                sum_large(p)
            }
        })
        .collect();
    while accs.len() > 1 {
        let a = accs.swap_remove(rng.below(accs.len()));
        let a = if rng.below(2) == 0 {
            match Accumulator::from_bytes(&a.to_bytes()) {
                Ok(a) => a,
                Err(e) => return TestResult::error(format!("round trip: {e}")),
            }
        } else {
            a
        };
        let j = rng.below(accs.len());
        accs[j].merge(&a);
    }
    let merged = &accs[0];

    let want = expected_sum(xs);
    let bytes = one.to_bytes();
    if merged.to_bytes() != bytes || large.to_bytes() != bytes || *merged != one {
        return TestResult::error("bytes differ between layouts");
    }
    for (name, got) in [
        ("one pass", one.round()),
        ("merged", merged.round()),
        ("large", large.round()),
    ] {
        if !same(got, want) {
            return TestResult::error(format!("{name}: {got:e}, oracle {want:e}"));
        }
    }
    TestResult::passed()
}

#[test]
fn layouts_give_identical_bytes_and_the_oracle_sum() {
    quickcheck().quickcheck(layout_does_not_matter as fn(Case) -> TestResult);
}

/// `div_round` and `ratio_round` against the exact rational quotient.
fn quotients_are_nearest(num: Terms, den: Terms, divisor: u64) -> TestResult {
    let finite = |t: &Terms| {
        t.0.iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect::<Vec<_>>()
    };
    let (num, den) = (finite(&num), finite(&den));
    let n: BigInt = num.iter().map(|&x| scaled(x)).sum();
    let d: BigInt = den.iter().map(|&x| scaled(x)).sum();
    let (a, b) = (sum_small(&num), sum_large(&den));
    let divisor = divisor.max(1) >> (divisor % 64);
    let divisor = divisor.max(1);
    match a.div_round(divisor) {
        Ok(got) => {
            let q = BigRational::new(n.clone(), pow2(1074) * BigInt::from(divisor));
            if !is_nearest(&q, got) {
                return TestResult::error(format!("div_round({divisor}) = {got:e}"));
            }
        }
        Err(e) => return TestResult::error(format!("div_round: {e}")),
    }
    match a.ratio_round(&b) {
        Err(Error::DivisionByZero) if d == BigInt::from(0) => {}
        Ok(got) if d != BigInt::from(0) => {
            let q = BigRational::new(n, d);
            if !is_nearest(&q, got) {
                return TestResult::error(format!("ratio_round = {got:e}"));
            }
        }
        other => return TestResult::error(format!("ratio_round: {other:?}")),
    }
    TestResult::passed()
}

#[test]
fn quotients_are_correctly_rounded() {
    quickcheck().quickcheck(quotients_are_nearest as fn(Terms, Terms, u64) -> TestResult);
}

/// The finite value an encoding stands for, in units of 2^-1075: digit `i` weighs 2^(32 i).
fn encoded_value(bytes: &[u8]) -> BigInt {
    let top = i64::from_le_bytes(bytes[ENCODED_LEN - 8..].try_into().expect("8 bytes"));
    let mut v = BigInt::from(top);
    for digit in bytes[2..ENCODED_LEN - 8].chunks_exact(4).rev() {
        v = (v << 32) + u32::from_le_bytes(digit.try_into().expect("4 bytes"));
    }
    v
}

/// Any bytes: an error value, or a state whose encoding is those very bytes and whose
/// `round()` is the oracle's rounding of the value they spell (even states no sum reaches:
/// odd multiples of 2^-1075, values far past `f64::MAX`).
fn decoding_is_canonical(body: Vec<u8>, flags: u8, cut: bool) -> TestResult {
    let mut bytes = vec![1, flags % 8];
    bytes.extend(body.iter().cycle().take(ENCODED_LEN - 2));
    bytes.resize(ENCODED_LEN, 0);
    if cut {
        bytes.truncate(body.len() % ENCODED_LEN);
    }
    match Accumulator::from_bytes(&bytes) {
        Ok(acc) => {
            let want = match flags % 8 {
                0 => decimal_round_scaled(&encoded_value(&bytes), 1075),
                2 => f64::INFINITY,
                4 => f64::NEG_INFINITY,
                _ => f64::NAN,
            };
            TestResult::from_bool(
                !cut && acc.to_bytes()[..] == bytes[..] && same(acc.round(), want),
            )
        }
        Err(e) => TestResult::from_bool(
            cut && e
                == Error::WrongLength {
                    found: bytes.len(),
                    expected: ENCODED_LEN,
                },
        ),
    }
}

#[test]
fn any_valid_bytes_decode_canonically() {
    quickcheck().quickcheck(decoding_is_canonical as fn(Vec<u8>, u8, bool) -> TestResult);
}
