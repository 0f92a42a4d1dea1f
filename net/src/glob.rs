//! Redis's glob patterns, as `KEYS`, `SCAN .. MATCH` and `CONFIG GET` read them: `*` (any run
//! of bytes), `?` (any one byte), `[abc]`, `[^abc]`, `[a-z]` (one byte of a class), and `\x`
//! (the byte `x` itself).

/// Whether `text` matches `pattern`, in time proportional to their lengths' product at worst:
/// a `*` is retried from one position further each time what follows it fails, never more.
///
/// ```
/// use blossom_net::glob::matches;
/// assert!(matches(b"user:*", b"user:42"));
/// assert!(matches(b"h?llo", b"hallo"));
/// assert!(matches(b"h[^e]llo", b"hallo") && !matches(b"h[^e]llo", b"hello"));
/// assert!(matches(b"h[a-c]llo", b"hbllo"));
/// assert!(matches(b"\\*", b"*") && !matches(b"\\*", b"a"));
/// ```
pub fn matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last `*`: the pattern after it, and the next text position.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, t));
                p += 1;
                continue;
            }
            Some(_) => one(pattern, p, text[t]),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                p = next;
                t += 1;
            }
            (None, Some((after, from))) => {
                p = after;
                t = from + 1;
                star = Some((after, from + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Whether the pattern element at `p` matches `byte`: the position after the element if so.
fn one(pattern: &[u8], p: usize, byte: u8) -> Option<usize> {
    match pattern[p] {
        b'?' => Some(p + 1),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == byte).then_some(p + 2),
        b'[' => class(pattern, p + 1, byte),
        other => (other == byte).then_some(p + 1),
    }
}

/// A class `[..]` whose body starts at `p`: the position after its `]` if `byte` is in it. An
/// unclosed class runs to the end of the pattern, as in Redis.
fn class(pattern: &[u8], mut p: usize, byte: u8) -> Option<usize> {
    let negated = pattern.get(p) == Some(&b'^');
    if negated {
        p += 1;
    }
    let mut found = false;
    while p < pattern.len() && pattern[p] != b']' {
        if pattern[p] == b'\\' && p + 1 < pattern.len() {
            found |= pattern[p + 1] == byte;
            p += 2;
        } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' && pattern[p + 2] != b']' {
            let (low, high) = (
                pattern[p].min(pattern[p + 2]),
                pattern[p].max(pattern[p + 2]),
            );
            found |= (low..=high).contains(&byte);
            p += 3;
        } else {
            found |= pattern[p] == byte;
            p += 1;
        }
    }
    (found != negated).then_some((p + 1).min(pattern.len()))
}

#[cfg(test)]
mod tests {
    use super::matches;

    /// Tries every way a `*` could split the text: obviously right, exponential, for checking.
    fn reference(pattern: &[u8], text: &[u8]) -> bool {
        match pattern.first() {
            None => text.is_empty(),
            Some(b'*') => (0..=text.len()).any(|i| reference(&pattern[1..], &text[i..])),
            Some(_) => match (
                text.first(),
                super::one(pattern, 0, *text.first().unwrap_or(&0)),
            ) {
                (Some(_), Some(next)) => reference(&pattern[next..], &text[1..]),
                _ => false,
            },
        }
    }

    #[test]
    fn agrees_with_trying_every_split() {
        let alphabet = [b'a', b'b', b'*', b'?', b'[', b']', b'^', b'-', b'\\'];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let pattern: Vec<u8> = (0..next() % 7)
                .map(|_| alphabet[(next() % 9) as usize])
                .collect();
            let text: Vec<u8> = (0..next() % 7)
                .map(|_| b"ab"[(next() % 2) as usize])
                .collect();
            assert_eq!(
                matches(&pattern, &text),
                reference(&pattern, &text),
                "{:?} against {:?}",
                String::from_utf8_lossy(&pattern),
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn many_stars_do_not_take_exponential_time() {
        let pattern = b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
        assert!(!matches(pattern, &[b'a'; 10_000]));
    }
}
