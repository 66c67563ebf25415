#include "narformer/model/readouts.h"

#include <algorithm>
#include <deque>
#include <map>

#include "narformer/core/error.h"
#include "narformer/model/options.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

namespace {

std::vector<ParameterShape> linear(const std::string& name, int64_t in, int64_t out) {
  return {{name + ".weight", {out, in}}, {name + ".bias", {out}}};
}

std::vector<ParameterShape> concat(std::vector<std::vector<ParameterShape>> parts) {
  std::vector<ParameterShape> out;
  for (auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<ParameterShape> none(const ModelOptions&) {
  return {};
}

// method.md §3.6: per-block node means m_l, weights w = σ(MLP([m_1..m_L])), h = Σ w_l m_l.
std::vector<ParameterShape> fusion_parameters(const ModelOptions& o) {
  const int64_t lh = o.blocks * o.hidden;
  return concat({linear("fuse_hidden", lh, lh / 4), linear("fuse_out", lh / 4, o.blocks)});
}

int64_t graph_mlp_width(const ModelOptions& o) {
  return o.static_dim > 0 ? 2 * o.hidden : o.hidden;
}

// method.md §3.5: h = [g ; ReLU(Dropout(Linear(static)))], then
// Linear -> ReLU -> Dropout -> Linear -> ReLU -> Dropout -> Linear (one output per platform).
std::vector<ParameterShape> graph_mlp_parameters(const ModelOptions& o) {
  const int64_t h = o.hidden;
  std::vector<ParameterShape> out;
  if (o.static_dim > 0) out = linear("static_branch", o.static_dim, h);
  return concat({out, linear("head1", graph_mlp_width(o), h), linear("head2", h, h),
                 linear("head_out", h, o.num_heads)});
}

int64_t hidden_width(const ModelOptions& o) {
  return o.hidden;
}

// Ours: per node, rates = fitted linear rates (buffer cost_rates) times a learned correction
// from MLP([node vector ; log(1 + 100 · its amounts of work)]).
std::vector<ParameterShape> node_cost_parameters(const ModelOptions& o) {
  const int64_t h = o.hidden;
  return concat({linear("node_rate_hidden", h + kLibraryCall, h / 4),
                 linear("node_rate_out", h / 4, kNodeCostDims * o.num_heads),
                 {{"cost_rates", {o.num_heads, kNodeCostDims}}}});
}

/// Registered specs; a deque keeps references valid as entries are added.
struct Registry {
  std::deque<HeadSpec> heads;
  std::deque<ReadoutSpec> readout_specs;
  std::vector<const ReadoutSpec*> readouts;

  Registry() {
    heads.push_back({"graph_mlp",
                     "the graph vector (and static features) through a 3-layer MLP, softplus(-z)",
                     false, graph_mlp_width, graph_mlp_parameters});
    heads.push_back({"node_cost",
                     "per node, fitted linear rates times a learned correction times its work",
                     true, hidden_width, node_cost_parameters});
    const HeadSpec* mlp = &heads[0];
    // Frozen order: checkpoints record the position (fusion 0, mean 1, sum 2, cost 3).
    add({"fusion", "per-block node means fused by learned weights (cells, method.md §3.6)", mlp,
         fusion_parameters});
    add({"mean", "mean of the last block's node vectors", mlp, none});
    add({"sum", "sum of the last block's node vectors (latency, method.md §3.5)", mlp, none});
    add({"cost",
         "sum of the last block's node vectors; the prediction prices each node's work (ours: "
         "extrapolates to networks bigger than any in training)",
         &heads[1], none});
  }

  const ReadoutSpec& add(ReadoutSpec spec) {
    if (!spec.head || !spec.parameters || !spec.head->parameters || !spec.head->embedding_dim)
      throw ConfigError("readout '" + spec.name + "': a head and parameter lists are required");
    for (const ReadoutSpec* r : readouts)
      if (r->name == spec.name)
        throw ConfigError("readout '" + spec.name + "' is registered already");
    readout_specs.push_back(std::move(spec));
    readouts.push_back(&readout_specs.back());
    return readout_specs.back();
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

const HeadSpec& graph_mlp_head() {
  return registry().heads[0];
}
const HeadSpec& node_cost_head() {
  return registry().heads[1];
}
const ReadoutSpec& fusion_readout() {
  return *registry().readouts[0];
}
const ReadoutSpec& mean_readout() {
  return *registry().readouts[1];
}
const ReadoutSpec& sum_readout() {
  return *registry().readouts[2];
}
const ReadoutSpec& cost_readout() {
  return *registry().readouts[3];
}

const std::vector<const ReadoutSpec*>& readouts() {
  return registry().readouts;
}

std::vector<std::string> readout_names() {
  std::vector<std::string> names;
  for (const ReadoutSpec* r : readouts()) names.push_back(r->name);
  return names;
}

const ReadoutSpec& find_readout(const std::string& name) {
  for (const ReadoutSpec* r : readouts())
    if (r->name == name) return *r;
  std::string known;
  for (const std::string& n : readout_names()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError("unknown readout '" + name + "' (registered: " + known + ")");
}

int64_t readout_index(const ReadoutSpec& readout) {
  const auto& all = readouts();
  const auto it = std::find(all.begin(), all.end(), &readout);
  if (it == all.end()) throw ConfigError("readout '" + readout.name + "' is not registered");
  return it - all.begin();
}

const ReadoutSpec& add_readout_spec(ReadoutSpec spec) {
  return registry().add(std::move(spec));
}

namespace {

std::map<std::string, MakeLiteReadout>& lite_readouts() {
  static std::map<std::string, MakeLiteReadout> added;
  return added;
}

}  // namespace

void add_lite_readout(const std::string& name, MakeLiteReadout make) {
  if (!lite_readouts().emplace(name, std::move(make)).second)
    throw ConfigError("readout '" + name + "' has a LibTorch-free implementation already");
}

const MakeLiteReadout* added_lite_readout(const std::string& name) {
  const auto it = lite_readouts().find(name);
  return it == lite_readouts().end() ? nullptr : &it->second;
}

std::vector<ParameterShape> declared_parameters(const ReadoutSpec& readout,
                                                const ModelOptions& options) {
  return concat({readout.parameters(options), readout.head->parameters(options)});
}

}  // namespace narformer
