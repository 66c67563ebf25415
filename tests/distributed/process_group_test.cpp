// Two ranks on this machine (forked processes, loopback): the collectives give every rank the
// same sums and gathers, and a rank that never arrives is one clear error within the timeout.
#include "narformer/distributed/process_group.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "narformer/core/error.h"

namespace narformer {
namespace {

/// A port from the test's process id, so that parallel ctest runs do not meet.
int64_t test_port(int64_t offset) {
  return 20000 + (getpid() * 7 + offset) % 20000;
}

LaunchEnv rank_of(int64_t rank, int64_t world, int64_t port) {
  LaunchEnv env;
  env.launcher = "test";
  env.rank = rank;
  env.world_size = world;
  env.master_port = port;
  return env;
}

/// What a rank checks; its exit code tells the parent (0 = every check held).
int run_rank(int64_t rank, int64_t port) {
  try {
    DataParallelGroup group(rank_of(rank, 2, port), std::chrono::seconds(30));
    std::vector<torch::Tensor> tensors = {torch::full({3}, static_cast<float>(rank + 1)),
                                          torch::arange(4, torch::kFloat32) * (rank + 1)};
    group.all_reduce_sum(tensors);
    if (!torch::equal(tensors[0], torch::full({3}, 3.0f))) return 2;
    if (!torch::equal(tensors[1], torch::arange(4, torch::kFloat32) * 3)) return 3;
    const std::vector<torch::Tensor> gathered =
        group.all_gather(torch::full({2}, static_cast<float>(10 * rank)));
    if (gathered.size() != 2 || gathered[1][0].item<float>() != 10.0f) return 4;
    group.barrier();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %lld: %s\n", static_cast<long long>(rank), e.what());
    return 5;
  }
}

TEST(DataParallelGroup, TwoRanksSumAndGatherTheSameOnEveryRank) {
  const int64_t port = test_port(0);
  const pid_t child = fork();
  if (child == 0) _exit(run_rank(1, port));
  const int mine = run_rank(0, port);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(mine, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DataParallelGroup, ARankThatNeverArrivesIsOneErrorWithinTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    DataParallelGroup group(rank_of(0, 2, test_port(1)), std::chrono::seconds(2));
  } catch (const RunError& e) {
    message = e.what();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(message.find("joining the process group failed on rank 0 of 2 (127.0.0.1:"),
            std::string::npos)
      << message;
  EXPECT_LT(seconds, 20);
}

TEST(DataParallelGroup, OneRankIsNoCommunication) {
  DataParallelGroup group(LaunchEnv{}, std::chrono::seconds(1));
  std::vector<torch::Tensor> tensors = {torch::ones({2})};
  group.all_reduce_sum(tensors);
  EXPECT_TRUE(torch::equal(tensors[0], torch::ones({2})));
  EXPECT_EQ(group.all_gather(torch::ones({1})).size(), 1u);
}

}  // namespace
}  // namespace narformer
