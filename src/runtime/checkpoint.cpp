#include "narformer/runtime/checkpoint.h"

#include <filesystem>
#include <sstream>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/runtime/run_folder.h"

namespace narformer {

std::string describe(const ModelOptions& o) {
  std::ostringstream s;
  s << "input_dim=" << o.input_dim << " static_dim=" << o.static_dim << " hidden=" << o.hidden
    << " blocks=" << o.blocks << " ffn_hidden=" << o.ffn_hidden << " ffn_groups=" << o.ffn_groups
    << " use_degree=" << o.use_degree << " readout=" << readout_index(*o.readout);
  if (o.num_heads != 1) s << " heads=" << o.num_heads;
  return s.str();
}

void save_checkpoint(const std::string& path, NarFormerModel& model,
                     const ResumableState* optimizer, const TrainingState& state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model->save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("model_options", torch::IValue(describe(model->options())));
  archive.write("epochs_done", torch::IValue(state.epochs_done));
  archive.write("step", torch::IValue(state.step));
  archive.write("best_score", torch::IValue(state.best_score));
  archive.write("best_epoch", torch::IValue(state.best_epoch));
  archive.write("shuffle_engine", torch::IValue(state.shuffle_engine));
  if (state.torch_rng.defined()) archive.write("torch_rng", state.torch_rng);
  if (state.family_offsets.defined()) archive.write("family_offsets", state.family_offsets);
  write_atomic_with(path, [&](const std::string& tmp) { archive.save_to(tmp); });
  write_weight_file(weights_path_for(path), model_weights(model));
}

WeightFile model_weights(const NarFormerModel& model) {
  WeightFile weights;
  weights.meta = describe(model->options());
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    const torch::Tensor values = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    NamedArray array;
    array.shape = values.sizes().vec();
    array.values.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
    weights.arrays[name] = std::move(array);
  };
  for (const auto& item : model->named_parameters()) add(item.key(), item.value());
  for (const auto& item : model->named_buffers()) add(item.key(), item.value());
  return weights;
}

namespace {

/// Copies every parameter of `model` (and buffer, with `buffers`) found under its name and
/// shape in `weights`, onto whatever device the model is on; returns the names not found.
std::vector<std::string> copy_named_arrays(const WeightFile& weights, NarFormerModel& model,
                                           bool buffers) {
  std::vector<std::string> missing;
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, torch::Tensor& target) {
    const auto it = weights.arrays.find(name);
    if (it == weights.arrays.end() || it->second.shape != target.sizes().vec()) {
      missing.push_back(name);
      return;
    }
    const torch::Tensor values = torch::from_blob(const_cast<float*>(it->second.values.data()),
                                                  target.sizes(), torch::kFloat32);
    target.copy_(values);
  };
  for (auto& item : model->named_parameters()) copy(item.key(), item.value());
  if (buffers)
    for (auto& item : model->named_buffers()) copy(item.key(), item.value());
  return missing;
}

}  // namespace

void load_model_weights(const std::string& path, NarFormerModel& model,
                        const torch::Device& device) {
  const std::string weights_path = weights_path_for(path);
  if (std::filesystem::exists(path) || !std::filesystem::exists(weights_path)) {
    load_checkpoint(path, model, nullptr, device);
    return;
  }
  const WeightFile weights = read_weight_file(weights_path);
  const std::string expected = describe(model->options());
  if (weights.meta != expected)
    throw RunError(with_file(weights_path, "weights were written for a different model (" +
                                               weights.meta + ") than the config describes (" +
                                               expected + ")"));
  const std::vector<std::string> missing = copy_named_arrays(weights, model, /*buffers=*/true);
  if (!missing.empty())
    throw RunError(with_file(weights_path, "has no weights for '" + missing.front() + "' (" +
                                               std::to_string(missing.size()) + " missing)"));
}

std::string export_checkpoint_weights(const std::string& checkpoint, NarFormerModel& model) {
  load_checkpoint(checkpoint, model, nullptr, torch::kCPU);
  const std::string path = weights_path_for(checkpoint);
  write_weight_file(path, model_weights(model));
  return path;
}

TrainingState load_checkpoint(const std::string& path, NarFormerModel& model,
                              ResumableState* optimizer, const torch::Device& device) {
  if (!std::filesystem::exists(path)) throw RunError(with_file(path, "checkpoint not found"));
  TrainingState state;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    torch::IValue value;
    archive.read("model_options", value);
    const std::string stored = value.toStringRef();
    const std::string expected = describe(model->options());
    if (stored != expected)
      throw RunError(with_file(path, "checkpoint was written for a different model (" + stored +
                                         ") than the config describes (" + expected + ")"));
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model->load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      if (!archive.try_read("optimizer", optimizer_archive))
        throw RunError(
            with_file(path, "checkpoint holds no optimiser state, cannot resume from it"));
      optimizer->load(optimizer_archive);
    }
    archive.read("epochs_done", value);
    state.epochs_done = value.toInt();
    archive.read("step", value);
    state.step = value.toInt();
    archive.read("best_score", value);
    state.best_score = value.toDouble();
    archive.read("best_epoch", value);
    state.best_epoch = value.toInt();
    archive.read("shuffle_engine", value);
    state.shuffle_engine = value.toStringRef();
    torch::Tensor rng;
    if (archive.try_read("torch_rng", rng)) state.torch_rng = rng;
    torch::Tensor offsets;
    if (archive.try_read("family_offsets", offsets)) state.family_offsets = offsets;
  } catch (const RunError&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (const auto newline = what.find('\n'); newline != std::string::npos) what.resize(newline);
    throw RunError(
        with_file(path, "cannot read checkpoint (corrupt or not a narformer checkpoint): " + what));
  }
  return state;
}

namespace {

/// Reads tensor parts[0].parts[1]...: one nested archive per module level.
bool read_nested(torch::serialize::InputArchive& archive, const std::vector<std::string>& parts,
                 size_t i, torch::Tensor& out) {
  if (i + 1 == parts.size()) return archive.try_read(parts[i], out);
  torch::serialize::InputArchive child;
  return archive.try_read(parts[i], child) && read_nested(child, parts, i + 1, out);
}

}  // namespace

std::vector<std::string> load_matching_weights(const std::string& path, NarFormerModel& model,
                                               const torch::Device& device) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) {
    file = RunFolder(path).checkpoint("best");
    if (!std::filesystem::exists(file) && std::filesystem::exists(weights_path_for(file)))
      file = weights_path_for(file);  // a pretrained folder: weights only
  }
  if (!std::filesystem::exists(file))
    throw RunError(with_file(file, "checkpoint not found (train.init_from)"));
  if (file.size() > 8 && file.compare(file.size() - 8, 8, ".weights") == 0) {
    // Parameters only, as from a .pt: buffers such as the cost readout's fitted rates belong
    // to this run's data.
    const std::vector<std::string> not_copied =
        copy_named_arrays(read_weight_file(file), model, /*buffers=*/false);
    if (not_copied.size() == model->named_parameters().size())
      throw RunError(with_file(file, "no parameter matches the model (train.init_from)"));
    return not_copied;
  }
  std::vector<std::string> not_copied;
  int64_t copied = 0;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(file, device);
    torch::serialize::InputArchive weights;
    archive.read("model", weights);
    torch::NoGradGuard no_grad;
    for (auto& item : model->named_parameters()) {
      // "encoder.block0.attention.root.weight": descend one nested archive per module.
      std::vector<std::string> parts;
      std::stringstream ss(item.key());
      for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
      torch::Tensor stored;
      if (read_nested(weights, parts, 0, stored) && stored.sizes().equals(item.value().sizes())) {
        item.value().copy_(stored);
        ++copied;
      } else {
        not_copied.push_back(item.key());
      }
    }
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (const auto newline = what.find('\n'); newline != std::string::npos) what.resize(newline);
    throw RunError(with_file(file, "cannot read checkpoint: " + what));
  }
  if (copied == 0)
    throw RunError(with_file(file, "no parameter matches the model (train.init_from)"));
  return not_copied;
}

}  // namespace narformer
