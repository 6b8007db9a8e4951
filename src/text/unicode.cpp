#include "text/unicode.h"

#include <array>

namespace locus::text {

size_t utf8_len(uint8_t lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

size_t utf8_valid_len(std::string_view s, size_t pos) {
    const auto b = [&](size_t i) { return static_cast<uint8_t>(s[pos + i]); };
    const uint8_t c = b(0);
    if (c < 0x80) return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    if (pos + n > s.size()) return 0;
    for (size_t i = 1; i < n; ++i) {
        if ((b(i) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return n;
}

size_t utf8_incomplete_tail(std::string_view s) {
    // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
    for (size_t k = 1; k <= 3 && k <= s.size(); ++k) {
        const uint8_t c = static_cast<uint8_t>(s[s.size() - k]);
        if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
        const size_t need = utf8_len(c);
        if (need <= k || c < 0xC2 || c > 0xF4) return 0;  // complete, ASCII or not a lead byte
        // Check that the bytes present so far are continuation bytes (validity of the whole is judged later).
        return k;
    }
    return 0;
}

void utf8_append(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

uint32_t utf8_decode(std::string_view s, size_t& pos) {
    const size_t n = utf8_valid_len(s, pos);
    const uint8_t c = static_cast<uint8_t>(s[pos]);
    if (n <= 1) { ++pos; return c; }
    uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<uint8_t>(s[pos + i]) & 0x3F);
    pos += n;
    return cp;
}

namespace {
// GPT-2's table: printable Latin-1 bytes keep their code point, the other 68 bytes map to U+0100.. in order.
struct ByteTable {
    std::array<std::string, 256> to_text;
    std::array<int16_t, 324> from_cp;  // code points used are < 256 + 68
    ByteTable() {
        from_cp.fill(-1);
        int next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const int cp = printable ? b : next++;
            utf8_append(to_text[b], static_cast<uint32_t>(cp));
            from_cp[cp] = static_cast<int16_t>(b);
        }
    }
};
const ByteTable& byte_table() {
    static const ByteTable t;
    return t;
}
}  // namespace

const std::string& byte_to_unicode(uint8_t b) { return byte_table().to_text[b]; }

int unicode_to_byte(uint32_t cp) {
    const auto& t = byte_table().from_cp;
    return cp < t.size() ? t[cp] : -1;
}

}  // namespace locus::text
