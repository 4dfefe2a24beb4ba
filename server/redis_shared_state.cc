#include "server/redis_shared_state.h"

#include "halo/safe_int.h"
#include "server/digest.h"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace mcp {
namespace {

using std::chrono::milliseconds;

// KEYS[1] the window (a sorted set of admissions scored in microseconds of Redis's own clock),
// KEYS[2] a counter making members unique; ARGV window (us), limit. Returns {1, 0} when a slot is
// taken, {0, microseconds until one frees} otherwise. TIME is the server's clock: replicas'
// clocks never enter the window.
constexpr char kSlotScript[] = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local ttl = math.floor(window / 1000) + 1000
if n < limit then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, now .. '-' .. seq)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return {0, math.max(1, math.floor(tonumber(oldest[2]) + window - now))}
)";

constexpr char kInUseScript[] = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
)";

// KEYS as for kSlotScript; ARGV window (us), then ages (us) of slots taken elsewhere.
constexpr char kBackfillScript[] = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl = math.floor(tonumber(ARGV[1]) / 1000) + 1000
for i = 2, #ARGV do
  local at = now - tonumber(ARGV[i])
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], at, at .. '-' .. seq)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return #ARGV - 1
)";

constexpr char kDeleteIfEqualsScript[] = R"(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)";

// KEYS[1]; ARGV value, ttl (ms), the value that must not be replaced. 1 when set.
constexpr char kSetUnlessScript[] = R"(
if redis.call('GET', KEYS[1]) == ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)";

std::string Sha1Hex(std::string const& text) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<unsigned char const*>(text.data()), text.size(), d);
  return Hex(d, sizeof d);
}

timeval ToTimeval(milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisSharedState::Reply Convert(redisReply const* r) {
  RedisSharedState::Reply out;
  using Type = RedisSharedState::Reply::Type;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = Type::kString;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Type::kError;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Type::kArray;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Type::kNil;
  }
  return out;
}

halo::Status Unexpected(std::string const& what) {
  return halo::UnavailableError("shared state: unexpected Redis reply to " + what);
}

}  // namespace

halo::StatusOr<RedisAddress> ParseRedisUrl(std::string const& url) {
  constexpr std::string_view kScheme = "redis://";
  auto bad = [&url](std::string const& why) {
    return halo::InvalidArgumentError(
        "--shared-state " + url + ": " + why +
        " (write redis://HOST:PORT/DB, e.g. redis://10.0.0.5:6379/0)");
  };
  if (url.rfind(kScheme, 0) != 0) return bad("the scheme must be redis://");
  std::string rest = url.substr(kScheme.size());
  RedisAddress a;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    rest.resize(slash);
    if (!db.empty()) {
      auto n = halo::ParseInt64(db, 0, 10'000);
      if (!n) return bad("the database must be a number");
      a.db = static_cast<int>(*n);
    }
  }
  if (rest.find('@') != std::string::npos) return bad("credentials in the URL are not supported");
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    auto port = halo::ParseInt64(rest.substr(colon + 1), 1, 65535);
    if (!port) return bad("the port must be 1..65535");
    a.port = static_cast<int>(*port);
    rest.resize(colon);
  }
  if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']')
    rest = rest.substr(1, rest.size() - 2);
  if (rest.empty()) return bad("the host is missing");
  a.host = rest;
  return a;
}

void RedisSharedState::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

RedisSharedState::RedisSharedState(RedisAddress address, RedisOptions options)
    : address_(std::move(address)),
      options_(options),
      slot_sha_(Sha1Hex(kSlotScript)),
      in_use_sha_(Sha1Hex(kInUseScript)),
      delete_sha_(Sha1Hex(kDeleteIfEqualsScript)),
      backfill_sha_(Sha1Hex(kBackfillScript)),
      set_unless_sha_(Sha1Hex(kSetUnlessScript)) {}

RedisSharedState::~RedisSharedState() = default;

void RedisSharedState::MarkDown(std::string const& why) {
  std::lock_guard lock(mu_);
  down_until_ = std::chrono::steady_clock::now() + options_.retry_after;
  healthy_ = false;
  if (!logged_down_) {
    logged_down_ = true;
    spdlog::warn("shared state: Redis at {} is unreachable ({}); serving on local state",
                 address_.Describe(), why);
  }
}

void RedisSharedState::MarkUp() {
  healthy_ = true;
  std::lock_guard lock(mu_);
  if (logged_down_) {
    logged_down_ = false;
    spdlog::info("shared state: Redis at {} is reachable again; rejoined the fleet",
                 address_.Describe());
  }
}

halo::StatusOr<RedisSharedState::Connection> RedisSharedState::Borrow(bool& reused) {
  reused = false;
  {
    std::unique_lock lock(mu_);
    if (std::chrono::steady_clock::now() < down_until_) {
      return halo::UnavailableError("shared state: Redis is down; retrying shortly");
    }
    bool const got = cv_.wait_for(lock, options_.command_timeout, [this] {
      return !idle_.empty() || open_ < options_.connections;
    });
    if (!got) return halo::UnavailableError("shared state: every Redis connection is busy");
    if (!idle_.empty()) {
      Connection c = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return c;
    }
    ++open_;
  }
  // Connect outside the lock: it may take up to the connect timeout.
  Connection c(redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                       ToTimeval(options_.connect_timeout)));
  std::string error;
  if (!c) {
    error = "out of memory";
  } else if (c->err != 0) {
    error = c->errstr;
  } else if (redisSetTimeout(c.get(), ToTimeval(options_.command_timeout)) != REDIS_OK) {
    error = "cannot set the command timeout";
  } else if (address_.db != 0) {
    std::string db = std::to_string(address_.db);
    auto* r = static_cast<redisReply*>(redisCommand(c.get(), "SELECT %s", db.c_str()));
    if (r == nullptr || r->type == REDIS_REPLY_ERROR) error = "SELECT " + db + " failed";
    if (r != nullptr) freeReplyObject(r);
  }
  if (!error.empty()) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
    MarkDown(error);
    return halo::UnavailableError("shared state: cannot connect to Redis: " + error);
  }
  return c;
}

void RedisSharedState::Return(Connection c) {
  {
    std::lock_guard lock(mu_);
    if (c) {
      idle_.push_back(std::move(c));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

halo::StatusOr<RedisSharedState::Reply> RedisSharedState::Command(
    std::vector<std::string> const& argv) {
  std::vector<char const*> args;
  std::vector<std::size_t> lengths;
  for (auto const& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    auto c = Borrow(reused);
    if (!c.ok()) return c.status();
    auto* raw = static_cast<redisReply*>(
        redisCommandArgv(c->get(), static_cast<int>(args.size()), args.data(), lengths.data()));
    if (raw != nullptr) {
      Reply reply = Convert(raw);
      freeReplyObject(raw);
      Return(*std::move(c));
      MarkUp();
      return reply;
    }
    std::string why = (*c)->errstr[0] != '\0' ? (*c)->errstr : "no reply";
    Return(Connection());  // a broken connection is dropped, never reused
    if (reused && attempt == 0) {
      // A pooled connection may have outlived its server (Redis restarted): the others are
      // as stale, so drop them all and try once on a fresh one. These commands are safe to
      // repeat (at worst a slot is taken twice, which only spends budget).
      std::vector<Connection> stale;
      {
        std::lock_guard lock(mu_);
        stale.swap(idle_);
        open_ -= stale.size();
      }
      continue;
    }
    MarkDown(why);
    return halo::UnavailableError("shared state: Redis did not answer: " + why);
  }
}

halo::StatusOr<RedisSharedState::Reply> RedisSharedState::Script(
    std::string const& body, std::string const& sha, std::vector<std::string> const& keys,
    std::vector<std::string> const& args) {
  std::vector<std::string> argv{"EVALSHA", sha, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto reply = Command(argv);
  if (reply.ok() && reply->type == Reply::Type::kError && reply->text.rfind("NOSCRIPT", 0) == 0) {
    argv[0] = "EVAL";
    argv[1] = body;
    reply = Command(argv);
  }
  if (reply.ok() && reply->type == Reply::Type::kError) {
    return halo::UnavailableError("shared state: Redis refused a script: " + reply->text);
  }
  return reply;
}

halo::StatusOr<SharedState::Slot> RedisSharedState::TakeSlot(std::string const& key, int limit,
                                                             milliseconds window) {
  auto r = Script(kSlotScript, slot_sha_, {key, key + ":seq"},
                  {std::to_string(window.count() * 1000), std::to_string(limit)});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kArray || r->elements.size() != 2) return Unexpected("a slot");
  Slot slot;
  slot.granted = r->elements[0].integer == 1;
  slot.wait = milliseconds((r->elements[1].integer + 999) / 1000);
  return slot;
}

halo::Status RedisSharedState::Backfill(std::string const& key,
                                        std::vector<milliseconds> const& ages,
                                        milliseconds window) {
  if (ages.empty()) return halo::Status();
  std::vector<std::string> args{std::to_string(window.count() * 1000)};
  for (auto a : ages) args.push_back(std::to_string(a.count() * 1000));
  auto r = Script(kBackfillScript, backfill_sha_, {key, key + ":seq"}, args);
  return r.ok() ? halo::Status() : r.status();
}

halo::StatusOr<int> RedisSharedState::SlotsInUse(std::string const& key, milliseconds window) {
  auto r = Script(kInUseScript, in_use_sha_, {key}, {std::to_string(window.count() * 1000)});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kInteger) return Unexpected("a count");
  return static_cast<int>(r->integer);
}

halo::StatusOr<std::optional<SharedState::Value>> RedisSharedState::Get(std::string const& key) {
  // One round trip for the value and its time to live.
  auto r = Command({"EVAL",
                    "local v = redis.call('GET', KEYS[1]) if not v then return nil end "
                    "return {v, redis.call('PTTL', KEYS[1])}",
                    "1", key});
  if (!r.ok()) return r.status();
  if (r->type == Reply::Type::kNil) return std::optional<Value>();
  if (r->type != Reply::Type::kArray || r->elements.size() != 2) return Unexpected("GET");
  return std::optional<Value>(Value{r->elements[0].text, milliseconds(r->elements[1].integer)});
}

halo::Status RedisSharedState::Set(std::string const& key, std::string const& value,
                                   milliseconds ttl) {
  auto r = Command({"SET", key, value, "PX", std::to_string(std::max<long long>(1, ttl.count()))});
  if (!r.ok()) return r.status();
  return r->type == Reply::Type::kString ? halo::Status() : Unexpected("SET");
}

halo::StatusOr<bool> RedisSharedState::SetIfAbsent(std::string const& key, std::string const& value,
                                                   milliseconds ttl) {
  auto r =
      Command({"SET", key, value, "NX", "PX", std::to_string(std::max<long long>(1, ttl.count()))});
  if (!r.ok()) return r.status();
  if (r->type == Reply::Type::kError) return Unexpected("SET NX");
  return r->type == Reply::Type::kString;  // OK, or nil when the key exists
}

halo::StatusOr<bool> RedisSharedState::SetUnlessEquals(std::string const& key,
                                                       std::string const& value, milliseconds ttl,
                                                       std::string const& unless) {
  auto r = Script(kSetUnlessScript, set_unless_sha_, {key},
                  {value, std::to_string(std::max<long long>(1, ttl.count())), unless});
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kInteger) return Unexpected("a conditional SET");
  return r->integer == 1;
}

halo::Status RedisSharedState::DeleteIfEquals(std::string const& key, std::string const& value) {
  auto r = Script(kDeleteIfEqualsScript, delete_sha_, {key}, {value});
  return r.ok() ? halo::Status() : r.status();
}

}  // namespace mcp
