#include "narformer/distributed/local_launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <spdlog/spdlog.h>

#include "narformer/core/error.h"

extern char** environ;

namespace narformer {

int64_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw RunError(std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  close(fd);
  if (!ok) throw RunError(std::string("cannot find a free loopback port: ") + std::strerror(error));
  return ntohs(address.sin_port);
}

int run_local_ranks(const std::vector<std::string>& arguments, int64_t ranks) {
  const std::string self = "/proc/self/exe";
  const int64_t port = free_loopback_port();
  // This environment minus any launcher variables, plus torchrun's for each rank.
  const std::map<std::string, std::string> launcher_names = {
      {"RANK", ""},        {"WORLD_SIZE", ""},  {"LOCAL_RANK", ""},   {"LOCAL_WORLD_SIZE", ""},
      {"MASTER_ADDR", ""}, {"MASTER_PORT", ""}, {"SLURM_PROCID", ""}, {"SLURM_NTASKS", ""}};
  std::vector<std::string> inherited;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (!launcher_names.count(entry.substr(0, entry.find('=')))) inherited.push_back(entry);
  }
  std::map<pid_t, int64_t> rank_of;
  for (int64_t rank = 0; rank < ranks; ++rank) {
    std::vector<std::string> env = inherited;
    env.push_back("RANK=" + std::to_string(rank));
    env.push_back("LOCAL_RANK=" + std::to_string(rank));
    env.push_back("WORLD_SIZE=" + std::to_string(ranks));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(ranks));
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + std::to_string(port));
    std::vector<char*> argv = {const_cast<char*>(self.c_str())};
    for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    if (const int error =
            posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), envp.data());
        error != 0)
      throw RunError("cannot start rank " + std::to_string(rank) + ": " + std::strerror(error));
    rank_of[pid] = rank;
  }
  int first_failure = 0;
  while (!rank_of.empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const auto found = rank_of.find(pid);
    if (found == rank_of.end()) continue;
    const int64_t rank = found->second;
    rank_of.erase(found);
    int code = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      code = WEXITSTATUS(status);
      spdlog::error("rank {} of {} exited with code {}", rank, ranks, code);
    } else if (WIFSIGNALED(status)) {
      code = 128 + WTERMSIG(status);
      spdlog::error("rank {} of {} was killed by signal {} ({})", rank, ranks, WTERMSIG(status),
                    strsignal(WTERMSIG(status)));
    }
    if (code != 0 && first_failure == 0) first_failure = code;
  }
  return first_failure;
}

}  // namespace narformer
