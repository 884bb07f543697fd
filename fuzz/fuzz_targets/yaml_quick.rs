//! The quick YAML reader reads any text as saphyr does: the same trees
//! and the same error, or it leaves the text to saphyr.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        imagelint::fuzzing::yaml_readers(text);
    }
});
