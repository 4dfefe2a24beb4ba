#include "halo/redactor.h"

#include "halo/query.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace halo {
namespace {

constexpr std::size_t kMinLength = 4;

void Scrub(std::string& text, std::vector<std::string> const& needles) {
  for (auto const& needle : needles) {
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos)) {
      text.replace(pos, needle.size(), "[redacted]");
      pos += 10;
    }
  }
}

std::string LowerHex(std::string encoded) {
  for (std::size_t i = 0; i + 2 < encoded.size(); ++i) {
    if (encoded[i] != '%') continue;
    for (std::size_t j = i + 1; j <= i + 2; ++j) {
      encoded[j] = static_cast<char>(std::tolower(static_cast<unsigned char>(encoded[j])));
    }
    i += 2;
  }
  return encoded;
}

/// The value as it appears inside a JSON string literal (without the quotes).
std::string JsonEscaped(std::string const& value, bool ascii) {
  std::string json =
      nlohmann::json(value).dump(-1, ' ', ascii, nlohmann::json::error_handler_t::replace);
  return json.substr(1, json.size() - 2);
}

}  // namespace

std::vector<std::string> Redactor::Spellings(std::string const& value) {
  std::vector<std::string> out;
  if (value.size() < kMinLength) return out;
  auto add = [&out](std::string s) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  };
  add(value);
  std::string percent = PercentEncode(value);
  add(percent);
  add(LowerHex(percent));
  // application/x-www-form-urlencoded writes a space as '+'.
  std::string form = percent;
  for (auto pos = form.find("%20"); pos != std::string::npos; pos = form.find("%20", pos)) {
    form.replace(pos, 3, "+");
  }
  add(form);
  add(LowerHex(form));
  add(JsonEscaped(value, false));
  add(JsonEscaped(value, true));
  // Longest first, so that a raw value inside a longer spelling does not break the longer match.
  std::sort(out.begin(), out.end(),
            [](std::string const& a, std::string const& b) { return a.size() > b.size(); });
  return out;
}

Redactor::Redactor(std::string const& secret) : secret_(Spellings(secret)) {}

void Redactor::AddToken(std::string const& token) {
  if (token.size() < kMinLength) return;
  std::lock_guard<std::mutex> lk(mu_);
  for (auto const& t : tokens_) {
    if (t.first == token) return;
  }
  tokens_.emplace_back(token, Spellings(token));
  if (tokens_.size() > kTokens) tokens_.pop_front();
}

std::string Redactor::Redact(std::string text) const {
  Scrub(text, secret_);
  std::lock_guard<std::mutex> lk(mu_);
  for (auto const& t : tokens_) Scrub(text, t.second);
  return text;
}

Status Redactor::Redact(Status status) const {
  if (status.ok()) return status;
  ErrorInfo info = status.info();
  if (info.fields.is_object()) {
    for (auto& [k, v] : info.fields.items()) {
      if (v.is_string()) v = Redact(v.get<std::string>());
    }
  }
  info.hint = Redact(info.hint);
  return Status(status.code(), Redact(status.message()), std::move(info));
}

}  // namespace halo
