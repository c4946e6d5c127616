// The two-layer LSTM of Xia et al., "Characterizing DNN Models for Edge-Cloud
// Computing" (Table I: input [20,200], output [20,10000], 2 layers, 2.65 M
// parameters). The shapes read as a word-level language model: 20 time steps
// of 200-wide embeddings, two stacked LSTMs with hidden size 200, and a
// 200->10000 vocabulary projection applied at every step. ONNX LSTM carries
// two bias vectors per gate (8H), so each layer has 4H(I+H) + 8H = 321,600
// parameters; with the 2,010,000 of the projection the total is 2,653,200.
//
// Reshapes adapt between the layouts: the model input is [seq, features],
// ONNX LSTM wants [seq, batch, input] and returns Y as
// [seq, directions, batch, hidden], and the projection wants [rows, features].
#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kLstmDescription[] =
    "2-layer LSTM (hidden 200, 20 steps x 200 features) + 200->10000 FC, from Xia et al. "
    "\"Characterizing DNN Models for Edge-Cloud Computing\" Table I (2.65 M params)";

Status BuildLstm(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kLstmDescription);
  constexpr int64_t kSteps = 20, kFeatures = 200, kHidden = 200, kVocab = 10000;
  int x = b->Input("input", Shape{kSteps, kFeatures});
  x = b->Reshape("reshape1", x, {kSteps, 1, kFeatures});  // batch 1
  x = b->LSTM("lstm1", x, kHidden);                       // -> [20,1,1,200]
  x = b->Reshape("reshape2", x, {kSteps, 1, kHidden});
  x = b->LSTM("lstm2", x, kHidden);
  x = b->Reshape("reshape3", x, {kSteps, kHidden});  // one row per time step
  x = b->FullyConnected("fc", x, kVocab);
  x = b->Softmax("output", x);  // a distribution over the vocabulary per step
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
