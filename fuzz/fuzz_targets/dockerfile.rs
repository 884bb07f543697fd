//! Dockerfile lexing and extraction, the rules and the renderers' inputs on
//! any text: a result or a file error, never a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        imagelint::fuzzing::check(imagelint::fuzzing::dockerfile(), text);
    }
});
