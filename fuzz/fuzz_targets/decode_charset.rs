//! Any bytes and any declared charset label decode to valid text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &[u8])| {
    let (label, bytes) = input;
    let (text, _encoding) = newsmirror::feed::charset::decode(bytes, Some(label));
    assert!(std::str::from_utf8(text.as_bytes()).is_ok());
    let _ = newsmirror::feed::charset::decode(bytes, None);
});
