// A short latency run packed as a pretrained predictor: half-precision weights that change no
// prediction by more than the tolerance, LibTorch's Predictor reading them without a .pt, the
// manifest's version counting up on replacement, and train.init_from starting from the folder.
#include "narformer/torch_free/pretrained_pack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "../train/latency_fixture.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/predict/predictor.h"
#include "narformer/predict/run_inputs.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/torch_free/run_predictor.h"
#include "narformer/train/experiment.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::latency_config;
using testing::TempDir;
using testing::write_dataset;

TEST(PretrainedPack, HalfWeightsPredictWithinToleranceAndReplaceCountsVersionsUp) {
  TempDir dir;
  Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  config.model.readout = "cost";
  const TrainReport report = train_experiment(config, {});

  PackOptions options;
  options.name = "tiny_latency";
  options.metrics_summary = "MAPE on 12 made-up lines";
  const std::string out = dir.path() + "/pretrained/tiny_latency";
  const PretrainedInfo info = pack_pretrained(report.run_dir, out, options);
  EXPECT_EQ(info.name, "tiny_latency");
  EXPECT_EQ(info.version, 1);
  EXPECT_EQ(info.task, "latency");
  EXPECT_EQ(info.input, "onnx");
  EXPECT_EQ(info.platforms, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(info.weights, "float16");
  EXPECT_FALSE(std::filesystem::exists(out + "/best.pt"));  // weights only
  const nlohmann::json manifest = nlohmann::json::parse(read_file(out + "/pretrained.json"));
  EXPECT_LE(manifest["weights"]["float16_largest_relative_change"].get<double>(), 1e-3);
  EXPECT_EQ(manifest["weights"]["checked_predictions"].get<int>(), 12);
  EXPECT_EQ(manifest["data"]["fnv1a64"].get<std::string>(), file_content_hash(config.data.path));
  EXPECT_EQ(manifest["metrics"]["this_run"]["n"].get<int>(), 12);
  EXPECT_LT(std::filesystem::file_size(out + "/best.weights"),
            std::filesystem::file_size(report.run_dir + "/best.weights") * 6 / 10);

  // The packed folder predicts like the run: torch-free, and through LibTorch from best.weights.
  const TorchFreePredictor run(report.run_dir), packed(out);
  const Predictor torch_packed(out);
  for (const char* platform : {"1", "2"})
    for (const char* file : {"/onnx/resnet18.onnx", "/onnx/squeezenet1_0.onnx"}) {
      const TokenPtr tokens = run.tokenize_onnx(dir.path() + file);
      const double full = run.predict({tokens}, platform)[0];
      EXPECT_NEAR(packed.predict({tokens}, platform)[0], full, 1e-3 * full) << file;
      EXPECT_NEAR(torch_packed.predict_onnx(dir.path() + file, 1, platform), full, 1e-3 * full)
          << file;
    }

  // A folder is never overwritten by accident; replacing it counts the version up.
  EXPECT_NE(error_message<ConfigError>([&] {
              pack_pretrained(report.run_dir, out, options);
            }).find("--overwrite"),
            std::string::npos);
  options.overwrite = true;
  EXPECT_EQ(pack_pretrained(report.run_dir, out, options).version, 2);
  EXPECT_FALSE(std::filesystem::exists(out + ".packing-" + std::to_string(getpid())));

  // A tolerance no half can meet keeps float32.
  options.half_tolerance = 0;
  EXPECT_EQ(pack_pretrained(report.run_dir, out, options).weights, "float32");
  EXPECT_EQ(TorchFreePredictor(out).predict({run.tokenize_onnx(dir.path() + "/onnx/resnet18.onnx")},
                                            "2")[0],
            run.predict({run.tokenize_onnx(dir.path() + "/onnx/resnet18.onnx")}, "2")[0]);

  // train.init_from a pretrained folder (float32 now): the run's parameters, every one.
  const RunInputs inputs(report.run_dir);
  NarFormerModel from_folder(inputs.model_options()), from_run(inputs.model_options());
  EXPECT_TRUE(load_matching_weights(out, from_folder, torch::kCPU).empty());
  load_model_weights(report.run_dir + "/best.pt", from_run, torch::kCPU);
  const auto a = from_folder->named_parameters(), b = from_run->named_parameters();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
}

}  // namespace
}  // namespace narformer
