// Tiny YOLOv2 for PASCAL VOC (Redmon & Farhadi 2017), Darknet's
// cfg/tiny-yolo-voc.cfg: eight 3x3 convs with BatchNorm and leaky ReLU 0.1,
// six 2x2 max pools, and a final 1x1 conv to 5 anchors x (20 classes + 5) =
// 125 channels on a 13x13 grid. The region layer (box decoding) is
// post-processing outside the network and is not included; the final conv is
// the graph output. Darknet convs followed by BatchNorm have no bias, so the
// count is conv weights + BN scale/bias + the last conv's bias: 15,861,773.
#include <string>

#include "models/zoo_builders.h"

namespace seam {
namespace zoo {

const char kTinyYoloV2Description[] =
    "Tiny YOLOv2 VOC (Redmon & Farhadi 2017), Darknet tiny-yolo-voc.cfg: 9 convs (BN + leaky 0.1), "
    "416x416 -> 125x13x13, region decoding not included";

Status BuildTinyYoloV2(GraphBuilder* b) {
  b->SetProducer(kProducer);
  b->SetDescription(kTinyYoloV2Description);
  int x = b->Input("input", Shape{1, 3, 416, 416});
  constexpr int kFilters[] = {16, 32, 64, 128, 256, 512, 1024, 1024};
  for (int i = 0; i < 8; ++i) {
    const std::string n = std::to_string(i + 1);
    x = b->Conv("conv" + n, x, kFilters[i], 3, 1, 1, 1, /*bias=*/false);
    x = b->BatchNorm("bn" + n, x);
    x = b->LeakyRelu("leaky" + n, x, 0.1f);
    if (i < 5) {
      x = b->MaxPool("pool" + n, x, 2, 2);  // 416 -> 208 -> 104 -> 52 -> 26 -> 13
    } else if (i == 5) {
      // Darknet's size-2 stride-1 pool pads one cell at the bottom and right
      // only, which keeps the grid at 13x13; the helper pads symmetrically.
      PoolAttrs pool;
      pool.kernel_h = pool.kernel_w = 2;
      pool.stride_h = pool.stride_w = 1;
      pool.pad_bottom = pool.pad_right = 1;
      x = b->AddNode(OpType::kMaxPool, "pool6", {x}, pool);
    }
  }
  // Linear activation: the raw grid the region layer decodes.
  x = b->Conv("output", x, 125, 1);
  return FinishModel(b, x);
}

}  // namespace zoo
}  // namespace seam
