// Data-parallel training end to end, through the CLI as users run it: N ranks on loopback give
// the parameters one process gives (dropout, the ranking and consistency losses, a batch that
// does not divide by the ranks); a run resumes with another number of ranks; a rank that dies
// stops the others with an error that names it, and the run resumes from its last checkpoint.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "narformer/config/config.h"
#include "narformer/core/atomic_file.h"
#include "narformer/distributed/local_launch.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/train/task.h"

extern char** environ;

namespace narformer {
namespace {

namespace fs = std::filesystem;
using testing::source_path;
using testing::TempDir;

/// narformer-torch beside this test's folder (build/tests/.. = build/), or $NARFORMER_TORCH_CLI.
std::string cli() {
  if (const char* path = std::getenv("NARFORMER_TORCH_CLI")) return path;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "narformer-torch")
      .string();
}

/// Runs `narformer-torch train ARGS` in the source tree (configs name data relative to it);
/// returns the exit code, stderr into `log`.
int train(const std::string& args, const std::string& log) {
  const std::string command = "cd '" + source_path("") + "' && '" + cli() + "' train " + args +
                              " > /dev/null 2> '" + log + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Makes the source tree the working folder while alive (configs name data relative to it).
class InSourceTree {
 public:
  InSourceTree() : previous_(fs::current_path()) { fs::current_path(source_path("")); }
  ~InSourceTree() { fs::current_path(previous_); }

 private:
  fs::path previous_;
};

/// Every parameter of a run's checkpoint, by name.
std::map<std::string, torch::Tensor> parameters(const std::string& run_dir,
                                                const std::string& which = "last") {
  InSourceTree here;
  const RunFolder run(run_dir);
  const Config config = load_config(run.config());
  const std::unique_ptr<Task> task = make_task(config);
  NarFormerModel model(model_options(config, *task));
  load_model_weights(run.checkpoint(which), model, torch::kCPU);
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
  return out;
}

/// The largest absolute difference between two runs' parameters.
double largest_difference(const std::string& a, const std::string& b) {
  const auto pa = parameters(a), pb = parameters(b);
  EXPECT_EQ(pa.size(), pb.size());
  double largest = 0;
  for (const auto& [name, value] : pa) {
    EXPECT_TRUE(pb.count(name)) << name;
    if (!pb.count(name)) continue;
    largest = std::max(largest, (value - pb.at(name)).abs().max().item<double>());
  }
  return largest;
}

/// Overrides that put a run in `dir` under `name`, one thread per process.
std::string place(const TempDir& dir, const std::string& name) {
  return " --set run.dir=" + dir.path() + " --set run.name=" + name + " --set run.threads=1";
}

TEST(DataParallelTraining, TwoRanksGiveOneProcessParametersOnNb201) {
  // 300 training cells in batches of 15 (not a multiple of 2): 20 steps; dropout, the ranking
  // loss and the augmented copies' consistency loss all on.
  TempDir dir;
  const std::string config =
      "configs/nb201/smoke.yaml --set train.epochs=1 --set train.batch_size=15 "
      "--set train.lambda_sr=0.5 --set train.lambda_cons=0.5 --set model.dropout=0.1";
  ASSERT_EQ(train(config + place(dir, "one"), dir.path() + "/one.log"), 0)
      << read_file(dir.path() + "/one.log");
  ASSERT_EQ(train(config + place(dir, "two") + " --nproc 2", dir.path() + "/two.log"), 0)
      << read_file(dir.path() + "/two.log");
  const double difference = largest_difference(dir.path() + "/one", dir.path() + "/two");
  EXPECT_LT(difference, 1e-5);
  // The loss curve too: the same epoch lines, to float rounding.
  const nlohmann::json one = nlohmann::json::parse(read_file(dir.path() + "/one/metrics.jsonl"));
  const nlohmann::json two = nlohmann::json::parse(read_file(dir.path() + "/two/metrics.jsonl"));
  EXPECT_NEAR(one["loss"].get<double>(), two["loss"].get<double>(), 1e-5);
  EXPECT_NEAR(one["loss_sr"].get<double>(), two["loss_sr"].get<double>(), 1e-5);
  EXPECT_NEAR(one["val_kendall_tau"].get<double>(), two["val_kendall_tau"].get<double>(), 1e-6);
  // Only rank 0 wrote the run folder: one test_metrics.json, one log.
  EXPECT_TRUE(fs::exists(dir.path() + "/two/test_metrics.json"));
}

TEST(DataParallelTraining, TwoRanksGiveOneProcessParametersOnLatency) {
  // 80 graphs in batches of 8, 2 epochs: 20 steps; dropout and the ranking loss on.
  TempDir dir;
  const std::string config = "configs/latency_cpu/smoke.yaml";
  ASSERT_EQ(train(config + place(dir, "one"), dir.path() + "/one.log"), 0)
      << read_file(dir.path() + "/one.log");
  ASSERT_EQ(train(config + place(dir, "two") + " --nproc 2", dir.path() + "/two.log"), 0)
      << read_file(dir.path() + "/two.log");
  EXPECT_LT(largest_difference(dir.path() + "/one", dir.path() + "/two"), 1e-5);
}

TEST(DataParallelTraining, ARunResumesWithAnotherNumberOfRanks) {
  // Two ranks for the first of two epochs, one process for the second, against two ranks
  // throughout.
  TempDir dir;
  const std::string config =
      "configs/nb201/smoke.yaml --set train.epochs=2 --set data.n_train=160 "
      "--set train.batch_size=16";
  ASSERT_EQ(train(config + place(dir, "straight") + " --nproc 2", dir.path() + "/a.log"), 0)
      << read_file(dir.path() + "/a.log");
  ASSERT_EQ(train(config + place(dir, "pieces") + " --nproc 2 --stop-after-epochs 1",
                  dir.path() + "/b.log"),
            0)
      << read_file(dir.path() + "/b.log");
  ASSERT_EQ(train(config + place(dir, "pieces") + " --resume", dir.path() + "/c.log"), 0)
      << read_file(dir.path() + "/c.log");
  EXPECT_LT(largest_difference(dir.path() + "/straight", dir.path() + "/pieces"), 1e-5);
}

/// Starts rank `rank` of 2 of `narformer-torch train ARGS` with torchrun's variables.
pid_t start_rank(int64_t rank, int64_t port, const std::vector<std::string>& args,
                 const std::string& log) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), {"RANK=" + std::to_string(rank), "WORLD_SIZE=2", "LOCAL_WORLD_SIZE=2",
                         "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port)});
  const std::string program = cli();
  std::vector<char*> argv = {const_cast<char*>(program.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&files, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  int error = 0;
  {
    InSourceTree here;
    error = posix_spawn(&pid, program.c_str(), &files, nullptr, argv.data(), envp.data());
  }
  posix_spawn_file_actions_destroy(&files);
  EXPECT_EQ(error, 0);
  return pid;
}

TEST(DataParallelTraining, ADeadRankStopsTheOtherWithItsNameAndTheRunResumes) {
  TempDir dir;
  const std::vector<std::string> args = {"train",          "configs/nb201/smoke.yaml",
                                         "--set",          "train.epochs=30",
                                         "--set",          "run.dir=" + dir.path(),
                                         "--set",          "run.name=killed",
                                         "--set",          "run.threads=1",
                                         "--rank-timeout", "20"};
  const int64_t port = free_loopback_port();
  const pid_t rank0 = start_rank(0, port, args, dir.path() + "/rank0.log");
  const pid_t rank1 = start_rank(1, port, args, dir.path() + "/rank1.log");
  // Wait for the first checkpoint, then kill rank 1 mid-run.
  const std::string last = dir.path() + "/killed/last.pt";
  for (int i = 0; i < 600 && !fs::exists(last); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(last)) << read_file(dir.path() + "/rank0.log");
  kill(rank1, SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(rank1, &status, 0);
  waitpid(rank0, &status, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  // Rank 0's log goes with every failure: this test depends on timing (it failed once under
  // a loaded ctest -j2 and passed on every re-run).
  const std::string message = read_file(dir.path() + "/rank0.log");
  ASSERT_TRUE(WIFEXITED(status)) << message;
  EXPECT_NE(WEXITSTATUS(status), 0) << message;
  EXPECT_LT(seconds, 20 + 10) << message;
  EXPECT_NE(message.find("rank 1 stopped"), std::string::npos) << message;

  // One process finishes the run from its last checkpoint, and the result loads.
  std::vector<std::string> resume(args.begin() + 1, args.end() - 2);
  std::string line;
  for (const std::string& a : resume) line += " '" + a + "'";
  ASSERT_EQ(train(line + " --resume", dir.path() + "/resume.log"), 0)
      << read_file(dir.path() + "/resume.log");
  EXPECT_TRUE(fs::exists(dir.path() + "/killed/test_metrics.json"));
  EXPECT_EQ(parameters(dir.path() + "/killed", "best").size(),
            parameters(dir.path() + "/killed", "last").size());
}

}  // namespace
}  // namespace narformer
