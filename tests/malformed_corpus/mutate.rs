//! The malformed variants: recipes (a shipped file, a kind of damage, a number) that each
//! build one file's bytes, deterministically. Recipes are cheap and built when run, so the
//! resource bombs (up to 27 MB each) are never all in memory at once.

/// A deterministic generator (SplitMix64): the same recipe, the same bytes, on any machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The kinds of damage, each with how many variants it makes of every shipped file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Truncate,
    WrongType,
    Absurd,
    HugeSize,
    UnknownStep,
    Duplicate,
    BadUtf8,
    HostilePath,
    Mixed,
    /// One of [`BOMBS`], not per file.
    Bomb,
}

pub const PER_FILE: [(Kind, usize); 9] = [
    (Kind::Truncate, 18),
    (Kind::WrongType, 18),
    (Kind::Absurd, 14),
    (Kind::HugeSize, 10),
    (Kind::UnknownStep, 8),
    (Kind::Duplicate, 8),
    (Kind::BadUtf8, 10),
    (Kind::HostilePath, 12),
    (Kind::Mixed, 12),
];

/// One variant to build: damage `kind` number `n` done to shipped file `file`.
#[derive(Clone, Copy, Debug)]
pub struct Recipe {
    pub file: usize,
    pub kind: Kind,
    pub n: usize,
}

impl Recipe {
    /// A file name that says what was done, for the saved copy of a failing variant.
    pub fn name(&self, stems: &[String]) -> String {
        format!("{}.{:?}.{}", stems[self.file], self.kind, self.n).to_lowercase()
    }
}

/// Every recipe: [`PER_FILE`] of each of `files` shipped files, then every bomb.
pub fn recipes(files: usize) -> Vec<Recipe> {
    let mut out = Vec::new();
    for file in 0..files {
        for (kind, count) in PER_FILE {
            out.extend((0..count).map(|n| Recipe { file, kind, n }));
        }
    }
    out.extend((0..BOMBS.len()).map(|n| Recipe {
        file: n % files,
        kind: Kind::Bomb,
        n,
    }));
    out
}

/// The bytes of `recipe`, made from the text of its shipped file.
pub fn build(recipe: &Recipe, shipped: &str) -> Vec<u8> {
    // Each recipe its own stream: adding a kind does not change the others' bytes.
    let seed = (recipe.file as u64) << 40 ^ (recipe.kind as u64) << 32 ^ recipe.n as u64;
    let rng = &mut Rng::new(seed);
    let bytes = match recipe.kind {
        Kind::Bomb => bomb(recipe.n, shipped),
        Kind::Mixed => {
            // Two or three text damages, then maybe bad bytes: the parser meets errors
            // behind errors, and damage to a file already damaged.
            let mut text = shipped.to_string();
            for _ in 0..2 + rng.below(2) {
                let kind = *rng.pick(&[
                    Kind::Truncate,
                    Kind::WrongType,
                    Kind::Absurd,
                    Kind::HugeSize,
                    Kind::UnknownStep,
                    Kind::Duplicate,
                    Kind::HostilePath,
                ]);
                text = String::from_utf8_lossy(&damage(kind, &text, rng)).into_owned();
            }
            match rng.below(3) {
                0 => damage(Kind::BadUtf8, &text, rng),
                _ => text.into_bytes(),
            }
        }
        kind => damage(kind, shipped, rng),
    };
    // A value replaced by itself (`seed = 0` by `0`) is no damage: add a step without keys.
    match bytes == shipped.as_bytes() {
        true => format!("{shipped}\n[[step]]\n").into_bytes(),
        false => bytes,
    }
}

fn damage(kind: Kind, text: &str, rng: &mut Rng) -> Vec<u8> {
    match kind {
        Kind::Truncate => truncate(text, rng),
        Kind::WrongType => replace_value(text, rng, |_, rng| rng.pick(WRONG_TYPES).to_string()),
        Kind::Absurd => replace_value(text, rng, |_, rng| rng.pick(ABSURD).to_string()),
        Kind::HugeSize => huge(text, rng),
        Kind::UnknownStep => unknown_step(text, rng),
        Kind::Duplicate => duplicate(text, rng),
        Kind::BadUtf8 => bad_utf8(text, rng),
        Kind::HostilePath => hostile(text, rng),
        Kind::Mixed | Kind::Bomb => unreachable!("not a single damage"),
    }
}

/// Values of the wrong TOML type for (nearly) any key.
const WRONG_TYPES: &[&str] = &[
    "true",
    "false",
    "42",
    "-7",
    "3.14",
    "\"text\"",
    "\"\"",
    "[]",
    "[1, \"a\", true]",
    "{}",
    "{ x = 1 }",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "1979-05-27",
    "[[1], [[2]]]",
    "\"5 sec\"",
    "'single'",
    "\"\"\"multi\nline\"\"\"",
    "0x10",
    "0o7",
    "0b1",
    "+inf",
    "\"\\u0000\"",
    "",
];

/// Numbers and unit strings at and past every bound the format has.
const ABSURD: &[&str] = &[
    "18446744073709551616",
    "18446744073709551615",
    "9223372036854775807",
    "-9223372036854775808",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "1e309",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "4294967296",
    "\"18446744073709551616s\"",
    "\"18446744073709551615ms\"",
    "\"1e308s\"",
    "\"-1s\"",
    "\"-0s\"",
    "\"NaNs\"",
    "\"infs\"",
    "\"99999999999999999999d\"",
    "\"3651d\"",
    "\"3650d\"",
    "\"0s\"",
    "\"0ns\"",
    "\"18446744073709551615B\"",
    "\"16EiB\"",
    "\"17179869184GiB\"",
    "\"0B/s\"",
    "\"1TiB/s\"",
    "\"18446744073709551615B/s\"",
    "\"0.000001KiB\"",
    "\"1.5e300MiB\"",
    "\"1TiB\"",
];

/// Paths no scenario may reach, or that are not files: relative ones resolve from the
/// variant's folder, which holds `folder` (a directory), `pipe` (a FIFO) and `link` (a
/// symbolic link to /etc/passwd), see `layout` in the test.
pub const HOSTILE: &[&str] = &[
    "/etc/shadow",
    "/etc/passwd",
    "../../../../../../../../etc/passwd",
    "../../..",
    "/proc/self/mem",
    "/proc/self/environ",
    "/dev/zero",
    "/dev/urandom",
    "/dev/null",
    "/",
    ".",
    "..",
    "folder",
    "pipe",
    "link",
    "fixtures",
    "fixtures/../../../etc/passwd",
    "",
    "a\u{0}b",
    "C:\\Windows\\win.ini",
    "//server/share",
    "~/secret",
    "Documents/../../../../escape",
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "/uploads/../../etc/passwd",
];

/// A TOML basic string holding `s`, every character that needs it escaped.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The byte ranges of the values of `key = value` lines (a whole line's remainder after
/// the `=`), with their keys.
fn values(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let trimmed = body.trim_start();
        if !trimmed.starts_with('#') && !trimmed.starts_with('[') {
            if let Some(eq) = body.find('=') {
                let key = body[..eq].trim().to_string();
                out.push((key, start + eq + 1..start + body.len()));
            }
        }
        start += line.len();
    }
    out
}

/// `text` with the value at `range` replaced by ` value`.
fn splice(text: &str, range: std::ops::Range<usize>, value: &str) -> Vec<u8> {
    format!("{} {value}{}", &text[..range.start], &text[range.end..]).into_bytes()
}

/// Replaces the value of a random `key = value` line with `make(key)`.
fn replace_value(text: &str, rng: &mut Rng, make: impl Fn(&str, &mut Rng) -> String) -> Vec<u8> {
    let values = values(text);
    if values.is_empty() {
        return format!("{}\n", make("", rng)).into_bytes();
    }
    let (key, range) = rng.pick(&values).clone();
    let value = make(&key, rng);
    splice(text, range, &value)
}

fn truncate(text: &str, rng: &mut Rng) -> Vec<u8> {
    let bytes = text.as_bytes();
    // Half at any byte (inside a key, a string, a multi-byte character), half at the end of
    // a line (a file that stops after a header, or after a table's first key).
    let ends: Vec<usize> = (bytes.iter().enumerate())
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .filter(|end| *end < bytes.len())
        .collect();
    let cut = match rng.below(2) {
        0 if !ends.is_empty() => *rng.pick(&ends),
        _ => rng.below(bytes.len().max(1)),
    };
    bytes[..cut].to_vec()
}

/// Sizes, counts and times at or past their bounds where the file has them, else a
/// fixture of a TiB downloaded at the end of the timeline.
fn huge(text: &str, rng: &mut Rng) -> Vec<u8> {
    let choices: &[(&str, &[&str])] = &[
        (
            "size",
            &[
                "\"1TiB\"",
                "1099511627776",
                "1099511627777",
                "\"64MiB\"",
                "\"65MiB\"",
                "\"4TiB\"",
            ],
        ),
        (
            "max_events",
            &["20000000", "20000001", "18446744073709551615", "1"],
        ),
        ("horizon", &["\"3650d\"", "\"3651d\"", "\"1ns\""]),
        ("bandwidth", &["\"1TiB/s\"", "\"1B/s\"", "\"0B/s\""]),
        ("latency", &["\"0s\"", "\"3650d\""]),
        ("at", &["\"3650d\"", "\"3649d\"", "\"0ns\""]),
        ("seed", &["18446744073709551615", "0"]),
        ("status", &["0", "99", "1000", "65536"]),
    ];
    let values = values(text);
    let present: Vec<_> = (values.iter())
        .filter_map(|(key, range)| {
            let (_, new) = choices.iter().find(|(k, _)| k == key)?;
            Some((range.clone(), *new))
        })
        .collect();
    if present.is_empty() || rng.below(4) == 0 {
        // 16 MiB: the most a gzip fixture may be; 17 MiB: one past it.
        let size = rng.pick(&["\"1TiB\"", "\"1023GiB\"", "\"16MiB\"", "\"17MiB\""]);
        // Encoding 16 MiB takes a second or two: once is enough (a bomb), not in every
        // tenth variant of this kind.
        let gzip = match *size {
            "\"16MiB\"" => "",
            _ => rng.pick(&["", "gzip = true\n"]),
        };
        return format!(
            "{text}\n[[fixture]]\npath = \"/huge\"\nsize = {size}\nseed = 3\n{gzip}\
             [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
             [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/huge\"\nto = \"Documents/huge\"\n"
        )
        .into_bytes();
    }
    let (range, new) = rng.pick(&present).clone();
    splice(text, range, rng.pick::<&str>(new))
}

fn unknown_step(text: &str, rng: &mut Rng) -> Vec<u8> {
    const NAMES: &[&str] = &[
        "\"jump\"",
        "\"\"",
        "\"LAUNCH\"",
        "\"launch \"",
        "\"download\\u0000\"",
        "\"system_kill\"",
        "5",
        "true",
        "[\"launch\"]",
        "{}",
        "\"é\"",
        "\"launch\\\"\"",
    ];
    let dos: Vec<_> = (values(text).into_iter())
        .filter(|(key, _)| key == "do")
        .collect();
    match rng.below(4) {
        0 | 1 if !dos.is_empty() => {
            let (_, range) = rng.pick(&dos).clone();
            splice(text, range, rng.pick::<&str>(NAMES))
        }
        2 => {
            let extra = rng.pick(&[
                "colour = \"red\"",
                "url = 5",
                "to = []",
                "at = \"1s\"",
                "session = {}",
            ]);
            format!("{text}\n[[step]]\nat = \"1s\"\ndo = \"launch\"\n{extra}\n").into_bytes()
        }
        _ => {
            let long = "x".repeat(10_000);
            let step = *rng.pick(&[
                "[[step]]\nat = \"1s\"\ndo = \"teleport\"\n",
                "[[step]]\ndo = \"launch\"\n",
                "[[step]]\nat = \"1s\"\n",
                "[[step]]\n",
                "[step]\nat = \"1s\"\ndo = \"launch\"\n",
                "[[step.do]]\n",
                long.as_str(),
            ]);
            format!("{text}\n{step}\n").into_bytes()
        }
    }
}

fn duplicate(text: &str, rng: &mut Rng) -> Vec<u8> {
    let values = values(text);
    let tables: Vec<&str> = (text.lines())
        .filter(|l| l.starts_with('[') && !l.starts_with("[["))
        .collect();
    match rng.below(5) {
        // The same key twice in a row.
        0 | 1 if !values.is_empty() => {
            let (_, range) = rng.pick(&values);
            let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
            let line = &text[line_start..range.end];
            format!("{}\n{line}{}", &text[..range.end], &text[range.end..]).into_bytes()
        }
        // A table opened a second time.
        2 if !tables.is_empty() => {
            let header = rng.pick(&tables);
            format!("{text}\n{header}\n").into_bytes()
        }
        // The whole file twice: every top-level key lands in the last table.
        3 => format!("{text}\n{text}").into_bytes(),
        // A key defined both as a value and as a table, or an array of tables as a table.
        _ => {
            let clash = rng.pick(&[
                "[name]\n",
                "[fixture]\n",
                "[[expect]]\n",
                "[app.command]\n",
                "[network]\nup = true\n[network]\nup = false\n",
                "[step]\n",
            ]);
            format!("{text}\n{clash}").into_bytes()
        }
    }
}

fn bad_utf8(text: &str, rng: &mut Rng) -> Vec<u8> {
    const BAD: &[&[u8]] = &[
        &[0xff],
        &[0xfe],
        &[0x80],
        &[0xc3],
        &[0xc0, 0xaf],
        &[0xed, 0xa0, 0x80],
        &[0xf4, 0x90, 0x80, 0x80],
        &[0xf8, 0x88, 0x80, 0x80, 0x80],
        &[0xe2, 0x82],
        &[0xef, 0xbb, 0xbf, 0xff],
    ];
    let mut bytes = text.as_bytes().to_vec();
    // Half anywhere, half inside a value (a string, where a lenient reader would pass it).
    let at = match (rng.below(2), values(text)) {
        (0, values) if !values.is_empty() => {
            let (_, range) = rng.pick(&values).clone();
            range.start + rng.below(range.len().max(1))
        }
        _ => rng.below(bytes.len() + 1),
    };
    let bad = rng.pick(BAD);
    match rng.below(3) {
        0 if at < bytes.len() => {
            bytes[at] = bad[0];
        }
        _ => {
            bytes.splice(at..at, bad.iter().copied());
        }
    }
    bytes
}

fn hostile(text: &str, rng: &mut Rng) -> Vec<u8> {
    let path = quoted(rng.pick::<&str>(HOSTILE));
    let targets: Vec<_> = (values(text).into_iter())
        .filter(|(key, _)| ["file", "to", "url", "path"].contains(&key.as_str()))
        .collect();
    match rng.below(3) {
        0 if !targets.is_empty() => {
            let (_, range) = rng.pick(&targets).clone();
            splice(text, range, &path)
        }
        1 => format!("{text}\n[[fixture]]\npath = \"/hostile\"\nfile = {path}\n").into_bytes(),
        _ => {
            // Expected files: an `[expect]` table of its own would clash with the file's,
            // so the hostile path replaces the file's whole `[expect]` (or starts one).
            let head = text.find("\n[expect]").map_or(text, |i| &text[..i]);
            let (files, absent) = match rng.below(2) {
                0 => (format!("{{ \"Documents/x\" = {path} }}"), "[]".to_string()),
                _ => ("{}".to_string(), format!("[{path}]")),
            };
            format!("{head}\n[expect]\nfiles = {files}\nabsent = {absent}\n").into_bytes()
        }
    }
}

/// The resource bombs, each a function of the shipped text it starts from.
pub const BOMBS: &[&str] = &[
    "a million steps (past the file size bound)",
    "600 000 steps just under the file size bound",
    "one step more than the bound",
    "exactly the bound of steps",
    "one fixture more than the bound",
    "1 000 fixtures of a TiB each",
    "arrays nested 1 000 deep",
    "arrays nested 100 000 deep",
    "arrays nested 5 000 000 deep",
    "inline tables nested 100 000 deep",
    "a dotted key of 100 000 parts",
    "a table header of 100 000 parts",
    "a 10 MB name",
    "a 10 MB destination path",
    "a 1 MB key",
    "a rules array of 200 000 IDs",
    "a million comment lines",
    "one byte past the file size bound",
    "an error after a million empty lines",
    "257 uploads of 64 MiB",
    "1 000 downloads of a TiB",
    "progress every byte of a GiB",
    "a gzip fixture at its bound, downloaded",
];

fn bomb(n: usize, shipped: &str) -> Vec<u8> {
    const HEAD: &str = "name = \"bomb\"\napp = \"reference\"\n";
    let steps = |count: usize| {
        let mut s = String::from(HEAD);
        s.push_str(&"[[step]]\nat = \"1s\"\ndo = \"wait\"\n".repeat(count));
        s
    };
    let text = match n {
        0 => steps(1_000_000),
        1 => steps(600_000),
        2 => steps(10_001),
        3 => steps(10_000),
        4 => HEAD.to_string() + &"[[fixture]]\npath = \"/f\"\nsize = 1\nseed = 1\n".repeat(1001),
        5 => {
            let mut s = String::from(HEAD);
            for i in 0..1000 {
                s.push_str(&format!("[[fixture]]\npath = \"/f{i}\"\nsize = \"1TiB\"\nseed = 1\n"));
            }
            s
        }
        6..=8 => {
            let depth = [1_000, 100_000, 5_000_000][n - 6];
            format!("{HEAD}x = {}{}\n", "[".repeat(depth), "]".repeat(depth))
        }
        9 => format!("{HEAD}x = {}1{}\n", "{ a = ".repeat(100_000), " }".repeat(100_000)),
        10 => format!("{HEAD}{}a = 1\n", "a.".repeat(100_000)),
        11 => format!("{HEAD}[{}a]\n", "a.".repeat(100_000)),
        12 => shipped.replacen("name = \"", &format!("name = \"{}", "n".repeat(10 << 20)), 1),
        13 => format!(
            "{HEAD}[[fixture]]\npath = \"/f\"\nsize = 1\nseed = 1\n[[step]]\nat = \"0s\"\ndo = \"launch\"\n\
             [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/f\"\nto = \"Documents/{}\"\n",
            "d".repeat(10 << 20)
        ),
        14 => format!("{HEAD}{} = 1\n", "k".repeat(1 << 20)),
        15 => format!("{HEAD}rules = [{}\"KILL-1\"]\n", "\"KILL-1\", ".repeat(200_000)),
        16 => format!("{}{shipped}", "# comment\n".repeat(1_000_000)),
        17 => {
            let mut s = format!("{shipped}\n#");
            let pad = (16usize << 20) + 1 - s.len();
            s.push_str(&"#".repeat(pad));
            s
        }
        18 => format!("{}{HEAD}colour = 1\n", "\n".repeat(1_000_000)),
        19 => {
            let mut s = String::from(HEAD);
            for i in 0..257 {
                s.push_str(&format!("[[step]]\nat = \"{i}s\"\ndo = \"upload\"\nurl = \"/uploads/u{i}\"\nsize = \"64MiB\"\nseed = 1\n"));
            }
            s
        }
        20 => {
            let mut s = format!("{HEAD}[[fixture]]\npath = \"/tib\"\nsize = \"1TiB\"\nseed = 1\n[[step]]\nat = \"0s\"\ndo = \"launch\"\n");
            for i in 0..1000 {
                s.push_str(&format!("[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/tib\"\nto = \"Documents/t{i}\"\n"));
            }
            s
        }
        22 => format!(
            "{HEAD}[[fixture]]\npath = \"/z\"\nsize = \"16MiB\"\nseed = 1\ngzip = true\n\
             [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
             [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/z\"\nto = \"Documents/z\"\n"
        ),
        _ => format!(
            "{HEAD}[profile]\nprogress_granularity = 1\nprogress_interval = \"0s\"\n\
             [[fixture]]\npath = \"/g\"\nsize = \"1GiB\"\nseed = 1\n[[step]]\nat = \"0s\"\ndo = \"launch\"\n\
             [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/g\"\nto = \"Documents/g\"\n"
        ),
    };
    text.into_bytes()
}
