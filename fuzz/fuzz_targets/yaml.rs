//! YAML extraction for every YAML kind (the first byte picks the kind).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((kind, text)) = imagelint::fuzzing::split(data) {
        imagelint::fuzzing::check(kind, text);
    }
});
