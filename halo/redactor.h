#pragma once

#include "halo/status.h"

#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace halo {

/**
 * Scrubs the client secret and the access tokens we hold from text that may echo them (error
 * bodies, messages), replacing them with "[redacted]". Each value is looked for in every
 * spelling a server, proxy or log might use: raw, percent-encoded (upper- and lower-case hex),
 * form-encoded (space as '+') and JSON-escaped. Values shorter than 4 bytes are ignored.
 *
 * Thread-safe; the last few tokens are remembered so that a just-replaced one is still caught.
 */
class Redactor {
 public:
  explicit Redactor(std::string const& secret);

  /// Remembers a token to scrub (idempotent; keeps the most recent kTokens).
  void AddToken(std::string const& token);

  std::string Redact(std::string text) const;
  /// The message, hint and string fields of `status`, redacted.
  Status Redact(Status status) const;

  /// Every spelling Redact() looks for. Exposed for tests.
  static std::vector<std::string> Spellings(std::string const& value);

  static constexpr std::size_t kTokens = 4;

 private:
  std::vector<std::string> const secret_;
  mutable std::mutex mu_;
  std::deque<std::pair<std::string, std::vector<std::string>>> tokens_;  // guarded by mu_
};

}  // namespace halo
