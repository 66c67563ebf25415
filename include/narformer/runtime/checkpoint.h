#pragma once
// Checkpoints: model weights, optimiser state and everything needed to resume a run exactly
// (epoch, step, best score, the shuffling engine and LibTorch's generator). Written
// atomically; the model options travel along so a checkpoint cannot be loaded into a model
// of another shape by mistake.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "narformer/model/narformer_model.h"
#include "narformer/runtime/resumable_state.h"
#include "narformer/runtime/weight_file.h"

namespace narformer {

struct TrainingState {
  int64_t epochs_done = 0;
  int64_t step = 0;
  double best_score = 0;         ///< selection metric of the best epoch so far
  int64_t best_epoch = 0;        ///< 0 = none yet
  std::string shuffle_engine;    ///< serialized std::mt19937_64
  torch::Tensor torch_rng;       ///< LibTorch CPU generator state
  torch::Tensor family_offsets;  ///< train.family_offsets: the learned b_f; undefined otherwise
};

/// One line describing the model options, stored in and checked against checkpoints.
std::string describe(const ModelOptions& options);

/// Saves atomically, and the weights alone beside it for the torch-free forward pass
/// (weights_path_for(path), runtime/weight_file.h). `optimizer` may be null (weights-only export).
void save_checkpoint(const std::string& path, NarFormerModel& model,
                     const ResumableState* optimizer, const TrainingState& state);

/// Loads into `model` (and `optimizer` unless null). Throws RunError naming the file when it
/// is missing, corrupt, or was written for a model with other options.
TrainingState load_checkpoint(const std::string& path, NarFormerModel& model,
                              ResumableState* optimizer, const torch::Device& device);

/// The weights of a checkpoint for prediction: `path` (a .pt file), or when there is none the
/// weight file beside it (weights_path_for): pretrained folders ship weight files only. The
/// weight file must fit the model exactly (same options, every parameter and buffer). Throws
/// RunError naming the file otherwise.
void load_model_weights(const std::string& path, NarFormerModel& model,
                        const torch::Device& device);

/// Every parameter and buffer of `model` by name, with the model options as meta text.
WeightFile model_weights(const NarFormerModel& model);

/// Writes `checkpoint`'s weights file (weights_path_for) from the checkpoint itself: for runs
/// trained before weight files existed. Returns the path written.
std::string export_checkpoint_weights(const std::string& checkpoint, NarFormerModel& model);

/// Transfer: copies every parameter of `model` whose name and shape match one stored in the
/// checkpoint at `path` (a .pt file, a .weights file, or a run or pretrained folder: its best.pt,
/// else its best.weights), whatever model options the checkpoint was written with. Returns the
/// names of the parameters NOT copied (new heads, resized layers), which keep their initialisation.
/// Throws RunError for a missing or unreadable checkpoint, or when nothing matches.
std::vector<std::string> load_matching_weights(const std::string& path, NarFormerModel& model,
                                               const torch::Device& device);

}  // namespace narformer
