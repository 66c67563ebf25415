#include "narformer/runtime/run_folder.h"

#include <gtest/gtest.h>

#include <fstream>

#include "../test_util.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

TEST(RunFolder, NamesEveryFileAndResolvesCheckpointNames) {
  const RunFolder run("runs/r1");
  EXPECT_EQ(run.config(), "runs/r1/config.yaml");
  EXPECT_EQ(run.model_info(), "runs/r1/model.json");
  EXPECT_EQ(run.metrics(), "runs/r1/metrics.jsonl");
  EXPECT_EQ(run.test_metrics(), "runs/r1/test_metrics.json");
  EXPECT_EQ(run.predictions(), "runs/r1/predictions.csv");
  EXPECT_EQ(run.baseline_trees(2), "runs/r1/baseline.head2.xgb.json");
  EXPECT_EQ(run.checkpoint("best"), "runs/r1/best.pt");
  EXPECT_EQ(run.checkpoint("last"), "runs/r1/last.pt");
  EXPECT_EQ(run.checkpoint("elsewhere/epoch7.pt"), "elsewhere/epoch7.pt");  // a path stays a path
}

TEST(RunFolder, RequireRunNeedsAConfig) {
  testing::TempDir dir;
  const RunFolder run(dir.path());
  try {
    run.require_run();
    FAIL() << "a folder without config.yaml passed as a run";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a run folder"), std::string::npos) << e.what();
  }
  std::ofstream(run.config()) << "data: {}\n";
  EXPECT_NO_THROW(run.require_run());
}

}  // namespace
}  // namespace narformer
