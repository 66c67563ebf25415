// The launcher's environment: torchrun's and Slurm's names, the master host from a Slurm node
// list, and one clear error for values no job could have.
#include "narformer/distributed/launch_env.h"

#include <gtest/gtest.h>

#include <map>

#include "../test_util.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

using testing::error_message;

LaunchEnv read(const std::map<std::string, std::string>& vars) {
  return launch_env_from([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(LaunchEnv, NoLauncherIsOneProcess) {
  const LaunchEnv env = read({{"SLURM_PROCID", "0"}});  // Slurm without a task count: a shell
  EXPECT_EQ(env.launcher, "none");
  EXPECT_FALSE(env.distributed());
}

TEST(LaunchEnv, TorchrunNamesWinOverSlurms) {
  const LaunchEnv env = read({{"RANK", "3"},
                              {"WORLD_SIZE", "4"},
                              {"LOCAL_RANK", "1"},
                              {"MASTER_ADDR", "10.0.0.2"},
                              {"MASTER_PORT", "29600"},
                              {"SLURM_PROCID", "0"},
                              {"SLURM_NTASKS", "2"}});
  EXPECT_EQ(env.launcher, "torchrun");
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "10.0.0.2");
  EXPECT_EQ(env.master_port, 29600);
  EXPECT_EQ(env.local_world_size, 4);  // no LOCAL_WORLD_SIZE: one machine
  EXPECT_TRUE(env.distributed());
  EXPECT_EQ(
      read({{"RANK", "0"}, {"WORLD_SIZE", "4"}, {"LOCAL_WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}})
          .local_world_size,
      2);
}

TEST(LaunchEnv, SlurmTakesTheFirstHostAndAPortFromTheJobId) {
  const LaunchEnv env = read({{"SLURM_PROCID", "5"},
                              {"SLURM_NTASKS", "8"},
                              {"SLURM_LOCALID", "1"},
                              {"SLURM_JOB_NODELIST", "gpu[07-09,12],login2"},
                              {"SLURM_NTASKS_PER_NODE", "2(x4)"},
                              {"SLURM_JOB_ID", "123456"}});
  EXPECT_EQ(env.local_world_size, 2);
  EXPECT_EQ(env.launcher, "slurm");
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.master_addr, "gpu07");
  EXPECT_EQ(env.master_port, 29500 + 456);
  EXPECT_EQ(first_slurm_host("node1,node2"), "node1");
  EXPECT_EQ(first_slurm_host("a,b[1-2]"), "a");
  EXPECT_EQ(first_slurm_host("n[003]"), "n003");
  EXPECT_THROW(first_slurm_host("n[]"), ConfigError);
  EXPECT_THROW(first_slurm_host("n[x-3]"), ConfigError);
}

TEST(LaunchEnv, ValuesNoJobCouldHaveAreOneClearError) {
  EXPECT_NE(error_message<ConfigError>([] {
              read({{"RANK", "two"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "h"}});
            }).find("RANK='two' is not an integer"),
            std::string::npos);
  EXPECT_NE(error_message<ConfigError>([] {
              read({{"RANK", "4"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "h"}});
            }).find("rank 4 is not below the world size 4"),
            std::string::npos);
  EXPECT_NE(error_message<ConfigError>([] {
              read({{"RANK", "0"}, {"WORLD_SIZE", "2"}});
            }).find("MASTER_ADDR is not set"),
            std::string::npos);
  EXPECT_NE(
      error_message<ConfigError>([] {
        read({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}});
      }).find("MASTER_PORT=70000 is outside [1, 65535]"),
      std::string::npos);
}

}  // namespace
}  // namespace narformer
