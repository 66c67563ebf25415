#include "narformer/config/choices.h"

#include <stdexcept>

#include "narformer/core/error.h"

namespace narformer {

namespace {

template <typename E>
std::string spelling(E value, const Spellings<E>& names) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  throw std::logic_error("a config enumeration value without a spelling");
}

template <typename E>
E parse(const std::string& text, const Spellings<E>& names, const std::string& what) {
  std::string known;
  for (const auto& [value, name] : names) {
    if (name == text) return value;
    known += (known.empty() ? "" : ", ") + name;
  }
  throw ConfigError("unknown " + what + " '" + text + "' (expected one of: " + known + ")");
}

}  // namespace

const Spellings<Protocol>& protocol_names() {
  static const Spellings<Protocol> names = {{Protocol::kReference, "reference"},
                                            {Protocol::kHoldout, "holdout"},
                                            {Protocol::kStage, "stage"},
                                            {Protocol::kLeaveFamilyOut, "leave_family_out"},
                                            {Protocol::kAll, "all"}};
  return names;
}

const Spellings<EmbedType>& embed_type_names() {
  static const Spellings<EmbedType> names = {{EmbedType::kNerf, "nerf"},
                                             {EmbedType::kTrans, "trans"}};
  return names;
}

const Spellings<OpCode>& opcode_names() {
  static const Spellings<OpCode> names = {{OpCode::kPositional, "pe"}, {OpCode::kOneHot, "onehot"}};
  return names;
}

const Spellings<ModelKind>& model_kind_names() {
  static const Spellings<ModelKind> names = {{ModelKind::kNarformer, "narformer"},
                                             {ModelKind::kLinear, "linear"},
                                             {ModelKind::kMlp, "mlp"},
                                             {ModelKind::kGbdt, "gbdt"},
                                             {ModelKind::kRescale, "rescale"}};
  return names;
}

const Spellings<NodePacking>& node_packing_names() {
  static const Spellings<NodePacking> names = {{NodePacking::kAuto, "auto"},
                                               {NodePacking::kPacked, "packed"},
                                               {NodePacking::kPadded, "padded"}};
  return names;
}

const Spellings<Prior>& prior_names() {
  static const Spellings<Prior> names = {{Prior::kNone, "none"}, {Prior::kLinear, "linear"}};
  return names;
}

const Spellings<FeaturesSetting>& features_setting_names() {
  static const Spellings<FeaturesSetting> names = {{FeaturesSetting::kAuto, "auto"},
                                                   {FeaturesSetting::kEncoding, "encoding"},
                                                   {FeaturesSetting::kGraph, "graph"}};
  return names;
}

const Spellings<LossSetting>& loss_setting_names() {
  static const Spellings<LossSetting> names = {{LossSetting::kAuto, "auto"},
                                               {LossSetting::kRelative, "relative"},
                                               {LossSetting::kSquared, "squared"}};
  return names;
}

const Spellings<LinearSign>& linear_sign_names() {
  static const Spellings<LinearSign> names = {{LinearSign::kAuto, "auto"},
                                              {LinearSign::kFree, "free"},
                                              {LinearSign::kNonNegative, "non_negative"}};
  return names;
}

const Spellings<RescaleStatistic>& rescale_statistic_names() {
  static const Spellings<RescaleStatistic> names = {{RescaleStatistic::kMedian, "median"},
                                                    {RescaleStatistic::kMean, "mean"}};
  return names;
}

const Spellings<ConsistencyScale>& consistency_scale_names() {
  static const Spellings<ConsistencyScale> names = {{ConsistencyScale::kAbsolute, "absolute"},
                                                    {ConsistencyScale::kRelative, "relative"}};
  return names;
}

const Spellings<Selection>& selection_names() {
  static const Spellings<Selection> names = {{Selection::kKendallTau, "kendall_tau"},
                                             {Selection::kMape, "mape"}};
  return names;
}

const Spellings<SelectionSplit>& selection_split_names() {
  static const Spellings<SelectionSplit> names = {{SelectionSplit::kValidation, "val"},
                                                  {SelectionSplit::kTest, "test"}};
  return names;
}

const Spellings<DeviceSetting>& device_setting_names() {
  static const Spellings<DeviceSetting> names = {
      {DeviceSetting::kAuto, "auto"}, {DeviceSetting::kCpu, "cpu"}, {DeviceSetting::kCuda, "cuda"}};
  return names;
}

const Spellings<LogLevel>& log_level_names() {
  static const Spellings<LogLevel> names = {
      {LogLevel::kDebug, "debug"}, {LogLevel::kInfo, "info"}, {LogLevel::kWarn, "warn"}};
  return names;
}

std::string to_string(Protocol value) {
  return spelling(value, protocol_names());
}
std::string to_string(EmbedType value) {
  return spelling(value, embed_type_names());
}
std::string to_string(OpCode value) {
  return spelling(value, opcode_names());
}
std::string to_string(ModelKind value) {
  return spelling(value, model_kind_names());
}
std::string to_string(Prior value) {
  return spelling(value, prior_names());
}
std::string to_string(NodePacking value) {
  return spelling(value, node_packing_names());
}
std::string to_string(FeaturesSetting value) {
  return spelling(value, features_setting_names());
}
std::string to_string(LossSetting value) {
  return spelling(value, loss_setting_names());
}
std::string to_string(LinearSign value) {
  return spelling(value, linear_sign_names());
}
std::string to_string(RescaleStatistic value) {
  return spelling(value, rescale_statistic_names());
}
std::string to_string(ConsistencyScale value) {
  return spelling(value, consistency_scale_names());
}
std::string to_string(Selection value) {
  return spelling(value, selection_names());
}
std::string to_string(SelectionSplit value) {
  return spelling(value, selection_split_names());
}
std::string to_string(DeviceSetting value) {
  return spelling(value, device_setting_names());
}
std::string to_string(LogLevel value) {
  return spelling(value, log_level_names());
}

EmbedType parse_embed_type(const std::string& text, const std::string& what) {
  return parse(text, embed_type_names(), what);
}
DeviceSetting parse_device_setting(const std::string& text, const std::string& what) {
  return parse(text, device_setting_names(), what);
}
LogLevel parse_log_level(const std::string& text, const std::string& what) {
  return parse(text, log_level_names(), what);
}

}  // namespace narformer
