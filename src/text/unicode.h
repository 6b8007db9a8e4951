// UTF-8 helpers and the GPT-2 byte-level mapping (each byte <-> one printable code point).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace locus::text {

// Length of the UTF-8 sequence announced by a lead byte (1 for continuation or invalid bytes).
size_t utf8_len(uint8_t lead);
// Length of the valid UTF-8 sequence at s[pos], or 0 if the bytes there are not one (truncated,
// overlong, surrogate, above U+10FFFF, stray continuation byte).
size_t utf8_valid_len(std::string_view s, size_t pos);
// Number of bytes at the end of `s` that form an incomplete (but so far valid) UTF-8 sequence.
size_t utf8_incomplete_tail(std::string_view s);
void utf8_append(std::string& out, uint32_t cp);

// GPT-2 byte-level BPE alphabet: byte -> UTF-8 text of its code point, and back.
const std::string& byte_to_unicode(uint8_t b);
// The byte a code point stands for, or -1 if the code point is not in the alphabet.
int unicode_to_byte(uint32_t cp);
// Decodes one code point at s[pos] (assumes valid UTF-8; returns the byte value on invalid input) and
// advances pos.
uint32_t utf8_decode(std::string_view s, size_t& pos);

}  // namespace locus::text
