// Synthetic and directory frame sources for `seam edge`.
#include "tools/stream/frame_source.h"

#include <algorithm>
#include <filesystem>

#include "tools/tensor_io.h"

namespace seam::stream {
namespace {

class SyntheticSource final : public FrameSource {
 public:
  SyntheticSource(int64_t frames, const Shape& shape) : frames_(frames), shape_(shape) {}
  int64_t size() const override { return frames_; }
  Status Load(int64_t index, std::vector<float>* values) override {
    SyntheticFrame(index, shape_, values);
    return Status::Ok();
  }

 private:
  int64_t frames_;
  Shape shape_;
};

class DirectorySource final : public FrameSource {
 public:
  DirectorySource(std::vector<std::string> files, const Shape& shape, std::string input_name)
      : files_(std::move(files)), shape_(shape), input_name_(std::move(input_name)) {}
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  Status Load(int64_t index, std::vector<float>* values) override {
    return cli::ReadTensorFile(files_[static_cast<size_t>(index)], shape_, input_name_, values);
  }

 private:
  std::vector<std::string> files_;
  Shape shape_;
  std::string input_name_;
};

}  // namespace

void SyntheticFrame(int64_t index, const Shape& shape, std::vector<float>* values) {
  values->resize(static_cast<size_t>(shape.NumElements()));
  const uint64_t salt = static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < values->size(); ++i) {
    const uint64_t h = (static_cast<uint64_t>(i) * 2654435761u + salt) >> 11;
    (*values)[i] = static_cast<float>(h % 2001) / 1000.0f - 1.0f;  // in [-1, 1]
  }
}

std::unique_ptr<FrameSource> MakeSyntheticSource(int64_t frames, const Shape& shape) {
  return std::make_unique<SyntheticSource>(frames, shape);
}

Status MakeDirectorySource(const std::string& dir, const Shape& shape,
                           const std::string& input_name, std::unique_ptr<FrameSource>* out) {
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".npy" || ext == ".f32"))
      files.push_back(entry.path().string());
  }
  if (ec) return IoError("cannot list input directory '" + dir + "': " + ec.message());
  if (files.empty())
    return InvalidArgument("input directory '" + dir + "' has no .npy or .f32 files");
  std::sort(files.begin(), files.end());
  *out = std::make_unique<DirectorySource>(std::move(files), shape, input_name);
  return Status::Ok();
}

}  // namespace seam::stream
