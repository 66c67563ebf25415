// narformer embed --run RUN_DIR MODEL.onnx [MORE ...] [--out FILE.npy|FILE.csv] [--json]
// narformer embed --run RUN_DIR --arch ARCH [...]
// Writes the learned graph representation (the vector the prediction head reads).
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/npy.h"
#include "narformer/predict/predictor.h"

namespace narformer::cli {

namespace {

struct EmbedArguments {
  std::string run_dir;
  std::vector<std::string> inputs;
  std::vector<std::string> archs;
  std::string checkpoint = "best";
  std::string out;
  int64_t batch = 1;
  bool json = false;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void run_embed(const EmbedArguments& args) {
  if (!args.out.empty() && !ends_with(args.out, ".npy") && !ends_with(args.out, ".csv"))
    throw ConfigError("--out must name a .npy or .csv file, got '" + args.out + "'");
  PredictorOptions options;
  options.checkpoint = args.checkpoint;
  const Predictor predictor(args.run_dir, options);
  if (predictor.embedding_dim() == 0)
    throw ConfigError("run " + args.run_dir +
                      " is a baseline (model.kind in its config.yaml): it has no learned "
                      "representation to embed; embed needs a model.kind narformer run");
  const bool cells = !predictor.takes_onnx();
  const std::vector<std::string>& inputs = cells ? args.archs : args.inputs;
  if (inputs.empty()) throw ConfigError(cells ? "give cells with --arch" : "give ONNX files");
  std::vector<TokenPtr> tokens;
  for (const auto& input : inputs)
    tokens.push_back(cells ? predictor.tokenize_cell(input)
                           : predictor.tokenize_onnx(input, args.batch));
  const std::vector<std::vector<float>> vectors = predictor.embed(tokens);
  const int64_t width = predictor.embedding_dim();

  if (ends_with(args.out, ".npy")) {
    std::vector<float> flat;
    for (const auto& v : vectors) flat.insert(flat.end(), v.begin(), v.end());
    write_file_atomic(args.out,
                      npy_float32(flat.data(), {static_cast<int64_t>(vectors.size()), width}));
  } else if (ends_with(args.out, ".csv")) {
    std::ostringstream csv;
    csv << "input";
    for (int64_t c = 0; c < width; ++c) csv << ",e" << c;
    csv << '\n';
    char buffer[32];
    for (size_t i = 0; i < vectors.size(); ++i) {
      csv << inputs[i];
      for (const float x : vectors[i]) {
        std::snprintf(buffer, sizeof buffer, ",%.9g", static_cast<double>(x));
        csv << buffer;
      }
      csv << '\n';
    }
    write_file_atomic(args.out, csv.str());
  }
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < vectors.size(); ++i)
      out.push_back({{"input", inputs[i]}, {"embedding", vectors[i]}});
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%zu embeddings of %lld values%s%s\n", vectors.size(),
                static_cast<long long>(width), args.out.empty() ? "" : " written to ",
                args.out.c_str());
  }
}

}  // namespace

void add_embed_command(CLI::App& app) {
  auto args = std::make_shared<EmbedArguments>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "write the learned representation of networks (the head's input)");
  cmd->add_option("--run", args->run_dir, "run folder written by `narformer train`")->required();
  cmd->add_option("inputs", args->inputs, "ONNX files");
  cmd->add_option("--arch", args->archs, "NAS-Bench cells (cell runs); repeatable");
  cmd->add_option("--checkpoint", args->checkpoint, "best | last | path of a .pt file")
      ->capture_default_str();
  cmd->add_option("--out", args->out,
                  "write the vectors to FILE.npy (items x dims, float32) or FILE.csv");
  cmd->add_option("--batch", args->batch, "batch size written into the ONNX graphs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "print the vectors as JSON");
  cmd->callback([args] { run_embed(*args); });
}

}  // namespace narformer::cli
