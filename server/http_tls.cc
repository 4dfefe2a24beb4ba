#include "server/http_tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace mcp {
namespace {

/// The most recent OpenSSL error as text ("" when none), clearing the queue.
std::string OpenSslError() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return std::string(": ") + buf;
}

/// Loads the PEM certificate and private key the way the TLS server will, so that a start-up
/// failure can name the flag at fault; nullopt when both load and the key fits the certificate.
std::optional<std::string> CheckTlsFiles(std::string const& cert_path,
                                         std::string const& key_path) {
  int open_errno = 0;
  auto open = [&open_errno](std::string const& path) {
    errno = 0;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
    open_errno = errno;
    ERR_clear_error();
    return bio;
  };
  // Never prompt for a passphrase (OpenSSL's default would read the terminal).
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  auto cert_bio = open(cert_path);
  if (!cert_bio) {
    return "cannot read --tls-cert " + cert_path + " (" + std::strerror(open_errno) + ")";
  }
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr), &X509_free);
  if (!cert) {
    return "--tls-cert " + cert_path + " is not a PEM certificate" + OpenSslError();
  }
  auto key_bio = open(key_path);
  if (!key_bio) {
    return "cannot read --tls-key " + key_path + " (" + std::strerror(open_errno) + ")";
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr), &EVP_PKEY_free);
  if (!key) {
    return "--tls-key " + key_path + " is not an unencrypted PEM private key" + OpenSslError();
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return "--tls-key " + key_path + " does not match the certificate in --tls-cert " + cert_path;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> CheckTls(HttpOptions const& options) {
  if (options.tls_cert.empty() && options.tls_key.empty()) return std::nullopt;
  if (options.tls_cert.empty() || options.tls_key.empty()) {
    return "TLS needs both --tls-cert and --tls-key";
  }
  return CheckTlsFiles(options.tls_cert, options.tls_key);
}

}  // namespace mcp
