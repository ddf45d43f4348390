//! The `.npy` header: magic string, version, and the Python dictionary literal numpy writes
//! (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`), parsed by hand: a small
//! subset of Python literals (strings, whole numbers, `True`/`False`/`None`, tuples, lists
//! and dictionaries, nested at most 16 deep), and every dtype descriptor numpy's
//! `np.dtype` accepts for the element types of [`Dtype`].

use xent_core::Dtype;

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The longest header accepted, in bytes (numpy refuses headers over 10 000 bytes unless
/// told otherwise; ours are about 128).
pub const MAX_HEADER: usize = 1 << 16;

/// How deeply literals may nest (a structured descriptor nests a few levels).
const MAX_DEPTH: usize = 16;

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Format version: `(1, 0)`, `(2, 0)` or `(3, 0)`.
    pub version: (u8, u8),
    /// The descriptor as written (`<f8`, `float64`, …).
    pub descr: String,
    /// The element type it names.
    pub dtype: Dtype,
    /// Whether the data is big-endian (it is byte-swapped while read).
    pub big_endian: bool,
    /// numpy's `fortran_order`.
    pub fortran_order: bool,
    /// The shape (1-D or 2-D: other ranks are refused).
    pub shape: Vec<usize>,
    /// Byte offset of the data: the length of magic, version, length field and header.
    pub data_offset: u64,
}

impl NpyHeader {
    /// Number of entries (the product of the shape; checked when the header is parsed).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of data the header promises.
    pub fn data_bytes(&self) -> u64 {
        // Checked at parse time to fit in both usize and u64.
        (self.len() * self.dtype.size()) as u64
    }
}

/// What the prelude (magic, version, header length) says, or why it is not one.
pub(crate) enum Prelude {
    /// Version and header length; the header text follows, then the data.
    Ok {
        version: (u8, u8),
        header_len: usize,
        prelude_len: usize,
    },
    /// Not a `.npy` file: the detail for [`crate::Error::NotNpy`].
    Bad(String),
    /// More bytes are needed (the prelude is 10 or 12 bytes).
    Need(usize),
}

/// Reads the prelude from the first bytes of a file (as many as are at hand).
pub(crate) fn prelude(bytes: &[u8]) -> Prelude {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Prelude::Bad(not_magic(bytes));
    }
    if bytes.len() < 8 {
        return Prelude::Need(8);
    }
    let version = (bytes[6], bytes[7]);
    let len_bytes = match version {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        (major, minor) => {
            return Prelude::Bad(format!(
                "format version {major}.{minor}: only versions 1.0, 2.0 and 3.0 exist"
            ));
        }
    };
    let prelude_len = 8 + len_bytes;
    if bytes.len() < prelude_len {
        return Prelude::Need(prelude_len);
    }
    let header_len = if len_bytes == 2 {
        usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))
    } else {
        u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize
    };
    if header_len > MAX_HEADER {
        return Prelude::Bad(format!(
            "the header is {header_len} bytes long, more than the {MAX_HEADER} accepted"
        ));
    }
    Prelude::Ok {
        version,
        header_len,
        prelude_len,
    }
}

pub(crate) fn not_magic(bytes: &[u8]) -> String {
    let what = if bytes.is_empty() {
        "the file is empty".to_owned()
    } else if bytes.iter().all(|&b| b == 0) {
        "its first bytes are zeros".to_owned()
    } else if bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        "its first bytes are text: a .csv file?".to_owned()
    } else {
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("its first bytes are {}", hex.join(" "))
    };
    format!("it does not start with the .npy magic string \"\\x93NUMPY\" ({what})")
}

/// A header that does not parse: what is wrong (the text is added by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// Not the dictionary numpy writes; the detail.
    Malformed(String),
    /// A descriptor outside the accepted ones, as written.
    Dtype(String),
    /// A shape of another rank than 1 or 2: (ndim, shape as numpy prints it).
    Rank(usize, String),
    /// A shape too large to address: (shape as numpy prints it, dtype).
    TooLarge(String, Dtype),
}

/// Parses the header text (after the prelude) of a file of `version`.
pub(crate) fn parse(
    version: (u8, u8),
    text: &[u8],
    data_offset: u64,
) -> Result<NpyHeader, HeaderError> {
    let bad = |s: String| HeaderError::Malformed(s);
    // Versions 1.0 and 2.0 are latin-1, 3.0 is UTF-8; the syntax outside strings is ASCII.
    let text: String = if version.0 == 3 {
        std::str::from_utf8(text)
            .map_err(|_| bad("a version 3.0 header must be UTF-8".to_owned()))?
            .to_owned()
    } else {
        text.iter().map(|&b| char::from(b)).collect()
    };
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
    };
    p.ws();
    let dict = p.value(0).map_err(bad)?;
    p.ws();
    if p.at != p.s.len() {
        return Err(bad(format!(
            "unexpected {} after the dictionary",
            p.describe_here()
        )));
    }
    let Lit::Dict(items) = dict.lit else {
        return Err(bad(format!("it is {}, not a dictionary", dict.lit.kind())));
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    for (key, value) in items {
        match &key.lit {
            Lit::Str(k) if k == "descr" => descr = Some(value),
            Lit::Str(k) if k == "fortran_order" => fortran = Some(value),
            Lit::Str(k) if k == "shape" => shape = Some(value),
            _ => {
                return Err(bad(format!(
                    "unexpected key {}: the keys are 'descr', 'fortran_order' and 'shape'",
                    key.src
                )));
            }
        }
    }
    let missing = |k: &str| bad(format!("the key '{k}' is missing"));
    let descr = descr.ok_or_else(|| missing("descr"))?;
    let fortran = fortran.ok_or_else(|| missing("fortran_order"))?;
    let shape = shape.ok_or_else(|| missing("shape"))?;

    let Lit::Bool(fortran_order) = fortran.lit else {
        return Err(bad(format!(
            "'fortran_order' is {}, not True or False",
            fortran.src
        )));
    };
    let Lit::Tuple(dims) = shape.lit else {
        return Err(bad(format!(
            "'shape' is {}, not a tuple such as (3,) or (2, 3)",
            shape.src
        )));
    };
    let mut ints = Vec::with_capacity(dims.len());
    let mut overflow = false;
    for d in &dims {
        match d.lit {
            Lit::Int(n) if n >= 0 => match usize::try_from(n) {
                Ok(n) => ints.push(n),
                Err(_) => {
                    overflow = true;
                    ints.push(usize::MAX);
                }
            },
            _ => {
                return Err(bad(format!(
                    "'shape' holds {}: its entries must be whole numbers from 0",
                    d.src
                )));
            }
        }
    }
    let shape_text = if overflow {
        shape.src.clone()
    } else {
        crate::error::numpy_shape(&ints)
    };
    // The descriptor first (a complex file is refused as such whatever its shape), then the
    // rank, then the size.
    let (dtype, big_endian, descr_text) = match &descr.lit {
        Lit::Str(s) => match parse_descr(s) {
            Some((d, big)) => (d, big, s.clone()),
            None => return Err(HeaderError::Dtype(descr.src.clone())),
        },
        _ => return Err(HeaderError::Dtype(descr.src.clone())),
    };
    if ints.len() != 1 && ints.len() != 2 {
        return Err(HeaderError::Rank(ints.len(), shape_text));
    }
    let bytes = ints
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .filter(|&b| isize::try_from(b).is_ok() && u64::try_from(b).is_ok());
    if overflow || bytes.is_none() {
        return Err(HeaderError::TooLarge(shape_text, dtype));
    }
    Ok(NpyHeader {
        version,
        descr: descr_text,
        dtype,
        big_endian,
        fortran_order,
        shape: ints,
        data_offset,
    })
}

/// The element type and byte order (`true`: big-endian) of a dtype descriptor, by numpy's
/// rules (`np.dtype(descr)`): an optional byte order (`<` little, `>` big, `=` and `|`
/// native) followed by a type character (`d`) or a kind and a size in bytes (`f8`); or,
/// without a byte order, a name (`float64`). `None` for any other descriptor and for the
/// dtypes [`Dtype`] does not hold (`<c16`, `<f2`, `<U5`, `O`, …).
pub fn parse_descr(descr: &str) -> Option<(Dtype, bool)> {
    let native_big = cfg!(target_endian = "big");
    if let Some(d) = by_name(descr) {
        return Some((d, native_big));
    }
    let (big, rest) = match descr.as_bytes().first()? {
        b'<' => (false, &descr[1..]),
        b'>' => (true, &descr[1..]),
        b'=' | b'|' => (native_big, &descr[1..]),
        _ => (native_big, descr),
    };
    let dtype = if rest.len() == 1 {
        by_char(rest.as_bytes()[0])?
    } else {
        let (kind, size) = rest.split_at_checked(1)?;
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let size: usize = size.parse().ok()?;
        match (kind, size) {
            ("f", 4) => Dtype::F32,
            ("f", 8) => Dtype::F64,
            ("b", 1) => Dtype::Bool,
            ("i", n) => signed(n)?,
            ("u", n) => unsigned(n)?,
            _ => return None,
        }
    };
    Some((dtype, big))
}

fn signed(size: usize) -> Option<Dtype> {
    Some(match size {
        1 => Dtype::I8,
        2 => Dtype::I16,
        4 => Dtype::I32,
        8 => Dtype::I64,
        _ => return None,
    })
}

fn unsigned(size: usize) -> Option<Dtype> {
    Some(match size {
        1 => Dtype::U8,
        2 => Dtype::U16,
        4 => Dtype::U32,
        8 => Dtype::U64,
        _ => return None,
    })
}

/// numpy's one-character type codes (C types at this machine's sizes).
fn by_char(c: u8) -> Option<Dtype> {
    let long = size_of::<std::ffi::c_long>();
    let ptr = size_of::<usize>();
    Some(match c {
        b'?' => Dtype::Bool,
        b'b' => Dtype::I8,
        b'B' => Dtype::U8,
        b'h' => Dtype::I16,
        b'H' => Dtype::U16,
        b'i' => Dtype::I32,
        b'I' => Dtype::U32,
        b'l' => signed(long)?,
        b'L' => unsigned(long)?,
        b'q' => Dtype::I64,
        b'Q' => Dtype::U64,
        b'p' => signed(ptr)?,
        b'P' => unsigned(ptr)?,
        b'f' => Dtype::F32,
        b'd' => Dtype::F64,
        _ => return None,
    })
}

/// numpy's type names (`np.sctypeDict` and Python's builtin names), which take no byte
/// order.
fn by_name(name: &str) -> Option<Dtype> {
    let long = size_of::<std::ffi::c_long>();
    let ptr = size_of::<usize>();
    Some(match name {
        "bool" | "bool_" => Dtype::Bool,
        "float32" | "single" => Dtype::F32,
        "float64" | "double" | "float" => Dtype::F64,
        "int8" | "byte" => Dtype::I8,
        "int16" | "short" => Dtype::I16,
        "int32" | "intc" => Dtype::I32,
        "int64" | "longlong" => Dtype::I64,
        "uint8" | "ubyte" => Dtype::U8,
        "uint16" | "ushort" => Dtype::U16,
        "uint32" | "uintc" => Dtype::U32,
        "uint64" | "ulonglong" => Dtype::U64,
        "long" => signed(long)?,
        "ulong" => unsigned(long)?,
        "int" | "int_" | "intp" => signed(ptr)?,
        "uint" | "uintp" => unsigned(ptr)?,
        _ => return None,
    })
}

/// A Python literal and the text it was read from.
#[derive(Debug, Clone, PartialEq)]
struct Value {
    lit: Lit,
    src: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
}

impl Lit {
    fn kind(&self) -> &'static str {
        match self {
            Lit::Str(_) => "a string",
            Lit::Int(_) => "a number",
            Lit::Bool(_) => "a bool",
            Lit::None => "None",
            Lit::Tuple(_) => "a tuple",
            Lit::List(_) => "a list",
            Lit::Dict(_) => "a dictionary",
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') = self.s.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn describe_here(&self) -> String {
        match self.s.get(self.at..) {
            Some([]) | None => "end of header".to_owned(),
            Some(rest) => {
                let text = String::from_utf8_lossy(&rest[..rest.len().min(20)]);
                format!("text {text:?} at character {}", self.at)
            }
        }
    }

    fn expected(&self, what: &str) -> String {
        format!("expected {what}, found {}", self.describe_here())
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!("literals nested more than {MAX_DEPTH} deep"));
        }
        let start = self.at;
        let lit = match self.peek() {
            Some(b'{') => self.dict(depth)?,
            Some(b'(') => self.seq(b')', depth)?,
            Some(b'[') => self.seq(b']', depth)?,
            Some(b'\'' | b'"') => Lit::Str(self.string()?),
            Some(b'u' | b'b') if matches!(self.s.get(self.at + 1), Some(b'\'' | b'"')) => {
                self.at += 1;
                Lit::Str(self.string()?)
            }
            Some(b'-' | b'0'..=b'9') => self.int()?,
            Some(c) if c.is_ascii_alphabetic() => {
                let end = self.s[self.at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric() && *b != b'_')
                    .map_or(self.s.len(), |k| self.at + k);
                let lit = match &self.s[self.at..end] {
                    b"True" => Lit::Bool(true),
                    b"False" => Lit::Bool(false),
                    b"None" => Lit::None,
                    _ => return Err(self.expected("a Python literal")),
                };
                self.at = end;
                lit
            }
            _ => return Err(self.expected("a Python literal")),
        };
        let src = String::from_utf8_lossy(&self.s[start..self.at]).into_owned();
        Ok(Value { lit, src })
    }

    fn dict(&mut self, depth: usize) -> Result<Lit, String> {
        self.at += 1; // '{'
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Lit::Dict(items));
            }
            let key = self.value(depth + 1)?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.expected("':' after a key"));
            }
            self.at += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            // Python keeps the last of repeated keys.
            items.retain(|(k, _): &(Value, Value)| k.lit != key.lit);
            items.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(self.expected("',' or '}'")),
            }
        }
    }

    fn seq(&mut self, close: u8, depth: usize) -> Result<Lit, String> {
        self.at += 1; // '(' or '['
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.at += 1;
                break;
            }
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    comma = true;
                }
                Some(c) if c == close => {}
                _ => return Err(self.expected(&format!("',' or '{}'", char::from(close)))),
            }
        }
        Ok(match (close, items.len(), comma) {
            // `(3)` is the number 3, not a tuple.
            (b')', 1, false) => items.pop().map_or(Lit::None, |v| v.lit),
            (b')', ..) => Lit::Tuple(items),
            _ => Lit::List(items),
        })
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = self.s[self.at];
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err("a string is not closed".to_owned()),
                Some(b'\\') => {
                    let c = self.s.get(self.at + 1).copied();
                    match c {
                        Some(c @ (b'\\' | b'\'' | b'"')) => out.push(c),
                        _ => return Err("a string holds an escape sequence".to_owned()),
                    }
                    self.at += 2;
                }
                Some(c) if c == quote => {
                    self.at += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn int(&mut self) -> Result<Lit, String> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let digits = self.at;
        while let Some(b'0'..=b'9' | b'_') = self.peek() {
            self.at += 1;
        }
        let text: String = String::from_utf8_lossy(&self.s[digits..self.at]).replace('_', "");
        if text.is_empty() {
            return Err(self.expected("a digit"));
        }
        // Python 2 wrote long integers with an `L` (numpy still reads such headers).
        if self.peek() == Some(b'L') {
            self.at += 1;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E' | b'j' | b'x' | b'o')) {
            return Err(format!(
                "{} is not a whole number",
                String::from_utf8_lossy(&self.s[start..(self.at + 1).min(self.s.len())])
            ));
        }
        // Beyond i128 is beyond any shape anyway: saturate, and the size check refuses it.
        let n = text.parse::<i128>().unwrap_or(i128::MAX);
        Ok(Lit::Int(if self.s[start] == b'-' { -n } else { n }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Result<NpyHeader, HeaderError> {
        parse((1, 0), text.as_bytes(), 128)
    }

    #[test]
    fn numpys_header_parses() {
        let h = header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }  \n")
            .expect("numpy's header");
        assert_eq!(
            (h.dtype, h.big_endian, h.fortran_order, h.shape.clone()),
            (Dtype::F64, false, false, vec![3, 4])
        );
        assert_eq!(h.data_bytes(), 96);
        let h =
            header("{\"shape\":(7,),\"fortran_order\":True,\"descr\":\">i2\"}").expect("any order");
        assert_eq!(
            (h.dtype, h.big_endian, h.shape),
            (Dtype::I16, true, vec![7])
        );
        let h = header("{'descr': '|b1', 'fortran_order': False, 'shape': (2L, 3L), }")
            .expect("python 2 longs");
        assert_eq!((h.dtype, h.shape), (Dtype::Bool, vec![2, 3]));
    }

    #[test]
    fn every_spelling_numpy_accepts() {
        let le = false;
        for (d, want) in [
            ("<f8", Dtype::F64),
            ("f8", Dtype::F64),
            ("=f8", Dtype::F64),
            ("|f8", Dtype::F64),
            ("float64", Dtype::F64),
            ("double", Dtype::F64),
            ("float", Dtype::F64),
            ("d", Dtype::F64),
            ("<d", Dtype::F64),
            ("<f4", Dtype::F32),
            ("float32", Dtype::F32),
            ("f", Dtype::F32),
            ("|b1", Dtype::Bool),
            ("b1", Dtype::Bool),
            ("?", Dtype::Bool),
            ("bool", Dtype::Bool),
            ("<i8", Dtype::I64),
            ("int64", Dtype::I64),
            ("i8", Dtype::I64),
            ("l", Dtype::I64),
            ("q", Dtype::I64),
            ("int", Dtype::I64),
            ("|i1", Dtype::I8),
            ("b", Dtype::I8),
            ("i2", Dtype::I16),
            ("i", Dtype::I32),
            ("u1", Dtype::U8),
            ("|u1", Dtype::U8),
            ("uint8", Dtype::U8),
            ("B", Dtype::U8),
            ("<u2", Dtype::U16),
            ("I", Dtype::U32),
            ("<u8", Dtype::U64),
            ("Q", Dtype::U64),
        ] {
            assert_eq!(parse_descr(d), Some((want, le)), "{d}");
        }
        assert_eq!(parse_descr(">f8"), Some((Dtype::F64, true)));
        assert_eq!(parse_descr(">u1"), Some((Dtype::U8, true)));
        for d in [
            "", "<", "<c16", "<f2", "f16", "<U5", "O", "|S3", "<float64", "f08x", "i3", "b2",
            "<M8[ns]", "f+8", "F8", "ff", "V8",
        ] {
            assert_eq!(parse_descr(d), None, "{d}");
        }
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        let m = |t: &str| match header(t) {
            Err(HeaderError::Malformed(s)) => s,
            other => panic!("{t}: {other:?}"),
        };
        assert!(m("{'descr': '<f8', 'fortran_order': False}").contains("'shape' is missing"));
        assert!(m("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}").contains("not True"));
        assert!(
            m("{'descr': '<f8', 'fortran_order': False, 'shape': (3)}").contains("not a tuple")
        );
        assert!(m("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}").contains("from 0"));
        assert!(m("{'descr': '<f8', 'fortran_order': False, 'shape': (1.5,)}").contains("whole"));
        assert!(
            m("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}").contains("'x'")
        );
        assert!(m("{'descr': '<f8' 'fortran_order'").contains("expected"));
        assert!(m("[1, 2]").contains("not a dictionary"));
        assert!(m("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x").contains("after"));
        assert!(m(&"[".repeat(100)).contains("nested"));
        assert_eq!(
            header("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}"),
            Err(HeaderError::Dtype("[('a', '<f8')]".to_owned()))
        );
        assert_eq!(
            header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2)}"),
            Err(HeaderError::Rank(3, "(2, 2, 2)".to_owned()))
        );
        assert_eq!(
            header("{'descr': '<f8', 'fortran_order': False, 'shape': ()}"),
            Err(HeaderError::Rank(0, "()".to_owned()))
        );
        assert!(matches!(
            header("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}"),
            Err(HeaderError::TooLarge(..))
        ));
        assert!(matches!(
            header(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999999999999999999999999,)}"
            ),
            Err(HeaderError::TooLarge(..))
        ));
    }
}
