#include "server/output_format.h"

#include "halo/text.h"

#include <algorithm>
#include <cctype>

namespace mcp {

using nlohmann::json;

namespace {

using halo::StartsWithIgnoreCase;

void AppendCodePoint(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x110000) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the entity starting at s[0] == '&'; returns the bytes consumed (0 if not an entity).
std::size_t DecodeEntity(std::string_view s, std::string& out) {
  auto semi = s.find(';');
  if (semi == std::string_view::npos || semi > 10) return 0;
  std::string_view name = s.substr(1, semi - 1);
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"},    {"lt", "<"},           {"gt", ">"},
      {"quot", "\""},  {"apos", "'"},         {"nbsp", " "},
      {"ndash", "-"},  {"mdash", "-"},        {"hellip", "..."},
      {"rsquo", "'"},  {"lsquo", "'"},        {"rdquo", "\""},
      {"ldquo", "\""}, {"pound", "\xC2\xA3"}, {"euro", "\xE2\x82\xAC"}};
  for (auto const& [n, v] : kNamed) {
    if (name == n) {
      out += v;
      return semi + 1;
    }
  }
  if (name.size() > 1 && name[0] == '#') {
    unsigned long cp = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string digits(name.substr(hex ? 2 : 1));
    if (digits.empty()) return 0;
    for (char c : digits) {
      if (hex ? !std::isxdigit(static_cast<unsigned char>(c))
              : !std::isdigit(static_cast<unsigned char>(c))) {
        return 0;
      }
    }
    cp = std::stoul(digits, nullptr, hex ? 16 : 10);
    AppendCodePoint(out, cp == 0xA0 ? ' ' : cp);
    return semi + 1;
  }
  return 0;
}

// YYYY-MM-DDTHH:MM, optionally followed by :SS, a fraction and Z: shortened to minutes in cells.
bool LooksLikeDateTime(std::string const& s) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i) {
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  if (s.size() < 16 || s.size() > 40) return false;
  if (!digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) ||
      s[10] != 'T' || !digits(11, 2) || s[13] != ':' || !digits(14, 2)) {
    return false;
  }
  std::size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    if (!digits(i + 1, 2)) return false;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      ++i;
      if (!digits(i, 1)) return false;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    }
  }
  if (i < s.size() && s[i] == 'Z') ++i;
  return i == s.size();
}

std::size_t CodePoints(std::string const& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of the code point with index `count`.
std::size_t ByteOffsetOf(std::string const& s, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == count) return i;
      ++seen;
    }
  }
  return s.size();
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  for (std::size_t i = 0; i < html.size();) {
    char c = html[i];
    bool tag_start = c == '<' && i + 1 < html.size() &&
                     (std::isalpha(static_cast<unsigned char>(html[i + 1])) || html[i + 1] == '/' ||
                      html[i + 1] == '!');
    auto close = tag_start ? html.find('>', i) : std::string_view::npos;
    if (close != std::string_view::npos) {
      std::string_view tag = html.substr(i + 1, close - i - 1);
      bool closing = !tag.empty() && tag[0] == '/';
      if (closing) tag.remove_prefix(1);
      if (StartsWithIgnoreCase(tag, "script") || StartsWithIgnoreCase(tag, "style")) {
        if (!closing) {
          // Skip the element's content entirely.
          std::string end = StartsWithIgnoreCase(tag, "script") ? "</script" : "</style";
          auto stop = halo::FindIgnoreCase(html, end, close);
          auto gt = stop == std::string_view::npos ? stop : html.find('>', stop);
          i = gt == std::string_view::npos ? html.size() : gt + 1;
          continue;
        }
      } else if (StartsWithIgnoreCase(tag, "br") || StartsWithIgnoreCase(tag, "p") ||
                 StartsWithIgnoreCase(tag, "div") || StartsWithIgnoreCase(tag, "tr") ||
                 StartsWithIgnoreCase(tag, "h") || StartsWithIgnoreCase(tag, "ul") ||
                 StartsWithIgnoreCase(tag, "ol") || StartsWithIgnoreCase(tag, "table")) {
        out.push_back('\n');
      } else if (StartsWithIgnoreCase(tag, "li") && !closing) {
        out += "\n- ";
      } else if (StartsWithIgnoreCase(tag, "td") && closing) {
        out += "\t";
      }
      i = close + 1;
      continue;
    }
    if (c == '&') {
      if (std::size_t used = DecodeEntity(html.substr(i), out)) {
        i += used;
        continue;
      }
    }
    out.push_back(c == '\r' ? '\n' : c);
    ++i;
  }
  // Collapse horizontal whitespace runs and more than one blank line; trim the ends.
  std::string clean;
  clean.reserve(out.size());
  int newlines = 0;
  bool space = false;
  for (char c : out) {
    if (c == '\n') {
      ++newlines;
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (!clean.empty()) {
      if (newlines) {
        clean.append(std::min(newlines, 2), '\n');
      } else if (space) {
        clean.push_back(' ');
      }
    }
    newlines = 0;
    space = false;
    clean.push_back(c);
  }
  return clean;
}

std::string TrimText(std::string const& text, std::size_t max_chars) {
  if (max_chars == 0) return text;
  std::size_t total = CodePoints(text);
  if (total <= max_chars) return text;
  std::string out = text.substr(0, ByteOffsetOf(text, max_chars));
  out += " [... " + std::to_string(total - max_chars) + " more chars; full_text:true for all]";
  return out;
}

std::string CellText(json const& value, std::size_t max_chars) {
  std::string s;
  if (value.is_string()) {
    s = value.get<std::string>();
    if (LooksLikeDateTime(s)) s = s.substr(0, 10) + " " + s.substr(11, 5);
  } else if (value.is_null()) {
    return "";
  } else {
    s = value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == '|') c = '/';
  }
  if (max_chars && CodePoints(s) > max_chars) {
    s = s.substr(0, ByteOffsetOf(s, max_chars - 1)) + "~";
  }
  return s;
}

std::string RenderTable(json const& records, std::vector<std::string> const& columns) {
  return RenderTable(records, columns, TableOptions{});
}

std::string RenderTable(json const& records, std::vector<std::string> const& columns,
                        TableOptions const& options) {
  std::vector<std::string> used;
  for (auto const& c : columns) {
    for (auto const& r : records) {
      if (r.contains(c)) {
        used.push_back(c);
        break;
      }
    }
  }
  std::string out;
  for (std::size_t i = 0; i < used.size(); ++i) out += (i ? options.separator : "") + used[i];
  out += '\n';
  for (auto const& r : records) {
    for (std::size_t i = 0; i < used.size(); ++i) {
      if (i) out += options.separator;
      auto it = r.find(used[i]);
      if (it != r.end()) {
        bool const wide = used[i] == "summary" || used[i] == "name";
        out += CellText(*it, wide ? options.wide_chars : options.narrow_chars);
      }
    }
    out += '\n';
  }
  return out;
}

std::string RenderRecord(json const& record) {
  std::string out;
  for (auto const& [key, value] : record.items()) {
    if (value.is_string() && value.get_ref<std::string const&>().find('\n') != std::string::npos) {
      out += key + ":\n" + value.get<std::string>() + "\n";
    } else {
      out += key + ": " + CellText(value, 0) + "\n";
    }
  }
  return out;
}

std::string Plural(std::string const& noun) {
  if (noun.empty()) return noun;
  char const last = noun.back();
  auto ends = [&noun](std::string_view suffix) {
    return noun.size() >= suffix.size() &&
           noun.compare(noun.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (std::isupper(static_cast<unsigned char>(last))) return noun + "s";  // SLAs
  if (last == 'y' && noun.size() > 1 &&
      std::string_view("aeiou").find(noun[noun.size() - 2]) == std::string_view::npos) {
    return noun.substr(0, noun.size() - 1) + "ies";
  }
  if (last == 's' || last == 'x' || last == 'z' || ends("sh") || ends("ch")) return noun + "es";
  return noun + "s";
}

std::string CountOf(std::size_t n, std::string const& noun) {
  return std::to_string(n) + " " + (n == 1 ? noun : Plural(noun));
}

}  // namespace mcp
