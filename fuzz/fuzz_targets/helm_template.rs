//! A Helm chart's template run with its values (values, NUL, template).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imagelint::fuzzing::helm_template(data);
});
