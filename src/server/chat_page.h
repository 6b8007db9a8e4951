// The chat page served at "/": one self-contained HTML file with inline CSS and JavaScript (no build step).
#pragma once
#include <string_view>

namespace locus::server {

std::string_view chat_page_html();

}  // namespace locus::server
