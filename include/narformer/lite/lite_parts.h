#pragma once
// Moved: the LibTorch-free forward pass lives in narformer/torch_free/, a folder whose name
// says what it holds. This header keeps code that includes the old path building unchanged.
#include "narformer/torch_free/lite_parts.h"
