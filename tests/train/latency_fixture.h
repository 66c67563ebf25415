#pragma once
// A tiny NNLQP-layout latency dataset over the committed torchvision fixtures, and a config
// that trains on it in seconds; shared by the latency and baseline tests.

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../test_util.h"
#include "narformer/config/config.h"

namespace narformer::testing {

/// An NNLQP-layout folder over the committed torchvision fixtures: three "families" of real
/// graphs with made-up latencies, two platforms, a stage column, and one missing file.
inline std::string write_dataset(const std::string& dir) {
  const std::string fixtures = testing::source_path("tests/fixtures/onnx/torchvision");
  std::filesystem::create_directories(dir + "/onnx");
  const std::vector<std::pair<std::string, std::string>> models = {
      {"resnet18", "resnet18"},
      {"mobilenet", "mobilenet_v2"},
      {"mobilenet", "mobilenet_v3_small"},
      {"squeezenet", "squeezenet1_0"},
      {"resnet18", "regnet_y_400mf"},
      {"squeezenet", "alexnet"}};
  std::ofstream gt(dir + "/gt.txt");
  int id = 0;
  for (int copy = 0; copy < 4; ++copy) {
    for (const auto& [family, file] : models) {
      const std::string relative = "onnx/" + file + ".onnx";
      std::filesystem::copy_file(fixtures + "/" + file + ".onnx", dir + "/" + relative,
                                 std::filesystem::copy_options::skip_existing);
      for (const std::string platform : {"1", "2"}) {
        const double latency = 1.0 + id % 7 + (platform == "2" ? 10.0 : 0.0);
        gt << ++id << ' ' << relative << " 1 " << latency << ' ' << family << ' ' << platform << ' '
           << (copy == 3 ? "test" : "train") << '\n';
      }
    }
  }
  gt << ++id << " onnx/missing.onnx 1 2.5 resnet18 1 train\n";
  return dir + "/gt.txt";
}

inline Config latency_config(const std::string& gt, const std::string& run_dir) {
  Config c;
  c.source_file = "latency-test";
  c.data.dataset = "nnlqp";
  c.data.path = gt;
  c.data.protocol = Protocol::kStage;
  c.data.val_fraction = 0.25;
  c.data.cache_dir = "";
  c.data.tokenizer.embed = EmbedType::kTrans;
  c.data.tokenizer.dp = 0;
  c.model.blocks = 1;
  c.model.hidden = 32;
  c.model.ffn_hidden = 64;
  c.model.readout = "sum";
  c.train.epochs = 2;
  c.train.batch_size = 8;
  c.train.lr = 1e-3;
  c.train.lambda_sr = 0;
  c.train.lambda_cons = 0;
  c.eval.selection = Selection::kMape;
  c.run.dir = run_dir;
  c.run.name = "latency";
  c.run.device = DeviceSetting::kCpu;
  c.run.threads = 1;
  return c;
}

}  // namespace narformer::testing
