//! Counted words in messages: "1 file", "2 files", never "1 files".

/// `n` and the word, plural unless `n` is 1: `count(2, "tag")` is
/// `2 tags`. Words with an irregular plural go through [`count_as`].
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `n` and the singular or the plural given.
pub fn count_as(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular() {
        assert_eq!(count(0, "file"), "0 files");
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(2, "image reference"), "2 image references");
        assert_eq!(count_as(1, "info", "info"), "1 info");
    }
}
