// The Predictor (and, where built, the LibTorch-free LitePredictor) on a run folder that a
// short latency training wrote: the test split's predictions, concurrently, and clear errors.
#include "narformer/predict/predictor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <tuple>

#include "narformer/core/error.h"
#ifdef NARFORMER_WITH_LITE
#include "narformer/torch_free/lite_predictor.h"
#endif
#include "../test_util.h"
#include "../train/latency_fixture.h"
#include "narformer/train/experiment.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::latency_config;
using testing::TempDir;
using testing::write_dataset;

TEST(Predictor, ReproducesTestPredictionsAndIsThreadSafe) {
  TempDir dir;
  const Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  const TrainReport report = train_experiment(config, {});

  // predictions.csv rows: id,family,platform,batch_size,onnx_path,latency_ms,prediction_ms
  std::ifstream csv(report.run_dir + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<std::tuple<std::string, std::string, double>> expected;  // path, platform, prediction
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, ',');) f.push_back(field);
    expected.emplace_back(f[4], f[2], std::stod(f[6]));
  }
  ASSERT_EQ(expected.size(), 12u);

  const Predictor predictor(report.run_dir);
  EXPECT_TRUE(predictor.takes_onnx());
  EXPECT_EQ(predictor.platforms(), (std::vector<std::string>{"1", "2"}));
  for (const auto& [path, platform, prediction] : expected)
    EXPECT_NEAR(predictor.predict_onnx(path, 1, platform), prediction, 1e-5 * prediction) << path;
  EXPECT_EQ(predictor.embed(predictor.tokenize_onnx(std::get<0>(expected[0]))).size(),
            static_cast<size_t>(predictor.embedding_dim()));
  EXPECT_THROW(predictor.predict_onnx(std::get<0>(expected[0]), 1, "7"), ConfigError);
  EXPECT_THROW(predictor.predict_cell("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
               ConfigError);

  // Concurrent calls give the sequential answers.
  std::vector<double> concurrent(expected.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < expected.size(); i += 4)
        concurrent[i] =
            predictor.predict_onnx(std::get<0>(expected[i]), 1, std::get<1>(expected[i]));
    });
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(concurrent[i], std::get<2>(expected[i]), 1e-5 * concurrent[i]);

  EXPECT_THROW(Predictor(dir.path()), RunError);  // not a run folder

#ifdef NARFORMER_WITH_LITE
  // The torch-free predictor: same predictions and representations, also concurrently.
  const LitePredictor lite(report.run_dir);
  EXPECT_EQ(lite.platforms(), predictor.platforms());
  EXPECT_EQ(lite.embedding_dim(), predictor.embedding_dim());
  std::vector<double> lite_concurrent(expected.size());
  std::vector<std::thread> lite_threads;
  for (size_t t = 0; t < 3; ++t)
    lite_threads.emplace_back([&, t] {
      for (size_t i = t; i < expected.size(); i += 3)
        lite_concurrent[i] =
            lite.predict_onnx(std::get<0>(expected[i]), 1, std::get<1>(expected[i]));
    });
  for (auto& thread : lite_threads) thread.join();
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(lite_concurrent[i], std::get<2>(expected[i]), 1e-5 * std::get<2>(expected[i]))
        << std::get<0>(expected[i]);
  // A batch of graphs is spread over threads, one graph each: the one-by-one answers, and the
  // first bad graph's error, whichever thread met it first.
  std::vector<TokenPtr> batch;
  for (const auto& row : expected) batch.push_back(lite.tokenize_onnx(std::get<0>(row)));
  const std::vector<double> batched = lite.predict(batch, "1");
  ASSERT_EQ(batched.size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i)
    EXPECT_NEAR(batched[i], lite.predict(batch[i], "1"), 1e-6 * batched[i]) << i;
  auto empty = std::make_shared<TokenSequence>(*batch[5]);
  empty->num_nodes = 0;
  auto wide = std::make_shared<TokenSequence>(*batch[8]);
  wide->feature_dim += 1;
  batch[5] = empty;
  batch[8] = wide;
  for (int repeat = 0; repeat < 5; ++repeat)
    EXPECT_NE(error_message<DataError>([&] { lite.predict(batch, "1"); }).find("without nodes"),
              std::string::npos);
  const TokenPtr tokens = lite.tokenize_onnx(std::get<0>(expected[0]));
  const std::vector<float> a = lite.embed(tokens), b = predictor.embed(tokens);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-4 * (1 + std::abs(b[k]))) << k;
  EXPECT_THROW(lite.predict_onnx(std::get<0>(expected[0]), 1, "7"), ConfigError);
  // Without its weight file the run cannot be read by LitePredictor, and says how to fix it.
  std::filesystem::remove(report.run_dir + "/best.weights");
  EXPECT_FALSE(LitePredictor::available(report.run_dir));
  EXPECT_NE(
      error_message<RunError>([&] { LitePredictor{report.run_dir}; }).find("narformer export"),
      std::string::npos);
#endif
}

}  // namespace
}  // namespace narformer
