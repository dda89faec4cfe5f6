// OpenSSL / Boost.Asio half of net/tls.h (the gRPC half is tls_grpc.cc, to keep gRPC headers out).
#include "net/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace otter::net {
namespace ssl = boost::asio::ssl;

namespace {

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

int ProtoVersion(const std::string& v, int dflt) {
  if (v == "1.2") return TLS1_2_VERSION;
  if (v == "1.3") return TLS1_3_VERSION;
  return v.empty() ? dflt : -1;
}

// min_version / max_version / cipher_suites (validated by the settings' Validate; checked again
// here for callers that build settings in code).
Status SetProtocol(SSL_CTX* ctx, const std::string& min_version, const std::string& max_version,
                   const std::vector<std::string>& cipher_suites) {
  int lo = ProtoVersion(min_version, TLS1_2_VERSION);
  int hi = ProtoVersion(max_version, TLS1_3_VERSION);
  if (lo < 0)
    return InvalidArgument("tls: min_version \"" + min_version +
                           "\" is not supported; use 1.2 or 1.3");
  if (hi < 0)
    return InvalidArgument("tls: max_version \"" + max_version +
                           "\" is not supported; use 1.2 or 1.3");
  if (hi < lo) return InvalidArgument("tls: min_version cannot be greater than max_version");
  if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1)
    return Internal("tls: cannot set the TLS versions: " + OpenSslErrors());
  if (!cipher_suites.empty()) {
    ASSIGN_OR_RETURN(std::string list, OpenSslCipherList(cipher_suites));
    if (list.empty()) {
      // Only TLS 1.3 names: no TLS 1.2 suite is allowed, so only TLS 1.3 can be negotiated.
      if (hi < TLS1_3_VERSION)
        return InvalidArgument(
            "tls.cipher_suites: only TLS 1.3 suites are listed but max_version is 1.2");
      SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    } else if (SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) {
      return InvalidArgument("tls.cipher_suites: OpenSSL supports none of them: " +
                             OpenSslErrors());
    }
    ERR_clear_error();
  }
  return Status::Ok();
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// Loads cert_file + key_file into `ctx` (after checking they belong together).
Status LoadKeyPair(ssl::context& ctx, const std::string& cert_file, const std::string& key_file) {
  ASSIGN_OR_RETURN(std::string cert, ReadPemFile("cert_file", cert_file));
  ASSIGN_OR_RETURN(std::string key, ReadPemFile("key_file", key_file));
  RETURN_IF_ERROR(CheckPemKeyPair(cert, key, cert_file, key_file));
  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(cert), ec);
  if (ec) return InvalidArgument("tls: cert_file " + Quoted(cert_file) + ": " + ec.message());
  ctx.use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
  if (ec) return InvalidArgument("tls: key_file " + Quoted(key_file) + ": " + ec.message());
  return Status::Ok();
}

// Adds every certificate of a PEM bundle as a trust anchor; with `advertise`, also as the CA
// names a server sends in its CertificateRequest (so clients pick the right certificate).
Status LoadCaBundle(ssl::context& ctx, const std::string& setting, const std::string& path,
                    bool advertise) {
  ASSIGN_OR_RETURN(std::string pem, ReadPemFile(setting, path));
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                          BIO_free);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    ++count;
    X509_STORE_add_cert(store, cert);  // fails harmlessly on duplicates
    if (advertise) SSL_CTX_add_client_CA(ctx.native_handle(), cert);
    X509_free(cert);
  }
  ERR_clear_error();  // the loop ends with a "no start line" error
  if (count == 0)
    return InvalidArgument("tls: " + setting + " " + Quoted(path) + " holds no PEM certificate");
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> ReadPemFile(const std::string& setting, const std::string& path) {
  if (path.empty()) return InvalidArgument("tls: " + setting + " is not set");
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return InvalidArgument("tls: cannot read " + setting + " " + Quoted(path) + ": " +
                           std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string data = ss.str();
  if (data.empty()) return InvalidArgument("tls: " + setting + " " + Quoted(path) + " is empty");
  return data;
}

Status CheckPemKeyPair(const std::string& cert_pem, const std::string& key_pem,
                       const std::string& cert_file, const std::string& key_file) {
  std::unique_ptr<BIO, int (*)(BIO*)> cb(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), BIO_free);
  std::unique_ptr<X509, void (*)(X509*)> cert(
      PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) {
    ERR_clear_error();
    return InvalidArgument("tls: cert_file " + Quoted(cert_file) + " holds no PEM certificate");
  }
  std::unique_ptr<BIO, int (*)(BIO*)> kb(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) {
    ERR_clear_error();
    return InvalidArgument("tls: key_file " + Quoted(key_file) +
                           " holds no PEM private key (or it is encrypted)");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("tls: key_file " + Quoted(key_file) + " does not match cert_file " +
                           Quoted(cert_file));
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<ssl::context>> MakeServerSslContext(const TlsServerSettings& s) {
  if (s.cert_file.empty() || s.key_file.empty())
    return InvalidArgument("tls: a server needs cert_file and key_file");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  RETURN_IF_ERROR(SetProtocol(ctx->native_handle(), s.min_version, s.max_version, s.cipher_suites));
  RETURN_IF_ERROR(LoadKeyPair(*ctx, s.cert_file, s.key_file));
  if (!s.client_ca_file.empty()) {
    RETURN_IF_ERROR(LoadCaBundle(*ctx, "client_ca_file", s.client_ca_file, /*advertise=*/true));
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

StatusOr<std::shared_ptr<ssl::context>> MakeClientSslContext(const TlsClientSettings& s) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds);
  RETURN_IF_ERROR(SetProtocol(ctx->native_handle(), s.min_version, s.max_version, s.cipher_suites));
  if (s.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    if (!s.ca_file.empty()) {
      RETURN_IF_ERROR(LoadCaBundle(*ctx, "ca_file", s.ca_file, /*advertise=*/false));
    } else {
      boost::system::error_code ec;
      ctx->set_default_verify_paths(ec);
      if (ec) return Internal("tls: cannot load the system CA certificates: " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer);
  }
  if (!s.cert_file.empty() || !s.key_file.empty())
    RETURN_IF_ERROR(LoadKeyPair(*ctx, s.cert_file, s.key_file));
  return ctx;
}

Status ConfigureClientSsl(ssl_st* ssl, const TlsClientSettings& s, const std::string& host) {
  std::string name = s.server_name_override.empty() ? host : s.server_name_override;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
    name = name.substr(1, name.size() - 2);
  unsigned char addr[16];
  bool is_ip =
      inet_pton(AF_INET, name.c_str(), addr) == 1 || inet_pton(AF_INET6, name.c_str(), addr) == 1;
  if (!is_ip && !name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1)
    return Internal("tls: cannot set SNI \"" + name + "\": " + OpenSslErrors());
  if (s.insecure_skip_verify || name.empty()) return Status::Ok();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = 0;
  if (is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  if (ok != 1)
    return Internal("tls: cannot set the expected server name \"" + name +
                    "\": " + OpenSslErrors());
  return Status::Ok();
}

// ---- reloading ----------------------------------------------------------------------------------

SslContextSource::SslContextSource(std::function<StatusOr<Context>()> build,
                                   std::chrono::nanoseconds interval, std::string watched_file,
                                   ErrorFn on_error)
    : build_(std::move(build)),
      interval_(interval),
      watched_file_(std::move(watched_file)),
      on_error_(std::move(on_error)) {}

StatusOr<std::shared_ptr<SslContextSource>> SslContextSource::ForServer(const TlsServerSettings& s,
                                                                        ErrorFn on_error) {
  std::shared_ptr<SslContextSource> src(
      new SslContextSource([s] { return MakeServerSslContext(s); }, s.reload_interval,
                           s.client_ca_file_reload ? s.client_ca_file : "", std::move(on_error)));
  src->mtime_ = src->WatchedMtime();
  ASSIGN_OR_RETURN(src->current_, src->build_());
  src->next_build_ = Clock::now() + src->interval_;
  src->next_stat_ = Clock::now() + std::chrono::seconds(1);
  return src;
}

StatusOr<std::shared_ptr<SslContextSource>> SslContextSource::ForClient(const TlsClientSettings& s,
                                                                        ErrorFn on_error) {
  std::shared_ptr<SslContextSource> src(new SslContextSource(
      [s] { return MakeClientSslContext(s); }, s.reload_interval, "", std::move(on_error)));
  ASSIGN_OR_RETURN(src->current_, src->build_());
  src->next_build_ = Clock::now() + src->interval_;
  return src;
}

int64_t SslContextSource::WatchedMtime() const {
  struct stat st {};
  if (watched_file_.empty() || ::stat(watched_file_.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

SslContextSource::Context SslContextSource::Current() {
  std::lock_guard lock(mu_);
  if (interval_.count() <= 0 && watched_file_.empty()) return current_;
  auto now = Clock::now();
  bool due = interval_.count() > 0 && now >= next_build_;
  if (!due && !watched_file_.empty() && now >= next_stat_) {
    next_stat_ = now + std::chrono::seconds(1);
    int64_t m = WatchedMtime();
    due = m != mtime_;
    mtime_ = m;
  }
  if (!due) return current_;
  if (interval_.count() > 0) next_build_ = now + interval_;
  StatusOr<Context> fresh = build_();
  if (fresh.ok()) {
    current_ = *std::move(fresh);
    ++reloads_;
  } else if (on_error_) {
    on_error_(fresh.status().Annotate("tls: reload failed, keeping the previous certificates"));
  }
  return current_;
}

uint64_t SslContextSource::reloads() const {
  std::lock_guard lock(mu_);
  return reloads_;
}

}  // namespace otter::net
