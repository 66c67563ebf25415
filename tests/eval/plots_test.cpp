#include "narformer/eval/plots.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../test_util.h"

namespace narformer {
namespace {

TEST(Plots, WritesDataScriptsAndRendersWhenGnuplotExists) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/metrics.jsonl")
      << "{\"epoch\":1,\"loss\":0.5,\"val_kendall_tau\":0.2,\"val_mape\":0.3}\n"
         "{\"epoch\":2,\"loss\":0.25}\n";
  PlotRequest request;
  request.dir = dir.path();
  request.truths = {1, 2, 4, 8};
  request.predictions = {1.1, 1.9, 4.5, 7};
  request.groups = {"a", "b", "a", "b"};
  request.log_scale = true;
  request.quantity = "latency (ms)";
  request.metrics_file = dir.path() + "/metrics.jsonl";
  const PlotResult result = write_plots(request);

  std::ifstream data(dir.path() + "/pred_vs_true.dat");
  const std::string text((std::istreambuf_iterator<char>(data)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "# a\n1 1.1\n4 4.5\n\n\n# b\n2 1.9\n8 7\n\n\n");  // one block per family
  std::ifstream curves(dir.path() + "/learning_curves.dat");
  std::string header, first, second;
  std::getline(curves, header);
  std::getline(curves, first);
  std::getline(curves, second);
  EXPECT_EQ(first, "1 0.5 0.200000 0.300000");
  EXPECT_EQ(second, "2 0.25 NaN NaN");  // epochs without validation
  const bool have_gnuplot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
  EXPECT_EQ(result.rendered, have_gnuplot) << result.message;
  if (have_gnuplot) {
    EXPECT_GT(std::filesystem::file_size(dir.path() + "/pred_vs_true.png"), 1000u);
    EXPECT_GT(std::filesystem::file_size(dir.path() + "/learning_curves.png"), 1000u);
  } else {
    EXPECT_NE(result.message.find("install gnuplot-nox"), std::string::npos);
  }
}

}  // namespace
}  // namespace narformer
