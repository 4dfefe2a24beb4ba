#include "tests/support/mcp_process.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace halo_test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::unique_ptr<McpProcess> McpProcess::Start(std::vector<std::string> const& argv,
                                              std::map<std::string, std::string> const& env) {
  // Close-on-exec everywhere, so a child started by another test thread inherits none of these.
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  char tmpl[] = "/tmp/halo-mcp-stderr-XXXXXX";
  int err_fd = mkostemp(tmpl, O_CLOEXEC);
  if (err_fd < 0) throw std::runtime_error("mkstemp failed");

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto const& [k, v] : env) {
    if (v.empty()) {
      merged.erase(k);
    } else {
      merged[k] = v;
    }
  }
  std::vector<std::string> env_strings;
  for (auto const& [k, v] : merged) env_strings.push_back(k + "=" + v);
  // Built before fork: the child of a threaded process (the simulator serves from this one) may
  // only make async-signal-safe calls, and an allocation there can wait for ever on a lock some
  // other thread held at the moment of the fork.
  std::vector<char*> args, envp;
  for (auto const& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto const& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_fd, 2);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_fd);
  std::unique_ptr<McpProcess> p(new McpProcess());
  p->pid_ = pid;
  p->in_fd_ = in_pipe[1];
  fcntl(p->in_fd_, F_SETFL, fcntl(p->in_fd_, F_GETFL) | O_NONBLOCK);
  p->out_fd_ = out_pipe[0];
  p->stderr_path_ = tmpl;
  signal(SIGPIPE, SIG_IGN);
  return p;
}

McpProcess::~McpProcess() {
  if (in_fd_ >= 0) close(in_fd_);
  if (!exit_status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
}

void McpProcess::SendLine(std::string const& line) {
  std::string data = line + "\n";
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(in_fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      // The server's input is full, probably because it waits for us to read its output:
      // read while we wait, or both sides would block for ever.
      pollfd fds[2] = {{in_fd_, POLLOUT, 0}, {out_fd_, POLLIN, 0}};
      if (poll(fds, 2, 20000) <= 0) return;
      if (fds[1].revents & (POLLIN | POLLHUP)) {
        char buf[65536];
        ssize_t r = read(out_fd_, buf, sizeof buf);
        if (r > 0) pending_.append(buf, static_cast<std::size_t>(r));
      }
      continue;
    }
    if (n <= 0) return;  // the server went away; tests notice through Read
    off += static_cast<std::size_t>(n);
  }
}

void McpProcess::Send(json const& message) { SendLine(message.dump()); }

std::optional<json> McpProcess::Read(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      json value = json::parse(line, nullptr, false);
      if (value.is_discarded() || !(value.is_object() || value.is_array())) {
        stdout_garbage.push_back(line);
        continue;
      }
      return value;
    }
    // A zero timeout still looks once, so Read(0ms) drains what is already in the pipe.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    pollfd fd{out_fd_, POLLIN, 0};
    int r = poll(&fd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[65536];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

json McpProcess::AwaitResponse(json const& id, std::chrono::milliseconds timeout) {
  for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
    if ((*it)["id"] == id) {
      json r = *it;
      backlog_.erase(it);
      return r;
    }
  }
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto m = Read(std::max(left, std::chrono::milliseconds(1)));
    if (!m) return json{{"timeout", true}, {"stderr", Stderr()}};
    if (m->is_object() && !m->contains("id")) {
      notifications.push_back(*m);
    } else if (m->is_object() && (*m)["id"] == id) {
      return *m;
    } else {
      backlog_.push_back(*m);
    }
  }
}

json McpProcess::Request(std::string const& method, json params,
                         std::chrono::milliseconds timeout) {
  json id = next_id_++;
  json req{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) req["params"] = std::move(params);
  Send(req);
  return AwaitResponse(id, timeout);
}

json McpProcess::Initialize(std::string const& version) {
  json r = Request("initialize", {{"protocolVersion", version},
                                  {"capabilities", json::object()},
                                  {"clientInfo", {{"name", "e2e"}, {"version", "1"}}}});
  Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return r;
}

json McpProcess::Call(std::string const& tool, json arguments) {
  json r = Request("tools/call", {{"name", tool}, {"arguments", std::move(arguments)}});
  if (r.contains("result")) return r["result"];
  return r;
}

void McpProcess::CloseStdin() {
  if (in_fd_ >= 0) close(in_fd_);
  in_fd_ = -1;
}

std::optional<int> McpProcess::Wait(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

void McpProcess::Signal(int sig) { kill(pid_, sig); }

std::string McpProcess::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace halo_test
