// The model and the trainer on a CUDA device give what they give on the CPU. These tests skip
// where LibTorch sees no GPU (Debian's CPU build, CI); they run on a CUDA build of LibTorch with a
// GPU (../shared/design/gpu.md: scripts/gpu_check.sh).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "../test_util.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/config.h"
#include "narformer/data/batch.h"
#include "narformer/model/narformer_model.h"
#include "narformer/runtime/device.h"
#include "narformer/tokenize/cell_tokenizer.h"
#include "narformer/train/experiment.h"

namespace narformer {
namespace {

using testing::source_path;
using testing::TempDir;

#define SKIP_WITHOUT_CUDA() \
  if (!torch::cuda::is_available()) GTEST_SKIP() << "LibTorch sees no CUDA device"

/// Largest |a - b| relative to the largest |a|: one number for a whole tensor.
double relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = a.detach().to(torch::kCPU, torch::kFloat64);
  const torch::Tensor y = b.detach().to(torch::kCPU, torch::kFloat64);
  return (x - y).abs().max().item<double>() / std::max(1e-12, x.abs().max().item<double>());
}

std::vector<TokenSequence> some_nb201_cells() {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  std::vector<TokenSequence> cells;
  for (const char* arch :
       {"|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|",
        "|none~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_"
        "3x3~2|"})
    cells.push_back(tokenizer.tokenize(to_graph(parse_nb201_arch(arch))));
  return cells;
}

TEST(Cuda, ForwardAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  ModelOptions options;
  options.hidden = 128;
  options.ffn_hidden = 512;
  options.blocks = 3;
  options.dropout = 0;  // CUDA draws other dropout masks than the CPU
  torch::manual_seed(11);
  NarFormerModel on_cpu(options);
  NarFormerModel on_gpu(options);
  {
    torch::NoGradGuard no_grad;
    const auto from = on_cpu->parameters();
    const auto to = on_gpu->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  on_gpu->to(torch::kCUDA);

  const std::vector<TokenSequence> cells = some_nb201_cells();
  std::vector<const TokenSequence*> rows;
  for (const auto& c : cells) rows.push_back(&c);
  const torch::Tensor y_cpu = on_cpu->forward(to_tensors(collate(rows), torch::kCPU));
  const torch::Tensor y_gpu = on_gpu->forward(to_tensors(collate(rows), torch::kCUDA));
  ASSERT_TRUE(y_gpu.is_cuda());
  EXPECT_LT(relative_difference(y_cpu, y_gpu), 1e-4);

  y_cpu.log().sum().backward();
  y_gpu.log().sum().backward();
  const auto g_cpu = on_cpu->parameters();
  const auto g_gpu = on_gpu->parameters();
  double worst = 0;
  for (size_t i = 0; i < g_cpu.size(); ++i) {
    if (!g_cpu[i].grad().defined()) continue;
    ASSERT_TRUE(g_gpu[i].grad().defined()) << "parameter " << i;
    worst = std::max(worst, relative_difference(g_cpu[i].grad(), g_gpu[i].grad()));
  }
  EXPECT_LT(worst, 1e-3);
}

// A short run of the smoke config (dropout off) on each device: the same seed gives the same
// initialisation, split and batch order, so the results differ by float rounding alone.
TEST(Cuda, SmokeRunMatchesCpuRun) {
  SKIP_WITHOUT_CUDA();
  TempDir dir;
  auto run_on = [&](const std::string& device) {
    Config config =
        load_config(source_path("configs/nb201/smoke.yaml"),
                    {"run.dir=" + dir.path(), "run.name=" + device, "run.device=" + device,
                     "model.dropout=0", "train.epochs=4", "run.threads=1"});
    config.data.path = source_path(config.data.path);
    return train_experiment(config, {});
  };
  const TrainReport cpu = run_on("cpu");
  const TrainReport gpu = run_on("cuda");
  EXPECT_EQ(gpu.device, "cuda");
  EXPECT_EQ(cpu.fit.best_epoch, gpu.fit.best_epoch);
  EXPECT_NEAR(cpu.fit.best_score, gpu.fit.best_score, 0.01);
  EXPECT_NEAR(cpu.test.metrics.kendall_tau, gpu.test.metrics.kendall_tau, 0.01);
  EXPECT_NEAR(cpu.test.metrics.mape, gpu.test.metrics.mape, 0.05 * cpu.test.metrics.mape);
  std::printf("cuda: smoke 4 epochs, test tau cpu %.5f cuda %.5f; %.0f vs %.0f archs/s\n",
              cpu.test.metrics.kendall_tau, gpu.test.metrics.kendall_tau,
              cpu.fit.samples_per_second, gpu.fit.samples_per_second);
}

}  // namespace
}  // namespace narformer
