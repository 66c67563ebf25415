#pragma once
// narformer: everything a C++ user needs, in one include.
//
//   find_package(narformer REQUIRED)
//   target_link_libraries(my_tool PRIVATE narformer::narformer)
//
//   #include <narformer/narformer.h>
//   narformer::Predictor latency("runs/latency_cpu_in_domain");
//   double ms = latency.predict_onnx("model.onnx");

// Graphs, cells and tokens (no LibTorch needed for these)
#include "narformer/cells/augment.h"
#include "narformer/cells/cell.h"
#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/data/batch.h"
#include "narformer/data/latency_table.h"
#include "narformer/data/nas_table.h"
#include "narformer/data/split.h"
#include "narformer/eval/kendall_tau.h"
#include "narformer/eval/metrics.h"
#include "narformer/graph/graph.h"
#include "narformer/model/cost_prior.h"
#ifdef NARFORMER_WITH_LITE  // built where a CBLAS is found (Debian: always)
#include "narformer/torch_free/lite_predictor.h"
#endif
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/cell_tokenizer.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_cache.h"

// Prediction from a trained run, or a shipped one (narformer::find_pretrained("latency_cpu"))
#include "narformer/predict/predictor.h"
#include "narformer/runtime/pretrained.h"
#include "narformer/runtime/run_folder.h"

// Model and training (LibTorch)
#include "narformer/model/narformer_model.h"
#include "narformer/train/experiment.h"
