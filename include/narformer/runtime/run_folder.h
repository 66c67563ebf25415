#pragma once
// A run folder and the files in it. Training writes them, eval, predict, embed and export read
// them: every file name of that contract is written here and nowhere else. LibTorch-free.
//
//   config.yaml         the resolved config the run trained with (all defaults written out)
//   model.json          model kind, input sizes, heads and platforms: what predict needs
//   train.log           the log of every command that touched the run
//   metrics.jsonl       one line per epoch (narformer) or per grid setting (baselines)
//   best.pt, last.pt    checkpoints (runtime/checkpoint.h), with best.weights and
//                       last.weights beside them for the LibTorch-free forward pass
//   test_metrics.json   the test report; predictions.csv one line per test item
//   skipped.txt         data lines that could not be read
//   prior.json          model.prior: the linear prior the network corrects
//   baseline.json       baselines: the kind, the kept setting and its fit; baseline.weights
//                       (MLP), baseline.head<h>.xgb.json (gradient-boosted trees, per head)

#include <cstdint>
#include <string>
#include <utility>

namespace narformer {

class RunFolder {
 public:
  explicit RunFolder(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string config() const { return file("config.yaml"); }
  std::string model_info() const { return file("model.json"); }
  std::string train_log() const { return file("train.log"); }
  std::string metrics() const { return file("metrics.jsonl"); }
  std::string test_metrics() const { return file("test_metrics.json"); }
  std::string predictions() const { return file("predictions.csv"); }
  std::string skipped() const { return file("skipped.txt"); }
  std::string prior() const { return file("prior.json"); }
  std::string baseline() const { return file("baseline.json"); }
  std::string baseline_weights() const { return file("baseline.weights"); }
  std::string baseline_trees(int64_t head) const {
    return file("baseline.head" + std::to_string(head) + ".xgb.json");
  }

  /// "best" or "last": that checkpoint of this run; anything else is a .pt path, returned as is.
  std::string checkpoint(const std::string& which) const;

  /// Throws RunError naming the folder unless it holds a config.yaml.
  void require_run() const;

 private:
  std::string file(const std::string& name) const;
  std::string path_;
};

}  // namespace narformer
